"""The weights genzoo's dcgan plugin publishes: one row per model, read by
`genzoo.plugins.tables.published_models`. DEFAULTS holds what the rows share; a row's
config is the architecture's (in __init__.py) with its own keys over it. Each model's
figures are its card's (hub/genzoo/<name>/README.md), here so that `genzoo list` shows
them offline; tests/test_docs.py fails when the two disagree.
"""

DEFAULTS = {
    "architecture": "dcgan",
    "paper": "https://arxiv.org/abs/1511.06434",
    "license": "mit",
}

MODELS = {
    "dcgan-mnist": {
        "dataset": "mnist",
        "description": "DCGAN trained on mnist (28x28 grayscale)",
        "parameters": 898370,
        "recipe": {"epochs": 10, "batch_size": 16, "seed": 0, "r1": 1.0},
        "config_sha256": "e02045598ad386956c91f83fe2f3ae4db0efc32d615fe5067970961d9ac1b860",
        "sha256": {
            "generator": "fe577639da537e41bc2b56ed2e3f5a24a9cb1d008281c4e1892f744018a70a12",
            "discriminator": "75bf94b92552c9f767d72507f4e5d07c39986b2564754c78c7f462c182c94137",
        },
        "metrics": {
            "frechet_distance": 3.19,
            "kernel_distance": 0.00671,
            "inception_score": 5.218,
            "precision": 0.6192,
            "recall": 0.8153,
            "density": 0.4358,
            "coverage": 0.5748,
        },
    },
    "dcgan-fashion-mnist": {
        "dataset": "fashion-mnist",
        "description": "DCGAN trained on fashion-mnist (28x28 grayscale)",
        "parameters": 898370,
        "recipe": {"epochs": 10, "batch_size": 32, "seed": 0},
        "config_sha256": "3642b3cba9570d38f4edca2189b1b9191f651e721b574101c55f193ffb3ce40c",
        "sha256": {
            "generator": "4bea95b725b0fb1520b59c12e4f5c45311a2aaa0446e5cca2159c69567a6ee9c",
            "discriminator": "8c73c04d346a23a75180f91a023f6de361b95ba05dd62da36ffec6c74db8bde6",
        },
        "metrics": {
            "frechet_distance": 7.73,
            "kernel_distance": 0.01342,
            "inception_score": 4.399,
            "precision": 0.6435,
            "recall": 0.6093,
            "density": 0.5518,
            "coverage": 0.4463,
        },
    },
    "dcgan-mnist-fast": {
        "dataset": "mnist",
        "description": "DCGAN on mnist in 160 s of one CPU thread (genzoo train dcgan-mnist-fast): half the width, cosine rate, R1, a short weight average",
        "parameters": 383650,
        "config": {"base_channels": 32},
        "recipe": {
            "max_time": 160,
            "batch_size": 32,
            "seed": 0,
            "lr": 0.001,
            "r1": 1.0,
            "schedule": "cosine",
            "ema": 0.995,
        },
        "config_sha256": "8c90fccf4da1111c87fcae1339f276a470f9190285c6efd6b09895ad41ac95fa",
        "sha256": {
            "generator": "4706e044ced75bc5a6064e0567a51aa537690299f68b5970418fc6fff87a7357",
            "discriminator": "081ff7a2c73b41ff51a10f3a2af73a9f5b363e5a5b4242d1d5cc9931d3d25038",
        },
        "metrics": {"frechet_distance": 7.459},
    },
    "cdcgan-fashion-mnist": {
        "dataset": "fashion-mnist",
        "description": "class-conditional DCGAN on fashion-mnist: sample by class name (genzoo sample cdcgan-fashion-mnist --label sneaker)",
        "parameters": 1023810,
        "config": {
            "num_classes": 10,
            "class_names": [
                "t-shirt/top",
                "trouser",
                "pullover",
                "dress",
                "coat",
                "sandal",
                "shirt",
                "sneaker",
                "bag",
                "ankle boot",
            ],
        },
        "recipe": {"epochs": 10, "batch_size": 128, "seed": 0},
        "config_sha256": "1f44ecdd0bf9c466e9583ef39cc1a4075219db484b859e190c26bfec4d56c9b4",
        "sha256": {
            "generator": "1f3ff15cdaa11630d05bf150b39d7ae4780b1ee197c0b492acccb8660cab2834",
            "discriminator": "bf2783baf1173bf9c8e850db8fdfd63605e69e638cabec2b62016ec50d2de1db",
        },
        "metrics": {
            "frechet_distance": 3.291,
            "kernel_distance": 0.004575,
            "inception_score": 6.086,
            "precision": 0.7753,
            "recall": 0.4448,
            "density": 0.8346,
            "coverage": 0.6201,
            "classification_accuracy_score": 0.9057,
        },
    },
    "cdcgan-mnist": {
        "dataset": "mnist",
        "description": "class-conditional DCGAN on mnist: sample by digit (genzoo sample cdcgan-mnist --label 7)",
        "parameters": 1023810,
        "config": {
            "num_classes": 10,
            "class_names": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        },
        "recipe": {"epochs": 10, "batch_size": 128, "seed": 0},
        "config_sha256": "7237c7c8dff3b429c4903987ce62ee965ba29237626cb5f70981d9174ed03621",
        "sha256": {
            "generator": "5a8bbd422edc5f49010ea2877e441f97a281f2dd973c8220d97f43149c191d20",
            "discriminator": "16d36c75fe68fa857655b345b97bdd48f070e8a8684453e4eec040ae7106333d",
        },
        "metrics": {
            "frechet_distance": 0.821,
            "kernel_distance": 0.00044,
            "inception_score": 7.322,
            "precision": 0.7816,
            "recall": 0.6418,
            "density": 0.7723,
            "coverage": 0.7964,
            "classification_accuracy_score": 0.9942,
        },
    },
}
