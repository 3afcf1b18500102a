"""Stage 1: parsing briefs (text and JSON) and the errors for unusable ones."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from audiobrief.brief import load_brief, parse_text_brief, strip_citation
from audiobrief.errors import BriefError


def test_seed_brief_parses_into_the_model(seed_path: Path) -> None:
    brief = load_brief(seed_path)
    assert brief.id == "seed-brief"
    assert brief.title == "Kim Pledges Support for Russia's 'Sacred Fight' in Meeting With Putin"
    assert brief.summary.endswith("counterpart on Wednesday.")
    assert len(brief.facts) == 6
    assert [f.source_numbers for f in brief.facts] == [(1,), (2,), (2,), (1,), (3,), (4,)]
    assert brief.facts[0].text.endswith("on Wednesday.")
    assert brief.facts[3].text.endswith("'That\u2019s why we came here.'")
    assert [(s.number, s.outlet) for s in brief.sources] == [
        (1, "Guardian"), (2, "Associated Press"), (3, "TASS"), (4, "Al Jazeera")]
    assert [(n.label, n.outlet) for n in brief.narratives] == [
        ("Pro-establishment narrative", "Guardian"), ("Pro-Russia narrative", "TASS")]
    assert brief.narratives[1].text.startswith("North Korea is Russia's close neighbor.")
    assert brief.warnings == ()


def test_player_clock_lines_never_reach_the_model(seed_path: Path) -> None:
    brief = load_brief(seed_path)
    everything = " ".join([brief.title, brief.summary] + [f.text for f in brief.facts] + [n.text for n in brief.narratives])
    assert "0:00" not in everything


@pytest.mark.parametrize(
    ("text", "known", "expected"),
    [
        ("on Wednesday.1", {1}, ("on Wednesday.", (1,))),
        ("the fragile situation.'2", {2}, ("the fragile situation.'", (2,))),
        ("in force since 2000.6", {6}, ("in force since 2000.", (6,))),
        ("rose 11 miles.2", {2}, ("rose 11 miles.", (2,))),
        ("rate was 3.5", {1, 2}, ("rate was 3.5", ())),
        ("rate was 3.5", set(), ("rate was 3.5", ())),
        ("two sources.1,3", {1, 3}, ("two sources.", (1, 3))),
        ("no citation here.", {1}, ("no citation here.", ())),
    ],
)
def test_citation_digits_are_removed_without_eating_numbers(text, known, expected) -> None:
    assert strip_citation(text, known) == expected


def test_wrapped_lines_join_their_item_and_unknown_chrome_is_kept_out() -> None:
    brief = parse_text_brief(
        "Headline here\nA summary.\n0:00\n/0:00\nFacts\n- First fact that\n  wraps onto a second line.1\n"
        "Sources: 1Reuters.\nNarratives\n- Left narrative, as provided by U.S. News. It is so.\n",
        path="x.txt",
    )
    assert brief.facts[0].text == "First fact that wraps onto a second line."
    # an outlet not in the sources ends at the first full stop that does not close an initial
    assert (brief.narratives[0].outlet, brief.narratives[0].text) == ("U.S. News", "It is so.")


def test_known_outlet_with_dots_is_matched_whole() -> None:
    brief = parse_text_brief(
        "H\nFacts\n- A fact.1\nSources: 1U.S. News.\nNarratives\n- Right narrative, as provided by U.S. News. It is so.\n")
    assert (brief.narratives[0].outlet, brief.narratives[0].text) == ("U.S. News", "It is so.")


def test_missing_headline_is_derived_from_first_fact() -> None:
    brief = parse_text_brief("Facts\n- The council approved the budget on Monday. More follows.\n")
    assert brief.title == "The council approved the budget on Monday"
    assert brief.warnings


def test_cut_off_summary_keeps_complete_sentences() -> None:
    brief = parse_text_brief("Head\nOne full sentence. And then a cut-off thi ...\nFacts\n- F.\n- A real fact.\n")
    assert brief.summary == "One full sentence."


def test_empty_fact_is_skipped_with_a_warning_naming_the_line(caplog) -> None:
    brief = parse_text_brief("Head\nFacts\n- .\n- A real fact.\n", path="b.txt")
    assert [f.text for f in brief.facts] == ["A real fact."]
    assert "b.txt, line 3" in brief.warnings[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x00\x01binary\x00", "not a text file"),
        (b"Headline\n\xff\xfe bad bytes", "not UTF-8"),
        (b"Just a headline\nand a summary, nothing else\n", "found no facts and no narratives"),
    ],
)
def test_unusable_text_briefs_raise_brief_error_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(BriefError, match=message) as info:
        load_brief(path)
    assert str(path) in str(info.value)


def test_missing_file_is_a_brief_error(tmp_path: Path) -> None:
    with pytest.raises(BriefError, match="no such file"):
        load_brief(tmp_path / "nope.txt")


def test_json_brief_matches_the_text_brief_and_the_schema(seed_path: Path) -> None:
    text = load_brief(seed_path)
    path = seed_path.with_suffix(".json")
    from_json = load_brief(path)
    assert (from_json.title, from_json.facts, from_json.narratives, from_json.sources) == (
        text.title, text.facts, text.narratives, text.sources)
    assert from_json.id == "seed-brief-json"
    assert from_json.published is not None and from_json.published.isoformat() == "2023-09-13T06:00:00+00:00"
    schema = json.loads(resources.files("audiobrief").joinpath("schemas/brief.schema.json").read_text())
    jsonschema.validate(json.loads(path.read_text()), schema)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ('{"title": "x", "facts": [}', "line 1"),
        ('["not", "an", "object"]', "top level must be an object"),
        ('{"facts": ["a"]}', "'title' is missing"),
        ('{"title": "x", "facts": [{"text": 3}]}', "'facts\\[0\\].text' must be a str"),
        ('{"title": "x", "narratives": [{"label": "L"}]}', "'narratives\\[0\\].text' is missing"),
        ('{"title": "x"}', "no 'facts' and no 'narratives'"),
        ('{"title": "x", "facts": ["a"], "published": "yesterday"}', "'published' is not an ISO 8601"),
    ],
)
def test_bad_json_briefs_name_the_field(tmp_path: Path, doc: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(doc)
    with pytest.raises(BriefError, match=message):
        load_brief(path)


def test_a_json_brief_declares_its_language_as_an_iso_code_else_takes_the_shows(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"title": "T", "facts": ["A fact."], "language": "Spanish"}', encoding="utf-8")
    with pytest.raises(BriefError, match=r"field 'language' is 'Spanish'; give an ISO 639 code"):
        load_brief(path)
    path.write_text('{"title": "T", "facts": ["A fact."], "language": "es"}', encoding="utf-8")
    assert load_brief(path, language="en").language == "es"  # declared wins over the show's
    assert load_brief(path, language="en", force_language="fr").language == "fr"  # --language wins over both
    path.write_text('{"title": "T", "facts": ["A fact."]}', encoding="utf-8")
    assert load_brief(path, language="es").language == "es"
    text = tmp_path / "b.txt"
    text.write_text("Titular\nHechos\n- Un hecho.\n", encoding="utf-8")
    assert load_brief(text, language="es").language == "es"
