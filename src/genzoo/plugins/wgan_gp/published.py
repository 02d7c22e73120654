"""The weights genzoo's wgan_gp plugin publishes: one row per model, read by
`genzoo.plugins.tables.published_models`. DEFAULTS holds what the rows share; a row's
config is the default config with its own keys over it. Each model's figures are its
card's (hub/genzoo/<name>/README.md), here so that `genzoo list` shows them offline;
tests/test_docs.py fails when the two disagree.
"""

DEFAULTS = {
    "architecture": "wgan-gp",
    "paper": "https://arxiv.org/abs/1704.00028",
    "license": "mit",
    "dataset": "fashion-mnist",
    "config": {},
}

MODELS = {
    "wgan-gp-fashion-mnist": {
        "description": "WGAN-GP trained on fashion-mnist (28x28 grayscale)",
        "parameters": 898370,
        "recipe": {"epochs": 10, "batch_size": 16, "seed": 0, "n_critic": 1, "gp_every": 4},
        "config_sha256": "9b1800afb94ce760b847b13a7244ec15334b87c276884ea72318a04af64ab469",
        "sha256": {
            "generator": "a0d15940e991b788c9b45477228ed8e5f5264b349fe2e047491ef7e9664723b4",
            "discriminator": "f58f7791be744a219e28427931839ed5a0723bbd4bb8f26418963f514530afaf",
        },
        "metrics": {
            "frechet_distance": 7.862,
            "kernel_distance": 0.0134,
            "inception_score": 4.435,
            "precision": 0.7235,
            "recall": 0.4541,
            "density": 0.699,
            "coverage": 0.4601,
        },
    }
}
