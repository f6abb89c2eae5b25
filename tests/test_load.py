"""Several people drawing at once on a real server, and on two processes behind nginx.

A short version of ``bench/load_test.py``: a few virtual people speak Streamlit's websocket
protocol (tests/crowd.py) with what Chromium's canvas sent (tests/canvas_replay.py), each
drawing its own digit stroke by stroke, and every answer must be the one for that
person's own drawing, none dropped. Behind nginx every person must stay on one process:
the images the page shows and the photos people upload live in the process of their
session. Needs Chromium (to record the canvas) and, for the second test, nginx.
"""

from __future__ import annotations

import urllib.request

import pytest

from deploy.serve_many import find_nginx, serving
from tests.browser_support import (
    CHROMIUM,
    PREDICTED,
    ROOT,
    drawn_digit,
    free_port,
    launch_chromium,
    png_bytes,
)
from tests.canvas_replay import record_canvas
from tests.conftest import missing
from tests.crowd import UPSTREAM_HEADER, CrowdReport, plan_crowd, run_crowd

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    missing(f"{CHROMIUM} is missing: apt install chromium")
if not (ROOT / "models" / "digitrec_cnn.tflite").exists():
    missing("models/digitrec_cnn.tflite is missing: train it with `python train.py`")

# Shorter pauses than a person's (1-2 s) keep the test short; still far longer than an
# answer takes, so nothing may be overtaken.
GAP_S = (0.4, 0.8)
WAIT_MS = 30_000


def assert_everyone_answered_right(report: CrowdReport) -> None:
    assert not report.errors, report.errors
    assert not report.wrong, report.wrong
    assert report.dropped == 0, [p.latencies_ms for p in report.people]
    assert len(report.latencies_ms) == report.strokes > 0


def test_a_few_people_drawing_at_once_each_get_their_own_answers():
    with serving(processes=1, port=free_port()) as served:
        recording = record_canvas(served.url)
        plans = plan_crowd(recording, people=4, strokes=4)
        report = run_crowd(served.url, recording, plans, gap_s=GAP_S)
    assert_everyone_answered_right(report)
    assert {p[0].digit for p in plans} == {0, 1, 2, 3}  # different people, different digits


def test_the_server_does_not_collect_all_garbage_after_every_run():
    """Streamlit's default, a full collection after every script run, saturated one process
    at 50 people drawing (README, "Serving many people")."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def upstream_of(url: str, person: str) -> str:
    request = urllib.request.Request(
        f"{url}/_stcore/health", headers={"Cookie": f"digitrec_person={person}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers[UPSTREAM_HEADER]


def upload_and_read(url: str) -> None:
    """Chromium, through nginx: a photo uploaded over HTTP is read by the process that
    holds the session, and the picture of what the model saw loads from it."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 900})
            page.goto(url, timeout=WAIT_MS)
            page.locator('[data-testid="stButtonGroup"] button', has_text="Upload").click()
            uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
            expect(uploader).to_be_attached(timeout=WAIT_MS)
            photo = {
                "name": "seven.png",
                "mimeType": "image/png",
                "buffer": png_bytes(drawn_digit(7)),
            }
            uploader.set_input_files(photo)
            expect(page.locator(PREDICTED)).to_have_text("7", timeout=WAIT_MS)
            seen = page.locator(".st-key-model-input img")
            expect(seen).to_have_js_property("complete", True, timeout=WAIT_MS)
            assert seen.evaluate("image => image.naturalWidth") > 0, "the image did not load"
        finally:
            browser.close()


def test_two_processes_behind_nginx_keep_each_person_on_one_process():
    if find_nginx() is None:
        missing("nginx is missing: apt install nginx-light")
    with serving(processes=2, port=free_port(), app_ports=[free_port(), free_port()]) as served:
        people = [f"person-{i}" for i in range(16)]
        first = {person: upstream_of(served.url, person) for person in people}
        assert len(set(first.values())) == 2, first  # both processes take people
        assert {person: upstream_of(served.url, person) for person in people} == first
        recording = record_canvas(served.url)
        report = run_crowd(served.url, recording, plan_crowd(recording, 6, strokes=3), gap_s=GAP_S)
        upload_and_read(served.url)
    assert_everyone_answered_right(report)
    assert report.not_sticky == 0, [(p.upstreams, p.media_ok) for p in report.people]
    assert all(p.media_ok for p in report.people)
