"""Pre-emption: the Slurm script of docs/cluster.md, run as written with stand-ins for
`srun`, `scontrol` and `torchrun`. A job killed before its first checkpoint and a job sent
SIGTERM mid-run are each requeued, resume, and end with the weights of a run never stopped.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genzoo.train.loop import REQUEUE_EXIT

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cluster.md"
TINY = ["--dataset", "fashion-mnist", "--set", "latent_dim=8", "--set", "base_channels=4",
        "--batch-size", "32", "--epochs", "100"]  # fmt: skip


def sbatch_script() -> str:
    """The Slurm section's batch script, exactly as the docs show it."""
    section = DOCS.read_text().split("## Slurm", 1)[1]
    found = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert found is not None, "docs/cluster.md's Slurm section has no bash script"
    return found.group(1)


def stand_ins(folder: Path, extra: list[str]) -> Path:
    """srun runs its command; scontrol names this host and records requeues; torchrun runs
    `python -m genzoo ...` in its own process (its pid in torchrun.pid), on the CPU, with
    `extra` arguments for a new run (a resumed one reads them from its record)."""
    folder.mkdir()
    (folder / "srun").write_text('#!/bin/bash\nexec "$@"\n')
    (folder / "scontrol").write_text(
        '#!/bin/bash\ncase "$1" in\n  show) echo localhost ;;\n'
        f'  requeue) echo "requeue $2" >> "{folder}/requeued" ;;\nesac\n'
    )
    (folder / "torchrun").write_text(
        "#!/bin/bash\n"
        'while [ "$1" != "-m" ]; do shift; done\nshift\n'
        'args=()\nfor a in "$@"; do [ "$a" = cuda ] && a=cpu; args+=("$a"); done\n'
        'case " ${args[*]} " in *" --resume "*) ;; *) args+=(' + " ".join(extra) + ");; esac\n"
        f'echo $$ > "{folder}/torchrun.pid"\n'
        f'exec "{sys.executable}" -m "${{args[@]}}"\n'
    )
    for name in ("srun", "scontrol", "torchrun"):
        (folder / name).chmod(0o755)
    return folder


def start_job(script: Path, bin_dir: Path, out: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "MODEL": "dcgan",
        "OUT": str(out),
        "SLURM_JOB_NODELIST": "localhost",
        "SLURM_NNODES": "1",
        "SLURM_JOB_ID": "4242",
        "OMP_NUM_THREADS": "1",
    }
    return subprocess.Popen(["bash", str(script)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def wait_for(condition, job: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert job.poll() is None, job.communicate()[1]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def job_parts(tmp_path: Path, idx_dir: Path):
    script = tmp_path / "train.sbatch"
    script.write_text(sbatch_script())
    extra = [*TINY, "--data", str(idx_dir), "--max-steps", "300", "--checkpoint-every", "1000"]
    return script, stand_ins(tmp_path / "bin", [f'"{a}"' for a in extra])


def weights(out: Path) -> bytes:
    return (out / "generator.safetensors").read_bytes()


def finished_job(script: Path, bin_dir: Path, out: Path) -> Path:
    """The job run to its end without a stop: what a requeued one must match."""
    done = start_job(script, bin_dir, out)
    _, stderr = done.communicate(timeout=300)
    assert done.returncode == 0, stderr
    return out


def test_a_job_killed_before_its_first_checkpoint_and_requeued_resumes_from_step_0(
    tmp_path: Path, job_parts
):
    script, bin_dir = job_parts
    straight = finished_job(script, bin_dir, tmp_path / "straight")
    out = tmp_path / "run"
    job = start_job(script, bin_dir, out)
    wait_for(lambda: (out / "training" / "run.json").is_file(), job)
    os.kill(int((bin_dir / "torchrun.pid").read_text()), signal.SIGKILL)  # no handler runs
    job.communicate(timeout=60)
    assert not (out / "training" / "checkpoint.pt").exists()
    again = start_job(script, bin_dir, out)  # Slurm starts the requeued job
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr
    assert weights(out) == weights(straight)


def test_sigterm_checkpoints_exits_75_and_the_requeued_job_finishes_the_run(
    tmp_path: Path, job_parts
):
    script, bin_dir = job_parts
    straight = finished_job(script, bin_dir, tmp_path / "straight")
    out = tmp_path / "run"
    job = start_job(script, bin_dir, out)
    log = out / "training" / "log.jsonl"
    wait_for(lambda: log.is_file() and log.read_text().strip(), job)  # step 1 is logged
    os.kill(int((bin_dir / "torchrun.pid").read_text()), signal.SIGTERM)
    _, stderr = job.communicate(timeout=120)
    assert job.returncode == REQUEUE_EXIT, stderr
    message = stderr.strip().splitlines()[-1]
    assert "stopped by SIGTERM at step" in message and "--resume" in message
    assert "Traceback" not in stderr
    assert (bin_dir / "requeued").read_text() == "requeue 4242\n"
    assert (out / "training" / "checkpoint.pt").is_file() and not (out / "config.json").exists()
    again = start_job(script, bin_dir, out)
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr
    assert weights(out) == weights(straight)
