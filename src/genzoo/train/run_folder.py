"""A run folder (`genzoo train --out OUT`): its layout, records and checkpoints, read and
written here alone.

    OUT/                              the Hub repo the run publishes at its end (zoo.repo)
    OUT/training/run.json             recipe, settings, commands and machines of the run
    OUT/training/checkpoint.pt        the last checkpoint (tensors and numbers only)
    OUT/training/checkpoint.sha256    the digests that vouch for it
    OUT/training/log.jsonl            losses and speed, a JSON line every log_every steps
    OUT/training/evaluations.jsonl    `genzoo evaluate OUT` while it trained, a line each
    OUT/training/metrics.json         the last `genzoo evaluate` of the finished run
    OUT/training/samples-NNNNNNN.png  previews while it trains
    OUT/training/.lock                held by the one process writing the run

Everything in the folder is read as untrusted: a run folder may have been copied from
anywhere, edited, or had links planted in it. Reads are bounded and of regular files,
run.json is validated field by field, a checkpoint is checked against its checksum and
against the run's architecture; writes never go through a link (`genzoo.core.files`).
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from genzoo.core import BadInputError, GenzooError
from genzoo.core.files import (
    append_line,
    atomic_path,
    read_bounded,
    read_text_bounded,
    regular_file,
    replaceable,
    write_text,
)

TRAINING_DIR = "training"  # inside OUT; push uploads only the repo files beside it
CHECKPOINT = "checkpoint.pt"
RUN_FILE = "run.json"
LOCK_FILE = ".lock"
CHECKSUM = "checkpoint.sha256"
LOG_FILE = "log.jsonl"
METRICS_FILE = "metrics.json"
EVALUATIONS = "evaluations.jsonl"

RUN_MAX_BYTES = 1 << 20  # a run.json is a few KB, a hundred resumes included
LOG_MAX_BYTES = 64 << 20  # a million steps logged every 50 is 4 MB
EVALUATIONS_MAX_BYTES = 1 << 20  # a record, not data
CHECKSUM_MAX_BYTES = 4096  # two digests
CHECKPOINT_MAX_BYTES = 64 << 30
PROGRESS_ROWS = 40  # a card tables at most this many evaluations, spread over the run
SEED_MAX = 2**62  # what --seed documents; the epoch order's key stays below 2**63


def training_dir(out: Path) -> Path:
    return out / TRAINING_DIR


def run_file(out: Path) -> Path:
    return out / TRAINING_DIR / RUN_FILE


def checkpoint_file(out: Path) -> Path:
    return out / TRAINING_DIR / CHECKPOINT


def preview_file(out: Path, step: int) -> Path:
    return out / TRAINING_DIR / f"samples-{step:07d}.png"


def is_run(folder: Path) -> bool:
    """Whether `folder` was made by `genzoo train` (it holds a run record)."""
    return run_file(folder).is_file()


# -- settings and run.json -----------------------------------------------------------


@dataclass(frozen=True)
class RunSettings:
    out: Path
    epochs: int = 20
    batch_size: int = 128
    seed: int = 0
    device: str = "auto"
    max_steps: int | None = None  # stop early (tests, smoke runs)
    checkpoint_every: int = 500
    sample_every: int = 500
    log_every: int = 50
    data_dir: Path | None = None
    progress: bool = True
    init_from: str | None = None  # start from these weights (a model name or repo folder)
    max_time: float | None = None  # a budget in seconds, start-up and the end included

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["out"], data["data_dir"] = str(self.out), self.data_dir and str(self.data_dir)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], out: Path) -> RunSettings:
        """The settings a run recorded, each checked for its type and range: a run.json is
        read as untrusted (`checkpoint_every: 0` would divide by zero hours later)."""
        where = run_file(out)
        known = {f.name for f in fields(cls)} - {"out"}
        if unknown := sorted(set(data) - known - {"out"}):
            raise GenzooError(f"{where} is damaged: unknown settings {', '.join(unknown)[:80]}")
        positive = ("epochs", "batch_size", "checkpoint_every", "sample_every", "log_every")
        for key in positive:
            if key in data:
                _whole(data[key], where, key, 1, 1 << 40)
        if "seed" in data:
            _whole(data["seed"], where, "seed", 0, SEED_MAX)
        if data.get("max_steps") is not None:
            _whole(data["max_steps"], where, "max_steps", 1, 1 << 40)
        if not isinstance(data.get("device", ""), str):
            raise GenzooError(f"{where} is damaged: device must be text")
        for key in ("data_dir", "init_from"):  # or null
            if data.get(key) is not None and not isinstance(data[key], str):
                raise GenzooError(f"{where} is damaged: {key} must be text")
        max_time = data.get("max_time")
        number = isinstance(max_time, (int, float)) and not isinstance(max_time, bool)
        if max_time is not None and not (number and 0 < max_time < 1e8):
            raise GenzooError(f"{where} is damaged: max_time must be seconds above 0")
        if not isinstance(data.get("progress", True), bool):
            raise GenzooError(f"{where} is damaged: progress must be true or false")
        values = {key: value for key, value in data.items() if key != "out"}
        data_dir = Path(values["data_dir"]) if values.get("data_dir") else None
        return cls(**{**values, "out": out, "data_dir": data_dir})


def _whole(value: object, where: Path, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GenzooError(
            f"{where} is damaged: {key} must be a whole number {low}..{high:,}, got "
            f"{str(value)[:40]}"
        )
    return value


def read_json(path: Path, limit: int = RUN_MAX_BYTES) -> dict[str, Any]:
    """A JSON object from a run file, bounded; every way it can be damaged is one line."""
    try:
        text = read_bounded(path, limit)
    except GenzooError as err:
        raise GenzooError(f"{err}; the run cannot be read from it") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise GenzooError(f"{path} is damaged ({str(err)[:120]}); the run cannot be read") from None
    if not isinstance(data, dict):
        raise GenzooError(f"{path} is damaged: it holds no object")
    return data


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Written whole or not at all (a crash cannot leave half a record), never via a link."""
    write_text(path, json.dumps(data, indent=2) + "\n")


