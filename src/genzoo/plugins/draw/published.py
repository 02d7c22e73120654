"""The weights genzoo's draw plugin publishes: one row per model, read by
`genzoo.plugins.tables.published_models`. DEFAULTS holds what the rows share; a row's
config is the default config with its own keys over it. Each model's figures are its
card's (hub/genzoo/<name>/README.md), here so that `genzoo list` shows them offline;
tests/test_docs.py fails when the two disagree.
"""

DEFAULTS = {
    "architecture": "draw",
    "paper": "https://arxiv.org/abs/1502.04623",
    "license": "mit",
    "dataset": "fashion-mnist",
    "config": {},
}

MODELS = {
    "draw-fashion-mnist": {
        "description": "DRAW with attention (16 steps, 5x5 read, 12x12 write) trained on fashion-mnist",
        "parameters": 896686,
        "recipe": {"epochs": 10, "batch_size": 64, "seed": 0, "kl_warmup": 4690},
        "config_sha256": "d74e4e144ac8fb542062a082f0d047716d4bd1c371389c0b76c1570f686d2344",
        "sha256": {"generator": "c6cc5c06b8231af9c20ea31f4742f9f7b5d55856e8033366525d61c36bb262bc"},
        "metrics": {
            "negative_elbo": 239.1,
            "reconstruction_nll": 224.7,
            "kl": 14.48,
            "frechet_distance": 21.88,
            "kernel_distance": 0.06294,
            "inception_score": 4.503,
            "precision": 0.6939,
            "recall": 0.0309,
            "density": 0.5635,
            "coverage": 0.2186,
        },
    }
}
