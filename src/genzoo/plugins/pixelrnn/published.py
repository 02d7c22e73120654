"""The weights genzoo's pixelrnn plugin publishes: one row per model, read by
`genzoo.plugins.tables.published_models`. DEFAULTS holds what the rows share; a row's
config is the default config with its own keys over it. Each model's figures are its
card's (hub/genzoo/<name>/README.md), here so that `genzoo list` shows them offline;
tests/test_docs.py fails when the two disagree.
"""

DEFAULTS = {
    "architecture": "pixelrnn",
    "paper": "https://arxiv.org/abs/1601.06759",
    "license": "mit",
    "dataset": "fashion-mnist",
    "config": {},
}

MODELS = {
    "pixelrnn-fashion-mnist": {
        "description": "PixelRNN-style column and row LSTMs (96 and 192 units), a 256-way softmax per pixel, trained on fashion-mnist for 10 epochs: exact likelihood, 2.879 bits/dim",
        "parameters": 569536,
        "config": {
            "image_shape": [1, 28, 28],
            "state_dim": 96,
            "hidden_dim": 192,
            "levels": 256,
            "mixtures": 0,
        },
        "recipe": {"epochs": 10, "batch_size": 64, "seed": 0},
        "config_sha256": "33c9093eed004cf519c1273fe5399552264228bc16bf1cfee1ed941367378f9c",
        "sha256": {"generator": "75dbae4d8a298113fa35a0cc335e23af807e9ef972eac3fb17fa3d456e31771b"},
        "metrics": {
            "bits_per_dim": 2.879,
            "negative_log_likelihood": 1564.0,
            "frechet_distance": 7.48,
            "kernel_distance": 0.0127,
            "inception_score": 4.678,
            "precision": 0.7303,
            "recall": 0.7152,
            "density": 0.6586,
            "coverage": 0.4669,
        },
    },
    "pixelrnn-fashion-mnist-small": {
        "description": "PixelRNN-style column and row LSTMs of the reference size (64 and 128 units), trained on fashion-mnist for 15 epochs: 2.903 bits/dim",
        "parameters": 265088,
        "recipe": {
            "epochs": 10,
            "batch_size": 64,
            "seed": 0,
            "init_from": "pixelrnn-fashion-mnist-5ep",
        },
        "config_sha256": "528cf1209d32ab008b5d9b68d652d573d14af5616e96d20402a3da45b1d06746",
        "sha256": {"generator": "9422afa0534ee236cfcc0dfa99fe3f7edf504e6f1c7f529cceccf69cf9eea918"},
        "metrics": {
            "bits_per_dim": 2.903,
            "negative_log_likelihood": 1578.0,
            "frechet_distance": 9.85,
            "kernel_distance": 0.0169,
            "inception_score": 4.339,
            "precision": 0.716,
            "recall": 0.6885,
            "density": 0.6287,
            "coverage": 0.3945,
        },
    },
    "pixelrnn-fashion-mnist-5ep": {
        "description": "pixelrnn-fashion-mnist-small after its first 5 epochs (3.075 bits/dim): where its recipe starts",
        "parameters": 265088,
        "recipe": {"epochs": 5, "batch_size": 64, "seed": 0},
        "config_sha256": "9b03b1553119f54aa699e1429db083e21aaefb2d5b7ba58bcf8d7d7f9c63fc97",
        "sha256": {"generator": "9964d774dc45a75d5776c00494acdf03492cf6d50a1e63e2429eab9530fc1986"},
        "metrics": {
            "bits_per_dim": 3.075,
            "negative_log_likelihood": 1671.0,
            "frechet_distance": 19.42,
            "kernel_distance": 0.04111,
            "inception_score": 3.34,
            "precision": 0.6823,
            "recall": 0.5108,
            "density": 0.5537,
            "coverage": 0.1931,
        },
    },
}
