"""Reading shapes nobody wrote a fixture for: community chrome before the brief, bullets in every form,
outlets with ratings, garbled revision pages, pages of nothing but chrome, and why each line was read so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobrief.brief import classify_lines, load_brief, parse_text_brief
from audiobrief.brief.garble import GARBLED_SHARE, garble
from audiobrief.cli import cli
from audiobrief.errors import BriefError
from audiobrief.models import Show
from audiobrief.script import render_script

from .conftest import DATA, DATE, EXAMPLES

COMMUNITY = (DATA / "briefs" / "community-repost.txt").read_text(encoding="utf-8").splitlines()
PURE_CHROME = DATA / "refused" / "pure-chrome.txt"


# --- community chrome before the brief -------------------------------------------------------------------

LAYOUTS = {
    "chrome, then the sidebar, then the brief (the fixture)": COMMUNITY,
    "the headline first, then the chrome and the sidebar": [COMMUNITY[8], *COMMUNITY[:8], *COMMUNITY[9:]],
    "the community's name, no sidebar heading, then the brief": [*COMMUNITY[:3], *COMMUNITY[8:]],
    "plain dash bullets with no outlets after the sidebar": [
        *COMMUNITY[:9], "- The ferry service will raise fares by 9% from March, its operator said on Monday.",
        "- Season tickets for islanders will rise by less under a deal with the county."],
}


@pytest.mark.parametrize("lines", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_community_chrome_before_the_brief_never_becomes_the_headline_or_a_fact(lines: list[str]) -> None:
    brief = parse_text_brief("\n".join(lines), path="repost.txt")
    assert brief.title == "Ferry Fares to Rise 9% in Spring"
    assert brief.summary == ""
    assert len(brief.facts) >= 2
    assert all(f.text.startswith(("The ", "Season ")) for f in brief.facts), brief.facts


#: More pages in other shapes: (page, language, headline, facts, narratives).
PAGES = {
    "a forum with a welcome preamble, numbered facts and inline narratives": (
        "r/geopolitics_digest\nPosted by u/mapmaker_77\n3.4k upvotes\n1.1k members · 38 online\nWelcome! This sub collects briefs that compare coverage across outlets. Read the pinned rules before you post.\nJoined Mar 2021\n**Grain Corridor Talks Resume in Istanbul**\n1) Negotiators from both countries met in Istanbul on Tuesday to revive the grain corridor, the host government said. Anadolu (LR: 3 CP: 3)\n2) Shipping insurers said premiums would fall if a deal held for three months. Lloyd's List\n3) Wheat prices dropped 2% on the news. (Bloomberg)\nPro-deal narrative: Reopening the corridor feeds millions and lowers prices worldwide.\nSkeptical narrative: Earlier deals collapsed within weeks, and nothing in this one stops that happening again.\nshare  save  hide  report\n", "en", "Grain Corridor Talks Resume in Istanbul", 3, 2),
    "a news page with navigation, a date line and the desk's name": (
        "Monday, 12 October 2026\nWorld Desk\nSign in   Subscribe\nDam Release Floods Farmland Downstream\nAuthorities opened the spillway after days of heavy rain, sending water over fields in three districts.\nWhat happened\n▪ About 4,000 hectares were flooded after the release on Sunday, the agriculture ministry said. Farm Weekly (LR: 3 CP: 4)\n▪ No deaths were reported; 1,200 people were moved to shelters. (Valley Radio)\n▪ The dam operator said it had warned villages 12 hours ahead. Energy Desk\nThe narratives\n◦ Operator narrative, as provided by Energy Desk. Opening the gates was the only way to protect the dam and the towns below it.\n◦ Farmers' narrative, as provided by Farm Weekly. The warning came too late to move livestock, and nobody has said who will pay.\nRelated stories\nRain forecast to ease by Thursday\nComments (14)\n", "en", "Dam Release Floods Farmland Downstream", 3, 2),
    "a Spanish community page": ('publicado el 3 de mayo de 2026\n128 puntos (97% positivos)\nNoticiasDelSur\n1,3k lectores\nUna comunidad para comparar cómo cuentan las noticias distintos medios. Por favor, citad vuestras fuentes.\nEl Ayuntamiento Aprueba el Nuevo Carril Bici\n• El pleno aprobó el martes un carril bici de 12 kilómetros por el centro, según el Ayuntamiento. Diario Local (LR: 3 CP: 4)\n• Las obras empezarán en enero y durarán seis meses. Radio Norte\nNarrativas\n• Relato a favor, según Diario Local. El carril reducirá el tráfico y hará las calles más seguras.\n• Relato en contra, según Radio Norte. Los comercios perderán aparcamiento y nadie les consultó.\n', "es", "El Ayuntamiento Aprueba el Nuevo Carril Bici", 2, 2),
}


@pytest.mark.parametrize(("page", "language", "headline", "facts", "narratives"), PAGES.values(), ids=PAGES.keys())
def test_other_page_shapes_are_read_without_their_chrome(page: str, language: str, headline: str, facts: int,
                                                          narratives: int) -> None:
    brief = parse_text_brief(page, language=language)
    assert (brief.title, len(brief.facts), len(brief.narratives)) == (headline, facts, narratives)
    spoken = render_script(brief, Show(language=language), published=DATE).text
    for chrome in ("upvotes", "Posted by", "Welcome", "Sign in", "World Desk", "Comments", "puntos", "lectores",
                   "LR:", "CP:", "NoticiasDelSur", "geopolitics"):
        assert chrome not in spoken, chrome


def test_a_score_line_with_decimals_and_a_reader_count_are_chrome() -> None:
    roles = {line: role for _, role, line in classify_lines("\n".join(COMMUNITY))}
    assert roles["57 points (98.1% liked)"] == "chrome"
    assert roles["212 readers"] == "chrome heading" and roles["4 users here now"] == "chrome heading"
    assert roles["founded 2 years ago"] == "chrome" and roles["Tidewater News"] == "chrome"


# --- bullets in every form ---------------------------------------------------------------------------------

GLYPHS = ["- ", "* ", "\u2022 ", "    \u2022 ", "\t\u2022 ", "\u25e6 ", "\u25aa ", "\u2013 ", "1) ", "1. ", "(1) ", "a) ",
          "\u25cf ", "\u2023 ", "\u25b8 ", "\u2192 ", "\u00b7 "]


@pytest.mark.parametrize("glyph", GLYPHS, ids=[repr(g) for g in GLYPHS])
def test_every_bullet_form_makes_facts(glyph: str) -> None:
    text = (f"Harbour Dredging Starts Next Week\n{glyph}Dredgers will deepen the channel by two metres over the summer.\n"
            f"{glyph}Ferries will keep running while the work goes on, the port said.\n")
    brief = parse_text_brief(text)
    assert [f.text for f in brief.facts] == ["Dredgers will deepen the channel by two metres over the summer.",
                                             "Ferries will keep running while the work goes on, the port said."]


# --- outlets and ratings -------------------------------------------------------------------------------------

SUFFIXES = [
    ("Reuters (LR: 3 CP: 4)", "Reuters"),
    ("Reuters (LR:3, CP:4)", "Reuters"),
    ("Harbour Post [LR: 2 | CP: 5]", "Harbour Post"),
    ("The Times of India (Lean: Center, Factual: High)", "The Times of India"),
    ("Deutsche Welle", "Deutsche Welle"),
    ("(Coast Wire)", "Coast Wire"),
    ("\u2014 Al Jazeera", "Al Jazeera"),
    ("- AP", "AP"),
]


@pytest.mark.parametrize(("suffix", "outlet"), SUFFIXES)
def test_a_fact_ending_with_its_outlet_keeps_it_as_its_source_and_never_speaks_the_rating(suffix: str, outlet: str) -> None:
    text = f"Port Strike Ends\nFacts\n- The ministry said the talks would resume on Monday. {suffix}\n"
    brief = parse_text_brief(text)
    fact = brief.facts[0]
    assert fact.text == "The ministry said the talks would resume on Monday."
    assert [s.outlet for s in brief.sources if s.number in fact.source_numbers] == [outlet]
    spoken = render_script(brief, Show(), published=DATE).text
    assert "LR" not in spoken and "CP" not in spoken and "Lean" not in spoken and spoken.count(outlet) == 1  # the outro


def test_a_rating_without_an_outlet_is_dropped_and_a_sentence_is_not_taken_for_an_outlet() -> None:
    brief = parse_text_brief("Port Strike Ends\nFacts\n- Firms warned of empty shelves. (LR: 2, CP: 4)\n"
                             "- The talks resume on Monday. Officials expect a deal.\n")
    assert [f.text for f in brief.facts] == ["Firms warned of empty shelves.",
                                             "The talks resume on Monday. Officials expect a deal."]
    assert brief.sources == ()


# --- garbled text --------------------------------------------------------------------------------------------


def test_two_versions_merged_word_by_word_are_garbled_and_clean_text_is_not() -> None:
    merged = garble("TheA councilnew votedbridge ontoll Tuesdaywill")
    assert merged.share >= 0.8 and "councilnew" in merged.bad
    clean = [line for path in [*sorted((DATA / "briefs").iterdir()), EXAMPLES / "seed-brief.txt"]
             if path.name != "revision-page.txt"
             for line in path.read_text(encoding="utf-8").splitlines()]
    scores = sorted((garble(line).share, line) for line in clean)
    assert scores[-1][0] < GARBLED_SHARE, scores[-3:]
    # names are not garbage, fused common words are
    assert garble("Kallas met Zelensky and Sviridenko in Kyiv on Tuesday").share == 0
    assert garble("The mayor said Tuesdaywill be the vote").bad == ("Tuesdaywill",)
    # a paragraph in another language has unknown words, not words run together: it is not garbage
    spanish = "Varios gobiernos pidieron más transparencia en el reparto de los fondos europeos."
    assert garble(spanish, "en").share >= GARBLED_SHARE and not garble(spanish, "en").garbled
    assert garble(spanish, "es").share == 0


def test_a_garbled_revision_page_drops_its_merged_paragraphs_and_headline_with_warnings() -> None:
    brief = load_brief(DATA / "briefs" / "revision-page.txt")
    assert brief.title == "Council Votes to Hold Bridge Toll Referendum"
    assert len(brief.facts) == 2 and not any("toll" in f.text and "was" in f.text for f in brief.facts)
    dropped = [w for w in brief.warnings if "garbled" in w]
    assert [w.split(", line ")[1].split(":")[0] for w in dropped] == ["4", "6", "10"]
    spoken = render_script(brief, Show(), published=DATE).text
    assert "councilnew" not in spoken and "TheA" not in spoken


def test_a_merged_headline_without_a_clean_one_gives_way_to_a_derived_one() -> None:
    brief = parse_text_brief("CouncilBridge votestoll toset holdfor bridgevote tollon referendumTuesday\nFacts\n"
                             "- The council voted 9-4 on Tuesday to put the bridge toll to a referendum.\n")
    assert brief.title.startswith("The council voted 9-4 on Tuesday")
    assert any("derived" in w for w in brief.warnings)


# --- pages of chrome are refused, never published ----------------------------------------------------------


def test_a_page_of_pure_chrome_is_refused_naming_the_file_and_what_was_found(golden) -> None:
    with pytest.raises(BriefError) as caught:
        load_brief(PURE_CHROME)
    message = str(caught.value)
    assert str(PURE_CHROME) in message and "only page chrome" in message and "'Facts' heading" in message
    assert "\n" not in message  # one line
    lines = classify_lines(PURE_CHROME.read_text(encoding="utf-8"))
    golden("refused/pure-chrome.lines.txt", "".join(f"{n:>3} {role:<14} {line[:90]}\n" for n, role, line in lines))


@pytest.mark.parametrize("headline", ["57 points (98.1% liked)", "Tidewater News", "1.2k readers online",
                                      "posted on 3 May 2026", "this post was submitted on 3 May 2026"])
def test_a_chrome_line_never_titles_an_episode(headline: str) -> None:
    text = f"{headline}\n- Be civil and kind to other readers here.\n- Cite your sources when you post a story.\n"
    try:
        brief = parse_text_brief(text, path="page.txt")
    except BriefError as exc:
        assert "page.txt" in str(exc) and ("does not look like a brief" in str(exc) or "only page chrome" in str(exc))
    else:
        assert brief.title != headline and all(headline not in f.text for f in brief.facts)


def test_the_gate_refuses_an_inferred_brief_whose_headline_is_a_name_and_lets_headings_through() -> None:
    text = "Tidewater News\n- The ferry will raise fares by 9% from March, its operator said on Monday.\n"
    with pytest.raises(BriefError, match=r"page.txt, line 1: does not look like a brief: its headline 'Tidewater News'"):
        parse_text_brief(text, path="page.txt")
    assert parse_text_brief("Tidewater News\nFacts\n" + text.split("\n", 1)[1]).title == "Tidewater News"


def test_building_a_page_of_chrome_fails_and_leaves_the_published_show_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ok = CliRunner().invoke(cli, ["build", str(DATA / "briefs" / "facts-only.txt"), "--out", str(out), "--engine", "fake"])
    assert ok.exit_code == 0, ok.output
    def published() -> dict[Path, bytes]:  # every file but the lock's owner record
        return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "owner.json"}

    before = published()
    page = tmp_path / "page.txt"
    shutil.copy(PURE_CHROME, page)
    refused = CliRunner().invoke(cli, ["build", str(page), "--out", str(out), "--engine", "fake"])
    assert refused.exit_code == 1 and "only page chrome" in refused.output
    assert published() == before


# --- why each line was read so -----------------------------------------------------------------------------


def test_script_explain_shows_each_lines_role_score_and_features() -> None:
    result = CliRunner().invoke(cli, ["script", str(DATA / "briefs" / "community-repost.txt"), "--explain"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "   2 chrome" in out and "score or count" in out and "known chrome" in out
    assert "   9 headline" in out and "headline before the facts" in out
    assert "  10 fact" in out and "sourced" in out
    assert "Read as: 'Ferry Fares to Rise 9% in Spring', 3 fact(s), 2 narrative(s)" in out
    refused = CliRunner().invoke(cli, ["script", str(PURE_CHROME), "--explain"])
    assert refused.exit_code == 0 and "Refused:" in refused.output and "  13 chrome" in refused.output
    structured = CliRunner().invoke(cli, ["script", str(EXAMPLES / "seed-brief.json"), "--explain"])
    assert "structured brief" in structured.output and "Read as:" in structured.output


def test_the_weights_live_in_data_and_change_the_decision() -> None:
    from audiobrief.brief.lines import Reading, reading

    rules = reading()
    assert rules.weights["score_or_count"] > rules.chrome_at
    table = {"chrome_at": 1.5, "sidebar_ends_below": 0.0,
             "weights": {**rules.weights, "score_or_count": 0.0, "known_chrome": 0.0, "community_word": 0.0,
                         "few_words": 0.0, "digits": 0.0},
             "chrome": {"en": {"lines": [], "words": []}}}
    lenient = Reading(table)
    line = "57 points (98.1% liked)"
    assert rules.score(line, key=line, language="en", in_chrome_section=False).score >= rules.chrome_at
    assert lenient.score(line, key=line, language="en", in_chrome_section=False).score < lenient.chrome_at