def load_run(out: Path) -> dict[str, Any]:
    """The run record in OUT (for --resume, and for sampling or evaluating a run in
    progress), its recipe and settings checked for shape."""
    path = run_file(out)
    if not path.is_file():
        raise BadInputError(f"{out} holds no run to resume (no {TRAINING_DIR}/{RUN_FILE})")
    run = read_json(path)
    recipe, settings = run.get("recipe"), run.get("settings")
    if not (isinstance(recipe, dict) and isinstance(settings, dict)):
        raise GenzooError(f"{path} is damaged: it names no recipe or settings")
    texts = ("name", "architecture", "dataset")
    if not all(isinstance(recipe.get(key), str) and recipe[key] for key in texts):
        raise GenzooError(
            f"{path} is damaged: its recipe's name, architecture and dataset are text"
        )
    objects = ("config", "hparams", "run")
    if not all(isinstance(recipe.get(key, {}), dict) for key in objects):
        raise GenzooError(f"{path} is damaged: its recipe's config, hparams and run are objects")
    if recipe.get("entry") is not None and not isinstance(recipe["entry"], str):
        raise GenzooError(f"{path} is damaged: its recipe's entry is a model name")
    resumed = run.get("resumed", [])
    if not (isinstance(resumed, list) and all(isinstance(part, dict) for part in resumed)):
        raise GenzooError(f"{path} is damaged: resumed must be a list of records")
    RunSettings.from_json(settings, out)  # checked now, not hours into the run
    return run


def has_checkpoint(out: Path) -> bool:
    return checkpoint_file(out).is_file()


def in_progress(out: Path) -> bool:
    """Whether OUT is a run that has checkpointed past the weights it published, if any:
    one still training or stopped before its end, or a finished one resumed to train
    further (`--resume OUT --epochs ...`), whose repo files are then the old weights."""
    from genzoo.zoo.repo import CONFIG_FILE

    if not has_checkpoint(out):
        return False
    if not (out / CONFIG_FILE).is_file():
        return True
    try:
        run = read_json(run_file(out))
        published = int(run["published_step"])
        return any(int(part["step"]) >= published for part in run.get("resumed", []))
    except (GenzooError, KeyError, TypeError, ValueError):
        return False  # no record of a resume after publishing (runs made by genzoo < 0.2)


@contextmanager
def one_writer(out: Path) -> Iterator[None]:
    """Hold the run folder's lock (released by the system if the process dies)."""
    from filelock import FileLock, Timeout  # huggingface_hub's own locking

    folder = training_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    replaceable(path)  # a link or a folder planted as the lock is refused, not followed
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise GenzooError(
            f"another genzoo train is writing to {out}: wait for it to finish or "
            "stop it first; two writers would delete each other's checkpoints"
        ) from None
    except OSError as err:
        raise GenzooError(f"cannot lock {path}: {err.strerror or err}") from None
    try:
        yield
    finally:
        lock.release()


