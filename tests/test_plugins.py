"""Plugin loading: built-ins, entry points, isolation of every kind of broken plugin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from conftest import PluginDists
from genzoo.plugins import LOAD_ENV, load_plugins
from genzoo.plugins.discovery import Distribution, EntryPoint


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch):
    """Load the built-ins and the installed entry points as `genzoo` would, under an allowlist."""

    def load(allow: str | None = None):
        if allow is None:
            monkeypatch.delenv(LOAD_ENV, raising=False)
        else:
            monkeypatch.setenv(LOAD_ENV, allow)
        return load_plugins()

    return load


def by_name(plugins, name):
    return next(info for info in plugins.infos if info.name == name)


def test_builtins_register_dcgan_and_nothing_fails():
    plugins = load_plugins(entry_points=[])
    assert "dcgan" in plugins.registry.architectures
    assert {"dcgan-mnist", "dcgan-fashion-mnist"} <= set(plugins.registry.models)
    assert plugins.failures == []
    info = by_name(plugins, "genzoo.plugins.dcgan")
    assert info.builtin and info.loaded and info.distribution == "genzoo"
    assert info.hooks == ["register_architectures", "register_models"]


def test_good_plugin_is_discovered_through_its_entry_point(load, good_plugin: PluginDists):
    plugins = load()
    info = by_name(plugins, "good_plugin")
    assert (info.distribution, info.version, info.loaded) == ("genzoo-good", "2.3.1", True)
    assert info.registered == {
        "architectures": ["tinygan"],
        "models": ["tinygan-blobs", "dcgan-blobs"],
        "datasets": ["blobs"],
    }
    assert plugins.registry.model("dcgan-blobs").plugin == "good_plugin"
    assert plugins.failures == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "raise ImportError('needs libfoo')",
            "cannot load entry point bad = bad: ImportError: needs libfoo",
        ),
        (
            "from genzoo import hookimpl\n@hookimpl\ndef register_model(register): pass",
            "unknown hook 'register_model'",
        ),
        ("from genzoo import hookimpl\n@hookimpl\ndef register_models(regster): pass", "regster"),
        (
            "from genzoo import hookimpl\n@hookimpl\ndef register_models(register): register('x')",
            "register_models raised: RegistrationError: register_models takes PretrainedModel",
        ),
        (
            "from genzoo import hookimpl\n@hookimpl\ndef register_architectures(register):\n"
            "    1 / 0",
            "register_architectures raised: ZeroDivisionError",
        ),
        (
            "from genzoo import Architecture, hookimpl\n@hookimpl\n"
            "def register_architectures(register):\n"
            "    register(Architecture(name='dcgan', family='gan',\n"
            "                          components={'generator': 'a:B'}))",
            "architecture 'dcgan' from plugin 'bad' clashes with architecture 'dcgan' from plugin "
            "'genzoo.plugins.dcgan'; the one from 'bad' is ignored",
        ),
        (
            "from genzoo import PretrainedModel, hookimpl\n@hookimpl\n"
            "def register_models(register):\n"
            "    register(PretrainedModel(name='x-1', architecture='nope', repo_id='a/b'))",
            "model 'x-1' names unknown architecture 'nope'; the model is ignored",
        ),
        (
            "from genzoo import Architecture, hookimpl\n@hookimpl\n"
            "def register_architectures(register):\n"
            "    register(Architecture(name='Bad Name', family='gan',\n"
            "                          components={'generator': 'a:B'}))",
            "invalid architecture name 'Bad Name'",
        ),
    ],
    ids=[
        "import-fails",
        "misspelt-hook",
        "misspelt-argument",
        "not-an-entry",
        "hook-raises",
        "duplicate-name",
        "unknown-architecture",
        "invalid-name",
    ],
)
def test_a_broken_plugin_is_recorded_and_everything_else_works(
    load, plugin_dists: PluginDists, good_plugin: PluginDists, source: str, expected: str
):
    plugin_dists.add("genzoo-bad", {"bad": source})
    plugins = load()
    bad = by_name(plugins, "bad")
    assert bad.distribution == "genzoo-bad"
    assert any(expected in e for e in bad.errors), bad.errors
    assert all("\n" not in e for e in bad.errors)
    assert [f.name for f in plugins.failures] == ["bad"]
    # the rest of the zoo is intact, the built-in keeps its name
    assert plugins.registry.architecture("dcgan").plugin == "genzoo.plugins.dcgan"
    assert "tinygan-blobs" in plugins.registry.models


def test_an_unknown_name_names_the_broken_plugins_that_may_have_held_it(
    load, plugin_dists: PluginDists
):
    from typer.testing import CliRunner

    from genzoo.cli import make_app

    runner = CliRunner()
    healthy = runner.invoke(make_app(load("")), ["info", "mygan-faces"])
    assert healthy.exit_code == 2 and "plugin" not in healthy.stderr
    plugin_dists.add("genzoo-mygan", {"mygan": "raise ImportError('needs libfoo')"})
    broken = runner.invoke(make_app(load()), ["info", "mygan-faces"])
    assert broken.exit_code == 2
    lines = broken.stderr.splitlines()
    assert lines[0].startswith("error: unknown model or architecture 'mygan-faces'")
    assert lines[1].startswith("warning: plugin 'mygan': cannot load entry point")
    assert "needs libfoo" in lines[1] and len(lines) == 2


def test_a_hook_that_raises_midway_registers_nothing(load, plugin_dists: PluginDists):
    plugin_dists.add(
        "genzoo-half",
        {
            "half": """
        from genzoo import Architecture, hookimpl
        @hookimpl
        def register_architectures(register):
            register(Architecture(name="half-1", family="gan", components={"generator": "a:B"}))
            raise RuntimeError("oops")
    """
        },
    )
    plugins = load()
    assert "half-1" not in plugins.registry.architectures
    assert by_name(plugins, "half").errors == ["register_architectures raised: RuntimeError: oops"]


def test_entry_point_to_a_missing_module(load, plugin_dists: PluginDists):
    plugin_dists.add("genzoo-ghost", {}, entry_points={"ghost": "no_such_module.plugin"})
    info = by_name(load(), "ghost")
    assert not info.loaded
    assert info.errors == [
        "cannot load entry point ghost = no_such_module.plugin: "
        "ModuleNotFoundError: No module named 'no_such_module'"
    ]


def test_a_model_pinning_a_role_its_architecture_lacks_is_dropped(load, plugin_dists: PluginDists):
    plugin_dists.add(
        "genzoo-pins",
        {
            "pins": """
        from genzoo import PretrainedModel, hookimpl
        @hookimpl
        def register_models(register):
            register(PretrainedModel(name="dcgan-enc", architecture="dcgan", repo_id="a/b",
                                     sha256={"encoder": "0" * 64}))
    """
        },
    )
    plugins = load()
    assert "dcgan-enc" not in plugins.registry.models
    assert "pins ['encoder'], which 'dcgan' lacks" in by_name(plugins, "pins").errors[0]
    assert by_name(plugins, "pins").registered == {"models": []}


@pytest.mark.parametrize(
    ("allow", "loaded"),
    [
        (None, {"good_plugin", "other"}),
        ("", set()),
        ("good_plugin", {"good_plugin"}),
        ("genzoo-other", {"other"}),  # a distribution name works too
        (" genzoo_good , other ", {"good_plugin", "other"}),  # normalised like pip names
    ],
)
def test_load_plugins_allowlist(load, good_plugin: PluginDists, allow, loaded):
    good_plugin.add("genzoo-other", {"other": "x = 1"})
    plugins = load(allow)
    third_party = {i.name for i in plugins.infos if not i.builtin and i.loaded}
    if allow is None:  # everything installed: these, and what else the environment has
        assert loaded <= third_party
    else:
        assert third_party == loaded
    assert "genzoo.plugins.dcgan" in {i.name for i in plugins.infos if i.loaded}


def test_allowlist_naming_a_missing_plugin_is_reported(load, good_plugin: PluginDists):
    plugins = load("good_plugin,typo-plugin")
    assert by_name(plugins, "typo-plugin").errors == [
        f"{LOAD_ENV}: LookupError: names 'typo-plugin', but no installed plugin has it"
    ]
    assert by_name(plugins, "good_plugin").loaded


def test_plugin_commands_are_added_and_clashes_refused(load, plugin_dists, good_plugin):
    plugin_dists.add(
        "genzoo-later",
        {
            "clash": """
        from genzoo import hookimpl
        @hookimpl
        def register_commands(app):
            @app.command("hello")
            def hello():
                pass
    """
        },
    )
    plugins = load()
    app = typer.Typer()
    plugins.register_commands(app)
    assert [c.name for c in app.registered_commands] == ["hello"]
    assert by_name(plugins, "good_plugin").registered["commands"] == ["hello"]
    assert by_name(plugins, "clash").errors == [
        "register_commands: RegistrationError: command 'hello' is taken"
    ]


def test_installed_plugins_are_loaded_once():
    from genzoo.plugins import installed

    assert installed() is installed()


@pytest.mark.parametrize(("declared", "loaded"), [("1", True), ("2", False), ("'one'", False)])
def test_a_plugin_targeting_another_plugin_api_is_reported_not_loaded(
    load, plugin_dists: PluginDists, declared: str, loaded: bool
):
    plugin_dists.add(
        "genzoo-future",
        {
            "future_plugin": f"""
                from genzoo import Architecture, hookimpl
                GENZOO_PLUGIN_API = {declared}

                @hookimpl
                def register_architectures(register):
                    register(Architecture(name="futuregan", family="gan",
                        components={{"generator": "future_plugin:G"}}))
            """
        },
    )
    plugins = load()
    info = by_name(plugins, "future_plugin")
    assert info.loaded is loaded and ("futuregan" in plugins.registry.architectures) is loaded
    if not loaded:
        assert "targets genzoo plugin API" in info.errors[0] and "speaks 1" in info.errors[0]


def test_doctor_reports_the_environment_and_fails_on_a_broken_plugin(
    load, plugin_dists: PluginDists
):
    from typer.testing import CliRunner

    from genzoo.cli import make_app

    runner = CliRunner()
    healthy = runner.invoke(make_app(load("")), ["doctor", "--json"])
    assert healthy.exit_code == 0, healthy.output
    report = json.loads(healthy.stdout)
    assert report["plugin_api"] == 1 and report["plugin_problems"] == []
    assert {"genzoo", "torch", "device", "hf_cache", "hf_endpoint", "hf_offline"} <= set(report)
    assert report["hf_offline"] is True  # the tests run offline
    plugin_dists.add("genzoo-later", {"clash_plugin": CLASHING_PLUGIN})
    sick = runner.invoke(make_app(load()), ["doctor", "--json"])
    assert sick.exit_code == 1
    report = json.loads(sick.stdout)
    assert any("clashes with architecture 'dcgan'" in m for m in report["name_clashes"])


CLASHING_PLUGIN = """
    from genzoo import Architecture, hookimpl

    @hookimpl
    def register_architectures(register):
        register(Architecture(name="dcgan", family="gan",
                              components={"generator": "clash_plugin:G"}))
