"""The trainer contract: one subclass per objective, shared by every architecture using it.

The loop (`genzoo.train.loop`) owns data, devices, progress, checkpoints and
output; a trainer owns its model's optimizers and knows one thing: how to take
a step on a batch. Architectures name their trainer lazily
(`Architecture.trainer`), so there is no if/elif on model names anywhere.
"""

from __future__ import annotations

import abc
import copy
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from genzoo.core import BadInputError, GenzooError
from genzoo.core.model import ZooModel

__all__ = ["EMA", "LearningRate", "SingleOptimizerTrainer", "Trainer", "Wrap", "adam", "component"]

Wrap = Callable[[nn.Module], nn.Module]  # e.g. DistributedDataParallel for data-parallel runs


def component(model: ZooModel, role: str, interface: type, trainer: str) -> Any:
    """`model[role]`, checked to implement `interface`: an architecture whose components do not
    fit the trainer it names is a plugin's mistake, reported in one line."""
    module = model[role] if role in model else None  # noqa: SIM401 (ModuleDict has no .get)
    if not isinstance(module, interface):
        raise GenzooError(
            f"{trainer} needs a {role} implementing {interface.__name__}; "
            f"{model.architecture} has {type(module).__name__ if module is not None else 'none'}"
        )
    return module


class Trainer(abc.ABC):
    """Optimizes a ZooModel with one objective. Subclasses set `defaults` and `step`."""

    #: Every hyperparameter the trainer reads, with its default.
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        if unknown := sorted(set(hparams) - set(self.defaults)):
            raise BadInputError(
                f"{type(self).__name__} has no hyperparameter {', '.join(unknown)}; "
                f"it takes {', '.join(sorted(self.defaults))}"
            )
        for key, value in hparams.items():
            check_setting(key, value, self.defaults[key])
        self.model = model
        self.hparams = {**self.defaults, **hparams}
        self.wrap: Wrap = wrap or (lambda module: module)

    @abc.abstractmethod
    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        """One optimization step on a batch ((N, C, H, W) in [-1, 1], (N,) labels).

        Returns the losses as 0-d tensors (read them only when logging: `.item()`
        waits for the device). `rng` is the only source of randomness allowed.
        """

    @abc.abstractmethod
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: weights, optimizer and EMA state."""

    @abc.abstractmethod
    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...

    def plan(self, total_steps: int) -> None:
        """Told by the loop, before the first step (and again on resume), how many steps
        the run takes in all; a trainer with a learning-rate schedule keeps it."""
        return  # most trainers keep a constant rate

    def result(self) -> ZooModel:
        """The model to publish (a subclass may swap in averaged weights)."""
        return self.model


class SingleOptimizerTrainer(Trainer):
    """A trainer with one optimizer and a learning-rate schedule: subclasses set
    `self.optimizer` and `self.schedule` and call `update(loss)`; the step count, the
    schedule's plan and the checkpoint are kept here."""

    optimizer: torch.optim.Optimizer
    schedule: LearningRate
    steps_taken: int = 0
    ema: EMA | None = None  # set: the generator's average is checkpointed and published

    def plan(self, total_steps: int) -> None:
        self.schedule.total_steps = total_steps

    def update(self, loss: Tensor, grad_clip: float = 0.0) -> None:
        """Backpropagate `loss` and take one optimizer step at the scheduled rate."""
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip:
            parameters = [p for group in self.optimizer.param_groups for p in group["params"]]
            nn.utils.clip_grad_norm_(parameters, grad_clip)
        self.schedule.apply(self.optimizer, self.steps_taken)
        self.optimizer.step()
        self.steps_taken += 1

    def state_dict(self) -> dict[str, Any]:
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "steps_taken": self.steps_taken,
        }
        return state if self.ema is None else {**state, "ema": self.ema.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.steps_taken = int(state.get("steps_taken", 0))  # genzoo 0.1 kept no count
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])

    def result(self) -> ZooModel:
        """The model, with the generator's averaged weights when an EMA is kept: they
        sample far better than the last step's."""
        return self.model if self.ema is None else self.model.replaced(generator=self.ema.average)


class LearningRate:
    """A trainer's rate per step: constant, or a half cosine from `lr` down to 0 over
    the planned run (Loshchilov & Hutter 2017), where the last, small steps polish."""

    kinds = ("cosine", "constant")

    def __init__(self, kind: str, lr: float) -> None:
        if kind not in self.kinds:
            raise BadInputError(f"schedule must be one of {', '.join(self.kinds)}, got {kind!r}")
        self.kind, self.lr = kind, float(lr)
        self.total_steps: int | None = None  # the rate as given until the loop plans the run

    def at(self, step: int) -> float:
        """The rate of step `step` (0 is the first)."""
        if self.kind == "constant" or not self.total_steps:
            return self.lr
        progress = min(step / self.total_steps, 1.0)
        return self.lr * 0.5 * (1 + math.cos(math.pi * progress))

    def apply(self, optimizer: torch.optim.Optimizer, step: int) -> None:
        for group in optimizer.param_groups:
            group["lr"] = self.at(step)


def adam(
    parameters: Iterable[nn.Parameter],
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
    decoupled: bool = False,
) -> torch.optim.Optimizer:
    """Adam (AdamW when `decoupled`) with the fused kernel: one pass over all parameters,
    where the default runs about ten small operations per tensor. On the CPU that makes a
    DCGAN's two optimizer steps ~15x faster, a tenth of the training step (bench/)."""
    kind = torch.optim.AdamW if decoupled else torch.optim.Adam
    return kind(parameters, lr, betas, weight_decay=weight_decay, fused=True)


class EMA:
    """An exponential moving average of a module's weights (and copies of its buffers).

    The decay ramps up from 0 as (1 + t) / (10 + t) so that early, random weights
    fade quickly; `decay` is the ceiling.
    """

    def __init__(self, module: nn.Module, decay: float) -> None:
        self.decay = decay
        self.steps = 0
        self.average = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        self.steps += 1
        decay = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for mine, theirs in zip(self.average.parameters(), module.parameters(), strict=True):
            mine.lerp_(theirs.detach(), 1 - decay)
        for own, other in zip(self.average.buffers(), module.buffers(), strict=True):
            own.copy_(other)

    def state_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "average": self.average.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.steps = int(state["steps"])
        self.average.load_state_dict(state["average"])


def check_setting(key: str, value: Any, reference: Any) -> None:
    """A config value or hyperparameter of the kind its reference value has (a number for a
    number, true/false for a flag, text for text, a list for a list); None references take
    anything. One line naming the key otherwise, before any training starts."""
    if reference is None or value is None:
        return
    kinds: tuple[type, ...]
    if isinstance(reference, bool):
        kinds, what = (bool,), "true or false"
    elif isinstance(reference, int):
        kinds, what = (int,), "a whole number"
    elif isinstance(reference, float):
        kinds, what = (int, float), "a number"
    elif isinstance(reference, str):
        kinds, what = (str,), "text"
    elif isinstance(reference, (list, tuple)):
        kinds, what = (list, tuple), "a list, e.g. [1, 2]"
    else:
        return
    # JSON's true is an int to Python: not a number here
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise BadInputError(f"{key}={value!r}: {key} takes {what} (its default is {reference!r})")
