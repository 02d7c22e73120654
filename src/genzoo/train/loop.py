"""The training loop: data on the device, seeds, progress, checkpoints, resume, output repo.

Determinism: the batch order of epoch e comes from a generator seeded with
(seed, e), and all of a trainer's randomness from one generator whose state is
checkpointed; so a run resumed from a checkpoint continues exactly as if it had
not stopped (tested on the CPU). Checkpoints are written atomically to
`OUT/training/checkpoint.pt` (tensors and numbers only, read back with
`weights_only=True`); OUT itself becomes a complete Hub repo at the end.

Data-parallel: launched by torchrun (WORLD_SIZE > 1), each process trains on its
share of every batch through DistributedDataParallel (gloo on the CPU, NCCL on
GPUs); only rank 0 writes.
"""

from __future__ import annotations

import inspect
import math
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from genzoo.core import BadInputError, GenzooError, Registry
from genzoo.core.entries import REPO_ID
from genzoo.core.files import atomic_path
from genzoo.core.images import save_grid
from genzoo.core.model import ZooModel, build
from genzoo.data.images import ImageData, to_float
from genzoo.train.budget import Budget
from genzoo.train.recipe import Recipe
from genzoo.train.run_folder import (  # noqa: F401  (names of genzoo < 0.2's loop)
    CHECKPOINT,
    CHECKSUM,
    EVALUATIONS,
    EVALUATIONS_MAX_BYTES,
    LOCK_FILE,
    METRICS_FILE,
    RUN_FILE,
    TRAINING_DIR,
    RunSettings,
    append_log,
    checkpoint_file,
    clean_leftovers,
    drop_log_after,
    evaluations,
    in_progress,
    load_run,
    load_trainer_state,
    one_writer,
    preview_file,
    read_checkpoint,
    read_json,
    run_file,
    training_dir,
    writable,
    write_checkpoint,
    write_json,
)
from genzoo.train.trainer import Trainer
from genzoo.zoo.card import CardInfo, portable
from genzoo.zoo.repo import RECONSTRUCTIONS_FILE, write_repo

#: The exit status of a run stopped by its scheduler after checkpointing: sysexits'
#: EX_TEMPFAIL, "try again later", which a batch script reads as "requeue me".
REQUEUE_EXIT = 75
STOP_SIGNALS = ("SIGTERM", "SIGUSR1")  # Slurm's pre-emption, and its --signal warning


class Preempted(GenzooError):
    """The scheduler asked the run to stop (SIGTERM or SIGUSR1): it checkpointed first."""

    exit_code = REQUEUE_EXIT

    def __init__(self, out: Path, step: int, signal_name: str) -> None:
        super().__init__(
            f"stopped by {signal_name} at step {step:,}, checkpointed: continue with "
            f"genzoo train --resume {out} (exit status {REQUEUE_EXIT}: requeue the job)"
        )


@contextmanager
def _stop_signals() -> Iterator[Callable[[], str]]:
    """While training, SIGTERM and SIGUSR1 ask the loop to checkpoint and stop after the
    step in flight (a signal mid-step cannot write a consistent checkpoint); yields
    `stopping()`, the name of the signal received, or ''."""
    import signal
    import threading

    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: ""  # handlers can be set in the main thread alone
        return

    def handle(number: int, frame: object) -> None:
        received.append(signal.Signals(number).name)

    kinds = [getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)]
    previous = {kind: signal.signal(kind, handle) for kind in kinds}
    try:
        yield lambda: received[0] if received else ""
    finally:
        for kind, handler in previous.items():
            signal.signal(kind, handler)


@dataclass
class Position:
    step: int = 0
    epoch: int = 0
    batch: int = 0  # within the epoch
    seconds: float = 0.0  # training time so far, over every resumed part


def check_run(settings: RunSettings, resume: bool = False) -> None:
    """What can be checked before the dataset loads: the device exists, OUT can be
    written and, for a new run, holds no earlier one. A run should not spend a minute
    reading data to fail on any of them."""
    from genzoo.core.devices import pick_device

    world = _World.from_env(settings.device)
    if world.size == 1:
        pick_device(settings.device)
    if world.rank != 0:  # rank 0 alone writes the run (and so alone probes it)
        return
    if not resume:
        _check_new(settings.out)
    writable(settings.out)


