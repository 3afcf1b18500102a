"""Property test: whatever the briefs and show metadata, the feeds we publish parse.

Briefs are generated as JSON documents and go through the real loader (schema, cleaning), the real
show notes and the real show writer; the RSS is then read by lxml (well-formed), podcastparser and
feedparser (bozo 0), and the JSON Feed is validated against JSON Feed 1.1's required fields.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import feedparser
import jsonschema
import podcastparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from audiobrief.brief import brief_from_mapping
from audiobrief.config import Settings
from audiobrief.errors import BriefError
from audiobrief.models import Chapter, Episode, Show
from audiobrief.publishing.notes import render_show_notes
from audiobrief.publishing.publication import Publication
from audiobrief.publishing.publish import write_show
from audiobrief.standards import APPLE_CATEGORIES

from .conftest import DATA

JSON_FEED_SCHEMA = json.loads((DATA / "schemas" / "jsonfeed-1.1.schema.json").read_text())

# Any text at all: control characters, lone surrogates excluded (not encodable), markup, entities, emoji.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
short = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=80)
path_part = st.text("abcxyz019-_~ %äé", min_size=1, max_size=12)


@st.composite
def briefs(draw: st.DrawFn) -> dict:
    facts = draw(st.lists(st.one_of(text, st.fixed_dictionaries({"text": short})), max_size=6))
    narratives = draw(st.lists(st.fixed_dictionaries({"label": short, "text": text},
                                                     optional={"outlet": short}), max_size=4))
    if not facts and not narratives:
        facts = ["x"]
    return {"title": draw(short), "summary": draw(text), "facts": facts, "narratives": narratives,
            "sources": draw(st.lists(st.fixed_dictionaries({"number": st.integers(1, 99), "outlet": short},
                                                           optional={"url": short}), max_size=3))}


@st.composite
def shows(draw: st.DrawFn) -> Show:
    category = draw(st.sampled_from(sorted(APPLE_CATEGORIES)))
    return Show(title=draw(short.filter(lambda t: t.strip() and t.isprintable())), description=draw(text), author=draw(short), owner_name=draw(short),
                owner_email=draw(st.emails()), category=category, subcategory=None,
                explicit=draw(st.booleans()), language=draw(st.sampled_from(["en", "en-us", "de", "pt-br"])),
                copyright=draw(st.none() | short))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(briefs(), min_size=1, max_size=3), shows(),
       st.lists(path_part, max_size=3).map(lambda parts: "https://pod.example.org/" + "".join(p + "/" for p in parts)))
def test_feeds_of_arbitrary_briefs_and_shows_always_parse(docs: list[dict], show: Show, base_url: str) -> None:
    episodes = []
    for number, doc in enumerate(docs, start=1):
        try:
            brief = brief_from_mapping(doc, path=f"brief-{number}.json", brief_id=f"brief-{number}")
        except BriefError:
            continue  # e.g. a title that is only control characters: refused with a message, not published
        chapters = (Chapter("headline", brief.title[:60] or "Headline", 0, 4000),
                    *(Chapter(f"n{i}", n.label, 4000 + i * 1000, 5000 + i * 1000) for i, n in enumerate(brief.narratives)))
        episodes.append(Episode(
            guid=f"urn:uuid:00000000-0000-4000-8000-{number:012d}", brief_id=brief.id, title=brief.title,
            summary=brief.summary, show_notes_html=render_show_notes(brief, chapters),
            published=dt.datetime(2024, 1, number, 6, tzinfo=dt.UTC), audio_file=f"{brief.id}-abc.mp3",
            size_bytes=1234, duration_ms=chapters[-1].end_ms, chapters=chapters, number=number))
    publication = Publication(base_url=base_url, podcast_guid="9b024349-ccf0-5f69-a609-6b82873eab3c")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_show(folder, Settings(show=show), episodes, image_file=None, publication=publication)
        rss = (folder / "feed.xml").read_bytes()
        json_feed = json.loads((folder / "feed.json").read_text(encoding="utf-8"))
        json.loads((folder / "alexa.json").read_text(encoding="utf-8"))
    root = etree.fromstring(rss)  # well-formed, or this raises
    assert len(root.findall("channel/item")) == len(episodes)
    parsed = feedparser.parse(rss)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(episodes)
    assert all(entry.enclosures[0].href.startswith(base_url) for entry in parsed.entries)
    podcast = podcastparser.parse(base_url + "feed.xml", __import__("io").BytesIO(rss))
    assert len(podcast["episodes"]) == len(episodes)
    jsonschema.validate(json_feed, JSON_FEED_SCHEMA)
    assert len(json_feed["items"]) == len(episodes)
