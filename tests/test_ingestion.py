"""Briefs as they really arrive: every rendering in tests/data/briefs parses, and its script is golden."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiobrief.brief import brief_paths, load_brief, parse_text_brief
from audiobrief.errors import BriefError
from audiobrief.models import Show
from audiobrief.script import render_script
from audiobrief.speakable import speakable

from .conftest import DATA, DATE, EXAMPLES

BRIEFS = sorted((DATA / "briefs").iterdir())

#: Page chrome that must never reach the script, whatever the rendering.
CHROME = ["0:00", "Image copyright", "Example Photo Agency", "Metaculus", "Establishment split", "CRITICAL",
          "Political split", "Public figures", "newsletter", "Newsletter", "Articles on this story", "Members online",
          "Posted by", "Reply", "LR:", "CP:", "Forums", "ð", "â€", "Sign Up", "profile image", "All rights reserved",
          "Version", "edited by", "submitted", "users here now", "aggregator", "affiliated", "Moderators",
          "quillfeather", "worldwatch", "Be civil", "points (", "???", "Tidewater News", "readers", "founded",
          "legend", "liked", "Revision", "Previous", "councilnew", "TheA", "tollproposed", "Lean:", "Factual"]

#: What each rendering must be understood as: (facts, [(label, outlet)], headline).
EXPECTED: dict[str, tuple[int, list[tuple[str, str | None]], str]] = {
    "lite-variants.txt": (5, [("Pro-development narrative", "The Ledger"), ("Environmentalist narrative", "Harbor Gazette")],
                          "Harbor Council Approves Seawall Plan After 'Fragile Situation' Warning"),
    "story-page.txt": (3, [("Pro-establishment narrative", None), ("Establishment-critical narrative", None)],
                       "Rivertown Votes to Keep Its Last Hospital Open"),
    "forum-repost.txt": (3, [("Pro-farmer narrative", "Valley Tribune"), ("Conservation narrative", "Metro Wire")],
                         "Drought Forces Rationing in Three Valley Cities"),
    "social-post.txt": (0, [("Pro-Trump narrative", None), ("Anti-Trump narrative", None)],
                        "Senate Passes Stopgap Bill Hours Before Shutdown"),
    "narratives-only.txt": (0, [("Left narrative", None), ("Right narrative", None)],
                            "The ruling protects renters from arbitrary evictions during a housing crisis"),
    "unlabeled-narratives.txt": (2, [("Narrative 1", None), ("Narrative 2", None)], "City Bans Cars From Old Town Square"),
    "one-narrative.txt": (2, [("Cynical narrative", "Market Desk")], "Central Bank Holds Rates at 1.5% to 1.75%"),
    "many-narratives.txt": (2, [("Narrative A", None), ("Narrative B", None), ("Democratic narrative", None),
                                ("Republican narrative", None), ("Nerd narrative", None)], "Island Nation Holds Snap Election"),
    "cut-off.txt": (2, [("Pro-utility narrative", "Grid Today")], "Storm Knocks Out Power Across the Coast"),
    "facts-only.txt": (2, [], "Library Extends Weekend Hours"),
    "markdown.md": (2, [("Pro-union narrative", "Labour Weekly"), ("Pro-business narrative", "Commerce Daily")],
                    "Rail Strike Ends After 12-Day Walkout"),
    "no-headings.txt": (2, [("Supporters' narrative", None), ("Critics' narrative", None)],
                        "Coastal Town Votes to Close Its Ferry Line"),
    "one-line-repost.txt": (0, [("Pro-utility narrative", None), ("Consumer-advocate narrative", None)],
                            "City Water Prices Rise 12% From July"),
    "lemmy-repost.txt": (3, [("Pro-agency narrative", "Metro Daily"), ("Commuter narrative", "Harbor Voice")],
                         "Bridge Repairs Close Main Route for Six Weeks"),
    "chrome-variants.txt": (3, [("Pro-freeze narrative", "Transit Weekly"), ("Fiscal-watchdog narrative", "Budget Monitor")],
                            "Regional Rail Fares Frozen for Two Years"),
    "ellipsis-summary.txt": (2, [("Pro-toll narrative", "City Ledger"), ("Anti-toll narrative", "Drivers Weekly")],
                             "Toll Rises on the Harbor Bridge"),
    "yaml-brief.yaml": (1, [("Pro-restitution narrative", "Arts Ledger"), ("Anti-restitution narrative", None)],
                        "Museum Returns Bronze Statues"),
    "community-repost.txt": (3, [("Pro-operator narrative", "Coastline Business"), ("Islanders' narrative", "Island Voice")],
                             "Ferry Fares to Rise 9% in Spring"),
    "glyph-bullets.txt": (4, [("Pro-authority narrative", "Alpine Wire"), ("Residents' narrative", "Valley Courier")],
                          "Mountain Pass Reopens After Rockfall"),
    "outlet-ratings.txt": (5, [("Union narrative", "Channel Daily"), ("Employers' narrative", "Coastline Business")],
                           "Port Workers Accept New Pay Deal"),
    "revision-page.txt": (2, [("Pro-toll narrative", "City Ledger"), ("Anti-toll narrative", "Drivers Weekly")],
                          "Council Votes to Hold Bridge Toll Referendum"),
}


def test_every_fixture_has_expectations() -> None:
    assert sorted(EXPECTED) == [p.name for p in BRIEFS]


@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.name)
def test_rendering_is_understood(path: Path) -> None:
    brief = load_brief(path)
    facts, narratives, headline = EXPECTED[path.name]
    assert brief.title == headline
    assert len(brief.facts) == facts
    assert [(n.label, n.outlet) for n in brief.narratives] == narratives
    assert all(n.text and n.text[-1] in ".!?'\u2019\"" for n in brief.narratives), "a narrative ends mid-sentence"


@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.name)
def test_rendering_script_is_golden_complete_and_clean(path: Path, golden) -> None:
    brief = load_brief(path)
    script = render_script(brief, Show(), published=DATE)
    text = script.text
    for chrome in CHROME:
        assert chrome not in text, f"page chrome {chrome!r} reached the script"
    assert not re.search(r"(?:[A-Za-z'\u2019]|(?<=[A-Za-z])\.)\d", text), "a citation digit reached the script"
    assert sum(s.kind == "fact" for s in script.segments) == len(brief.facts)
    for fact in brief.facts:  # each fact once
        assert text.count(speakable(fact.text)) == 1
    narratives = [s for s in script.segments if s.kind == "narrative"]
    assert len(narratives) == len(brief.narratives)
    for segment, narrative in zip(narratives, brief.narratives, strict=True):
        assert segment.text.lower().startswith(("the " + narrative.label.lower(), narrative.label.lower()))
        if narrative.outlet:
            assert f"as provided by {narrative.outlet}:" in segment.text
        assert text.count(speakable(narrative.text)) == 1
    rendered = "\n\n".join(f"[{s.id}] ({s.chapter_title})\n{s.text}" for s in script.segments)
    golden(f"briefs/{path.stem}.script.txt", rendered + "\n")


def test_lite_variants_keep_numbers_and_merge_repeated_outlets() -> None:
    brief = load_brief(DATA / "briefs" / "lite-variants.txt")
    texts = [f.text for f in brief.facts]
    assert texts[0].endswith("'a fragile situation.'") and brief.facts[0].source_numbers == (2,)
    assert texts[1].endswith("since 2000.") and texts[2].endswith("11 miles inland.")
    assert brief.outlets == ("Harbor Gazette", "Coastal News Network", "The Ledger")
    assert brief.summary.endswith("rising tides.")


def test_cut_off_brief_keeps_complete_sentences_and_says_so() -> None:
    brief = load_brief(DATA / "briefs" / "cut-off.txt")
    assert brief.narratives[0].text.endswith("credit to the crews.")
    assert any("cut off" in w for w in brief.warnings)


def test_a_folder_of_briefs_expands_in_order(tmp_path: Path) -> None:
    assert brief_paths([DATA / "briefs"]) == BRIEFS
    with pytest.raises(BriefError, match="folder has no briefs"):
        brief_paths([tmp_path])


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("title: x\nfacts: [unclosed\n")
    with pytest.raises(BriefError, match=r"bad.yaml, line \d: not valid YAML"):
        load_brief(path)


# --- properties ---------------------------------------------------------------------------------

SEED_LINES = (EXAMPLES / "seed-brief.txt").read_text().splitlines()


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["drop", "dup", "insert", "cut", "garble"]))
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if op == "drop" and lines:
            lines.pop(i)
        elif op == "dup" and lines:
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=40)))
        elif op == "cut" and lines:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif op == "garble" and lines:
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + draw(st.text(max_size=5)) + lines[i][pos:]
    return "\n".join(lines)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), mutated_seed()))
def test_parser_accepts_anything_or_raises_brief_error(text: str) -> None:
    try:
        brief = parse_text_brief(text, path="fuzz.txt")
    except BriefError:
        return
    assert brief.facts or brief.narratives
    script = render_script(brief, Show(), published=DATE)
    for segment in script.segments:
        assert speakable(segment.text) == segment.text  # already speakable: normalization is idempotent


@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.name)
def test_script_command_on_every_rendering(path: Path) -> None:
    from click.testing import CliRunner

    from audiobrief.cli import cli

    result = CliRunner().invoke(cli, ["script", str(path), "--date", "2024-01-01"])
    assert result.exit_code == 0, result.output
    assert "[intro]" in result.output and "[outro]" in result.output


def test_unusable_rendering_exits_1_naming_file_and_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from audiobrief.cli import cli

    path = tmp_path / "chrome-only.txt"
    path.write_text("Home › Forums › News\nSome headline\nMetaculus Prediction\nCRITICAL\n")
    result = CliRunner().invoke(cli, ["script", str(path)])
    assert result.exit_code == 1
    assert f"{path}, line 2: found no brief, only page chrome" in result.output


@pytest.mark.parametrize("path", [p for p in BRIEFS if p.suffix in (".txt", ".md")], ids=lambda p: p.name)
def test_what_was_dropped_as_chrome_is_reviewed(path: Path, golden) -> None:
    """Every line dropped as page chrome, per fixture: a real sentence dropped shows up in review."""
    from audiobrief.brief import dropped_lines

    report = "".join(f"{number}: {line}\n" for number, line in dropped_lines(path.read_text(encoding="utf-8")))
    golden(f"briefs/{path.stem}.dropped.txt", report or "(nothing dropped)\n")


def test_a_summary_cut_with_an_ellipsis_keeps_its_words() -> None:
    brief = load_brief(DATA / "briefs" / "ellipsis-summary.txt")
    assert brief.summary == "A new $2 toll will be charged on the Harbor Bridge."


def test_citations_go_even_when_the_item_has_decimals_or_the_sources_line_forgot_them() -> None:
    brief = load_brief(DATA / "briefs" / "chrome-variants.txt")
    assert brief.facts[0].text.endswith("risen 31.5% since the elections.")
    assert brief.facts[-1].text == "Discounted monthly passes for students will continue."


@pytest.mark.parametrize("path", [p for p in BRIEFS if p.suffix in (".txt", ".md")], ids=lambda p: p.name)
def test_every_line_is_classified_as_reviewed(path: Path, golden) -> None:
    """What the parser took each line for (headline, summary, heading, fact, label, narrative, chrome...)."""
    from audiobrief.brief import classify_lines

    lines = classify_lines(path.read_text(encoding="utf-8"))
    golden(f"briefs/{path.stem}.lines.txt", "".join(f"{n:>3} {role:<14} {line[:90]}\n" for n, role, line in lines))
