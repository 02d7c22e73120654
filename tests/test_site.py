"""The documentation site: it builds with `mkdocs build --strict` (a broken link or a missing
reference fails), its zoo pages show every shipped model with its samples and the figures
of its card, and a headless browser sees every sample grid load."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from cards import cards  # noqa: E402

pytest.importorskip("mkdocs", reason="the docs extra: pip install -e '.[docs]'")
pytest.importorskip("mkdocstrings")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    return out


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.read_text()))


def test_the_zoo_page_lists_every_shipped_model_with_its_cards_figures(site):
    page = site / "zoo" / "index.html"
    text = " ".join(_text(page).split())
    for card in cards():
        assert (site / "zoo" / card.name / "index.html").is_file(), card.name
        assert f'href="{card.name}/"' in page.read_text(), card.name
        for metric in ("frechet_distance", "frechet_distance_label_free"):
            if metric in card.metrics:
                assert card.shown(metric) in text, (card.name, metric)
        if (card.folder / "samples.png").is_file():
            assert (site / "zoo" / card.name / "samples.png").read_bytes() == (
                card.folder / "samples.png"
            ).read_bytes()


def test_each_model_page_is_its_card(site):
    for card in cards():
        text = " ".join(_text(site / "zoo" / card.name / "index.html").split())
        assert f"genzoo pull {card.name}" in text
        for metric in card.metrics.values():
            assert metric.name in text  # type: ignore[attr-defined]


def test_the_cli_reference_has_every_command_and_option(site):
    text = _text(site / "cli-reference" / "index.html")
    for name in ("list", "pull", "sample", "evaluate", "train", "plugins install"):
        assert f"genzoo {name}" in text
    for option in ("--max-time", "--label-free", "--steps-gif", "--editable"):
        assert option in text


def test_the_api_reference_documents_the_public_surface(site):
    text = _text(site / "reference" / "index.html")
    for name in ("load", "evaluate", "Evaluation", "ZooModel", "Generator", "to_input", "grid",
                 "PretrainedModel", "frechet_distance", "check_architecture"):  # fmt: skip
        assert re.search(rf"\b{name}\b", text), name


BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
IMAGE_CHECK = """<script>
window.addEventListener("load", () => {
  const broken = [...document.images]
    .filter((image) => !(image.complete && image.naturalWidth > 0))
    .map((image) => image.getAttribute("src"));
  const report = document.createElement("pre");
  report.id = "image-check";
  report.textContent = JSON.stringify({count: document.images.length, broken: broken});
  document.body.appendChild(report);
});
</script></body>"""


@pytest.mark.skipif(BROWSER is None, reason="Debian's chromium (.ci/run installs it)")
def test_a_browser_sees_every_model_and_its_samples_on_the_zoo_page(site, tmp_path):
    page = site / "zoo" / "checked.html"
    page.write_text((site / "zoo" / "index.html").read_text().replace("</body>", IMAGE_CHECK))
    browse = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=8000"]
    dom = subprocess.run(
        [*browse, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout  # fmt: skip
    found = re.search(r'<pre id="image-check">(.*?)</pre>', dom)
    assert found, "the page's script did not run"
    report = json.loads(html.unescape(found.group(1)))
    generators = [card for card in cards() if (card.folder / "samples.png").is_file()]
    assert report["broken"] == [] and report["count"] >= len(generators)
    for card in cards():
        assert card.name in dom
    shot = tmp_path / "zoo.png"  # to look at: pytest --basetemp=DIR keeps it
    subprocess.run([*browse, "--window-size=1400,2400", f"--screenshot={shot}",
                    page.as_uri()], capture_output=True, timeout=120)  # fmt: skip
    assert shot.stat().st_size > 50_000  # a rendered page of thumbnails, not a blank one
