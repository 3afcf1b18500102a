"""What a newsreader says: a table of written news English and its spoken form, kind by kind.

Every row is (kind, written, spoken). Digits stay where espeak-ng (Piper's phonemizer) reads them
right; ``HEARD`` pins, through ``espeak-ng -q -x``, that what we leave as digits or letters is
phonemized exactly like the words a newsreader would say, and every row's output is checked for
the phonemes of a read-out symbol ("slash", "dash", "percent sign"...).
"""

from __future__ import annotations

import functools
import re
import subprocess

import pytest

from audiobrief.speakable import speakable

from .conftest import needs_espeak

CASES: list[tuple[str, str, str]] = [
    # money in every position and currency
    ("money", "a new $2 toll", "a new 2 dollar toll"),
    ("money", "It cost $2.", "It cost 2 dollars."),
    ("money", "$35.5 million", "35.5 million dollars"),
    ("money", "a $35.5 million grant", "a 35.5 million dollar grant"),
    ("money", "a €50 million fund", "a 50 million euro fund"),
    ("money", "between $5 and $10", "between 5 dollars and 10 dollars"),
    ("money", "The plan costs $6.9T, or €2bn, or £300m.", "The plan costs 6.9 trillion dollars, or 2 billion euros, or 300 million pounds."),
    ("money", "$1 was found", "1 dollar was found"),
    ("money", "a $1 coin", "a 1 dollar coin"),
    ("money", "gas at $3.49 a gallon", "gas at 3 dollars 49 cents a gallon"),
    ("money", "£4.50 per ticket", "4 pounds 50 pence per ticket"),
    ("money", "¥500 million", "500 million yen"),
    ("money", "₹2,000 crore", "2,000 crore rupees"),
    ("money", "US$40 billion", "40 billion US dollars"),
    ("money", "C$1.2bn", "1.2 billion Canadian dollars"),
    ("money", "$5-$10 tickets", "5 to 10 dollars tickets"),
    ("money", "$2-3 million", "2 to 3 million dollars"),
    ("money", "prices of 50€ and 20£", "prices of 50 euros and 20 pounds"),
    ("money", "a $1.5bn deal", "a 1.5 billion dollar deal"),
    ("money", "$700,000 in damages", "700,000 dollars in damages"),
    ("money", "($12 million)", "(12 million dollars)"),
    ("money", "raised $3 million, more than planned", "raised 3 million dollars, more than planned"),
    ("money", "₽10 billion", "10 billion rubles"),
    # thousands and decimals
    ("thousands", "350,000 drivers", "350,000 drivers"),
    ("thousands", "approx. 2,900 homes", "approximately 2,900 homes"),
    ("thousands", "Crowds of 2K, then 1.4K, then 100K.", "Crowds of 2 thousand, then 1.4 thousand, then 100 thousand."),
    ("thousands", "5bn users", "5 billion users"),
    ("thousands", "1,250,000 votes", "1,250,000 votes"),
    ("decimals", "a 3.5 magnitude quake", "a 3.5 magnitude quake"),
    ("decimals", "By .75: Biggest Hike Since 1994", "By point seven five: Biggest Hike Since nineteen ninety-four"),
    ("decimals", "it fell by .5", "it fell by point five"),
    # percentages and points
    ("percent", "It grew 31.5% in Jan.", "It grew 31.5 percent in January."),
    ("percent", "Rates of 1.5% to 1.75%, or 1.5%-1.75%", "Rates of 1.5 to 1.75 percent, or 1.5 to 1.75 percent"),
    ("percent", "up 2-3%", "up 2 to 3 percent"),
    ("percent", "fell .75 percentage points", "fell point seven five percentage points"),
    ("percent", "a .25% cut", "a point two five percent cut"),
    ("percent", "100% sure", "100 percent sure"),
    ("percent", "inflation of 3 %", "inflation of 3 percent"),
    # ranges
    ("ranges", "5–10 years", "5 to 10 years"),
    ("ranges", "5-10 years", "5 to 10 years"),
    ("ranges", "ages 18-24", "ages 18 to 24"),
    ("ranges", "from 1990-1995", "from nineteen ninety to nineteen ninety-five"),
    ("ranges", "the 2022-23 season", "the twenty twenty-two to twenty-three season"),
    ("ranges", "in 2019–2021", "in twenty nineteen to twenty twenty-one"),
    # decades and years
    ("decades", "the 1990s", "the nineteen nineties"),
    ("decades", "in the 1800s", "in the eighteen hundreds"),
    ("decades", "the 2000s", "the two thousands"),
    ("decades", "the '90s", "the nineties"),
    ("decades", "the 2010s", "the twenty tens"),
    ("years", "in 2024", "in twenty twenty-four"),
    ("years", "Since 2000 and in 2005", "Since two thousand and in two thousand five"),
    ("years", "a 1994 treaty", "a nineteen ninety-four treaty"),
    ("years", "in 1900", "in nineteen hundred"),
    ("years", "since 2010", "since twenty ten"),
    ("years", "May 31, 2024", "May 31st, twenty twenty-four"),
    ("years", "the year 1066", "the year 1066"),
    # slash dates and fixed numbers
    ("slashes", "after 9/11", "after nine eleven"),
    ("slashes", "open 24/7", "open twenty-four seven"),
    ("slashes", "on 5/12/2024", "on May twelfth, twenty twenty-four"),
    ("slashes", "on 11/3/2020", "on November third, twenty twenty"),
    ("slashes", "a 50/50 chance", "a fifty-fifty chance"),
    # scores and tallies
    ("scores", "a 3-1 win", "a 3 to 1 win"),
    ("scores", "The court ruled 6-3, a 6-3 decision.", "The court ruled 6 to 3, a 6 to 3 decision."),
    ("scores", "The vote was 52-48.", "The vote was 52 to 48."),
    ("scores", "beat Spain 2-0", "beat Spain 2 to 0"),
    ("scores", "a 100-99 overtime", "a 100 to 99 overtime"),
    ("scores", "passed 218-212", "passed 218 to 212"),
    # titles and suffixes
    ("titles", "Pres. Vladimir Putin met Gov. Smith and Sen. Jones.", "President Vladimir Putin met Governor Smith and Senator Jones."),
    ("titles", "Rep. Lee criticized the admin. on Mon. and Sun.", "Representative Lee criticized the administration on Monday and Sunday."),
    ("titles", "Martin Luther King Jr. said", "Martin Luther King Junior said"),
    ("titles", "John Smith Sr.", "John Smith Senior."),
    ("titles", "Dr. Ruth and Prof. Lin", "Doctor Ruth and Professor Lin"),
    ("titles", "Gen. Milley and Lt. Col. Vindman", "General Milley and Lieutenant Colonel Vindman"),
    ("titles", "Capt. Moore and Adm. Rogers", "Captain Moore and Admiral Rogers"),
    ("titles", "Rev. Jackson", "Reverend Jackson"),
    ("titles", "Sec. Blinken", "Secretary Blinken"),
    # places
    ("places", "Mt. Everest", "Mount Everest"),
    ("places", "Ft. Worth", "Fort Worth"),
    ("places", "St. Louis and St. Petersburg", "Saint Louis and Saint Petersburg"),
    ("places", "on Main St.", "on Main Street."),
    ("places", "on Main St. in the rain", "on Main Street in the rain"),
    ("places", "Washington, D.C.", "Washington, DC."),
    ("places", "The U.S. Dept. of Transportation", "The US Department of Transportation"),
    ("places", "The U.S. and NATO vs. the Fed", "The US and Nato versus the Fed"),
    ("places", "the U.K. economy", "the UK economy"),
    # numbers with No.
    ("number", "No. 10 Downing Street", "number 10 Downing Street"),
    ("number", "ranked no. 3", "ranked number 3"),
    ("number", "the #1 seed", "the number 1 seed"),
    ("number", "He said No. Then he left.", "He said No. Then he left."),
    # Latin abbreviations
    ("latin", "e.g. wheat", "for example wheat"),
    ("latin", "i.e. now", "that is now"),
    ("latin", "grain, oil, etc.", "grain, oil, et cetera."),
    ("latin", "Smith v. Jones", "Smith versus Jones"),
    ("latin", "Texas vs. California", "Texas versus California"),
    # temperatures
    ("temperature", "−20°C", "minus 20 degrees Celsius"),
    ("temperature", "-20°C overnight", "minus 20 degrees Celsius overnight"),
    ("temperature", "118°F", "118 degrees Fahrenheit"),
    ("temperature", "1°C warmer", "1 degree Celsius warmer"),
    ("temperature", "a 30° slope", "a 30 degrees slope"),
    ("temperature", "highs of 25 °C", "highs of 25 degrees Celsius"),
    # units and rates
    ("units", "57km away", "57 kilometers away"),
    ("units", "150 mph winds", "150 miles per hour winds"),
    ("units", "a 1 km walk", "a 1 kilometer walk"),
    ("units", "80 km/h", "80 kilometers per hour"),
    ("units", "20kg of rice", "20 kilograms of rice"),
    ("units", "a 10 ft wall", "a 10 feet wall"),
    ("units", "5 GW of solar", "5 gigawatts of solar"),
    ("units", "3.5 km²", "3.5 square kilometers"),
    ("units", "300 mm of rain", "300 millimeters of rain"),
    ("units", "He served 12 yrs on a 40 sq. mile estate.", "He served 12 years on a 40 square mile estate."),
    # multipliers
    ("multipliers", "2.5x faster", "2.5 times faster"),
    ("multipliers", "a 10x return", "a 10 times return"),
    # fractions and vulgar fractions
    ("fractions", "1/3 of voters", "one third of voters"),
    ("fractions", "2/3 majority", "two thirds majority"),
    ("fractions", "3/4 of the budget", "three quarters of the budget"),
    ("fractions", "1/2 of them", "one half of them"),
    ("fractions", "2/5 of the land", "two fifths of the land"),
    ("fractions", "½ of the town", "one half of the town"),
    ("fractions", "2½ hours", "2 and a half hours"),
    ("fractions", "¾ of Americans", "three quarters of Americans"),
    # clock times
    ("clock", "at 5:30 p.m.", "at 5:30 PM."),
    ("clock", "Talks — finally — began at 5:30 p.m. Officials left.", "Talks, finally, began at 5:30 PM. Officials left."),
    ("clock", "at 8pm tonight", "at 8 PM tonight"),
    ("clock", "at 8 PM", "at 8 PM"),
    ("clock", "from 10am to 4pm", "from 10 AM to 4 PM"),
    ("clock", "at 10:15am", "at 10:15 AM"),
    ("clock", "by 9 a.m. Monday", "by 9 AM Monday"),
    ("clock", "at 12:00 p.m.", "at 12 PM."),
    # dates
    ("dates", "Talks on Jan. 13", "Talks on January 13th"),
    ("dates", "on Sept. 1", "on September 1st"),
    ("dates", "Mar. to Dec. figures", "March to December figures"),
    ("dates", "Tue., Wed. and Sat. shifts", "Tuesday, Wednesday and Saturday shifts"),
    ("dates", "on March 3", "on March 3rd"),
    # hashtags and mentions
    ("social", "#ClimateWeek starts", "Climate Week starts"),
    ("social", "said @UN", "said UN"),
    ("social", "via @NYTimes", "via NYTimes"),
    ("social", "#breaking news", "breaking news"),
    # ampersands
    ("ampersand", "AT&T and Johnson & Johnson", "A T and T and Johnson and Johnson"),
    ("ampersand", "the S&P 500", "the S and P 500"),
    ("ampersand", "Q&A session", "Q and A session"),
    ("ampersand", "research & development", "research and development"),
    # plus and minus
    ("signs", "+/- 3 points", "plus or minus 3 points"),
    ("signs", "±2%", "plus or minus 2 percent"),
    ("signs", "a +5 swing", "a plus 5 swing"),
    ("signs", "at −3", "at minus 3"),
    ("signs", "margin of -4", "margin of minus 4"),
    # quarters and halves
    ("quarters", "Q3 results", "third quarter results"),
    ("quarters", "in Q4", "in the fourth quarter"),
    ("quarters", "during H1", "during the first half"),
    ("quarters", "for Q1 2024", "for the first quarter twenty twenty-four"),
    # ordinals
    ("ordinals", "The 3rd round and the 21st century", "The 3rd round and the 21st century"),
    ("ordinals", "her 2nd term", "her 2nd term"),
    # sentence-final abbreviations
    ("final", "troops left the U.S.", "troops left the US."),
    ("final", "It grew in Jan.", "It grew in January."),
    ("final", "on Mon. Then Tue.", "on Monday. Then Tuesday."),
    ("final", "the U.S. Army", "the US Army"),
    # acronyms said as words, initialisms spelled
    ("acronyms", "The US, UN, EU, PRC and KMT; ECOWAS, NATO and the FED", "The US, UN, EU, PRC and KMT; Ecowas, Nato and the Fed"),
    ("acronyms", "COVID-19 cases", "Covid nineteen cases"),
    ("acronyms", "G7 leaders at the G20", "G seven leaders at the G twenty"),
    # summaries cut with "..."
    ("ellipsis", "on the Harbor Bridge...", "on the Harbor Bridge..."),
    ("ellipsis", "and then… nothing", "and then... nothing"),
    # quotes, dashes, links, emoji, mojibake
    ("clean", "Kim said: 'we will always stand with Russia.'", "Kim said: we will always stand with Russia."),
    ("clean", "Read more at https://example.com/story?id=1 now", "Read more at now"),
    ("clean", "**Bold** claim 🚀 here", "Bold claim here"),
    ("clean", "It wonâ€™t stop", "It won't stop"),
    ("clean", "Díaz, Patiño and the Gardaí agreed.", "Díaz, Patiño and the Gardaí agreed."),
    ("clean", "A repost ???????? with lost emoji", "A repost with lost emoji"),
]

