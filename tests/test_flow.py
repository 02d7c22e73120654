"""Flow matching: the solvers, the sampler's options through every path, the trainer, the CLI."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

import genzoo
from genzoo.cli import make_app
from genzoo.core import BadInputError
from genzoo.plugins import installed
from genzoo.plugins.flow.model import euler, heun
from genzoo.train.flow import DistillationTrainer, FlowMatchingTrainer
from genzoo.zoo.weights import write_repo

SMALL = {
    "image_shape": [1, 8, 8],
    "base_channels": 8,
    "channel_mults": [1, 2],
    "steps": 3,
    "solver": "euler",
}


def run(*args: str):
    return CliRunner().invoke(make_app(installed()), list(args))


def untrained(**config: object) -> genzoo.ZooModel:
    """A flow model whose residual branches are switched on: a fresh U-Net's are zero (each
    block starts as the identity), so labels and most weights would not matter yet."""
    torch.manual_seed(0)
    model = genzoo.build("flow", **{**SMALL, **config})
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    return model


@pytest.fixture
def flow_repo(tmp_path: Path) -> Path:
    write_repo(untrained(), tmp_path / "flow")
    return tmp_path / "flow"


def test_heun_is_second_order_and_euler_first():
    """dx/dt = x from x(0) = 1: x(1) = e. Halving the step halves Euler's error and quarters
    Heun's."""

    def errors(solver, steps):
        times = torch.linspace(0, 1, steps + 1, dtype=torch.float64)
        *_, end = solver(lambda x, t: x, torch.ones(1, dtype=torch.float64), times)
        return abs(float(end) - math.e)

    assert errors(euler, 20) / errors(euler, 40) == pytest.approx(2, rel=0.05)
    assert errors(heun, 20) / errors(heun, 40) == pytest.approx(4, rel=0.05)
    assert errors(heun, 10) < errors(euler, 40)  # about half the error, half the evaluations


def test_heun_never_asks_the_network_at_the_clean_end():
    """Its last step is Euler's: the field is evaluated at every time but t = 1 (where a
    flow's network is least reliable), 2 x steps - 1 times in all."""
    asked = []

    def field(x, t):
        asked.append(float(t))
        return x

    list(heun(field, torch.ones(1, dtype=torch.float64), torch.linspace(0, 1, 5)))
    assert sorted(set(asked)) == [0.0, 0.25, 0.5, 0.75] and len(asked) == 2 * 4 - 1


def test_a_flow_samples_by_10_heun_steps_unless_distilled_for_eulers():
    """The architectures' defaults: 19 network calls of Heun's solver (its objects as bright
    as the exact solution's, where 20 Euler steps dim them), and a distilled flow the Euler
    steps it was distilled for."""
    registry = installed().registry
    assert {k: registry.architecture("flow").config[k] for k in ("steps", "solver")} == {
        "steps": 10,
        "solver": "heun",
    }
    distilled = registry.architecture("flow-distilled").config
    assert (distilled["steps"], distilled["solver"]) == (4, "euler")


def test_options_reach_the_sampler_and_seeds_hold():
    generator = untrained().generator
    assert generator.latent_dim == 64 and dict(generator.sampling_options) == {
        "steps": 3,
        "solver": "euler",
        "compile": "auto",
    }
    default = generator.sample(4, seed=1)
    assert torch.equal(default, generator.sample(4, seed=1, steps=3, solver="euler"))
    assert torch.allclose(default, generator.sample(4, seed=1, batch_size=3), atol=1e-5)
    assert not torch.equal(default, generator.sample(4, seed=1, steps=1))
    assert not torch.equal(default, generator.sample(4, seed=1, solver="heun"))
    frames = generator.sample_steps(4, seed=1, steps=5)
    assert frames.shape == (6, 4, 1, 8, 8)  # the noise, then each step
    assert torch.equal(frames[-1], generator.sample(4, seed=1, steps=5))
    walk = generator.interpolate(2, frames=3, points=2, seed=0, steps=2, solver="heun")
    assert walk.shape == (6, 2, 1, 8, 8)