def train(
    recipe: Recipe,
    data: ImageData,
    settings: RunSettings,
    resume: bool = False,
    start: ZooModel | None = None,
) -> Path:
    """Train `recipe` on `data`; OUT ends as a Hub repo folder. Returns OUT. A new run
    with `settings.init_from` starts from `start`, that model loaded (`genzoo.load`).

    One process writes a run folder at a time: a second `genzoo train` on it (a second
    --resume, say) is refused in one line instead of deleting the first one's files."""
    world = _World.from_env(settings.device)
    if world.rank != 0:  # under torchrun only rank 0 writes, and holds the lock
        return _train(recipe, data, settings, resume, world, start)
    with one_writer(settings.out):
        if not resume:
            _check_new(settings.out)
        return _train(recipe, data, settings, resume, world, start)


def _check_new(out: Path) -> None:
    """A new run would write over an earlier one in OUT: its checkpoint, weights and card,
    and mix their logs and evaluations. Hours of training are not lost to a reused --out."""
    if run_file(out).is_file():
        raise BadInputError(
            f"{out} holds an earlier run: continue it with --resume {out}, or give this "
            "one another --out (or remove that folder)"
        )


def _train(
    recipe: Recipe,
    data: ImageData,
    settings: RunSettings,
    resume: bool,
    world: _World,
    start: ZooModel | None = None,
) -> Path:
    from genzoo.core.devices import pick_device

    device = pick_device(settings.device) if world.size == 1 else world.device
    if settings.batch_size % world.size:
        raise BadInputError(f"--batch-size {settings.batch_size} must divide by {world.size}")
    steps_per_epoch = len(data) // settings.batch_size
    if steps_per_epoch == 0:
        raise BadInputError(f"{len(data)} images are fewer than one batch of {settings.batch_size}")
    planned = settings.epochs * steps_per_epoch  # what a schedule spans; --max-steps
    total = min(planned, settings.max_steps) if settings.max_steps else planned  # stops early
    budget = None
    if settings.max_time:  # the schedule spans the time instead, re-planned as it goes
        planned = total = settings.max_steps or 10**12
    bound = total

    torch.manual_seed(settings.seed)  # initial weights
    model = build(recipe.architecture, recipe.config, name=recipe.name).to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    # a resumed run's checkpoint holds its weights, initialised or not
    pins = {}
    # a run stopped before its first checkpoint (a pre-empted job) resumes from step 0
    resume = resume and checkpoint_file(settings.out).is_file()
    if settings.init_from and not resume:
        if start is None:
            raise GenzooError(f"init_from {settings.init_from}: pass the loaded model as start")
        pins = _initialise(model, start, settings.init_from)
    trainer: Trainer = recipe.trainer_class(model, recipe.hparams, world.wrap)
    trainer.plan(planned)
    rng = torch.Generator(device).manual_seed(settings.seed + world.rank)
    position = Position()
    out = settings.out
    if world.rank == 0 and run_file(out).is_file():
        clean_leftovers(out)  # what a killed write of this run left: it is the only writer
    if resume:
        if world.rank == 0:
            # made from the earlier weights: a push must not carry them beside the new ones
            # (the card and samples.png are written anew at the end)
            for stale in (out / RECONSTRUCTIONS_FILE, training_dir(out) / METRICS_FILE):
                if stale.is_file() and not stale.is_symlink():
                    stale.unlink(missing_ok=True)
        position = _restore(out, recipe, trainer, rng)
        if world.rank == 0 and position.step < total:
            _note_resume(out, position.step, _hardware(device))
    elif world.rank == 0 and run_file(out).is_file():
        _note_resume(out, 0, _hardware(device))  # begun, stopped before a checkpoint
    elif world.rank == 0:
        training_dir(out).mkdir(parents=True, exist_ok=True)
        run: dict[str, Any] = {
            "recipe": recipe.to_json(),
            "settings": settings.to_json(),
            "command": _command(),
            "launch": launch(),
            "hardware": _hardware(device),
        }
        if settings.init_from and start is not None:
            run["initialised_from"] = {"source": settings.init_from, "sha256": pins}
            if start.repo_id:
                run["initialised_from"]["repo_id"] = start.repo_id
        write_json(run_file(out), run)

    images = data.images.to(device)
    labels = data.labels.to(device)
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else nullcontext()
    )
    if settings.max_time:
        budget = Budget(settings.max_time, spent=position.seconds)
        budget.finish = _finish_cost(trainer)
    started, trained, before = time.perf_counter(), 0, position.seconds
    shown = None if budget is not None and not settings.max_steps else total
    progress = _progress(settings.progress and world.rank == 0, shown, position.step)
    with progress as advance, _stop_signals() as stopping:
        while position.step < total:
            order = _epoch_order(len(data), settings.seed, position.epoch, device)
            while position.batch < steps_per_epoch and position.step < total:
                begin = position.batch * settings.batch_size
                index = order[begin : begin + settings.batch_size][world.rank :: world.size]
                batch = to_float(images[index])
                if device.type == "cuda":
                    batch = batch.contiguous(memory_format=torch.channels_last)
                step_began = time.perf_counter()
                with autocast:
                    losses = trainer.step(batch, labels[index], rng)
                if budget is not None:  # how many more steps the time left buys, agreed
                    budget.step_took(time.perf_counter() - step_began)
                    more = world.fewest(budget.steps_left())
                    total = min(bound, position.step + 1 + more)
                    trainer.plan(total)  # the schedule ends on the last step that fits
                position.step += 1
                position.batch += 1
                position.seconds = before + time.perf_counter() - started
                trained += settings.batch_size
                stop = world.agree(stopping())
                if world.rank == 0:
                    _log(out, settings, position, losses, trained, started, advance, total)
                    took = time.perf_counter()
                    _checkpoint(out, settings, position, trainer, rng, total, losses, bool(stop))
                    if budget is not None and position.step % settings.checkpoint_every == 0:
                        budget.checkpoint = time.perf_counter() - took
                    if position.step % settings.sample_every == 0:
                        _preview(trainer.result(), preview_file(out, position.step))
                if stop:
                    world.close()
                    raise Preempted(out, position.step, stop)
            if position.batch >= steps_per_epoch:
                position.epoch, position.batch = position.epoch + 1, 0
    if world.rank == 0:
        _finish(recipe, data, settings, trainer, position, device)
    world.close()
    return settings.out