"""


def test_discovery_finds_what_importlib_metadata_finds(tmp_path: Path):
    from importlib import metadata

    from genzoo.plugins.discovery import entry_points

    def described(points) -> list[tuple[str, str, str, str]]:
        return sorted((ep.name, ep.value, ep.dist.name, ep.dist.version) for ep in points)

    for group in ("console_scripts", "genzoo", "pytest11"):  # this environment's
        assert described(entry_points(group)) == described(metadata.entry_points(group=group))

    first, second = tmp_path / "first", tmp_path / "second"
    (first / "pkg_a-1.0.dist-info").mkdir(parents=True)
    (first / "pkg_a-1.0.dist-info" / "METADATA").write_text("Name: pkg-a\nVersion: 1.0\n\nA: b\n")
    (first / "pkg_a-1.0.dist-info" / "entry_points.txt").write_text(
        "# comment\n[console_scripts]\nx = y:z\n\n[genzoo]\none = pkg_a.plugin:hooks.impl [extra]\n"
    )
    (second / "pkg_a-0.9.dist-info").mkdir(parents=True)  # shadowed by the first on the path
    (second / "pkg_a-0.9.dist-info" / "entry_points.txt").write_text("[genzoo]\nold = pkg_a\n")
    (second / "pkg_b.egg-info").mkdir()  # an old-style install: PKG-INFO
    (second / "pkg_b.egg-info" / "PKG-INFO").write_text("Name: pkg_b\nVersion: 0.3\n")
    (second / "pkg_b.egg-info" / "entry_points.txt").write_text("[genzoo]\ntwo=pkg_b.hooks\n")
    found = entry_points("genzoo", [str(first), str(tmp_path / "missing"), str(second)])
    assert [(ep.name, ep.value, ep.dist) for ep in found] == [
        ("one", "pkg_a.plugin:hooks.impl [extra]", Distribution("pkg-a", "1.0")),
        ("two", "pkg_b.hooks", Distribution("pkg_b", "0.3")),
    ]
    assert EntryPoint("p", "os.path:join [x]", "genzoo").load() is os.path.join


RUDE_PLUGINS = {
    "exits_at_import": "import sys\nsys.exit(3)\n",
    "interrupts_in_a_hook": """
        from genzoo import hookimpl

        @hookimpl
        def register_architectures(register):
            raise KeyboardInterrupt
    """,
    "prints_everywhere": """
        from genzoo import hookimpl
        print("hello from import")

        @hookimpl
        def register_datasets(register):
            print("hello from a hook")
            raise SystemExit("bye")
    """,
    "writes_around_genzoo": """
        import atexit, os, sys, threading, time
        os.write(1, b"raw bytes to fd 1\\n")
        atexit.register(print, "hello from atexit")
        atexit.register(os.write, 1, b"atexit to fd 1\\n")

        def chatter():
            time.sleep(0.3)  # while the command prints its own output
            print("hello from a thread")
            sys.stdout.flush()

        threading.Thread(target=chatter).start()
        time.sleep(0.5)  # the thread speaks while the command runs
    """,
}


def test_a_plugin_cannot_end_the_command_or_write_to_its_stdout(plugin_dists: PluginDists):
    for module, source in RUDE_PLUGINS.items():
        plugin_dists.add(f"genzoo-{module.replace('_', '-')}", {module: source})
    env = {**plugin_dists.env}
    env.pop("GENZOO_LOAD_PLUGINS", None)
    listing = subprocess.run(
        [sys.executable, "-m", "genzoo", "list", "--json"], capture_output=True, text=True,
        env=env, check=False,
    )  # fmt: skip
    assert listing.returncode == 0, listing.stderr
    assert {"dcgan-fashion-mnist"} <= {row["name"] for row in json.loads(listing.stdout)}
    assert "hello from import" in listing.stderr and "hello from" not in listing.stdout
    for spoken in (
        "raw bytes to fd 1",
        "hello from a thread",
        "hello from atexit",
        "atexit to fd 1",
    ):
        assert spoken in listing.stderr and spoken not in listing.stdout
    report = subprocess.run(
        [sys.executable, "-m", "genzoo", "plugins", "--json"], capture_output=True, text=True,
        env=env, check=False,
    )  # fmt: skip
    infos = {info["name"]: info for info in json.loads(report.stdout)}
    assert "SystemExit: 3" in infos["exits_at_import"]["errors"][0]
    assert "KeyboardInterrupt" in infos["interrupts_in_a_hook"]["errors"][0]
    assert "SystemExit: bye" in infos["prints_everywhere"]["errors"][0]


def test_a_slow_plugin_is_timed_and_named(plugin_dists: PluginDists):
    plugin_dists.add("genzoo-slow", {"slow_plugin": "import time\ntime.sleep(1.2)\n"})
    env = {**plugin_dists.env}
    env.pop("GENZOO_LOAD_PLUGINS", None)
    listing = subprocess.run(
        [sys.executable, "-m", "genzoo", "list"], capture_output=True, text=True, env=env,
        check=False,
    )  # fmt: skip
    assert listing.returncode == 0
    assert "plugin 'slow_plugin' took 1." in listing.stderr
    report = subprocess.run(
        [sys.executable, "-m", "genzoo", "plugins", "--json"], capture_output=True, text=True,
        env=env, check=False,
    )  # fmt: skip
    (slow,) = [info for info in json.loads(report.stdout) if info["name"] == "slow_plugin"]
    assert slow["seconds"] >= 1.2 and not slow["errors"]


def test_text_from_a_plugin_prints_as_written_never_as_markup(plugin_dists: PluginDists):
    plugin_dists.add(
        "genzoo-markup",
        {
            "markup_plugin": """
                from genzoo import Architecture, DatasetEntry, hookimpl

                @hookimpl
                def register_datasets(register):
                    register(DatasetEntry(
                        name="marked-data", loader="markup_plugin:load",
                        description="closes [/bold] too",
                    ))

                @hookimpl
                def register_architectures(register):
                    register(Architecture(
                        name="marked", family="gan",
                        components={"generator": "genzoo.plugins.dcgan.model:DCGANGenerator"},
                        description="closes [/bold] and links [link=http://evil.example]here[/link]",
                    ))
            """
        },
    )
    env = {**plugin_dists.env}
    env.pop("GENZOO_LOAD_PLUGINS", None)
    for command in (["datasets"], ["info", "marked"]):
        result = subprocess.run(
            [sys.executable, "-m", "genzoo", *command], capture_output=True, text=True,
            env={**env, "COLUMNS": "300"}, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        shown = " ".join(result.stdout.split())
        assert "closes [/bold]" in shown, shown
        if command[0] == "info":
            assert "links [link=http://evil.example]here[/link]" in shown


def _registers_vqvae(component: str) -> str:
    return f"""
    from genzoo import Architecture, hookimpl

    @hookimpl
    def register_architectures(register):
        register(Architecture(name="vqvae", family="vae", components={{"decoder": "{component}"}}))