def test_classifier_free_guidance_mixes_in_the_unlabelled_field():
    generator = untrained(num_classes=3).generator
    assert generator.sampling_options["guidance"] == 1.0
    plain = generator.sample(4, labels=1, seed=0)
    assert torch.equal(plain, generator.sample(4, labels=1, seed=0, guidance=1.0))
    assert not torch.equal(plain, generator.sample(4, labels=1, seed=0, guidance=3.0))
    # guidance 0 samples the unlabelled model, whatever label is asked for
    assert torch.allclose(
        generator.sample(4, labels=0, seed=0, guidance=0.0),
        generator.sample(4, labels=2, seed=0, guidance=0.0),
        atol=1e-6,
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"steps": 0}, "steps must be a whole number >= 1"),
        ({"steps": 2.5}, "steps must be a whole number >= 1"),
        ({"solver": "rk45"}, "unknown solver 'rk45': use euler, heun"),
        ({"guidance": 2.0}, "takes no guidance: its options are steps, solver"),
        ({"temperature": 1}, "takes no temperature"),
    ],
)
def test_bad_options_are_one_line_errors(options, message):
    generator = genzoo.build("flow", **SMALL).generator
    with pytest.raises(BadInputError, match=message):
        generator.sample(2, seed=0, **options)


def test_one_pass_generators_refuse_sampler_options():
    generator = genzoo.build("dcgan", latent_dim=8, base_channels=4).generator
    with pytest.raises(BadInputError, match="takes no steps: it has no sampling options"):
        generator.sample(2, seed=0, steps=4)
    assert generator.check_options({"steps": None}) == {}  # unset options are no options


def test_the_trainer_learns_resumes_and_publishes_the_average():
    torch.manual_seed(0)
    model = genzoo.build("flow", **SMALL, num_classes=2)
    trainer = FlowMatchingTrainer(model, {"lr": 3e-3, "ema_decay": 0.9})
    images = torch.rand(16, 1, 8, 8) * 2 - 1
    labels = torch.arange(16) % 2
    rng = torch.Generator().manual_seed(0)
    losses = [float(trainer.step(images, labels, rng)["loss"]) for _ in range(40)]
    assert sum(losses[-5:]) < 0.8 * sum(losses[:5])
    published = trainer.result()
    assert list(published) == ["generator"] and published.generator is trainer.ema.average
    state, rng_state = copy.deepcopy(trainer.state_dict()), rng.get_state()
    expected = trainer.step(images, labels, rng)["loss"]
    again = FlowMatchingTrainer(genzoo.build("flow", **SMALL, num_classes=2), {"lr": 3e-3})
    again.load_state_dict(state)
    rng.set_state(rng_state)
    assert torch.equal(again.step(images, labels, rng)["loss"], expected)
    with pytest.raises(BadInputError, match="label_dropout must lie in"):
        FlowMatchingTrainer(model, {"label_dropout": 1.5})