#: What we leave as digits or letters, and the words espeak-ng must hear in them (same phonemes).
HEARD: list[tuple[str, str]] = [
    ("350,000 drivers", "three hundred fifty thousand drivers"),
    ("31.5 percent", "thirty-one point five percent"),
    ("May 31st", "May thirty-first"),
    ("the 21st century", "the twenty-first century"),
    ("at 5:30 PM", "at five thirty P M"),
    ("at 8 PM", "at eight P M"),
    ("3.5 km", "three point five km"),
    ("2 to 3 million dollars", "two to three million dollars"),
    ("the US, UN, EU and PRC", "the U S, U N, E U and P R C"),
    ("A T and T", "A T and T"),
    ("number 10", "number ten"),
    ("2 dollar toll", "two dollar toll"),
]

#: Phonemes of a symbol read out loud: none may remain in what we produce.
READ_OUT_SYMBOLS = {"sl'aS": "slash", "d'aS": "dash", "p3s'Ent s'aIn": "percent sign", "@mp@s,and": "ampersand",
                    "h'aS": "hash", "dI#gr'i:z 'Ef": "degrees F"}


@pytest.mark.parametrize(("kind", "written", "spoken"), CASES, ids=[f"{k}: {w}" for k, w, _ in CASES])
def test_newsreader_table(kind: str, written: str, spoken: str) -> None:
    assert speakable(written) == spoken


