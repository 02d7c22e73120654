"""The weights genzoo's vae plugin publishes: one row per model, read by
`genzoo.plugins.tables.published_models`. DEFAULTS holds what the rows share; a row's
config is the default config with its own keys over it. Each model's figures are its
card's (hub/genzoo/<name>/README.md), here so that `genzoo list` shows them offline;
tests/test_docs.py fails when the two disagree.
"""

DEFAULTS = {
    "architecture": "vae",
    "paper": "https://arxiv.org/abs/1312.6114",
    "license": "mit",
    "config": {
        "latent_dim": 32,
        "image_shape": [1, 28, 28],
        "base_channels": 64,
        "hidden_dim": 512,
        "prior_hidden_dim": 512,
    },
}

MODELS = {
    "vae-fashion-mnist": {
        "dataset": "fashion-mnist",
        "description": "Convolutional VAE (beta 0.1, 32-d latent, flow prior) trained on fashion-mnist",
        "parameters": 9045697,
        "recipe": {"epochs": 10, "batch_size": 128, "seed": 0, "beta": 0.1, "schedule": "cosine"},
        "config_sha256": "c11734ed16fbeafd28291e89832047ec417dad292715e9a043f781de37707043",
        "sha256": {
            "encoder": "c1510d954dff1cc7a526a5797cfc171e8164ff852ee52251957bfd2de9ba9a45",
            "decoder": "dbd9c6a81441b8f558c8bc23b32c4cfb7bcd72670bd25d88db9f8690cce20604",
        },
        "metrics": {
            "negative_elbo": 266.8,
            "reconstruction_nll": 207.4,
            "kl": 59.35,
            "frechet_distance": 7.868,
            "kernel_distance": 0.01989,
            "inception_score": 4.977,
            "precision": 0.7633,
            "recall": 0.3455,
            "density": 0.7677,
            "coverage": 0.5735,
        },
    },
    "vae-mnist": {
        "dataset": "mnist",
        "description": "Convolutional VAE (beta 0.1, 32-d latent, flow prior) trained on mnist",
        "parameters": 9045697,
        "recipe": {"epochs": 10, "batch_size": 128, "seed": 0, "beta": 0.1, "schedule": "cosine"},
        "config_sha256": "05aaaacbeaf9db9ae20142b7b2547cf2bd8cd92a37b356569ef5f9b12b5b3dc6",
        "sha256": {
            "encoder": "9e0f2c9dcbadd7d8450314cbeeb8921c93ce69e261bfa63be864e9fdd1e4a7a9",
            "decoder": "04f66e9a7f917905aedc52991e8bd262153213ccaaf8e8e1ff98254a44d5f81c",
        },
        "metrics": {
            "negative_elbo": 125.8,
            "reconstruction_nll": 56.18,
            "kl": 69.63,
            "frechet_distance": 2.65,
            "kernel_distance": 0.0066,
            "inception_score": 5.82,
            "precision": 0.7603,
            "recall": 0.7409,
            "density": 0.7304,
            "coverage": 0.8171,
        },
    },
}
