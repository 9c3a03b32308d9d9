"""The access report as a person sees it: headless Chromium renders the pages (which hold no
script at all), the screenshot is not blank, and the rendered DOM has the rows."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.cli.conftest import CliRepo

pytestmark = pytest.mark.e2e

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_run(chromium: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(chromium), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def screenshot(chromium: Path, page: Path, tmp_path: Path, name: str) -> Image.Image:
    png = tmp_path / f"{name}.png"
    done = chromium_run(
        chromium,
        tmp_path / f"profile-{name}",
        f"--screenshot={png}",
        "--window-size=1280,900",
        "--hide-scrollbars",
        page.as_uri(),
    )
    assert png.is_file(), done.stderr[-2000:]
    return Image.open(png).convert("RGB")


def dom(chromium: Path, page: Path, tmp_path: Path, name: str) -> str:
    done = chromium_run(chromium, tmp_path / f"dom-{name}", "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def assert_not_blank(image: Image.Image) -> None:
    colors = image.getcolors(maxcolors=1 << 20) or []
    assert len(colors) > 20, "the screenshot is (nearly) one colour"
    white = sum(count for count, rgb in colors if min(rgb) >= 250)
    total = image.width * image.height
    assert white < total * 0.98, "the screenshot is blank"
    dark = sum(count for count, rgb in colors if max(rgb) < 100)
    assert dark > 500, "no text was drawn"


def test_index_and_account_page_render_with_their_rows(
    reported: tuple[CliRepo, Path], chromium: Path, tmp_path: Path
) -> None:
    _, out = reported
    index, acme = out / "index.html", out / "accounts" / "acme-industrial.html"

    assert_not_blank(screenshot(chromium, index, tmp_path, "index"))
    assert_not_blank(screenshot(chromium, acme, tmp_path, "acme"))

    index_dom = dom(chromium, index, tmp_path, "index")
    assert "Who may buy: access report" in index_dom
    assert index_dom.count("<tr") == 4  # header, Acme, Zeta, total
    assert 'href="accounts/acme-industrial.html">Acme Industrial</a>' in index_dom
    assert "Zeta &amp; &lt;Sons&gt;" in index_dom

    acme_dom = dom(chromium, acme, tmp_path, "acme")
    assert "<script" not in index_dom and "<script" not in acme_dom
    for email in ("jane@acme.example", "paul@acme.example", "rita@acme.example"):
        assert f"<td>{email}</td>" in acme_dom
    assert "Deactivate rita@acme.example in the memory store" in acme_dom
    assert "x…@acme.example" in acme_dom
    assert "\u202e" not in acme_dom