def test_the_table_covers_every_kind_with_150_cases() -> None:
    kinds = {kind for kind, _, _ in CASES}
    assert len(CASES) >= 150
    assert {"money", "thousands", "decimals", "percent", "ranges", "decades", "slashes", "scores", "titles", "places",
            "number", "latin", "temperature", "units", "multipliers", "fractions", "clock", "years", "social",
            "ampersand", "signs", "quarters", "ordinals", "final", "ellipsis"} <= kinds


@functools.cache
def _phonemes(text: str) -> str:
    run = subprocess.run(["espeak-ng", "-q", "-x", "-v", "en-us", "--", text], capture_output=True, text=True, check=True)
    return run.stdout


def _sounds(text: str) -> str:
    """The phonemes without stress marks, word breaks and pauses: what is said, not how it is stressed."""
    return re.sub(r"_:|[',;#_!\s2]", "", _phonemes(text))


@needs_espeak
@pytest.mark.parametrize(("left", "words"), HEARD)
def test_what_stays_digits_is_heard_as_the_words(left: str, words: str) -> None:
    assert _sounds(left) == _sounds(words)


@needs_espeak
def test_no_symbol_is_read_out_loud() -> None:
    read_out = []
    for _, written, _spoken in CASES:
        phonemes = _phonemes(speakable(written))
        read_out += [f"{written!r}: {name}" for mark, name in READ_OUT_SYMBOLS.items() if mark in phonemes]
    assert read_out == []
    # the check can fail: the written forms themselves are read out
    assert "sl'aS" in _phonemes("9/11") and "d'aS" in _phonemes("a 3-1 win")