"""


def test_two_third_party_plugins_registering_one_name_show_the_clash_in_plugins(
    load, plugin_dists: PluginDists
):
    from typer.testing import CliRunner

    from genzoo.cli import make_app

    plugin_dists.add("genzoo-vq-one", {"vq_one": _registers_vqvae("vq_one:D")})
    plugin_dists.add("genzoo-vq-two", {"vq_two": _registers_vqvae("vq_two:D")})
    app = make_app(load())
    shown = CliRunner().invoke(app, ["plugins"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    # The first loaded keeps the name; the second is marked and its error names both.
    row = next(line for line in shown.stdout.splitlines() if "vq_two" in line)
    assert "1 error(s)" in row
    assert (
        "vq_two: register_architectures: RegistrationError: architecture 'vqvae' from plugin "
        "'vq_two' clashes with architecture 'vqvae' from plugin 'vq_one'"
        in " ".join(shown.stderr.split())
    )
    listed = json.loads(CliRunner().invoke(app, ["plugins", "--json"]).stdout)
    by_plugin = {info["name"]: info for info in listed}
    assert by_plugin["vq_one"]["registered"] == {"architectures": ["vqvae"]}
    assert by_plugin["vq_two"]["registered"] == {} and len(by_plugin["vq_two"]["errors"]) == 1


def test_doctor_warns_when_threads_would_fight_over_busy_cores():
    from genzoo.cli.doctor import oversubscribed

    assert oversubscribed(threads=2, cores=2, load=0.1) is None  # an idle machine
    assert oversubscribed(threads=1, cores=2, load=3.0) is None  # one thread: no fight
    warning = oversubscribed(threads=2, cores=2, load=1.0)  # another job holds a core
    assert warning is not None and "OMP_NUM_THREADS=1" in warning
