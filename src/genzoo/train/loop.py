"""The training loop: data on the device, seeds, checkpoints, resume, the output repo.

The run folder's layout and files belong to `run_folder`, the card's account of how the
run was made to `provenance`, the progress display to `progress`, a process's place in a
torchrun launch to `world`; this module drives them.

Determinism: the batch order of epoch e comes from a generator seeded with
(seed, e), and all of a trainer's randomness from one generator whose state is
checkpointed; so a run resumed from a checkpoint continues exactly as if it had
not stopped (tested on the CPU). Checkpoints are written atomically to
`OUT/training/checkpoint.pt` (tensors and numbers only, read back with
`weights_only=True`); OUT itself becomes a complete Hub repo at the end.

Data-parallel: launched by torchrun (WORLD_SIZE > 1), each process trains on its
share of every batch through DistributedDataParallel (gloo on the CPU, NCCL on
GPUs; `world`); only rank 0 writes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from genzoo.core import BadInputError, GenzooError, Registry
from genzoo.core.files import atomic_path
from genzoo.core.images import save_grid
from genzoo.core.model import ZooModel, build
from genzoo.data.images import ImageData, to_float
from genzoo.train.budget import Budget
from genzoo.train.progress import progress as show_progress
from genzoo.train.provenance import command, hardware, launch, training_card
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
from genzoo.train.world import STOP_SIGNALS, World
from genzoo.zoo.repo import RECONSTRUCTIONS_FILE
from genzoo.zoo.weights import write_repo

#: The exit status of a run stopped by its scheduler after checkpointing: sysexits'
#: EX_TEMPFAIL, "try again later", which a batch script reads as "requeue me".
REQUEUE_EXIT = 75


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

    world = World.from_env(settings.device)
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
    world = World.from_env(settings.device)
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
    world: World,
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
            _note_resume(out, position.step, hardware(device))
    elif world.rank == 0 and run_file(out).is_file():
        _note_resume(out, 0, hardware(device))  # begun, stopped before a checkpoint
    elif world.rank == 0:
        training_dir(out).mkdir(parents=True, exist_ok=True)
        run: dict[str, Any] = {
            "recipe": recipe.to_json(),
            "settings": settings.to_json(),
            "command": command(),
            "launch": launch(),
            "hardware": hardware(device),
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
    progress = show_progress(settings.progress and world.rank == 0, shown, position.step)
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
    from genzoo.zoo.weights import preview_images

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
    resumed = {"step": step, "command": command(), "hardware": hardware}
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


def _preview(model: ZooModel, path: Path) -> None:
    from genzoo.zoo.weights import preview_images

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
    run = read_json(run_file(settings.out))
    trained = (model, trainer.hparams, type(trainer).__name__)
    card = training_card(
        recipe, data, settings, run, trained, position.step, position.seconds, device
    )
    model.name = recipe.name
    write_repo(model.to("cpu").float(), settings.out, card)
    # which step the repo's weights are: a later resume extends the run past them
    write_json(run_file(settings.out), {**run, "published_step": position.step})
