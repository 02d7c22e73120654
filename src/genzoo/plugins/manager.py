"""Loading plugins: the built-ins, then every entry point of the group `genzoo`.

Each plugin is loaded and called in isolation: one that fails to import, uses
an unknown hook, raises in a hook or registers something invalid is recorded
in its `PluginInfo` and left out, and everything else keeps working.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

from genzoo.core.entries import Architecture, DatasetEntry, Entry, PretrainedModel
from genzoo.core.errors import GenzooError, RegistrationError
from genzoo.core.registry import Registry
from genzoo.core.version import __version__
from genzoo.plugins import discovery, hookspecs
from genzoo.plugins.discovery import EntryPoint

if TYPE_CHECKING:
    import typer

#: Built-in plugins, loaded before any third-party one so that their names win clashes.
BUILTIN_PLUGINS = (
    "genzoo.plugins.dcgan",
    "genzoo.plugins.wgan_gp",
    "genzoo.plugins.vae",
    "genzoo.plugins.draw",
    "genzoo.plugins.pixelrnn",
    "genzoo.plugins.flow",
    "genzoo.plugins.lenet",
    "genzoo.plugins.simclr",
    "genzoo.plugins.timm_models",
    "genzoo.plugins.datasets",
)

ENTRY_POINT_GROUP = "genzoo"

#: Comma-separated allowlist of third-party plugins (entry-point or distribution
#: names); set but empty means built-ins only, unset means everything installed.
LOAD_ENV = "GENZOO_LOAD_PLUGINS"

#: A plugin whose import and hooks take longer than this is named in a warning.
SLOW_PLUGIN_SECONDS = 1.0

# What a plugin's code may raise: each is its failure, never the command's end (SystemExit
# and KeyboardInterrupt included: a plugin calling sys.exit() must not end `genzoo list`).
PLUGIN_FAILURES = (Exception, SystemExit, KeyboardInterrupt)

# The registration hooks, in call order (models may name architectures of any plugin).
_REGISTRATIONS: tuple[tuple[str, str, type], ...] = (
    ("register_architectures", "architectures", Architecture),
    ("register_models", "models", PretrainedModel),
    ("register_datasets", "datasets", DatasetEntry),
)


@dataclass
class PluginInfo:
    """What one plugin is, what it implements and registered, and what went wrong."""

    name: str
    distribution: str
    version: str
    builtin: bool
    api: int | None = None  # the plugin API version it declares targeting
    loaded: bool = False
    hooks: list[str] = field(default_factory=list)
    registered: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    seconds: float = 0.0  # spent in its import and hooks

    @contextlib.contextmanager
    def running(self, counted: bool = True) -> Iterator[None]:
        """Where the plugin's own code runs: what it prints goes to stderr (stdout is the
        command's, e.g. --json output), and its time is counted as loading time (not for
        the on-demand hooks, which run only when a command asks for their names)."""
        start = time.perf_counter()
        try:
            with contextlib.redirect_stdout(sys.stderr):
                yield
        finally:
            if counted:
                self.seconds += time.perf_counter() - start

    def fail(self, what: str, err: BaseException) -> None:
        message = " ".join(f"{what}: {type(err).__name__}: {err}".split())
        if message in self.errors:  # e.g. the same command clash, met by a second app
            return
        self.errors.append(message)
        self.tracebacks.append("".join(traceback.format_exception(err)))

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "builtin": self.builtin,
            "api": self.api,
            "loaded": self.loaded,
            "hooks": self.hooks,
            "registered": self.registered,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Plugins:
    """The loaded plugins and the registry they filled."""

    manager: pluggy.PluginManager
    registry: Registry
    infos: list[PluginInfo]

    @property
    def failures(self) -> list[PluginInfo]:
        return [info for info in self.infos if info.errors]

    @property
    def slow(self) -> list[PluginInfo]:
        return [info for info in self.infos if info.seconds > SLOW_PLUGIN_SECONDS]

    def register_commands(self, app: typer.Typer) -> None:
        """Let each loaded plugin add CLI commands; a name already taken is refused."""
        for info, impl in self._impls("register_commands"):
            info.registered["commands"] = []
            before = list(app.registered_commands)
            taken = {_command_name(c) for c in before}
            try:
                with info.running():
                    impl(app=app)
            except PLUGIN_FAILURES as err:
                app.registered_commands[:] = before
                info.fail("register_commands raised", err)
                continue
            added = app.registered_commands[len(before) :]
            for command in added:
                name = _command_name(command)
                if name in taken:
                    app.registered_commands.remove(command)
                    info.fail("register_commands", RegistrationError(f"command {name!r} is taken"))
                else:
                    taken.add(name)
                    info.registered["commands"].append(name)

    def _impls(self, hook: str) -> Iterable[tuple[PluginInfo, Callable[..., Any]]]:
        """Each loaded plugin's implementation of `hook`, in load order."""
        by_plugin = {i.plugin_name: i for i in getattr(self.manager.hook, hook).get_hookimpls()}
        for info in self.infos:
            impl = by_plugin.get(info.name)
            if info.loaded and impl is not None:
                yield info, functools.partial(_call, impl)


