"""Speakable text: golden examples and properties (idempotent, never raises)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobrief.speakable import speakable, split_sentences

EXAMPLES = [
    ("Pres. Vladimir Putin met Gov. Smith and Sen. Jones.", "President Vladimir Putin met Governor Smith and Senator Jones."),
    ("It grew 31.5% in Jan. and fell .75 percentage points.", "It grew 31.5 percent in January and fell point seven five percentage points."),
    ("The plan costs $6.9T, or €2bn, or £300m.", "The plan costs 6.9 trillion dollars, or 2 billion euros, or 300 million pounds."),
    ("Crowds of 2K, then 1.4K, then 100K.", "Crowds of 2 thousand, then 1.4 thousand, then 100 thousand."),
    ("Kim said: 'we will always stand with Russia.'", "Kim said: we will always stand with Russia."),
    ("Talks — finally — began at 5:30 p.m. Officials left.", "Talks, finally, began at 5:30 PM. Officials left."),
    ("The U.S. and NATO vs. the Fed", "The US and Nato versus the Fed"),
    ("Read more at https://example.com/story?id=1 now", "Read more at example dot com now"),
    ("Díaz, Patiño and the Gardaí agreed.", "Díaz, Patiño and the Gardaí agreed."),
    ("**Bold** claim 🚀 here", "Bold claim here"),
    ("It wonâ€™t stop", "It won't stop"),
    ("Rep. Lee criticized the admin. on Mon. and Sun.", "Representative Lee criticized the administration on Monday and Sunday."),
    ("Tue., Wed., Thu., Fri. and Sat. shifts", "Tuesday, Wednesday, Thursday, Friday and Saturday shifts"),
    ("Mar. to Dec. figures, not Apr., Aug., Sept., Oct. or Nov.",
     "March to December figures, not April, August, September, October or November."),
    ("He served 12 yrs on a 40 sq. mile estate, approx. half of it forest.",
     "He served 12 years on a 40 square mile estate, approximately half of it forest."),
    ("Rates of 1.5% to 1.75%, or 1.5%-1.75%", "Rates of 1.5 to 1.75 percent, or 1.5 to 1.75 percent"),
    ("The court ruled 6-3, a 6-3 decision.", "The court ruled 6 to 3, a 6 to 3 decision."),
    ("Talks on Jan. 13 and May 31, 2024, after a 1994 treaty signed in 1994.",
     "Talks on January 13th and May 31st, twenty twenty-four, after a nineteen ninety-four treaty signed in nineteen ninety-four."),
    ("The 3rd round and the 21st century", "The 3rd round and the 21st century"),
    ("The US, UN, EU, PRC and KMT; ECOWAS, NATO and the FED", "The US, UN, EU, PRC and KMT; Ecowas, Nato and the Fed"),
    ("Since 2000 and in 2005", "Since two thousand and in two thousand five"),
]


@pytest.mark.parametrize(("written", "spoken"), EXAMPLES)
def test_speakable_golden_table(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


def test_producer_pronunciations_override_the_table() -> None:
    assert speakable("Kyiv and NATO", {"Kyiv": "Keev", "NATO": "N.A.T.O."}) == "Keev and N.A.T.O."


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_speakable_is_idempotent_and_total(text: str) -> None:
    once = speakable(text)
    assert speakable(once) == once


def test_split_sentences_keeps_initialisms_inside() -> None:
    assert split_sentences("The U.S. team won. Then it rained!") == ("The U.S. team won.", "Then it rained!")


def test_respelled_names_reach_the_voice_and_never_the_transcript(tmp_path) -> None:
    import json

    from audiobrief.config import Settings
    from audiobrief.pipeline import build
    from audiobrief.tts.fake import FakeEngine

    brief = tmp_path / "names.json"
    brief.write_text(json.dumps({"id": "names", "title": "Talks in Pyongyang",
                                 "facts": ["Putin met Kim in Pyongyang on Wednesday."],
                                 "narratives": [{"label": "Narrative A", "text": "Peskov called it historic."}]}))
    engine = FakeEngine(ms_per_word=150)
    result = build([brief], tmp_path / "out", Settings(), engines={"host": engine, "narrative": engine}, cache=None)
    said = " ".join(engine.calls)
    assert "Pootin met Kim in Pyong-yang" in said and "Pess-kov called it historic" in said
    (episode,) = result.episodes
    assert episode.transcripts is not None
    for name in (episode.transcripts.vtt, episode.transcripts.text):
        shown = (tmp_path / "out" / name).read_text()
        assert "Putin met Kim in Pyongyang" in shown and "Pootin" not in shown and "Pyong-yang" not in shown