def _finish_cost(trainer: Trainer) -> float:
    """What the end of a run costs beyond its last checkpoint, measured once up front: the
    preview grid dominates it (a flow samples 64 images), then weights and card."""
    from genzoo.zoo.repo import preview_images

    began = time.perf_counter()
    with torch.random.fork_rng(devices=[]):  # leave the run's random state as it was
        preview_images(trainer.result())
    return 1.0 + 1.5 * (time.perf_counter() - began)


def _initialise(model: ZooModel, start: ZooModel, source: str) -> dict[str, str]:
    """Copy the weights of `source` (verified like any load) into `model`: a published
    model's training continues from them, with a fresh optimizer and schedule. Every
    component of `model` must be in `source`, with the same architecture and shapes.
    Returns the sha256 of each weights file it started from."""
    missing = sorted(role for role in model if role not in start)
    if missing:
        raise BadInputError(f"--init-from {source} has no {', '.join(missing)} weights")
    for role, component in model.items():
        # another architecture of the same networks (a flow and its distillation) will do
        if type(start[role]) is not type(component):
            raise BadInputError(
                f"--init-from {source}: its {role} is a {type(start[role]).__name__}, "
                f"this run trains a {type(component).__name__} ({model.architecture})"
            )
        theirs = start[role].state_dict()
        mine = component.state_dict()
        if {k: v.shape for k, v in theirs.items()} != {k: v.shape for k, v in mine.items()}:
            raise BadInputError(
                f"--init-from {source}: its {role} differs from this run's in layers or "
                "shapes (another config); give this run its config with --set"
            )
        with torch.no_grad():
            for key, value in mine.items():
                value.copy_(theirs[key])
    return dict(start.sha256)


def _note_resume(out: Path, step: int, hardware: str) -> None:
    """Record the resuming command and where it runs, and drop log lines of steps redone
    after the checkpoint."""
    run = read_json(run_file(out))
    resumed = {"step": step, "command": _command(), "hardware": hardware}
    run["resumed"] = [*run.get("resumed", []), resumed]
    write_json(run_file(out), run)
    drop_log_after(out, step)


def _epoch_order(n: int, seed: int, epoch: int, device: torch.device) -> Tensor:
    """The batch order of an epoch: a function of (seed, epoch) only, so resuming reproduces it."""
    key = (seed * 100_003 + epoch) % 2**63  # any seed; the same key for the seeds in use
    order = torch.randperm(n, generator=torch.Generator().manual_seed(key))
    return order.to(device)


