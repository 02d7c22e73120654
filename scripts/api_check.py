"""Fail on an unannounced break of genzoo's public API since the last release.

    python scripts/api_check.py              # against the last release in CHANGELOG.md
    python scripts/api_check.py --ref v0.1.0 # or any git reference

The public surface is the modules docs/api.md lists (PUBLIC_MODULES below, the same
list), each with its public names (`__all__`, or griffe's rule where a module had
none). griffe compares every public object of the release with today's: removed
names, parameters removed, moved or made required, changed defaults. A break is
announced when CHANGELOG.md's sections above the last release name the object in backticks
(e.g. `genzoo.core.interfaces.Generator.interpolate`); any other break fails.
Run by .ci/run; needs git history and griffe (genzoo[dev]).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import griffe

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = ROOT / "CHANGELOG.md"
# What plugins and users may rely on (docs/api.md says why each is here).
PUBLIC_MODULES = (
    "genzoo",
    "genzoo.testing",
    "genzoo.core.interfaces",
    "genzoo.core.model",
    "genzoo.core.metric",
    "genzoo.core.priors",
    "genzoo.plugins.hookspecs",
    "genzoo.metrics",
    "genzoo.train.trainer",
    "genzoo.train.adversarial",
    "genzoo.train.wasserstein",
    "genzoo.train.variational",
    "genzoo.train.recurrent",
    "genzoo.train.flow",
    "genzoo.train.autoregressive",
    "genzoo.train.supervised",
    "genzoo.train.contrastive",
)
# A release's heading in CHANGELOG.md: "## [0.1.0] - 2026-11-22 - commit 4078bc6"
_RELEASE = re.compile(
    r"^## \[(?P<version>\d+\.\d+\.\d+)\].*commit (?P<commit>[0-9a-f]{7,40})", re.M
)


def last_release() -> tuple[str, str]:
    """(version, git reference) of the newest release CHANGELOG.md records."""
    found = _RELEASE.search(CHANGELOG.read_text())
    if found is None:
        sys.exit(f"{CHANGELOG} records no release ('## [X.Y.Z] ... commit SHA')")
    version, commit = found["version"], found["commit"]
    tag = f"v{version}"
    has_tag = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "-q", "--verify", f"refs/tags/{tag}"],
        capture_output=True,
    )
    return version, tag if has_tag.returncode == 0 else commit


def announced() -> str:
    """CHANGELOG.md above the last release's heading: what the coming release says it changes."""
    text = CHANGELOG.read_text()
    found = _RELEASE.search(text)
    return text[: found.start()] if found else text


def public_objects(package: griffe.Module) -> dict[str, griffe.Object | griffe.Alias]:
    """Every public name of the public modules, by its public path."""
    found = {}
    for module_path in PUBLIC_MODULES:
        try:
            module = package if module_path == "genzoo" else package[module_path[7:]]
        except KeyError:
            continue
        for name, member in module.members.items():
            if member.is_public and not member.is_module:
                found[f"{module_path}.{name}"] = member
    return found


STALE_SECONDS = 600  # a check takes seconds; a worktree this old was left by a killed one


def _drop_stale_branch(ref: str) -> None:
    """griffe checks `ref` out in a temporary worktree on a branch `griffe-<ref>`; a check
    killed midway leaves the branch (and its worktree, when the folder survives), and the
    next one cannot make it again. A worktree older than STALE_SECONDS is such a leftover;
    a younger one belongs to a check running now, and is left alone."""
    branch = f"griffe-{ref}"
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "prune"], capture_output=True)
    listed = subprocess.run([*git, "worktree", "list", "--porcelain"],
                            capture_output=True, text=True).stdout  # fmt: skip
    for entry in listed.split("\n\n"):
        lines = dict(line.partition(" ")[::2] for line in entry.splitlines())
        folder = Path(lines.get("worktree", ""))
        if lines.get("branch") != f"refs/heads/{branch}" or not folder.is_dir():
            continue
        if time.time() - folder.stat().st_mtime < STALE_SECONDS:
            return  # held by a check running now
        subprocess.run([*git, "worktree", "remove", "--force", str(folder)], capture_output=True)
    subprocess.run([*git, "branch", "-D", branch], capture_output=True)


def breaks(ref: str, src: Path = ROOT / "src") -> list[tuple[str, str]]:
    """(public path, explanation) of each break between `ref` and the sources in `src`."""
    _drop_stale_branch(ref)
    old = griffe.load_git("genzoo", ref=ref, repo=ROOT, search_paths=["src"])
    new = griffe.load("genzoo", search_paths=[str(src)])
    before, after = public_objects(old), public_objects(new)
    found = []
    for path, member in sorted(before.items()):
        if path not in after:
            found.append((path, "public name removed"))
            continue
        try:
            old_target = member.final_target if member.is_alias else member
            new_target = after[path].final_target if after[path].is_alias else after[path]
        except griffe.AliasResolutionError:
            continue  # re-exported from outside genzoo (typing, torch): not ours to check
        for breakage in griffe.find_breaking_changes(old_target, new_target):
            where = breakage.obj.path  # where it is defined: one name however re-exported
            what = breakage.kind.value
            named = getattr(breakage.old_value, "name", None) or getattr(
                breakage.new_value, "name", None
            )
            found.append((where, f"{what} ({named})" if named else what))
    # the same object reached through two public paths is one break
    return sorted(set(found))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", help="git reference of the release (default: CHANGELOG.md's)")
    args = parser.parse_args()
    version, ref = last_release()
    ref = args.ref or ref
    notes = announced()
    unannounced = []
    for path, why in breaks(ref):
        # the object or the class/function it belongs to, named in the changelog
        owners = [path.rsplit("(", 1)[0]]
        owners += [owners[0].rsplit(".", k)[0] for k in (1, 2)]
        ok = any(f"`{owner}`" in notes for owner in owners if owner.count(".") >= 1)
        print(f"{'announced  ' if ok else 'UNANNOUNCED'} {path}: {why}")
        if not ok:
            unannounced.append(path)
    if unannounced:
        sys.exit(
            f"{len(unannounced)} break(s) of the public API since {version} ({ref}) are not "
            "announced: restore them as deprecated aliases (docs/api.md, Deprecation policy) "
            "or name each in CHANGELOG.md's section of the coming release"
        )
    print(f"public API: no unannounced break since {version} ({ref})")


if __name__ == "__main__":
    main()