def load_plugins(
    builtins: Iterable[str] = BUILTIN_PLUGINS,
    entry_points: Iterable[EntryPoint] | None = None,
    allow: str | None = None,
) -> Plugins:
    """Load `builtins`, then the allowed `entry_points`, and fill a registry.

    By default the entry points are those installed, filtered by GENZOO_LOAD_PLUGINS
    unless `allow` is given.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    plugins = Plugins(manager, Registry(), [])

    for module_name in builtins:
        info = PluginInfo(module_name, "genzoo", __version__, builtin=True)
        _add(plugins, info, functools.partial(importlib.import_module, module_name))
    if entry_points is None:
        entry_points = discovery.entry_points(ENTRY_POINT_GROUP)
        if allow is None:
            allow = os.environ.get(LOAD_ENV)
    for ep in _allowed(list(entry_points), allow, plugins):
        dist = ep.dist
        info = PluginInfo(
            ep.name, dist.name if dist else "?", dist.version if dist else "?", builtin=False
        )
        _add(plugins, info, ep.load, what=f"cannot load entry point {ep.name} = {ep.value}")
    _fill_registry(plugins)
    return plugins


@functools.lru_cache(maxsize=1)
def installed() -> Plugins:
    """The plugins of this environment, loaded once (`installed.cache_clear()` to reload)."""
    return load_plugins()


def _allowed(
    entry_points: list[EntryPoint], allow: str | None, plugins: Plugins
) -> list[EntryPoint]:
    if allow is None:
        return entry_points

    def names(ep: EntryPoint) -> set[str]:  # an entry point answers to its own and its dist's
        return {discovery.normalize(ep.name), discovery.normalize(ep.dist.name if ep.dist else "")}

    wanted = {discovery.normalize(n) for n in allow.split(",") if n.strip()}
    chosen = [ep for ep in entry_points if names(ep) & wanted]
    found = set().union(*(names(ep) for ep in chosen))
    for missing in sorted(wanted - found):
        info = PluginInfo(missing, "?", "?", builtin=False)
        info.fail(LOAD_ENV, LookupError(f"names {missing!r}, but no installed plugin has it"))
        plugins.infos.append(info)
    return chosen


def _add(
    plugins: Plugins, info: PluginInfo, load: Callable[[], object], what: str = "cannot import"
) -> None:
    plugins.infos.append(info)
    try:
        with info.running():
            plugin = load()
    except PLUGIN_FAILURES as err:
        info.fail(what, err)
        return
    info.api = getattr(plugin, hookspecs.API_ATTRIBUTE, None)
    if info.api is not None and info.api != hookspecs.PLUGIN_API:
        info.fail(
            "incompatible",
            RegistrationError(
                f"it targets genzoo plugin API {info.api!r}, but this genzoo speaks "
                f"{hookspecs.PLUGIN_API}: install a version "
                "of one that matches the other"
            ),
        )
        return
    try:
        plugins.manager.register(plugin, name=info.name)
        plugins.manager.check_pending()  # catches misspelt hook names
    except Exception as err:
        if plugins.manager.is_registered(plugin):
            plugins.manager.unregister(plugin)
        info.fail("invalid plugin", err)
        return
    info.loaded = True
    info.hooks = sorted(c.name for c in plugins.manager.get_hookcallers(plugin) or [])


def _fill_registry(plugins: Plugins) -> None:
    for hook, kind, entry_type in _REGISTRATIONS:
        for info, impl in plugins._impls(hook):
            try:
                with info.running():
                    entries = _collect(impl, hook, entry_type)
            except PLUGIN_FAILURES as err:  # the plugin's entries of this hook are all left out
                info.fail(f"{hook} raised", err)
                continue
            for entry in entries:
                try:
                    plugins.registry.add(entry, info.name, (info.distribution, info.version))
                except RegistrationError as err:
                    info.fail(hook, err)
                else:
                    info.registered.setdefault(kind, []).append(entry.name)
    for info, impl in plugins._impls("resolve_architecture"):
        plugins.registry.resolvers.append((info.name, _resolver(info, impl)))
    for info, impl in plugins._impls("list_on_demand"):
        plugins.registry.listers.append((info.name, _lister(info, impl)))
    _drop_unlinked_models(plugins)


def _lister(info: PluginInfo, impl: Callable[..., Any]) -> Callable[[str], list[str]]:
    def names(pattern: str) -> list[str]:
        try:
            with info.running(counted=False):
                found = impl(pattern=pattern)
        except PLUGIN_FAILURES as err:  # the plugin's names are left out, and it is named
            info.fail("list_on_demand raised", err)
            return []
        return [name for name in found or [] if isinstance(name, str)]

    return names


def _resolver(info: PluginInfo, impl: Callable[..., Any]) -> Callable[[str], Architecture | None]:
    def resolve(name: str) -> Architecture | None:
        try:
            with info.running(counted=False):
                found: Architecture | None = impl(name=name)
            if isinstance(found, Architecture):
                found = dataclasses.replace(
                    found, distribution=info.distribution, distribution_version=info.version
                )
        except GenzooError:
            raise  # the plugin's own one-line answer, e.g. an unknown name with suggestions
        except PLUGIN_FAILURES as err:
            info.fail("resolve_architecture raised", err)
            raise RegistrationError(
                f"plugin {info.name!r} failed to resolve {name!r}: {type(err).__name__}: {err}"
            ) from None
        return found

    return resolve


def _collect(impl: Callable[..., Any], hook: str, entry_type: type) -> list[Entry]:
    """Call one plugin's registration hook and return what it registered."""
    entries: list[Entry] = []

    def register(entry: Entry) -> None:
        if not isinstance(entry, entry_type):
            raise RegistrationError(f"{hook} takes {entry_type.__name__} objects, got {entry!r}")
        entries.append(entry)

    impl(register=register)
    return entries


def _drop_unlinked_models(plugins: Plugins) -> None:
    """Remove models whose architecture or pinned roles do not exist."""
    registry = plugins.registry
    infos = {info.name: info for info in plugins.infos}
    for model in list(registry.models.values()):
        arch = registry.architectures.get(model.architecture)
        if arch is None:
            problem = f"model {model.name!r} names unknown architecture {model.architecture!r}"
        elif extra := set(model.sha256) - set(arch.components):
            problem = f"model {model.name!r} pins {sorted(extra)}, which {arch.name!r} lacks"
        else:
            continue
        del registry.models[model.name]
        info = infos[model.plugin]
        info.registered["models"].remove(model.name)
        info.fail("register_models", RegistrationError(problem + "; the model is ignored"))


def _call(impl: pluggy.HookImpl, **kwargs: Any) -> Any:
    return impl.function(**{name: kwargs[name] for name in impl.argnames})


def _command_name(command: Any) -> str:
    return command.name or command.callback.__name__.replace("_", "-")