# -- log and evaluations -----------------------------------------------------------------


def append_log(out: Path, record: Mapping[str, Any]) -> None:
    append_line(training_dir(out) / LOG_FILE, json.dumps(record), LOG_MAX_BYTES)


def drop_log_after(out: Path, step: int) -> None:
    """Drop log lines of steps redone after the checkpoint a resume starts from."""
    log = training_dir(out) / LOG_FILE
    if not log.is_file():
        return
    text = read_text_bounded(log, LOG_MAX_BYTES)
    kept = [line for line in text.splitlines() if _logged_step(line) <= step]
    write_text(log, "".join(line + "\n" for line in kept))


def _logged_step(line: str) -> float:
    """The step of a log line; a line torn by a crash counts as after every step (dropped)."""
    try:
        return float(json.loads(line)["step"])
    except (ValueError, KeyError, TypeError, RecursionError):
        return float("inf")


def record_evaluation(out: Path, line: Mapping[str, Any]) -> Path:
    """Append an evaluation of the run's checkpoint to evaluations.jsonl."""
    path = training_dir(out) / EVALUATIONS
    append_line(path, json.dumps(line), EVALUATIONS_MAX_BYTES)
    return path


def write_metrics(out: Path, record: list[dict[str, Any]]) -> None:
    """The finished run's last evaluation, training/metrics.json."""
    write_text(training_dir(out) / METRICS_FILE, json.dumps(record, indent=2) + "\n")


def evaluations(out: Path) -> list[dict[str, Any]]:
    """The evaluations of the run's checkpoints (`genzoo evaluate OUT` while it trained),
    by step, at most PROGRESS_ROWS of them spread over the run (the last one kept); a line
    torn by a crash, or not of the shape the card tables, is skipped. A link or a special
    file in its place is not read."""
    path = training_dir(out) / EVALUATIONS
    try:
        if path.is_symlink():
            return []
        regular_file(path)
        with path.open("rb") as file:
            text = file.read(EVALUATIONS_MAX_BYTES).decode("utf-8", "replace")
    except (OSError, GenzooError):
        return []
    rows = [row for row in map(_evaluation, text.splitlines()) if row is not None]
    rows = sorted(rows, key=lambda row: row["step"])
    if len(rows) <= PROGRESS_ROWS:
        return rows
    picks = {round(i * (len(rows) - 1) / (PROGRESS_ROWS - 1)) for i in range(PROGRESS_ROWS)}
    return [rows[i] for i in sorted(picks)]


def _evaluation(line: str) -> dict[str, Any] | None:
    def number(value: object) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    try:
        row = json.loads(line)
        interval = row.get("intervals", {}).get("frechet_distance")
        whole = all(isinstance(row[key], int) for key in ("step", "samples", "seed"))
        metrics = row["metrics"]
        shaped = (
            whole
            and number(row["epochs"])
            and all(number(value) for value in metrics.values())
            and math.isfinite(metrics["frechet_distance"])
            and (interval is None or (len(interval) == 2 and all(map(number, interval))))
            and all(isinstance(row.get(key, ""), str) for key in ("dataset", "features"))
            and all(isinstance(v, (str, int, float)) for v in row.get("sampling", {}).values())
        )
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return row if shaped else None


# -- checkpoints -------------------------------------------------------------------------


def write_checkpoint(out: Path, state: Mapping[str, Any]) -> None:
    """Write the checkpoint and its checksum in three atomic steps, so that a kill at any
    instant leaves a checkpoint that a digest in the checksum file vouches for: first the
    checksum names both the old and the new digests, then the checkpoint is replaced, then
    the checksum names the new one alone."""
    import torch

    from genzoo.zoo.repo import file_sha256

    path, recorded = checkpoint_file(out), training_dir(out) / CHECKSUM
    try:
        with atomic_path(path) as tmp:
            torch.save(dict(state), tmp)
            digest = file_sha256(tmp)
            _write_digests(recorded, [digest, *_digests(recorded)[:1]])
    except RuntimeError as err:  # a full disk reaches torch's zip writer as a RuntimeError
        raise GenzooError(
            f"cannot write {path}: the disk is full or the write failed "
            f"({str(err).splitlines()[0][:120]}); the previous checkpoint is kept"
        ) from None
    _write_digests(recorded, [digest])


