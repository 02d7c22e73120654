"""The dependency arrow (docs/development.md, Layout), checked on the source: no torch needed.

    cli, genzoo/__init__, testing   composition roots
    plugins                         may use train, metrics, zoo, data, core
    train, metrics                  may use zoo, data, core (not each other)
    zoo                             may use data, core
    data                            may use core
    core                            imports nothing else of genzoo

Every import counts, at the top of a module or inside a function: an import deferred
for speed still runs against the arrow when it runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "genzoo"

ALLOWED = {
    "core": {"core"},
    "data": {"data", "core"},
    "zoo": {"zoo", "data", "core"},
    "train": {"train", "zoo", "data", "core"},
    "metrics": {"metrics", "zoo", "data", "core"},
    "plugins": {"plugins", "train", "metrics", "zoo", "data", "core"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[tuple[int, str]]:
    return imports_of(path, module_name(path))


def imports_of(path: Path, module: str) -> Iterator[tuple[int, str]]:
    """(line, name) of every genzoo import in `path` (the module `module`), relative ones
    made absolute; `from a import b` gives a.b, a module or a name in module a (`_owner`)."""
    package = module.split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            names = [f"{source}.{alias.name}" for alias in node.names]  # a module or a name
        else:
            continue
        for name in names:
            if name == "genzoo" or name.startswith("genzoo."):
                yield node.lineno, name


def layer(module: str) -> str:
    """The subpackage a module belongs to ('root' for genzoo itself and its top modules)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (SOURCE / parts[1]).is_dir() else "root"


def sources() -> list[Path]:
    return sorted(SOURCE.rglob("*.py"))


def test_the_tree_is_there():
    assert len(sources()) > 50 and {layer(module_name(p)) for p in sources()} >= set(ALLOWED)


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_imports_follow_the_arrow(path: Path):
    own = layer(module_name(path))
    if own not in ALLOWED:
        return  # the composition roots (cli, the package root, testing) may use anything
    wrong = [
        f"{path.relative_to(SOURCE.parent)}:{line} imports {name}"
        for line, name in imports(path)
        if layer(name) not in ALLOWED[own]
    ]
    assert not wrong, "against the arrow of docs/development.md (Layout):\n" + "\n".join(wrong)


def test_the_package_root_never_imports_the_cli():
    root = SOURCE / "__init__.py"
    assert not [name for _, name in imports(root) if layer(name) == "cli"]


def test_no_module_imports_itself_back():
    """No cycle between modules, e.g. core.entries -> core.model -> core.entries."""
    names = {module_name(p) for p in sources()}
    graph = {
        module_name(p): {_owner(name, names) for _, name in imports(p)} - {None, module_name(p)}
        for p in sources()
    }
    for start in graph:
        seen, stack = set(), [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    pytest.fail("import cycle: " + " -> ".join([*path, start]))
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))


def _owner(name: str, modules: set[str]) -> str | None:
    """The module that `name` (a module, or a name imported from a package) lives in."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_the_checker_sees_a_deferred_import(tmp_path: Path):
    bad = SOURCE / "core" / "_bad.py"  # never written: read through a copy in tmp_path
    copy = tmp_path / "bad.py"
    copy.write_text("def f():\n    from genzoo.cli import app\n")
    found = [(line, name) for line, name in imports_of(copy, module_name(bad))]
    assert found == [(2, "genzoo.cli.app")] and layer("genzoo.cli.app") == "cli"


def test_commands_stay_thin():
    """A command parses, calls the library and prints: no function of the CLI passes 60
    lines (signature and docstring included), so the work lives where Python can call it."""
    long = []
    for path in sorted((SOURCE / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 60:
                long.append(f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, long
