"""Registration only: classes are named as strings, so `genzoo list` imports no torch."""

from __future__ import annotations

from collections.abc import Callable

from genzoo import Architecture, hookimpl

GENZOO_PLUGIN_API = 1  # the version of genzoo's plugin contract this plugin targets


@hookimpl
def register_architectures(register: Callable[[Architecture], None]) -> None:
    register(
        Architecture(
            name="realnvp",
            family="normalizing-flow",
            components={"generator": "genzoo_realnvp.model:RealNVPGenerator"},
            config={"image_shape": [1, 28, 28], "couplings": 6, "hidden_dim": 512},
            description="RealNVP: affine coupling layers, exact likelihood; samples by "
            "inverting the flow from Gaussian noise",
            paper="https://arxiv.org/abs/1605.08803",
            trainer="genzoo_realnvp.trainer:MaximumLikelihoodTrainer",
        )
    )
