"""The flow-matching plugin: a U-Net velocity field sampled by an ODE solver. Registration only."""

from __future__ import annotations

from collections.abc import Callable

from genzoo.core.entries import Architecture, PretrainedModel
from genzoo.data.classes import FASHION_MNIST_CLASSES, MNIST_CLASSES
from genzoo.plugins.hookspecs import hookimpl

PAPER = "https://arxiv.org/abs/2210.02747"  # Lipman et al. 2023, Flow Matching
DISTILLATION = "https://arxiv.org/abs/2202.00512"  # Salimans & Ho 2022, Progressive Distillation
_CONFIG = {
    "image_shape": [1, 28, 28],
    "base_channels": 32,
    "channel_mults": [1, 2, 2],
    "attention": True,
    "num_classes": 0,
    "steps": 20,
    "solver": "euler",
}


def _conditional(class_names: tuple[str, ...]) -> dict[str, object]:
    """The class-conditional model's config: its classes, guidance 2 by default."""
    return {**_CONFIG, "num_classes": len(class_names), "class_names": list(class_names),
            "guidance": 2.0}  # fmt: skip


def _distilled(
    name: str, teacher: str, sha256: str, config_sha256: str, metrics: dict[str, float]
) -> PretrainedModel:
    """`teacher`'s 4-step student: progressive distillation 16 -> 8 -> 4, one epoch per
    halving, starting from the teacher's weights."""
    return PretrainedModel(
        name=name,
        architecture="flow-distilled",
        repo_id=f"genzoo/{name}",
        config={**_CONFIG, "steps": 4},
        dataset="fashion-mnist",
        license="mit",
        paper=DISTILLATION,
        description=f"{teacher} distilled to 4 Euler steps (16 -> 8 -> 4): "
        "most of the flow's quality at a fifth of its sampling cost",
        parameters=1_000_929,
        recipe={"epochs": 2, "batch_size": 64, "seed": 0, "init_from": teacher},
        sha256={"generator": sha256},
        config_sha256=config_sha256,
        metrics=metrics,
    )


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="flow",
            family="flow",
            components={"generator": "genzoo.plugins.flow.model:FlowGenerator"},
            config=_CONFIG,
            description="Flow matching / rectified flow: a small U-Net (time embedding, "
            "residual blocks, attention at the lowest resolution) integrated from noise by "
            "Euler or Heun steps; class-conditional with classifier-free guidance",
            paper=PAPER,
            trainer="genzoo.train.flow:FlowMatchingTrainer",
        )
    )
    register(
        Architecture(
            name="flow-distilled",
            family="flow",
            components={"generator": "genzoo.plugins.flow.model:FlowGenerator"},
            config={**_CONFIG, "steps": 4},
            description="A flow distilled to few Euler steps (4 by default): progressive "
            "distillation of a trained flow (genzoo train flow-distilled --init-from FLOW), "
            "each halving a student whose one step lands where two of its teacher's do",
            paper=DISTILLATION,
            trainer="genzoo.train.flow:DistillationTrainer",
        )
    )


