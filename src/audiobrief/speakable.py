"""Make text speakable: what a professional newsreader would say, not what a page shows.

:func:`speakable` is a pure, idempotent function driven by the tables below (abbreviations,
pronunciations, number shapes). Producers extend the pronunciation table from ``audiobrief.toml``
(``[pronunciations]``); nothing here knows about briefs or templates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

__all__ = ["ABBREVIATIONS", "PRONUNCIATIONS", "repair_text", "speakable", "split_sentences", "year_words"]

#: Abbreviation -> spoken form. Matched as whole words, case-sensitive, the dot included.
ABBREVIATIONS: dict[str, str] = {
    "Pres.": "President",
    "Gov.": "Governor",
    "Sen.": "Senator",
    "Rep.": "Representative",
    "Gen.": "General",
    "Lt.": "Lieutenant",
    "Col.": "Colonel",
    "Sgt.": "Sergeant",
    "Dr.": "Doctor",
    "Prof.": "Professor",
    "Mt.": "Mount",
    "Jan.": "January",
    "Feb.": "February",
    "Mar.": "March",
    "Apr.": "April",
    "Aug.": "August",
    "Sept.": "September",
    "Sep.": "September",
    "Oct.": "October",
    "Nov.": "November",
    "Dec.": "December",
    "Mon.": "Monday",
    "Tue.": "Tuesday",
    "Tues.": "Tuesday",
    "Wed.": "Wednesday",
    "Thu.": "Thursday",
    "Thurs.": "Thursday",
    "Fri.": "Friday",
    "Sat.": "Saturday",
    "Sun.": "Sunday",
    "admin.": "administration",
    "approx.": "approximately",
    "vs.": "versus",
    "sq.": "square",
    "yrs": "years",
    "yr": "year",
    "no.": "number",
    "est.": "estimated",
    "U.S.": "US",
    "U.K.": "UK",
    "U.N.": "UN",
    "E.U.": "EU",
}

#: Word -> how to say it (letters are spelled with spaces; words stay words). Extend in config.
PRONUNCIATIONS: dict[str, str] = {
    # espeak-ng (and so Piper) already spells all-caps initialisms (US, PRC, KMT); these are
    # the acronyms said as words, which it would otherwise spell out.
    "NATO": "Nato",
    "ECOWAS": "Ecowas",
    "FED": "Fed",
    "OPEC": "Opec",
    "NASA": "Nasa",
    "UNESCO": "Unesco",
}

_SCALE = {"K": "thousand", "k": "thousand", "M": "million", "m": "million", "B": "billion",
          "bn": "billion", "b": "billion", "T": "trillion", "tn": "trillion", "t": "trillion"}
_CURRENCY = {"$": "dollars", "€": "euros", "£": "pounds", "¥": "yen"}

_URL = re.compile(r"(https?://|www\.)\S+", re.I)
_MARKDOWN = re.compile(r"(\*\*|__|\*|`|#+\s*|\[(?=[^\]]*\]\()|\]\([^)]*\))", re.M)
# Emoji, pictographs, dingbats and the mojibake left where emoji were ("ðŸ‡ºðŸ‡¸", "â€™").
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d\U000e0000-\U000e007f]")
_MOJIBAKE = {"â€™": "'", "â€˜": "'", "â€œ": '"', "â€\x9d": '"', "â€”": "\u2014", "â€“": "\u2013", "â€¦": "..."}
_MOJIBAKE_EMOJI = re.compile(r"ð[\x80-\xbf\u0152-\u2122Ÿ][^\s]{0,6}")


def repair_text(text: str) -> str:
    """Undo mojibake (UTF-8 read as Latin-1) and drop emoji: for text that is shown as well as spoken.

    >>> repair_text("It wonâ€™t stop ðŸš¨ now")
    "It won't stop now"
    """
    for bad, good in _MOJIBAKE.items():
        text = text.replace(bad, good)
    text = re.sub("\u00c2+(?=\\s)", "", text)
    text = _MOJIBAKE_EMOJI.sub("", text)
    text = _EMOJI.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text)


def _money(match: re.Match[str]) -> str:
    currency, amount, scale = match.group("cur"), match.group("amount"), match.group("scale")
    words = [amount.replace(",", "")]
    if scale:
        words.append(_SCALE[scale])
    words.append(_CURRENCY[currency])
    return " ".join(words)


_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_MONTHS = "January February March April May June July August September October November December"
_YEAR_CONTEXT = r"(?:in|since|of|by|until|till|from|to|year|between|and|during|before|after|around|circa|late|early|mid|" + (
    _MONTHS.replace(" ", "|") + r")"
)


def _two_digits(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def year_words(year: int) -> str:
    """A year as a newsreader says it.

    >>> year_words(1994), year_words(2005), year_words(2024), year_words(1900)
    ('nineteen ninety-four', 'two thousand five', 'twenty twenty-four', 'nineteen hundred')
    """
    high, low = divmod(year, 100)
    if 2000 <= year <= 2009:
        return "two thousand" + (f" {_ONES[low]}" if low else "")
    if low == 0:
        return f"{_two_digits(high)} hundred"
    return f"{_two_digits(high)} {'oh-' + _ONES[low] if low < 10 else _two_digits(low)}"


def _ordinal_suffix(day: int) -> str:
    return "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _clock(match: re.Match[str]) -> str:
    hours, minutes, half = match.group(1), match.group(2), match.group(3).upper()
    spoken = f"{hours}{'' if minutes == '00' else ':' + minutes} {half}M"
    rest = match.string[match.end() :]
    # "at 5 p.m." ends the sentence too: keep its full stop when nothing or a new sentence follows.
    if match.group(0).endswith(".") and re.match(r"\s*$|\s+[A-Z]", rest):
        spoken += "."
    return spoken


#: Number shapes, in order: (pattern, replacement). Each leaves text the next will not re-match.
NUMBER_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?P<cur>[$€£¥])(?P<amount>\d[\d,]*(?:\.\d+)?)\s?(?P<scale>bn|tn|[KkMmBbTt])?\b"), _money),
    (re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(K|k|M|B|bn|T)\b"), lambda m: f"{m.group(1)} {_SCALE[m.group(2)]}"),
    (re.compile(r"(\d(?:\.\d+)?)%?\s*(?:[\u2013-]|to)\s*(\d(?:\.\d+)?)\s?%"), r"\1 to \2 percent"),
    (re.compile(r"(\d)\s*\u2013\s*(\d)"), r"\1 to \2"),
    (re.compile(r"(?<![\d])\.(\d+)\s?%"), r"point \1 percent"),
    (re.compile(r"(\d)\s?%"), r"\1 percent"),
    (re.compile(r"(?<![\d.])\.(\d+) percentage point"), r"point \1 percentage point"),
    (re.compile(r"(\d{1,2}):(\d{2})\s?([ap])\.?m\b\.?", re.I), lambda m: _clock(m)),
    (re.compile(r"\b(\d{1,2})-(\d{1,2})\b(?=\s+(?:win|loss|victory|defeat|vote|score|decision|ruling|majority))"),
     r"\1 to \2"),
    (re.compile(r"\b(voted|won|lost|beat|defeated|ruled|passed|scored) (\d{1,3})-(\d{1,3})\b"), r"\1 \2 to \3"),
    # "May 31" -> "May 31st" (engines then say "thirty-first"), not before a clock time or a year-like number
    (re.compile(r"\b(" + _MONTHS.replace(" ", "|") + r") (\d{1,2})\b(?![:\d]|st|nd|rd|th)"),
     lambda m: f"{m.group(1)} {m.group(2)}{_ordinal_suffix(int(m.group(2)))}"),
    (re.compile(r"\b(" + _YEAR_CONTEXT + r") (1[1-9]\d\d|20\d\d)\b(?![\d%.,]\d|\s?%|s\b)", re.I),
     lambda m: f"{m.group(1)} {year_words(int(m.group(2)))}"),
    (re.compile(r"(\d(?:st|nd|rd|th)), (1[1-9]\d\d|20\d\d)\b"), lambda m: f"{m.group(1)}, {year_words(int(m.group(2)))}"),
)

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
# Quotation marks, not apostrophes: a quote not sitting between two letters.
_QUOTE_MARK = re.compile(r"\"|(?<![A-Za-z])'|'(?![A-Za-z])")


# Abbreviations that come before a name or a noun and so never end a sentence.
_NEVER_FINAL = frozenset({"Pres.", "Gov.", "Sen.", "Rep.", "Gen.", "Lt.", "Col.", "Sgt.", "Dr.", "Prof.", "Mt.",
                          "vs.", "no.", "sq.", "approx.", "est."})


def _expand(text: str, table: Mapping[str, str]) -> str:
    if not table:
        return text
    words = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(w) for w in words) + r")(?![\w])")

    def replace(match: re.Match[str]) -> str:
        word = match.group(1)
        spoken = table[word]
        # "on Mon. and Sun." : the abbreviation's dot is also the sentence's full stop.
        if word.endswith(".") and word not in _NEVER_FINAL and re.match(r"\s*$|\s+[A-Z]", text[match.end() :]):
            spoken += "."
        return spoken

    return pattern.sub(replace, text)


def _speakable_once(text: str, table: Mapping[str, str]) -> str:
    text = re.sub(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", "\n", text)  # every line break counts
    text = re.sub(r"[^\S\n]+", " ", text)  # and every other space is a plain space
    for bad, good in _MOJIBAKE.items():
        text = text.replace(bad, good)
    text = re.sub("\u00c2+(?=\\s)", "", text)  # "Â" + space: a UTF-8 no-break space read as Latin-1
    text = _MOJIBAKE_EMOJI.sub("", text)
    text = text.translate(_QUOTES)
    text = _URL.sub("", text)
    text = _MARKDOWN.sub("", text)
    text = _EMOJI.sub("", text)
    text = _expand(text, ABBREVIATIONS)
    for pattern, replacement in NUMBER_RULES:
        text = pattern.sub(replacement, text)
    text = _QUOTE_MARK.sub("", text)
    # Dashes used as parentheses read best as commas.
    text = re.sub(r"\s*[\u2014\u2013]\s*|\s+-{1,2}\s+", ", ", text)
    text = _expand(text, table)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",\s*([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;])(?=\S)", r"\1 ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;:")
    return text


def speakable(text: str, pronunciations: Mapping[str, str] | None = None) -> str:
    """Turn written text into text a TTS engine reads as a newsreader would.

    Idempotent: ``speakable(speakable(t)) == speakable(t)``.

    >>> speakable("Pres. Biden met the U.N. chief — 'at last' — at 5:30 p.m.")
    'President Biden met the UN chief, at last, at 5:30 PM.'
    >>> speakable("Inflation hit 31.5% as $6.9T was spent; see https://x.test/a")
    'Inflation hit 31.5 percent as 6.9 trillion dollars was spent; see'

    :param text: written text (one segment of the script).
    :param pronunciations: extra word -> spoken form entries, overriding :data:`PRONUNCIATIONS`.
    :returns: the speakable text, whitespace folded.
    """
    table = {**PRONUNCIATIONS, **(pronunciations or {})}
    # Each rule is idempotent, but one rule's output can expose another's input (a stripped
    # colon uncovering a heading mark): iterate to the fixed point, which takes 1-2 passes.
    for _ in range(4):
        spoken = _speakable_once(text, table)
        if spoken == text:
            break
        text = spoken
    return text


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> tuple[str, ...]:
    """Split speakable text into sentences (for sentence-level timing and cues).

    Initialisms such as ``U.S.`` do not end a sentence unless a capitalised word follows.

    >>> split_sentences("Kim met Putin. They toured the site! Then what?")
    ('Kim met Putin.', 'They toured the site!', 'Then what?')
    """
    parts: list[str] = []
    for piece in _SENTENCE_SPLIT.split(text.strip()):
        piece = piece.strip()
        if not piece:
            continue
        # "U.S. officials" keeps going: a lone initialism is not a sentence.
        if parts and re.search(r"(?:^|\s)(?:[A-Z]\.){2,}$", parts[-1]) and len(parts[-1].split()) < 3:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return tuple(parts)
