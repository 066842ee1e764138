"""The report in a real headless Chromium: it loads offline, cleanly, and prints.

The page is driven over the DevTools protocol on a pipe (``tests/report/chromium.py``):
the protocol's Network domain records every request the page makes, and its Runtime and
Log domains every console message and uncaught exception. (Chromium's browser-wide
``--log-net-log`` is no oracle here: the browser itself pings update and account
services whatever the page does.) A full-page screenshot and A4 and Letter PDFs are
saved to ``test-artifacts/`` for a person to look at.

Without Chromium the test skips, unless ``CI`` is set: then it fails, so that CI never
passes without running it (install the Debian package ``chromium``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cmcready.report.html import render_html
from tests.builders import AS_OF
from tests.report.chromium import Chromium, find_chromium
from tests.report.html_fixtures import HOSTILE_PRODUCT, audit_tables, demo_result, hostile_tables

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
A4_IN, LETTER_IN = (8.27, 11.69), (8.5, 11.0)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        if _in_ci():
            pytest.fail("CI is set but Chromium is not installed: the browser test must run in CI "
                        "(apt-get install -y chromium)")
        pytest.skip("Chromium is not installed (apt-get install -y chromium); "
                    "set CI=true to make its absence a failure")
    return path


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("browser-demo")
    result, plan = demo_result(folder)
    path = folder / "report.html"
    path.write_text(render_html(result, plan=plan), encoding="utf-8")
    return path, result


def _open(chromium_path: str, tmp_path: Path, report: Path, *, width: int = 1280):
    browser = Chromium(chromium_path, profile_dir=tmp_path / "profile")
    try:
        session = browser.open_page(report.as_uri(), width=width)
    except BaseException:
        browser.close()
        raise
    return browser, session


def test_demo_report_loads_offline_without_console_errors(chromium_path, demo_report, tmp_path):
    report, result = demo_report
    browser, page = _open(chromium_path, tmp_path, report)
    with browser:
        urls = browser.requested_urls()
        assert urls == [report.as_uri()], urls  # the document itself, and nothing else
        assert all(u.startswith(("file:", "data:")) for u in urls)
        assert browser.console_problems() == []
        assert browser.evaluate(page, "performance.getEntriesByType('resource').length") == 0
        assert browser.evaluate(page, "document.querySelectorAll('script, link, img, iframe, object, embed, "
                                      "image, video, audio').length") == 0
        assert browser.evaluate(page, "document.title").startswith("CMC readiness: ")

        # It parsed into the sections and figures the report promises.
        n_attributes = len(result.dossier.attributes)
        n_bridging = len(result.dossier.bridging_studies)
        svgs = browser.evaluate(page, "document.querySelectorAll('svg.figure-svg').length")
        assert svgs == 1 + n_attributes + n_bridging + 1  # timeline, attributes, bridging, manufacturing
        assert browser.evaluate(page, "document.querySelectorAll('section.attribute, div.attribute').length") \
            == n_attributes
        codes = browser.evaluate(page, "[...document.querySelectorAll('article.finding .code')]"
                                       ".map(e => e.textContent)")
        assert sorted(codes) == sorted(f.code for f in result.findings)
        # Every figure is drawn with a real size, and nothing overflows the page sideways.
        sizes = browser.evaluate(page, "[...document.querySelectorAll('svg.figure-svg')]"
                                       ".map(s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height])")
        assert all(w > 300 and h > 100 for w, h in sizes), sizes
        assert browser.evaluate(page, "document.documentElement.scrollWidth <= window.innerWidth")

        ARTIFACTS.mkdir(exist_ok=True)
        shot = browser.screenshot(page, ARTIFACTS / "report-demo.png")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        for name, (w, h) in (("a4", A4_IN), ("letter", LETTER_IN)):
            pdf = browser.print_pdf(page, ARTIFACTS / f"report-demo-{name}.pdf", width_in=w, height_in=h)
            data = pdf.read_bytes()
            assert data.startswith(b"%PDF-") and len(data) > 20_000
        assert browser.requested_urls() == [report.as_uri()]  # printing fetched nothing either


def test_report_fits_a_narrow_window(chromium_path, demo_report, tmp_path):
    report, _ = demo_report
    browser, page = _open(chromium_path, tmp_path, report, width=700)
    with browser:
        assert browser.evaluate(page, "document.documentElement.scrollWidth <= window.innerWidth")
        assert browser.console_problems() == []


def test_hostile_names_render_as_text(chromium_path, tmp_path):
    result = audit_tables(hostile_tables(), tmp_path / "dossier", AS_OF)
    report = tmp_path / "hostile.html"
    report.write_text(render_html(result), encoding="utf-8")
    browser, page = _open(chromium_path, tmp_path, report)
    with browser:
        assert browser.evaluate(page, "document.scripts.length") == 0
        assert browser.evaluate(page, "document.querySelectorAll('img').length") == 0
        assert browser.evaluate(page, "document.querySelector('h1').textContent") == HOSTILE_PRODUCT
        assert browser.console_problems() == []
        assert browser.requested_urls() == [report.as_uri()]
        # The figure text shows the raw characters, '$' included.
        texts = browser.evaluate(page, "[...document.querySelectorAll('svg text')].map(t => t.textContent)")
        assert "P<&>T: M<script>1" in texts
        ARTIFACTS.mkdir(exist_ok=True)
        browser.screenshot(page, ARTIFACTS / "report-hostile.png", full_page=False)


@pytest.mark.parametrize("ci, outcome", [(None, "1 skipped"), ("true", "1 error")])
def test_missing_chromium_skips_locally_and_fails_in_ci(ci, outcome, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["CMCREADY_CHROMIUM"] = str(tmp_path / "no-such-browser")
    if ci is not None:
        env["CI"] = ci
    run = subprocess.run([sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider",
                          "-k", "narrow_window", "-rs"], cwd=Path(__file__).resolve().parents[2], env=env,
                         capture_output=True, text=True, timeout=300)
    assert outcome in run.stdout, run.stdout + run.stderr
    assert (run.returncode == 0) == (ci is None)  # a CI run without the browser fails
    reason = "CI is set but Chromium is not installed" if ci else "Chromium is not installed"
    assert reason in run.stdout