@hookimpl
def register_models(register: Callable[[PretrainedModel], None]) -> None:
    register(
        PretrainedModel(
            name="flow-fashion-mnist",
            architecture="flow",
            repo_id="genzoo/flow-fashion-mnist",
            config=_CONFIG,
            dataset="fashion-mnist",
            license="mit",
            paper=PAPER,
            description="Flow-matching U-Net trained on fashion-mnist (unconditional, 15 epochs)",
            parameters=1_000_929,
            # 10 more epochs (a fresh cosine schedule) from the 5-epoch weights
            recipe={
                "epochs": 10,
                "batch_size": 64,
                "seed": 0,
                "init_from": "flow-fashion-mnist-5ep",
            },
            sha256={
                "generator": "149f5fe1137d4535341f14a8876430f2e9f7bb5159c8296f4c05f8c34a803426",
            },
            config_sha256="148bbdee8ce0527968a61c867ce6cc268771ea889621fdfbf58db6c329dbe328",
            # genzoo evaluate (resnet18 features), 10,000 samples, seed 0, 20 Euler steps
            metrics={
                "frechet_distance": 3.20,
                "kernel_distance": 0.005962,
                "inception_score": 5.433,
                "precision": 0.7926,
                "recall": 0.7542,
                "density": 0.8186,
                "coverage": 0.7545,
            },
        )
    )
    register(
        PretrainedModel(
            name="flow-fashion-mnist-5ep",
            architecture="flow",
            repo_id="genzoo/flow-fashion-mnist-5ep",
            config=_CONFIG,
            dataset="fashion-mnist",
            license="mit",
            paper=PAPER,
            description="flow-fashion-mnist after its first 5 epochs: where its recipe "
            "starts, and flow-distilled-fashion-mnist-5ep's teacher",
            parameters=1_000_929,
            recipe={"epochs": 5, "batch_size": 64, "seed": 0},
            sha256={
                "generator": "92c3ccb5fc12afcf4b79b71406e59c545917fcd616999ec9abf22a53ce53134c",
            },
            config_sha256="168db147b9cf5104287cd0310e027fe9e9d71679937f588ea621181cea29ed28",
            # genzoo evaluate (resnet18 features), 10,000 samples, seed 0, 20 Euler steps;
            # the step sweep on 1,000 samples
            metrics={
                "frechet_distance": 4.78,
                "kernel_distance": 0.008428,
                "inception_score": 5.211,
                "precision": 0.7613,
                "recall": 0.7095,
                "density": 0.7486,
                "coverage": 0.6337,
                "frechet_distance_5_steps": 15.74,
                "frechet_distance_10_steps": 7.863,
                "frechet_distance_20_steps": 5.805,
                "frechet_distance_50_steps": 5.378,
            },
        )
    )
    # genzoo evaluate (resnet18 features), 10,000 samples, seed 0, 4 Euler steps
    register(
        _distilled(
            "flow-distilled-fashion-mnist",
            teacher="flow-fashion-mnist",  # the converged flow (22 min on two threads)
            sha256="09aee6d5c7d58cf04f9894d5303ef7d8f30c690050034d288345e85e68b54807",
            config_sha256="2e902dc0f5d5f13dcc3c87cd529bf9e535dc1ea75ff33823a0b2a13f17b3d4ec",
            metrics={
                "frechet_distance": 4.19,
                "kernel_distance": 0.0085,
                "inception_score": 5.213,
                "precision": 0.7857,
                "recall": 0.727,
                "density": 0.7966,
                "coverage": 0.7127,
            },
        )
    )
    register(
        _distilled(
            "flow-distilled-fashion-mnist-5ep",
            teacher="flow-fashion-mnist-5ep",  # 40 min on one core
            sha256="413e9444affef7209148e3a7f6d9d65295ebf08e19714a3a6c84cec8a6b2b6a9",
            config_sha256="ec946c5b7845f0e70668e7c693505f12bd58f58349b57a0467f4c14a1c40fe8e",
            metrics={
                "frechet_distance": 5.83,
                "kernel_distance": 0.0115,
                "inception_score": 5.011,
                "precision": 0.7531,
                "recall": 0.6861,
                "density": 0.7295,
                "coverage": 0.5872,
            },
        )
    )
    register(
        PretrainedModel(
            name="cflow-fashion-mnist",
            architecture="flow",
            repo_id="genzoo/cflow-fashion-mnist",
            config=_conditional(FASHION_MNIST_CLASSES),
            dataset="fashion-mnist",
            license="mit",
            paper=PAPER,
            description="Class-conditional flow-matching U-Net with classifier-free guidance, "
            "trained on fashion-mnist",
            parameters=1_002_337,
            recipe={"epochs": 5, "batch_size": 64, "seed": 0},
            sha256={
                "generator": "1754e64ef5c17a46f5a1e465573c12768343dd1748aa1e24e82927a20d51a8e5",
            },
            config_sha256="8ae836b9938f37538b3fad804f81715f3153fb263b26a590bd549e08842af025",
            # genzoo evaluate (resnet18 features), 10,000 samples (1,000 per class), seed 0,
            # 20 Euler steps, guidance 2 (compiled: 56 CPU-min on one shared core)
            metrics={
                "frechet_distance": 2.73,
                "kernel_distance": 0.002791,
                "inception_score": 7.088,
                "precision": 0.8348,
                "recall": 0.5395,
                "density": 0.9682,
                "coverage": 0.7304,
                "classification_accuracy_score": 0.9831,
            },
        )
    )
    register(
        PretrainedModel(
            name="cflow-mnist",
            architecture="flow",
            repo_id="genzoo/cflow-mnist",
            config=_conditional(MNIST_CLASSES),
            dataset="mnist",
            license="mit",
            paper=PAPER,
            description="Class-conditional flow-matching U-Net with classifier-free guidance, "
            "trained on mnist",
            parameters=1_002_337,
            recipe={"epochs": 4, "batch_size": 64, "seed": 0},
            sha256={
                "generator": "06a978fcc7b164b692ae999616bae2e58d3e00f05bc1983a6867d8c9af4974f7",
            },
            config_sha256="dd7bff8ba7228965fcd67a028f4f16786f59a43126843ee937de25550611b8fb",
            # genzoo evaluate (resnet18-mnist features), 10,000 samples (1,000 per digit),
            # seed 0, 20 Euler steps, guidance 2, compiled
            metrics={
                "frechet_distance": 1.806,
                "kernel_distance": 0.002728,
                "inception_score": 7.371,
                "precision": 0.8338,
                "recall": 0.615,
                "density": 0.9508,
                "coverage": 0.7589,
                "classification_accuracy_score": 0.9991,
            },
        )
    )
