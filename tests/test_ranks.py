"""Evaluation and sampling shared by the processes of a torchrun launch: each rank makes
and embeds its share, rank 0 reports, and the figures are those of one process."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from genzoo.cli import make_app
from genzoo.core.ranks import Ranks
from genzoo.plugins import installed
from test_train import run_training


@pytest.mark.parametrize(
    ("n", "unit", "size"), [(10_000, 500, 2), (10_001, 500, 2), (1_000, 500, 3), (64, 256, 2)]
)
def test_shares_are_whole_blocks_that_cover_the_work_once(n: int, unit: int, size: int):
    shares = [Ranks(size, rank).share(n, unit) for rank in range(size)]
    assert shares[0][0] == 0 and shares[-1][1] == n
    for (_, stop), (start, _) in itertools.pairwise(shares):
        assert stop == start  # consecutive, no gap, no overlap
    assert all(start % unit == 0 for start, stop in shares if stop > start)  # one process's batches
    blocks = [-(-(stop - start) // unit) for start, stop in shares]
    assert max(blocks) - min(blocks) <= 1  # balanced to a block


def torchrun(args: list[str], cache: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("torchrun")), "--nproc-per-node", "2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GENZOO_CACHE": str(cache)}
    result = subprocess.run(
        [*command, "-m", "genzoo", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def approx_floats(report: list[dict]) -> list[dict]:
    """The report with each float made a pytest.approx at 1e-9 relative; the rest exact."""

    def close(value):
        if isinstance(value, float):
            return pytest.approx(value, rel=1e-9, abs=1e-12)
        if isinstance(value, list):
            return [close(item) for item in value]
        return value

    return [{key: close(value) for key, value in entry.items()} for entry in report]


@pytest.fixture
def one_thread():
    """This process on one thread, as torchrun's workers are: the same sums in the same order."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.usefixtures("one_thread")
def test_two_processes_evaluate_and_sample_as_one(tmp_path: Path, idx_dir: Path, monkeypatch):
    app, runner = make_app(installed()), CliRunner()
    classifier = tmp_path / "lenet"
    args = ["train", "lenet5", "--dataset", "fashion-mnist", "--data", str(idx_dir)]
    args += ["--out", str(classifier), "--max-steps", "4", "--batch-size", "32"]
    args += ["--set", "width=8", "--set", "feature_dim=16", "--device", "cpu"]
    assert runner.invoke(app, args).exit_code == 0
    gan = run_training(tmp_path / "gan", idx_dir, max_steps=4, conditional=True)
    # 1,200 samples: the second process's share is the shorter (700 + 500)
    command = ["evaluate", str(gan), "--data", str(idx_dir), "--samples", "1200"]
    command += ["--evaluator", str(classifier), "--json", "--no-write", "--device", "cpu"]
    monkeypatch.setenv("GENZOO_CACHE", str(tmp_path / "alone"))
    alone = runner.invoke(app, command)
    assert alone.exit_code == 0, alone.output
    shared = torchrun(command, tmp_path / "shared")  # its own cache: the reals are split too
    # One report, the same figures: to float rounding, which a machine's kernels may order
    # differently by batch shape (CI's machine differed in the 12th digit).
    assert json.loads(shared.stdout) == approx_floats(json.loads(alone.stdout))
    assert "in 2 processes" in shared.stderr
    grid = ["sample", str(gan), "-n", "300", "--batch-size", "64", "--label", "1"]
    assert runner.invoke(app, [*grid, "-o", str(tmp_path / "alone.png")]).exit_code == 0
    made = torchrun([*grid, "-o", str(tmp_path / "shared.png")], tmp_path / "shared")
    assert made.stdout.count("wrote ") == 1
    assert (tmp_path / "shared.png").read_bytes() == (tmp_path / "alone.png").read_bytes()
