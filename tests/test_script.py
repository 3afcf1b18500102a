"""Stage 2: the spoken script from templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audiobrief.brief import load_brief
from audiobrief.errors import TemplateError
from audiobrief.models import Show
from audiobrief.script import render_script

from .conftest import DATE


def _render(seed_path: Path, **kwargs):
    return render_script(load_brief(seed_path), Show(), published=DATE, **kwargs)


def test_seed_script_matches_golden(seed_path: Path, golden) -> None:
    script = _render(seed_path)
    text = "\n\n".join(f"[{s.id}] ({s.role}; {s.chapter_id}: {s.chapter_title})\n{s.text}" for s in script.segments)
    golden("seed-brief.script.txt", text + "\n")


def test_script_has_no_citation_digits_or_page_junk_and_attributes_narratives(seed_path: Path) -> None:
    script = _render(seed_path)
    text = script.text
    assert not re.search(r"[A-Za-z.'\u2019]\d", text), "a citation digit is glued to a word"
    assert "0:00" not in text
    kinds = [s.kind for s in script.segments]
    assert kinds == ["intro", "intro"] + ["fact"] * 6 + ["transition", "narrative", "narrative", "outro"]
    narratives = [s for s in script.segments if s.kind == "narrative"]
    assert narratives[0].text.startswith("The pro-establishment narrative, as provided by Guardian:")
    assert narratives[1].text.startswith("The pro-Russia narrative, as provided by TASS:")
    assert [s.chapter_title for s in narratives] == ["Pro-establishment narrative (Guardian)", "Pro-Russia narrative (TASS)"]
    outro = script.segments[-1].text
    for outlet in ("Guardian", "Associated Press", "TASS", "Al Jazeera"):
        assert outlet in outro
    assert "synthetic voice" in outro
    assert "Wednesday, September 13th, twenty twenty-three" in script.segments[0].text


def test_summary_that_repeats_the_first_fact_is_not_read_twice(seed_path: Path) -> None:
    script = _render(seed_path)
    assert script.text.count("Kim Jong Un again went to the country") == 1


def test_producer_templates_override_one_kind_only(seed_path: Path, tmp_path: Path) -> None:
    (tmp_path / "outro.txt.j2").write_text("Goodbye from {{ show.title }}. Sources: {{ outlets|join_and }}.")
    script = _render(seed_path, templates_dir=tmp_path)
    assert script.segments[-1].text == "Goodbye from audiobrief. Sources: Guardian, Associated Press, TASS and Al Jazeera."
    assert script.segments[0].text.startswith("The news for")  # the default show name is never announced


def test_undefined_template_variable_is_an_error_naming_the_template(seed_path: Path, tmp_path: Path) -> None:
    (tmp_path / "intro.txt.j2").write_text("Hello {{ shwo.title }}")
    with pytest.raises(TemplateError, match="intro.txt.j2.*shwo"):
        _render(seed_path, templates_dir=tmp_path)


def test_template_folder_must_exist(seed_path: Path, tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="not a folder"):
        _render(seed_path, templates_dir=tmp_path / "missing")
