"""The flow-matching objective (Lipman et al. 2023; rectified flow, Liu et al. 2023).

For an image x1, noise x0 ~ N(0, I) and a time t ~ U(0, 1), the point
x_t = (1 - t) x0 + t x1 moves with velocity x1 - x0; the network regresses it:

    loss = || v(x_t, t, y) - (x1 - x0) ||^2      (mean over pixels)

Class-conditional models see "no label" (index `num_classes`) in place of the
label with probability `label_dropout`, which is what classifier-free guidance
samples with. The published weights are an exponential moving average (`ema_decay`).

`DistillationTrainer` makes a flow sample in few steps: progressive distillation
(Salimans & Ho 2022) of its Euler sampler, each halving a student whose one step
lands where two of its teacher's do.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genzoo.core import BadInputError
from genzoo.core.model import ZooModel
from genzoo.train.trainer import EMA, LearningRate, SingleOptimizerTrainer, Wrap, adam

__all__ = ["DistillationTrainer", "FlowMatchingTrainer"]


class _Objective(nn.Module):
    """The loss as a module, so that DistributedDataParallel can wrap it."""

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator: Any = generator  # a plugin's generator with velocity(x, t, labels)

    def forward(
        self,
        images: Tensor,
        noise: Tensor,
        t: Tensor,
        labels: Tensor | None,
        target: Tensor | None = None,
    ) -> Tensor:
        """The regression at the path's points: on the path's velocity, or on `target`."""
        predicted = self.generator.velocity(on_path(images, noise, t), t, labels)
        target = images - noise if target is None else target
        return F.mse_loss(predicted.float(), target.float())


def on_path(images: Tensor, noise: Tensor, t: Tensor) -> Tensor:
    """(N, C, H, W) points at (N,) times on the straight paths from noise to images."""
    times = t[:, None, None, None]
    return (1 - times) * noise + times * images


class FlowMatchingTrainer(SingleOptimizerTrainer):
    """Adam on the flow-matching loss of a generator with `velocity(x, t, labels)`."""

    ema: EMA  # always kept: the published generator is the average
    defaults: ClassVar[dict[str, Any]] = {
        "lr": 1e-3,
        "ema_decay": 0.999,
        "label_dropout": 0.1,  # conditional models: how often the label is hidden
        "grad_clip": 1.0,  # max gradient norm; 0 turns clipping off
        "schedule": "cosine",  # or "constant"; cosine decays the rate to 0 over the run
    }

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        super().__init__(model, hparams, wrap)
        generator = model["generator"]
        if not hasattr(generator, "velocity"):
            raise BadInputError(
                f"{model.architecture}'s generator has no velocity(x, t, labels): "
                "it cannot be trained by flow matching"
            )
        if not 0 <= float(self.hparams["label_dropout"]) < 1:
            raise BadInputError(
                f"label_dropout must lie in [0, 1), got {self.hparams['label_dropout']}"
            )
        self.objective = self.wrap(_Objective(generator))
        self.optimizer = adam(generator.parameters(), self.hparams["lr"])
        self.schedule = LearningRate(self.hparams["schedule"], self.hparams["lr"])
        self.ema = EMA(generator, float(self.hparams["ema_decay"]))

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        generator: Any = self.model["generator"]
        generator.train()
        n, device = images.shape[0], images.device
        noise = torch.randn(images.shape, generator=rng, device=device, dtype=images.dtype)
        t = torch.rand(n, generator=rng, device=device, dtype=images.dtype)
        conditioning = None
        if generator.num_classes:
            hidden = torch.rand(n, generator=rng, device=device) < self.hparams["label_dropout"]
            conditioning = torch.where(hidden, generator.num_classes, labels)
        loss = self.objective(images, noise, t, conditioning)
        self.update(loss, self.hparams["grad_clip"])
        self.ema.update(generator)
        return {"loss": loss.detach()}


class DistillationTrainer(FlowMatchingTrainer):
    """Progressive distillation (Salimans & Ho 2022) of a flow's Euler sampler.

    The teacher is the model the run starts from (`genzoo train --init-from`), sampled
    in `teacher_steps` Euler steps. Each of `halvings` equal parts of the run trains a
    student of half its teacher's steps: at a point x_t of the straight path between
    noise and an image, t on the student's grid, the student's velocity regresses the
    teacher's two-step move, (v(x_t, t) + v(x_t + h v, t + h)) / 2 with h the
    teacher's step; the student then becomes the next part's teacher. Each part has its
    own cosine rate and a fresh optimizer; the model ends sampling in
    teacher_steps / 2**halvings steps, which its config's `steps` must say.
    """

    defaults: ClassVar[dict[str, Any]] = {
        **FlowMatchingTrainer.defaults,
        "lr": 2e-4,  # a fine-tune of the teacher's weights
        "teacher_steps": 16,
        "halvings": 2,  # 16 -> 8 -> 4 steps
    }

    def __init__(self, model: ZooModel, hparams: Mapping[str, Any], wrap: Wrap | None = None):
        super().__init__(model, hparams, wrap)
        steps, halvings = self.hparams["teacher_steps"], self.hparams["halvings"]
        if not (isinstance(halvings, int) and halvings >= 1 and isinstance(steps, int)):
            raise BadInputError("teacher_steps and halvings must be whole numbers, halvings >= 1")
        if steps % 2**halvings:
            raise BadInputError(f"teacher_steps {steps} does not halve {halvings} times")
        generator: Any = model["generator"]
        final = steps // 2**halvings
        if generator.sampling_options.get("steps") != final:
            raise BadInputError(
                f"the distilled model samples in {final} steps: give it that default "
                f"(--set steps={final})"
            )
        # the frozen teacher, outside the module tree: the checkpoint keeps it explicitly
        self.teacher: Any = copy.deepcopy(generator).eval().requires_grad_(False)
        self.part = 0

    def plan(self, total_steps: int) -> None:
        self.part_steps = max(1, -(-total_steps // self.hparams["halvings"]))
        super().plan(self.part_steps)  # the cosine spans one part; steps_taken counts in it

    @property
    def student_steps(self) -> int:
        return int(self.hparams["teacher_steps"]) // 2 ** (self.part + 1)

    def step(self, images: Tensor, labels: Tensor, rng: torch.Generator) -> dict[str, Tensor]:
        last = self.part == self.hparams["halvings"] - 1
        if not last and self.steps_taken >= getattr(self, "part_steps", float("inf")):
            self._next_part()
        generator: Any = self.model["generator"]
        generator.train()
        n, device, dtype = images.shape[0], images.device, images.dtype
        noise = torch.randn(images.shape, generator=rng, device=device, dtype=dtype)
        steps = self.student_steps
        grid = torch.randint(0, steps, (n,), generator=rng, device=device)
        t = grid.to(dtype) / steps
        conditioning = None
        if generator.num_classes:
            hidden = torch.rand(n, generator=rng, device=device) < self.hparams["label_dropout"]
            conditioning = torch.where(hidden, generator.num_classes, labels)
        points, h = on_path(images, noise, t), 0.5 / steps  # h: the teacher's step
        with torch.no_grad():
            first = self.teacher.velocity(points, t, conditioning)
            second = self.teacher.velocity(points + h * first, t + h, conditioning)
        loss = self.objective(images, noise, t, conditioning, (first + second) / 2)
        self.update(loss, self.hparams["grad_clip"])
        self.ema.update(generator)
        return {"loss": loss.detach(), "student_steps": torch.tensor(float(steps))}

    def _next_part(self) -> None:
        """The averaged student becomes the teacher and the next student's start."""
        generator = self.model["generator"]
        self.teacher.load_state_dict(self.ema.average.state_dict())
        generator.load_state_dict(self.ema.average.state_dict())
        self.optimizer = adam(generator.parameters(), self.hparams["lr"])
        self.part, self.steps_taken = self.part + 1, 0

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "teacher": self.teacher.state_dict(), "part": self.part}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.teacher.load_state_dict(state["teacher"])
        self.part = int(state["part"])