def test_cli_sampling_options_gif_and_bad_input(flow_repo: Path, tmp_path: Path):
    grid, gif = tmp_path / "grid.png", tmp_path / "steps.gif"
    result = run(
        "sample", str(flow_repo), "-n", "4", "--steps", "4", "--solver", "heun",
        "-o", str(grid), "--steps-gif", str(gif),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "5 steps of 4 images" in result.output
    with Image.open(gif) as animation:
        assert animation.n_frames >= 2
    walk = tmp_path / "walk.gif"
    result = run("interpolate", str(flow_repo), "-n", "2", "--steps", "2", "--solver-steps", "2",
                 "-o", str(walk))  # fmt: skip
    assert result.exit_code == 0, result.output
    for args, message in [
        (["--steps", "0"], "0 is not in the range x>=1"),
        (["--guidance", "-1"], "takes no guidance"),
        (["--guidance", "x"], "is not a valid float"),
        (["--solver", "rk45"], "unknown solver 'rk45'"),
        (["--temperature", "0.9"], "takes no temperature"),
    ]:
        out = tmp_path / "refused.png"
        result = run("sample", str(flow_repo), "-o", str(out), *args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
        assert not out.exists()


def test_compilation_pays_only_for_large_runs_and_changes_nothing(monkeypatch):
    """torch.compile itself takes a minute here: the test stands in an identity for it and
    checks the policy, the padding of a short last batch, and that nothing else changes."""
    from genzoo.plugins.flow import model as flow

    compiled_batches = []

    def fake_compile(module, **kwargs):
        def run(x, t, labels):
            compiled_batches.append(x.shape[0])
            return module(x, t, labels)

        return run

    monkeypatch.setattr(flow.torch, "compile", fake_compile)
    assert not flow.compile_pays(64, {"steps": 20, "solver": "euler"})  # a grid: eager
    assert flow.compile_pays(10_000, {"steps": 20, "solver": "euler"})  # an evaluation
    assert flow.compile_pays(2_000, {"steps": 10, "solver": "heun", "guidance": 2.0})
    model = untrained()
    generator = model.generator
    keys = set(model.state_dict())
    eager = generator.sample(40, seed=0, steps=3, batch_size=16, compile=False)
    assert compiled_batches == []
    same = generator.sample(40, seed=0, steps=3, batch_size=16, compile=True)
    assert torch.allclose(eager, same, atol=1e-6)
    assert set(compiled_batches) == {16}  # the last batch of 8 padded to 16: no recompiling
    assert set(model.state_dict()) == keys
    with pytest.raises(BadInputError, match="compile must be auto, True or False"):
        generator.sample(2, compile="yes")


def test_distillation_halves_the_steps_and_a_student_step_is_two_teacher_steps():
    torch.manual_seed(0)
    with pytest.raises(BadInputError, match="samples in 4 steps: give it that default"):
        DistillationTrainer(genzoo.build("flow-distilled", **{**SMALL, "steps": 2}), {})
    with pytest.raises(BadInputError, match="teacher_steps 6 does not halve 2 times"):
        DistillationTrainer(
            genzoo.build("flow-distilled", **{**SMALL, "steps": 4}), {"teacher_steps": 6}
        )
    model = genzoo.build("flow-distilled", **{**SMALL, "steps": 1})
    trainer = DistillationTrainer(model, {"teacher_steps": 4, "lr": 1e-3, "ema_decay": 0.5})
    trainer.plan(6)  # two parts of 3 steps: students of 2, then of 1 step
    teacher = copy.deepcopy(trainer.teacher)
    images, labels = torch.rand(8, 1, 8, 8) * 2 - 1, torch.zeros(8, dtype=torch.long)
    # the first target is the teacher's two Euler steps of 1/4 from a point on the path
    rng = torch.Generator().manual_seed(0)
    noise = torch.randn(images.shape, generator=rng)
    t = torch.randint(0, 2, (8,), generator=rng).float() / 2
    x = (1 - t[:, None, None, None]) * noise + t[:, None, None, None] * images
    with torch.no_grad():
        first = teacher.velocity(x, t)
        target = (first + teacher.velocity(x + first / 4, t + 0.25)) / 2
        expected = torch.nn.functional.mse_loss(model.generator.velocity(x, t), target)
    steps = [trainer.step(images, labels, torch.Generator().manual_seed(0))]
    assert float(steps[0]["loss"]) == pytest.approx(float(expected), rel=1e-5)
    steps += [trainer.step(images, labels, torch.Generator().manual_seed(s)) for s in range(5)]
    assert [int(step["student_steps"]) for step in steps] == [2, 2, 2, 1, 1, 1]
    # at the switch the averaged student became the teacher; the teacher never trains
    assert not any(p.requires_grad for p in trainer.teacher.parameters())
    assert not all(
        torch.equal(a, b)
        for a, b in zip(teacher.parameters(), trainer.teacher.parameters(), strict=True)
    )


def test_a_repos_sampler_defaults_change_and_its_pins_and_probe_follow(flow_repo: Path):
    """scripts/set_sampling.py: the weights and their pins stay, the config samples by the
    new defaults, and the golden probe and preview are made again, so `genzoo verify`
    passes; an option the sampler does not take changes nothing."""
    import subprocess
    import sys

    from genzoo.zoo.repo import read_config
    from genzoo.zoo.verify import verify_folder

    script = Path(__file__).resolve().parents[1] / "scripts" / "set_sampling.py"
    before = read_config(flow_repo)
    preview = (flow_repo / "samples.png").read_bytes()

    def set_sampling(*settings: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(script), str(flow_repo), *settings]
        return subprocess.run(command, capture_output=True, text=True)

    done = set_sampling("steps=2", "solver=heun")
    assert done.returncode == 0, done.stderr
    after = read_config(flow_repo)
    assert after.sha256 == before.sha256
    assert (after.config["steps"], after.config["solver"]) == (2, "heun")
    assert after.golden != before.golden and (flow_repo / "samples.png").read_bytes() != preview
    assert all(check.ok for check in verify_folder(flow_repo, installed().registry, None))
    model = genzoo.load(str(flow_repo), device="cpu")
    expected = untrained().generator.sample(2, seed=0, steps=2, solver="heun")
    assert torch.allclose(model.generator.sample(2, seed=0), expected, atol=1e-5)
    refused = set_sampling("temperature=0.5")
    assert refused.returncode != 0 and "takes no temperature" in refused.stderr
    assert read_config(flow_repo) == after
