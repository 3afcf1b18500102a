"""The show page in a real browser: Debian's Chromium, driven by Playwright, against audiobrief serve."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from audiobrief.config import Settings
from audiobrief.pipeline import build
from audiobrief.store import load_episodes
from audiobrief.tts.fake import FakeEngine

from .conftest import DATE, EXAMPLES, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")

# Flags the machine notes call for: no sandbox as root, and no background calls to Google's hosts.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("site")
    engine = FakeEngine(ms_per_word=120)

    def prepare(base: str) -> None:
        build([EXAMPLES / "seed-brief.txt"], folder, replace(Settings(), base_url=base),
              engines={"host": engine, "narrative": engine}, published=DATE)

    with serving(folder, prepare) as base:
        yield base, folder


def test_page_plays_and_chapters_seek_the_player(site, tmp_path: Path) -> None:
    base, folder = site
    (episode,) = load_episodes(folder)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page()
            external: list[str] = []
            page.on("request", lambda r: None if r.url.startswith(base) else external.append(r.url))
            page.goto(base + "index.html")
            page.wait_for_function("() => document.querySelector('audio').readyState >= 1", timeout=15_000)
            duration_s = page.evaluate("document.querySelector('audio').duration")
            assert abs(duration_s - episode.duration_ms / 1000) < 1.0
            buttons = page.locator("ol.chapters button")
            assert buttons.count() == len(episode.chapters)
            buttons.nth(1).click()
            target_s = episode.chapters[1].start_ms / 1000
            page.wait_for_function(f"() => Math.abs(document.querySelector('audio').currentTime - {target_s}) < 0.5",
                                   timeout=10_000)
            page.wait_for_function(f"() => document.querySelector('audio').currentTime > {target_s} + 0.3", timeout=10_000)
            assert page.evaluate("document.querySelector('audio').paused") is False
            buttons.nth(3).click()
            later_s = episode.chapters[3].start_ms / 1000
            page.wait_for_function(f"() => Math.abs(document.querySelector('audio').currentTime - {later_s}) < 0.5",
                                   timeout=10_000)
            page.screenshot(path=str(tmp_path / "page.png"))
            assert external == [], f"the page fetched external resources: {external}"
        finally:
            browser.close()
