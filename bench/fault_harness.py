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
        from genzoo.zoo.repo import read_config, write_repo
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


def _other_weights(folder: Path) -> None:
    data = bytearray((folder / "generator.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (folder / "generator.safetensors").write_bytes(bytes(data))


def run_scenarios(h: Harness, only: str | None) -> list[tuple[str, bool, str]]:
    results = []
    for scenario in scenarios(h):
        if only and only not in scenario.name:
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
    from genzoo.zoo.repo import load_repo

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
    from genzoo.zoo.repo import load_repo

    path = folder / "generator.safetensors"
    pristine = path.read_bytes()
    outcomes: Counter[str] = Counter()
    for _ in range(n):
        data = _mutated(pristine, rng)
        path.write_bytes(data)
        # hashed=True: the sha256 pin would refuse every change before parsing; the
        # point here is what the parser and the shape checks do with hostile bytes.
        outcomes[_outcome(lambda: load_repo(folder, installed().registry, hashed=True),
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
    parser.add_argument("--only", help="run the scenarios whose name contains this")
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
