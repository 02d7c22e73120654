"""The weights genzoo's lenet plugin publishes: one row per model, read by
`genzoo.plugins.tables.published_models`. DEFAULTS holds what the rows share; a row's
config is the default config with its own keys over it. Each model's figures are its
card's (hub/genzoo/<name>/README.md), here so that `genzoo list` shows them offline;
tests/test_docs.py fails when the two disagree.
"""

DEFAULTS = {
    "architecture": "lenet5",
    "paper": "http://yann.lecun.com/exdb/publis/pdf/lecun-01a.pdf",
    "license": "mit",
    "config": {},
}

MODELS = {
    "lenet5-fashion-mnist": {
        "dataset": "fashion-mnist",
        "description": "LeNet-style classifier of Fashion-MNIST (the evaluator of genzoo 0.1; resnet18-fashion-mnist's features see blur that its features miss)",
        "parameters": 496234,
        "recipe": {"epochs": 15, "batch_size": 128, "seed": 0, "schedule": "constant"},
        "config_sha256": "492e6f3d741bac5394f58464d6054c56df2ff1e872328f7dea161f95e5cf7802",
        "sha256": {
            "classifier": "a9063ed2e94ff563bac603802b6f6674110670ca3f78898e10405c26c2c15de5"
        },
        "metrics": {"accuracy": 0.9133},
    },
    "lenet5-mnist": {
        "dataset": "mnist",
        "description": "LeNet-style classifier of MNIST digits",
        "parameters": 496234,
        "recipe": {"epochs": 10, "batch_size": 128, "seed": 0, "flip": False},
        "config_sha256": "6f1671eaf513aafe0b555425321444eb843bfc7ae70989f422f6bdc4587caadf",
        "sha256": {
            "classifier": "5899d24b38d74f62a352881b17dc208b8796f16663780162381f48a6754e4b9a"
        },
        "metrics": {"accuracy": 0.9963},
    },
}
