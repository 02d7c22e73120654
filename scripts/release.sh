#!/usr/bin/env bash
# Build and check a release; print the commands that publish it (nothing is uploaded here).
#
#   scripts/release.sh            # builds dist/, checks it, tries the wheel in a fresh venv
#
# Before: the version in src/genzoo/core/version.py, CHANGELOG.md's section for it dated
# and given its commit once tagged (CONTRIBUTING.md, Releases).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
version=$("$py" -c "from genzoo.core.version import __version__; print(__version__)")

"$py" scripts/api_check.py                      # no unannounced break since the last release
grep -q "^## \[$version\]" CHANGELOG.md || { echo "CHANGELOG.md has no section for $version"; exit 1; }

rm -rf dist && "$py" -m build
"$py" -m twine check --strict dist/*
if unzip -l "dist/genzoo-$version-py3-none-any.whl" | grep -q "safetensors"; then
    echo "the wheel holds weights: hub/ must stay out of it"; exit 1
fi

# The wheel alone, in a fresh venv: list, build, pull from a folder, sample.
venv=$(mktemp -d)/venv && python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "dist/genzoo-$version-py3-none-any.whl"
export HF_HOME=$(mktemp -d) HF_HUB_OFFLINE=1
(cd "$(dirname "$venv")" &&
    "$venv/bin/genzoo" list >/dev/null &&
    "$venv/bin/python" -c "import genzoo; genzoo.build('dcgan').generator.sample(2, seed=0)" &&
    "$venv/bin/genzoo" pull dcgan-fashion-mnist --from "$OLDPWD/hub" &&
    "$venv/bin/genzoo" sample dcgan-fashion-mnist -n 16 -o grid.png)
echo "dist/ is ready. To publish genzoo $version:"
echo "  git tag -a v$version -m 'genzoo $version' && git push origin v$version"
echo "  $py -m twine upload dist/*"
