"""The show page in a real browser: Debian's Chromium, driven by Playwright, against audiobrief serve."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from audiobrief.config import Settings
from audiobrief.pipeline import build
from audiobrief.publishing.store import load_episodes
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
            # the browser picked the Opus source (a third of the bytes) over the MP3
            assert page.evaluate("document.querySelector('audio').currentSrc").endswith(".opus")
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


def test_a_hostile_brief_runs_no_script_and_raises_no_dialog(tmp_path: Path) -> None:
    import json

    folder = tmp_path / "show"
    brief = tmp_path / "hostile.json"
    brief.write_text(json.dumps({
        "id": "hostile", "title": "Toll <script>alert('title')</script><img src=x onerror=alert('img')>",
        "sources": [{"number": 1, "outlet": "Gazette", "url": "javascript:alert('source')"},
                    {"number": 2, "outlet": "Post", "url": "data:text/html,<script>alert('data')</script>"}],
        "facts": [{"text": "A fact <svg onload=alert('fact')>.", "sources": [1, 2]}],
        "narratives": [{"label": "Narrative <b onmouseover=alert('label')>A</b>", "outlet": "Gazette",
                        "text": "It is fair."}],
    }))
    engine = FakeEngine(ms_per_word=150)

    def prepare(base: str) -> None:
        build([brief], folder, replace(Settings(), base_url=base), engines={"host": engine, "narrative": engine},
              published=DATE)
        # and a page tampered with after the build: the policy must stop what the escaping did not
        page = (folder / "index.html").read_text()
        (folder / "tampered.html").write_text(page.replace("<main>", "<main><script>window.pwned = 'inline'</script>"
                                                           "<img src=x onerror=\"window.pwned = 'handler'\">"
                                                           "<a id=js href=\"javascript:window.pwned = 'link'\">x</a>"))

    with serving(folder, prepare) as base, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(base + "index.html")
            page.wait_for_load_state("load")
            links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            assert not [h for h in links if h.split(":")[0].lower() not in ("http", "https") and ":" in h], links
            page.hover("article h2")
            for element in page.locator("article a, ol.chapters button").all():
                element.hover()
            assert dialogs == []
            assert page.locator("article h2").inner_text().startswith("Toll <script>")  # shown as text
            page.goto(base + "tampered.html")
            page.wait_for_load_state("load")
            page.click("#js")
            page.wait_for_timeout(300)
            assert page.evaluate("() => window.pwned") is None
            assert dialogs == []
            # the page's own script still runs under the policy: a chapter button seeks the player
            page.locator("ol.chapters button").nth(1).click()
            page.wait_for_function("() => document.querySelector('audio').currentTime > 0", timeout=10_000)
        finally:
            browser.close()
