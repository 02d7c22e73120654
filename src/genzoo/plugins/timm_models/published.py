"""The weights genzoo's timm_models plugin publishes: one row per model, read by
`genzoo.plugins.tables.published_models`. DEFAULTS holds what the rows share; a row's
config is the default config with its own keys over it. Each model's figures are its
card's (hub/genzoo/<name>/README.md), here so that `genzoo list` shows them offline;
tests/test_docs.py fails when the two disagree.
"""

DEFAULTS = {
    "architecture": "timm/resnet18",
    "paper": "https://arxiv.org/abs/1512.03385",
    "license": "mit",
    "config": {
        "model_name": "resnet18",
        "image_shape": [1, 28, 28],
        "small_stem": True,
        "keep_maxpool": True,
    },
}

MODELS = {
    "resnet18-fashion-mnist": {
        "dataset": "fashion-mnist",
        "description": "timm ResNet-18 (3x3 stride-1 stem, then timm's max-pool: the first stage sees 14x14) classifying fashion-mnist",
        "parameters": 11172810,
        "recipe": {"epochs": 10, "batch_size": 128, "seed": 0},
        "config_sha256": "af7c36b6014c8559fc21df23b4ea08bd587ea8668fa3c2ca7e8afdf6e7ec04a9",
        "sha256": {
            "classifier": "6b33b119d3292a339afae32fddc4353a795a78cdebdb498fece2cb74f5ffff33"
        },
        "metrics": {"accuracy": 0.932},
    },
    "resnet18-mnist": {
        "dataset": "mnist",
        "description": "timm ResNet-18 (the Fashion-MNIST evaluator's stem) classifying mnist; the evaluator of the MNIST generators",
        "parameters": 11172810,
        "recipe": {"epochs": 3, "batch_size": 128, "seed": 0, "flip": False},
        "config_sha256": "ce070933c073efcc087ae2b3e9e0c7219817cbe90607028533f5fbfd457dc15a",
        "sha256": {
            "classifier": "2c867a911704042f2dde64c437b4dc37bc62ca26e1f60183a8eb3b8ae3141261"
        },
        "metrics": {"accuracy": 0.9948},
    },
}
