"""The weights genzoo's simclr plugin publishes: one row per model, read by
`genzoo.plugins.tables.published_models`. DEFAULTS holds what the rows share; a row's
config is the default config with its own keys over it. Each model's figures are its
card's (hub/genzoo/<name>/README.md), here so that `genzoo list` shows them offline;
tests/test_docs.py fails when the two disagree.
"""

DEFAULTS = {
    "architecture": "simclr",
    "paper": "https://arxiv.org/abs/2002.05709",
    "license": "mit",
    "dataset": "fashion-mnist",
    "config": {},
}

MODELS = {
    "simclr-fashion-mnist": {
        "description": "Self-supervised encoder of fashion-mnist (SimCLR, no labels): the label-free feature space generators are also measured in",
        "parameters": 438496,
        "recipe": {"epochs": 6, "batch_size": 256, "seed": 0},
        "config_sha256": "63e8132f1b67a43735aaf3f8a83d2100a9e7de6841c4db922f630fd2b2014376",
        "sha256": {"encoder": "8dae86e8e7ef69b595b756b7f63a2e45040bec29ab1b3abe310454834aad5f18"},
        "metrics": {"knn_accuracy": 0.7364},
    },
    "simclr-mnist": {
        "dataset": "mnist",
        "description": "Self-supervised encoder of mnist (SimCLR, no labels, no flips): the label-free feature space MNIST generators are also measured in",
        "parameters": 438496,
        "recipe": {"epochs": 4, "batch_size": 256, "seed": 0, "flip": False},
        "config_sha256": "37399a0870d1faf2b42dbf0635c6ecb4c6f17f29a80a49eaf459be4161b7678c",
        "sha256": {"encoder": "73b5f4fd29fc33825b8cddd51a4d2b65aa87781f2f4876c8d8dbb4dde74562ed"},
        "metrics": {"knn_accuracy": 0.8859},
    },
}