def _digests(recorded: Path) -> list[str]:
    """The sha256 digests the checksum file vouches for (none when it is absent)."""
    if not recorded.exists() and not recorded.is_symlink():
        return []
    text = read_bounded(recorded, CHECKSUM_MAX_BYTES).decode("ascii", "replace")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _write_digests(recorded: Path, digests: list[str]) -> None:
    write_text(recorded, "".join(f"{digest}\n" for digest in digests))


def read_checkpoint(out: Path) -> dict[str, Any]:
    """The last checkpoint's contents, once its checksum vouches for the very bytes loaded
    (tensors and numbers only), with the entries the loop needs checked for shape.

    A run may be checkpointing while this reads: the checksum is read before and after
    the checkpoint, and the bytes are accepted when either vouches for them (the writer
    names the new digest before the file changes and drops the old one after), with a
    few tries when a read straddles two whole checkpoints."""
    import hashlib

    import torch

    path = checkpoint_file(out)
    recorded = training_dir(out) / CHECKSUM
    for _ in range(5):
        before = _digests(recorded)
        data = read_bounded(path, CHECKPOINT_MAX_BYTES)
        digest = hashlib.sha256(data).hexdigest()
        if not recorded.exists() or digest in before or digest in _digests(recorded):
            break
    else:
        raise GenzooError(
            f"{path} does not match its checksum ({CHECKSUM}): it was damaged after it "
            "was written; resuming from it could train on corrupt weights"
        )
    try:  # no code runs on load
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:  # truncated, not a checkpoint: torch names it in many ways
        raise GenzooError(f"{path} cannot be read ({type(err).__name__}); it is damaged") from None
    _check_checkpoint(state, path)
    return state


def _check_checkpoint(state: object, path: Path) -> None:
    import torch

    if not isinstance(state, dict):
        raise GenzooError(f"{path} holds no checkpoint; it is damaged")
    position = state.get("position")
    counts = ("step", "epoch", "batch")
    if not (
        isinstance(position, dict)
        and set(position) <= {*counts, "seconds"}
        and all(isinstance(position.get(key), int) and position[key] >= 0 for key in counts)
        and isinstance(position.get("seconds", 0.0), (int, float))
    ):
        raise GenzooError(f"{path} is not a genzoo checkpoint: its position is missing or odd")
    if not isinstance(state.get("trainer"), dict):
        raise GenzooError(f"{path} is not a genzoo checkpoint: it holds no trainer state")
    size = torch.Generator().get_state().numel()
    for key in ("rng", "torch_rng"):
        value = state.get(key)
        if key == "torch_rng" and value is None:
            continue  # checkpoints of genzoo < 0.2 lack it
        if not (isinstance(value, torch.Tensor) and value.dtype == torch.uint8):
            raise GenzooError(f"{path} is not a genzoo checkpoint: its {key} state is missing")
        if value.numel() != size and key == "torch_rng":
            raise GenzooError(f"{path} is damaged: its {key} state is {value.numel()} bytes")


def load_trainer_state(
    trainer: Any, state: Mapping[str, Any], path: Path, architecture: str
) -> None:
    """`trainer.load_state_dict(state["trainer"])`, a checkpoint of another run (other
    shapes, other components, another trainer) refused in one line."""
    try:
        trainer.load_state_dict(state["trainer"])
    except (RuntimeError, KeyError, TypeError, ValueError, IndexError) as err:
        why = str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
        raise GenzooError(
            f"{path} does not fit this run's {architecture} ({why}): it is another run's "
            "checkpoint, or damaged"
        ) from None


def clean_leftovers(out: Path) -> None:
    """Remove what a killed write of this run left (temporary files genzoo named)."""
    for leftover in training_dir(out).glob(".*.tmp"):
        if leftover.is_file() and not leftover.is_symlink():
            leftover.unlink(missing_ok=True)


def writable(out: Path) -> None:
    """Probe that the run can be written, before the data loads."""
    folder = training_dir(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".writable.{os.getpid()}"
        with atomic_path(probe) as tmp:
            tmp.write_bytes(b"")
        probe.unlink(missing_ok=True)
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise GenzooError(f"cannot write the run to {out}: {reason}") from None