def _log(
    out: Path,
    settings: RunSettings,
    position: Position,
    losses: Mapping[str, Tensor],
    trained: int,
    started: float,
    advance: Any,
    total: int,
) -> None:
    if position.step % settings.log_every and position.step not in (1, total):
        advance(None)
        return
    rate = trained / max(time.perf_counter() - started, 1e-9)
    values = {name: round(float(value), 4) for name, value in losses.items()}  # waits for device
    _check_finite(values, position.step)
    record = {"step": position.step, "epoch": position.epoch, **values, "images_per_s": rate}
    append_log(out, record)
    advance(" ".join(f"{k} {v:.3f}" for k, v in values.items()) + f" | {rate:,.0f} img/s")


def _check_finite(losses: Mapping[str, float], step: int) -> None:
    """Stop a diverged run before it checkpoints or publishes what it became."""
    if bad := [name for name, value in losses.items() if not math.isfinite(value)]:
        raise GenzooError(
            f"step {step:,}: {', '.join(bad)} is not finite; the run stopped without publishing. "
            "Resume from the last checkpoint with a lower learning rate (--set lr=...)"
        )


def _checkpoint(
    out: Path,
    settings: RunSettings,
    position: Position,
    trainer: Trainer,
    rng: torch.Generator,
    total: int,
    losses: Mapping[str, Tensor],
    now: bool = False,
) -> None:
    if position.step % settings.checkpoint_every and position.step != total and not now:
        return
    _check_finite({name: float(value) for name, value in losses.items()}, position.step)
    state = {
        "position": asdict(position),
        "trainer": trainer.state_dict(),
        "rng": rng.get_state(),
        # torch's own generators too: dropout draws from them, not from `rng`
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None,
    }
    write_checkpoint(out, state)


def checkpoint_model(
    out: Path, registry: Registry, model_class: type[ZooModel] = ZooModel
) -> tuple[ZooModel, Position]:
    """What the run in OUT would publish if it ended now, and where it is: its last
    checkpoint's model, with the averaged weights where its trainer keeps an average
    (`Trainer.result`). `genzoo evaluate` and `genzoo sample` of a run in progress read it;
    the run itself is not touched, so it may go on training meanwhile."""
    from genzoo.train.recipe import restore_recipe

    run = load_run(out)
    recipe = restore_recipe(run["recipe"], registry)
    with torch.random.fork_rng(devices=[]):  # initial weights, overwritten: leave the seed be
        model = build(recipe.architecture, recipe.config, name=recipe.name, model_class=model_class)
    trainer: Trainer = recipe.trainer_class(model, recipe.hparams)
    if not checkpoint_file(out).is_file():
        raise BadInputError(f"{out} has not checkpointed yet: nothing to sample or evaluate")
    state = read_checkpoint(out)
    load_trainer_state(trainer, state, checkpoint_file(out), recipe.architecture.name)
    return trainer.result().eval(), Position(**state["position"])


def _restore(out: Path, recipe: Recipe, trainer: Trainer, rng: torch.Generator) -> Position:
    state = read_checkpoint(out)
    path = checkpoint_file(out)
    load_trainer_state(trainer, state, path, recipe.architecture.name)
    try:
        rng.set_state(state["rng"])
        if state.get("torch_rng") is not None:  # checkpoints of genzoo < 0.2 lack them
            torch.set_rng_state(state["torch_rng"])
        if state.get("cuda_rng") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
    except (RuntimeError, TypeError, ValueError):
        raise GenzooError(f"{path} is damaged: its random state cannot be restored") from None
    return Position(**state["position"])


def _origin(data: ImageData) -> str:
    """Where `genzoo datasets get` obtained the data, when it did (its SOURCE.json)."""
    from genzoo.data.locate import SOURCE_FILE, read_source

    source = read_source(Path(data.source) / SOURCE_FILE)
    return f" (from {source}, via `genzoo datasets get`)" if source else ""


def _preview(model: ZooModel, path: Path) -> None:
    from genzoo.zoo.repo import preview_images

    images = preview_images(model)
    if images is not None:
        with atomic_path(path) as tmp:  # never through a link planted in the run folder
            save_grid(images, tmp)


