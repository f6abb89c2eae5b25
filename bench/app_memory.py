"""The server's memory: resident size after 10 sessions, and growth per interaction.

A real ``streamlit run`` server is driven by headless Chromium. Ten sessions (browser
contexts) each draw a digit; then one session draws and clears many times, and the resident
set size (VmRSS of the server process) is sampled along the way. Prints figures only.

    python bench/app_memory.py [--sessions 10] [--interactions 60]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import (  # noqa: E402
    DRAWING_LAYER,
    PREDICTED,
    draw,
    launch_chromium,
    start_streamlit,
    stop,
    wait_healthy,
)


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MiB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def open_session(browser, url: str, expect):
    page = browser.new_context(viewport={"width": 1024, "height": 900}).new_page()
    page.goto(url)
    expect(page.locator(DRAWING_LAYER)).to_be_visible(timeout=60_000)
    return page


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--interactions", type=int, default=60)
    args = parser.parse_args()

    process, url = start_streamlit()
    try:
        wait_healthy(url, process)
        print(f"server started: {rss_mb(process.pid):.0f} MiB resident")
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            pages = []
            for i in range(args.sessions):
                page = open_session(browser, url, expect)
                draw(page, 7 if i % 2 else 0)
                expect(page.locator(PREDICTED)).to_have_count(1, timeout=60_000)
                pages.append(page)
            print(f"after {args.sessions} sessions, each with a prediction: "
                  f"{rss_mb(process.pid):.0f} MiB resident")  # fmt: skip

            page = pages[0]
            samples = []
            for i in range(args.interactions):
                page.get_by_role("button", name="Clear").click()
                expect(page.locator(PREDICTED)).to_have_count(0, timeout=60_000)
                # The Clear button gives a new canvas: wait for it.
                expect(page.locator(DRAWING_LAYER)).to_have_count(1, timeout=60_000)
                page.wait_for_timeout(500)  # let the fresh canvas finish mounting
                draw(page, 7 if i % 2 else 0, shift=(i % 5) * 4 - 8)
                expect(page.locator(PREDICTED)).to_have_count(1, timeout=60_000)
                samples.append(rss_mb(process.pid))
            warm = len(samples) // 3  # the first interactions still fill caches and arenas
            growth = (samples[-1] - samples[warm]) * 1024 / (len(samples) - 1 - warm)
            print(f"{args.interactions} clear+draw interactions in one session: "
                  f"{samples[0]:.0f} -> {samples[-1]:.0f} MiB; after warm-up "
                  f"{growth:+.1f} KiB per interaction")  # fmt: skip
            browser.close()
    finally:
        stop(process)


if __name__ == "__main__":
    main()
