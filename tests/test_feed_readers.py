"""Which Podcasting 2.0 tags each feed parser a podcast app uses sees in our feed, under each of the
two addresses the namespace may be declared with; the declaration the most of them read is the one
we publish, and the README's standards section shows the matrix (this test keeps it true).

Parsers: gPodder's podcastparser, feedparser and pg-podcast-toolkit (Python); podcast-partytime
(the Podcast Index's), @podverse/podcast-feed-parser (Podverse's) and feedsmith (JavaScript, through
node and ``tests/js``, which ``scripts/test`` installs with ``npm ci``).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from audiobrief.config import Settings
from audiobrief.pipeline import build
from audiobrief.publishing.feed import PODCAST_NS, PODCAST_NS_ALIASES
from audiobrief.tts.fake import FakeEngine

from .conftest import DATE, EXAMPLES, ROOT

JS = ROOT / "tests" / "js"
NODE = shutil.which("node")
INDEX_URI = "https://podcastindex.org/namespace/1.0"
GITHUB_URI = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
TAGS = ("guid", "locked", "txt", "transcript", "chapters")

needs_node = pytest.mark.skipif(NODE is None or not (JS / "node_modules").is_dir(),
                                reason="node and tests/js/node_modules (scripts/test runs npm ci there)")


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("readers")
    engine = FakeEngine(ms_per_word=120)
    build([EXAMPLES / "seed-brief.txt", EXAMPLES / "seed-brief.json"], folder,
          replace(Settings(), base_url="https://pod.example.org/show/"), engines={"host": engine, "narrative": engine},
          published=DATE)
    return (folder / "feed.xml").read_bytes()


def _declared(feed: bytes, uri: str) -> bytes:
    return feed.replace(PODCAST_NS.encode(), uri.encode())


def _python_readers(data: bytes) -> dict[str, dict[str, set[str] | int]]:
    """Per parser: the channel tags it saw, and per item the item tags it saw."""
    import feedparser
    import podcastparser
    from pg_podcast_toolkit.podcast import Podcast

    seen: dict[str, dict[str, set[str] | int]] = {}
    pod = podcastparser.parse("https://pod.example.org/show/feed.xml", io.BytesIO(data))
    items = [{k for k, key in (("transcript", "transcript_url"), ("chapters", "chapters_json_url")) if e.get(key)}
             for e in pod["episodes"]]
    seen["podcastparser"] = _merge({"locked"} if pod.get("import_prohibited") else set(), items)
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0
    channel = {tag for tag in ("guid", "locked", "txt") if parsed.feed.get(f"podcast_{tag}")}
    items = [{tag for tag in ("transcript", "chapters") if e.get(f"podcast_{tag}")} for e in parsed.entries]
    seen["feedparser"] = _merge(channel, items)
    toolkit = Podcast(data)
    seen["pg-podcast-toolkit"] = _merge({"guid"} if toolkit.podcast_guid else set(), [set() for _ in toolkit.items])
    return seen


def _js_readers(path: Path) -> dict[str, dict[str, set[str] | int]]:
    run = subprocess.run([NODE or "node", str(JS / "read_feed.mjs"), str(path)], capture_output=True, text=True,
                         check=True, cwd=JS)
    seen = {}
    for name, report in json.loads(run.stdout).items():
        assert "error" not in report, (name, report)
        channel = {tag for tag in ("guid", "locked") if report.get(tag)} | ({"txt"} if report.get("ai") else set())
        items = [{tag for tag, present in (("transcript", i["transcripts"]), ("chapters", i["chapters"])) if present}
                 for i in report["items"]]
        seen[name] = _merge(channel, items)
    return seen


def _merge(channel: set[str], items: list[set[str]]) -> dict[str, set[str] | int]:
    """Channel tags, and the item tags seen in every item (with the item count)."""
    common = set.intersection(*items) if items else set()
    return {"tags": channel | common, "items": len(items)}


def _matrix(feed: bytes, tmp_path: Path) -> dict[str, dict[str, dict[str, set[str] | int]]]:
    result = {}
    for uri in (INDEX_URI, GITHUB_URI):
        data = _declared(feed, uri)
        path = tmp_path / f"feed-{len(result)}.xml"
        path.write_bytes(data)
        result[uri] = {**_python_readers(data), **_js_readers(path)}
    return result


def _table(matrix: dict[str, dict[str, dict[str, set[str] | int]]]) -> str:
    lines = ["| parser (used by) | `xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"` | "
             "`xmlns:podcast=\"https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md\"` |",
             "|---|---|---|"]
    users = {"podcastparser": "gPodder", "feedparser": "many readers", "pg-podcast-toolkit": "Really Bad Apps",
             "podcast-partytime": "Podcast Index", "@podverse/podcast-feed-parser": "Podverse",
             "feedsmith": "feed tools"}
    for parser in matrix[INDEX_URI]:
        cells = []
        for uri in (INDEX_URI, GITHUB_URI):
            tags = matrix[uri][parser]["tags"]
            assert isinstance(tags, set)
            cells.append(", ".join(t for t in TAGS if t in tags) or "none")
        lines.append(f"| {parser} ({users[parser]}) | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def _score(readers: dict[str, dict[str, set[str] | int]]) -> tuple[int, int]:
    """(parsers that see every tag they know of here, tag sightings in all)."""
    sightings = sum(len(r["tags"]) for r in readers.values())  # type: ignore[arg-type]
    return sum(1 for r in readers.values() if r["tags"]), sightings


@needs_node
def test_we_declare_the_namespace_address_the_most_parsers_read(feed: bytes, tmp_path: Path) -> None:
    matrix = _matrix(feed, tmp_path)
    scores = {uri: _score(readers) for uri, readers in matrix.items()}
    chosen = max(scores, key=lambda uri: (scores[uri][1], scores[uri][0]))
    assert chosen == PODCAST_NS, scores
    assert set(PODCAST_NS_ALIASES) == {INDEX_URI, GITHUB_URI}
    # gPodder's parser reports the transcript, the chapters JSON and locked for every episode
    ours = matrix[PODCAST_NS]
    assert ours["podcastparser"]["tags"] == {"locked", "transcript", "chapters"} and ours["podcastparser"]["items"] == 2
    # feedparser and podcast-partytime read every tag they read under the other address
    for parser in ("feedparser", "podcast-partytime"):
        assert matrix[INDEX_URI][parser]["tags"] <= ours[parser]["tags"], parser  # type: ignore[operator]
    # the README shows this very matrix
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- namespace-matrix -->\n", 1)[1].split("<!-- /namespace-matrix -->", 1)[0]
    assert block == _table(matrix), "README's namespace matrix is stale; paste:\n" + _table(matrix)


def test_check_accepts_a_feed_declared_with_either_address(feed: bytes, tmp_path: Path) -> None:
    from audiobrief.check import check_show
    from audiobrief.publishing.publication import load_publication

    for uri in (INDEX_URI, GITHUB_URI):
        folder = tmp_path / uri.split("/")[2]
        folder.mkdir()
        (folder / "feed.xml").write_bytes(_declared(feed, uri))
        problems = [str(p) for p in check_show(folder, loudness=False).problems if "namespace" in p.message]
        assert problems == [], problems
        recovered = load_publication(folder)  # a folder older than its record: identity read from its feed
        assert recovered is not None and recovered.podcast_guid