def _finish(
    recipe: Recipe,
    data: ImageData,
    settings: RunSettings,
    trainer: Trainer,
    position: Position,
    device: torch.device,
) -> None:
    model = trainer.result()
    if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
        raise GenzooError("the trained weights are not all finite; nothing was published")
    entry = recipe.entry
    run = read_json(run_file(settings.out))
    card = CardInfo(
        description=(entry.description if entry else "")
        or f"`{recipe.architecture.name}` trained on {recipe.dataset} by `genzoo train`.",
        dataset=recipe.dataset,
        dataset_id=recipe.dataset_id,
        license=entry.license if entry and entry.license else "mit",
        data_license=recipe.data_license,
        paper=recipe.architecture.paper,
        family=recipe.architecture.family,
        parameters=sum(p.numel() for p in model.parameters()),
        training={
            "command": "; then ".join(
                [f"`{portable(run['command'])}`"]
                + [
                    f"`{portable(r['command'])}` (from step {r['step']:,})"
                    for r in run.get("resumed", [])
                ]
            ),
            **_started_from(run),
            "seed": str(settings.seed),
            "data": f"{recipe.dataset}, train split, {len(data):,} images" + _origin(data),
            "schedule": f"{position.step:,} steps of batch {settings.batch_size} "
            f"({position.step * settings.batch_size / len(data):.1f} epochs)",
            "hyperparameters": f"{type(trainer).__name__}: "
            + ", ".join(f"{k}={v}" for k, v in sorted(trainer.hparams.items())),
            "hardware": _hardware_by_part(run, _hardware(device), position.step),
            "time": f"{position.seconds / 60:.1f} min of training",
            **_budget_line(settings, position),
        },
        progress=evaluations(settings.out),
        base_model=_base_model(run),
    )
    model.name = recipe.name
    write_repo(model.to("cpu").float(), settings.out, card)
    # which step the repo's weights are: a later resume extends the run past them
    write_json(run_file(settings.out), {**run, "published_step": position.step})


def _started_from(run: Mapping[str, Any]) -> dict[str, str]:
    """The card line of a run initialised from published weights: which, pinned how."""
    start = run.get("initialised_from")
    if not isinstance(start, dict):
        return {}
    pins = ", ".join(f"{role} sha256 {digest}" for role, digest in sorted(start["sha256"].items()))
    return {"initialised from": f"`{portable(str(start['source']))}` ({pins})"}


def _budget_line(settings: RunSettings, position: Position) -> dict[str, str]:
    if not settings.max_time:
        return {}
    return {
        "budget": f"--max-time {settings.max_time:g} s (start-up and this card included): "
        f"{position.step:,} steps, the learning-rate schedule spanning them"
    }


def _base_model(run: Mapping[str, Any]) -> str:
    """The Hub repo a run was initialised from, when it was a Hub repo (the card's
    `base_model`); a local folder has none."""
    start = run.get("initialised_from")
    repo_id = start.get("repo_id") if isinstance(start, dict) else None
    return repo_id if isinstance(repo_id, str) and REPO_ID.match(repo_id) else ""


def _hardware(device: torch.device) -> str:
    from genzoo.core.devices import cpu_name

    name = torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name()
    threads = torch.get_num_threads()
    return f"{device.type}: {name}, torch {torch.__version__}, {threads} threads" + _processes()


def _hardware_by_part(run: Mapping[str, Any], now: str, end: int) -> str:
    """Where the run trained: `now`, or, for a run resumed on other machines, each part's
    machine with its steps ("A (steps 0-4,000), then B (4,000-9,370)"). A run begun before
    run.json recorded its hardware is told by `now` alone, as it was then."""
    parts = [(0, run.get("hardware"))] + [
        (part.get("step"), part.get("hardware")) for part in run.get("resumed", [])
    ]
    if not all(isinstance(where, str) and isinstance(step, int) for step, where in parts):
        return now
    merged: list[tuple[int, str]] = []
    for step, where in parts:
        if not merged or merged[-1][1] != where:
            merged.append((step, where[:200]))
    if len(merged) == 1:
        return merged[0][1]
    ends = [step for step, _ in merged[1:]] + [end]
    return ", then ".join(
        f"{where} ({'steps ' if i == 0 else ''}{step:,}-{stop:,})"
        for i, ((step, where), stop) in enumerate(zip(merged, ends, strict=True))
    )


def _command() -> str:
    """The command as typed, launcher included: under torchrun the process's own argv is
    `-m genzoo train ...`, so the launcher, its node and process counts are put back."""
    command = "genzoo " + shlex.join(sys.argv[1:]) if sys.argv else "genzoo train"
    world = launch()
    if world["launcher"] != "torchrun":
        return command
    return (
        f"torchrun --nnodes {world['nodes']} --nproc-per-node {world['processes_per_node']} "
        f"-m {command}"
    )


def _processes() -> str:
    world = launch()
    if world["world_size"] == 1:
        return ""
    return (
        f"; {world['world_size']} processes on {world['nodes']} node(s) "
        f"({world['launcher']}, data-parallel)"
    )


