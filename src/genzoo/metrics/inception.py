"""The standard Inception features of FID (Heusel et al. 2017), for figures comparable
with papers: pytorch-fid's port of the TensorFlow FID network (pool3, 2048-d).

An optional extra (`pip install 'genzoo[metrics]'`); its weights come from GitHub on first
use into torch's hub cache. Where neither can be had the error names what is missing and
where to put it. Images are upsampled to 299x299 and grey ones repeated to RGB, as every
published Fashion-MNIST FID does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor, nn

from genzoo.core import GenzooError
from genzoo.metrics.evaluate import Evaluator

WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = (
    f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{WEIGHTS_FILE}"
)


def weights_path() -> Path:
    """Where torch.hub (and so pytorch-fid) keeps the FID weights: $TORCH_HOME/hub/checkpoints."""
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE


def fid_network() -> nn.Module:
    """pytorch-fid's InceptionV3 up to pool3, for images in [-1, 1]; one clear error when the
    package or its weights are missing."""
    try:
        from pytorch_fid.inception import InceptionV3
    except ImportError:
        raise GenzooError(
            "--features inception needs pytorch-fid: pip install 'genzoo[metrics]'"
        ) from None
    try:
        return InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]], normalize_input=False)
    except Exception as err:  # urllib, torch.hub and OSError alike: the download failed
        raise GenzooError(
            f"the FID Inception weights are not on this machine and could not be downloaded "
            f"({type(err).__name__}): fetch {WEIGHTS_URL} elsewhere and put it at "
            f"{weights_path()} (TORCH_HOME moves that folder)"
        ) from None


def inception_evaluator(
    device: torch.device, network: Callable[[], nn.Module] = fid_network
) -> Evaluator:
    """An evaluator on the FID Inception features (`network` builds the net: tests pass a
    stand-in, everything else the real one)."""
    net = network().to(device).eval()

    def features(images: Tensor) -> Tensor:
        rgb = images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images
        pooled = net(rgb.float())  # pytorch-fid resizes to 299x299 itself: a list of (N, D, 1, 1)
        return pooled[0].flatten(1)

    return Evaluator(features, "FID Inception-v3 pool3 features (pytorch-fid)", device)
