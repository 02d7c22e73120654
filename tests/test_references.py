"""The real images' embeddings kept on disk: reused when everything they depend on is the
same, embedded again when anything differs or the file is damaged."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from genzoo.data.images import ImageData
from genzoo.metrics.evaluate import Evaluator
from genzoo.metrics.references import cache_folder


class CountingFeatures:
    """A feature map that counts the images it embeds."""

    def __init__(self) -> None:
        self.seen = 0

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        self.seen += len(images)
        return images.flatten(1)[:, :6] * 2


def data(seed: int = 0) -> ImageData:
    images = torch.randint(0, 256, (40, 1, 4, 4), generator=torch.Generator().manual_seed(seed))
    return ImageData(images.to(torch.uint8), torch.zeros(40), ("a",), Path("x"))


def evaluator(sha256: str = "ab" * 32) -> tuple[Evaluator, CountingFeatures]:
    counting = CountingFeatures()
    return Evaluator(counting, "test", torch.device("cpu"), weights_sha256=sha256), counting


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GENZOO_CACHE", str(tmp_path / "cache"))
    return cache_folder()


def test_a_second_evaluation_reads_the_embedding_instead_of_computing_it(cache: Path):
    first, counting = evaluator()
    features, logits = first.reference(data(), "test", 30, seed=0)
    assert counting.seen == 30 and logits is None
    assert len(list(cache.glob("*.safetensors"))) == 1
    again, recounting = evaluator()  # a new process: nothing remembered in memory
    stored, _ = again.reference(data(), "test", 30, seed=0)
    assert recounting.seen == 0 and torch.equal(stored, features)
    # anything it depends on differs: embedded afresh, stored beside
    for other, (sha, images, seed) in enumerate(
        [("cd" * 32, data(), 0), ("ab" * 32, data(1), 0), ("ab" * 32, data(), 1)], start=2
    ):
        fresh, counted = evaluator(sha)
        fresh.reference(images, "test", 30, seed)
        assert counted.seen == 30
        assert len(list(cache.glob("*.safetensors"))) == other


def test_without_pinned_weights_nothing_is_kept(cache: Path):
    unpinned, counting = evaluator(sha256="")
    unpinned.reference(data(), "test", 30, seed=0)
    assert counting.seen == 30 and not cache.exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{not json"),
        lambda path: path.write_bytes(path.read_bytes()[:-7]),  # truncated
        lambda path: save_file({"features": torch.zeros(29, 6)}, path),  # too few rows
        lambda path: save_file({"features": torch.full((30, 6), float("nan"))}, path),
        lambda path: save_file({"features": torch.zeros(30, 6, dtype=torch.float64)}, path),
        lambda path: save_file({"features": torch.zeros(30, 6), "x": torch.zeros(1)}, path),
        lambda path: path.write_bytes(b"\0" * (30 * (1 << 16) * 4 + (1 << 20) + 1)),  # huge
    ],
)
def test_a_damaged_file_is_embedded_again_and_replaced(cache: Path, damage):
    first, _ = evaluator()
    expected, _ = first.reference(data(), "test", 30, seed=0)
    (path,) = cache.glob("*.safetensors")
    damage(path)
    again, counting = evaluator()
    features, _ = again.reference(data(), "test", 30, seed=0)
    assert counting.seen == 30 and torch.equal(features, expected)
    third, recounting = evaluator()  # the damaged file was replaced by a good one
    third.reference(data(), "test", 30, seed=0)
    assert recounting.seen == 0


def test_a_cache_that_cannot_be_written_costs_only_the_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GENZOO_CACHE", str(blocker))
    unwritable, counting = evaluator()
    features, _ = unwritable.reference(data(), "test", 30, seed=0)
    assert counting.seen == 30 and features.shape == (30, 6)
    captured = capsys.readouterr()
    assert captured.out == "" and "were not cached" in captured.err