# --- Spanish: the same engine, another table -----------------------------------------------------------

SPANISH: list[tuple[str, str]] = [
    ("El Sr. Pérez pagó $35,5 millones en EE. UU.", "El señor Pérez pagó 35,5 millones de dólares en Estados Unidos."),
    ("Costó 50 € y $20.", "Costó 50 euros y 20 dólares."),
    ("Pagó $2.000 millones.", "Pagó 2.000 millones de dólares."),
    ("La Dra. Ruiz ganó 3-1", "La doctora Ruiz ganó 3 a 1"),
    ("a -5 °C y 80 km/h", "a menos 5 grados centígrados y 80 kilómetros por hora"),
    ("La OTAN, la ONU, etc.", "La Otan, la Onu, etcétera."),
    ("subió un 3 % en 1994", "subió un 3 % en 1994"),  # espeak-ng reads these right in Spanish
]


@pytest.mark.parametrize(("written", "spoken"), SPANISH)
def test_spanish_table(written: str, spoken: str) -> None:
    assert speakable(written, language="es") == spoken
    assert speakable(spoken, language="es") == spoken  # idempotent


def test_a_language_without_a_table_gets_only_the_cleanup_and_regional_codes_use_the_base_table() -> None:
    from audiobrief.normalize import available_languages

    assert {"en", "es"} <= set(available_languages())
    assert speakable("a $2 toll", language="en-us") == "a 2 dollar toll"
    assert speakable("Sr. Gómez", language="es-MX") == "señor Gómez"
    assert speakable("un péage de 2 $ (voir https://x.test)", language="fr") == "un péage de 2 $ (voir)"  # no English rules


@needs_espeak
def test_spanish_digits_left_in_place_are_heard_as_the_words() -> None:
    def sounds(text: str) -> str:
        run = subprocess.run(["espeak-ng", "-q", "-x", "-v", "es", "--", text], capture_output=True, text=True, check=True)
        return re.sub(r"_:|[',;#_!\s2]", "", run.stdout)

    assert sounds("35,5 millones") == sounds("treinta y cinco coma cinco millones")
    assert sounds("el 3 %") == sounds("el tres por ciento")


def test_a_brief_in_spanish_is_normalized_with_the_spanish_table() -> None:
    import datetime as dt

    from audiobrief.brief import brief_from_mapping
    from audiobrief.models import Show
    from audiobrief.script import render_script

    brief = brief_from_mapping({"title": "Presupuesto", "language": "es",
                                "facts": ["El Sr. Pérez anunció $35,5 millones para EE. UU."]}, brief_id="es")
    script = render_script(brief, Show(), published=dt.date(2026, 11, 28))
    assert "El señor Pérez anunció 35,5 millones de dólares para Estados Unidos." in script.text