def launch() -> dict[str, Any]:
    """How this run was launched: alone, or by torchrun with how many processes on how many
    nodes (what run.json and the card record)."""
    size = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if "TORCHELASTIC_RUN_ID" not in os.environ and size == 1:
        return {"launcher": "python", "world_size": 1, "nodes": 1, "processes_per_node": 1}
    local = max(int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1), 1)
    nodes = int(os.environ.get("GROUP_WORLD_SIZE", "0") or 0) or max(size // local, 1)
    return {"launcher": "torchrun", "world_size": size, "nodes": nodes, "processes_per_node": local}


@contextmanager
def _progress(enabled: bool, total: int | None, done: int) -> Iterator[Any]:
    """Progress on stderr; yields `advance(text | None)`. A terminal gets a rich bar; a
    pipe or a log file gets a plain line at most every PIPE_SECONDS (a bar redrawn in a
    file is one cut-off line at the end)."""
    if not enabled:
        yield lambda text: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield _plain_progress(total, done)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}", markup=False),  # a plugin names its losses
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("train", total=total, completed=done, status="")

        def advance(text: str | None) -> None:
            if text:
                bar.update(task, advance=1, status=text)
            else:
                bar.update(task, advance=1)

        yield advance


PIPE_SECONDS = 30.0


def _plain_progress(total: int | None, done: int) -> Callable[[str | None], None]:
    """`advance` for a pipe: "step 1,200/4,680 (26%) d_loss 1.185 ... | 326 img/s, 3:07
    left", one line when there is news and PIPE_SECONDS have passed, and at the end."""
    start, first = time.perf_counter(), done
    last = -PIPE_SECONDS
    status = ""

    def advance(text: str | None) -> None:
        nonlocal done, last, status
        done += 1
        status = text or status
        now = time.perf_counter() - start
        if (text and now - last >= PIPE_SECONDS) or done == total:
            if total is None:  # a budget in time: its end is the clock's
                print(f"step {done:,} {status}", file=sys.stderr, flush=True)
            else:
                left = (total - done) * now / max(done - first, 1)
                print(f"step {done:,}/{total:,} ({done / total:.0%}) {status}, "
                      f"{_clock(left)} left", file=sys.stderr, flush=True)  # fmt: skip
            last = now

    return advance


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class _World:
    """This process's place in a torchrun launch (size 1 when run alone)."""

    size: int = 1
    rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @classmethod
    def from_env(cls, requested: str = "auto") -> _World:
        """This process's rank and device; `requested` (--device) is respected: `cpu` trains
        on the CPU with gloo even where GPUs are, `cuda` demands them, `auto` takes one
        GPU per local rank when there are any."""
        size = int(os.environ.get("WORLD_SIZE", "1"))
        if size == 1:
            return cls()
        import torch.distributed as dist

        from genzoo.core.devices import pick_device

        rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
        kind = pick_device(requested).type
        if kind not in ("cpu", "cuda"):
            raise BadInputError(f"--device {requested}: torchrun trains on cpu or cuda")
        cuda = kind == "cuda"
        device = torch.device("cuda", local) if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            dist.init_process_group("nccl" if cuda else "gloo")
        return cls(size, rank, device)

    def wrap(self, module: nn.Module) -> nn.Module:
        if self.size == 1:
            return module
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        # Batch-norm statistics stay per process, as in single-process training of each
        # shard; newer torch spells this forward_sync_buffers.
        option = (
            "forward_sync_buffers"
            if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters
            else "broadcast_buffers"
        )
        options: dict[str, Any] = {option: False}
        return DistributedDataParallel(module, device_ids=ids, **options)

    def fewest(self, steps: int) -> int:
        """The fewest steps any process's budget allows: the ranks stop together, and
        their schedules (which each re-plans from it) stay the same."""
        if self.size == 1:
            return steps
        import torch.distributed as dist

        count = torch.tensor([steps], device=self.device)
        dist.all_reduce(count, op=dist.ReduceOp.MIN)
        return int(count.item())

    def agree(self, signal_name: str) -> str:
        """`signal_name` if any process was asked to stop: the ranks stop together, at
        the same step (each rank's flag is reduced once per step)."""
        if self.size == 1:
            return signal_name
        import torch.distributed as dist

        names = ("", *STOP_SIGNALS)
        index = names.index(signal_name) if signal_name in names else 1
        flag = torch.tensor([index], device=self.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return names[int(flag.item())]

    def close(self) -> None:
        if self.size > 1:
            import torch.distributed as dist

            dist.barrier()
            dist.destroy_process_group()
