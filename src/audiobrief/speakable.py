"""Make text speakable: what a professional newsreader would say, not what a page shows.

:func:`speakable` is a pure, idempotent function driven by the tables below (abbreviations,
pronunciations, number shapes). Producers extend the pronunciation table from ``audiobrief.toml``
(``[pronunciations]``); nothing here knows about briefs or templates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["has_words", "repair_text", "said_as", "speakable", "split_sentences", "year_words"]

_URL = re.compile(r"(https?://|www\.)[^\s)\]]+", re.I)  # a link in brackets leaves the closing bracket
_MARKDOWN = re.compile(r"(\*\*|__|\*|`|#+\s+|\[(?=[^\]]*\]\()|\]\([^)]*\))", re.M)
# Emoji, pictographs, dingbats, and what a lossy copy leaves where emoji were ("????").
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d\U000e0000-\U000e007f\u2b50\u2b55\u203c\u2049]")
_LOST_EMOJI = re.compile(r"\?{3,}|\ufffd+")
_MOJIBAKE_HINT = re.compile("[\u00c2\u00c3\u00e2\u00f0][\u0080-\u00bf\u0152-\u2122]|\u00c2\u00a0|\u00c2 ")


def repair_text(text: str) -> str:
    """Undo mojibake (UTF-8 read as Latin-1 or Windows-1252, through ftfy) and drop emoji.

    For text that is shown as well as spoken.

    >>> repair_text("It wonâ€™t stop ðŸš¨ now")
    'It won’t stop now'
    """
    if _MOJIBAKE_HINT.search(text):
        import ftfy

        text = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)
        text = text.replace("\u00c2 ", " ")
    text = _LOST_EMOJI.sub("", text)
    text = _EMOJI.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text)


def year_words(year: int, language: str = "en") -> str:
    """A year as a newsreader says it (num2words, with the table's house style).

    >>> year_words(1994), year_words(2005), year_words(2024), year_words(1900)
    ('nineteen ninety-four', 'two thousand five', 'twenty twenty-four', 'nineteen hundred')
    """
    from .normalize import normalizer_for

    normalizer = normalizer_for(language)
    if normalizer is None:
        from num2words import num2words

        from .languages import primary

        try:
            return str(num2words(year, lang=primary(language), to="year"))
        except NotImplementedError:
            return str(year)
    return normalizer.year(str(year))


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ",
                         "\u202f": " ", "\u2009": " "})
# Quotation marks, not apostrophes: a quote not sitting between two letters.
_QUOTE_MARK = re.compile(r"\"|(?<![A-Za-z])'|'(?![A-Za-z])")


def _drop_quote_marks(text: str) -> str:
    """Quotation marks go; apostrophes stay, a plural possessive too ("three days' notice"),
    unless a quotation opened with a single mark is still open ("the 'bus' lane")."""
    out: list[str] = []
    open_quote = False
    last = 0
    for match in _QUOTE_MARK.finditer(text):
        mark = match.group(0)
        start = match.start()
        possessive = (mark == "'" and start > 0 and text[start - 1] == "s"
                      and re.match(r"\s[a-z]", text[start + 1:start + 3]) is not None)
        if possessive and not open_quote:
            continue
        if mark == "'":
            opening = start == 0 or not text[start - 1].isalpha()
            open_quote = opening
        out.append(text[last:start])
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def _speakable_once(text: str, table: Mapping[str, str], language: str) -> str:
    from .normalize import normalizer_for

    normalizer = normalizer_for(language)  # None: only the cleanup every language needs
    text = re.sub(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", "\n", text)  # every line break counts
    text = re.sub(r"[^\S\n]+", " ", text)  # and every other space is a plain space
    text = repair_text(text)
    text = text.translate(_QUOTES)
    text = _MARKDOWN.sub("", text)  # a Markdown link keeps its words, not its address
    # Addresses are said ("example dot org") by a language's table; with no table, they go.
    text = normalizer.addresses(text) if normalizer is not None else _URL.sub("", text)
    text = re.sub(r"\.{3,}|\u2026", "...", text)
    if normalizer is not None:
        text = normalizer.abbreviations(text)
        text = normalizer.numbers(text)
    text = _drop_quote_marks(text)
    # Dashes used as parentheses read best as commas.
    text = re.sub(r"\s*[\u2014\u2013]\s*|\s+-{1,2}\s+", ", ", text)
    if normalizer is not None:
        text = normalizer.acronyms_as_words(text, table)
    text = re.sub(r"\s+([,;:!?)\]]|\.(?!\d))", r"\1", text)
    text = re.sub(r",\s*([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;])(?=[^\s\d])", r"\1 ", text)  # "a,b" -> "a, b", but "350,000" stays
    text = re.sub(r"\s+", " ", text).strip(" ,;:")
    return text


def said_as(text: str, language: str = "en") -> str:
    """What the engine reads for the speakable ``text``: names respelled by the language's ``[say_as]``
    table. The transcripts keep ``text``; only the voice gets this.

    >>> said_as("Putin met Kim in Pyongyang.")
    'Pootin met Kim in Pyong-yang.'
    """
    from .normalize import normalizer_for

    normalizer = normalizer_for(language)
    return normalizer.respelled(text) if normalizer is not None else text


def has_words(text: str) -> bool:
    """Whether ``text`` has anything to say aloud: a letter or a digit (not only marks, symbols or space).

    >>> has_words("..."), has_words("— !"), has_words("5"), has_words("Ja.")
    (False, False, True, True)
    """
    return any(c.isalnum() for c in text)


def speakable(text: str, pronunciations: Mapping[str, str] | None = None, language: str = "en") -> str:
    """Turn written text into text a TTS engine reads as a newsreader would.

    Runs the language's table (:mod:`audiobrief.normalize`). Idempotent:
    ``speakable(speakable(t)) == speakable(t)``.

    >>> speakable("Pres. Biden met the U.N. chief — 'at last' — at 5:30 p.m.")
    'President Biden met the UN chief, at last, at 5:30 PM.'
    >>> speakable("Inflation hit 31.5% as $6.9T was spent; see https://www.example.org/budget?page=2")
    'Inflation hit 31.5 percent as 6.9 trillion dollars was spent; see example dot org'

    :param text: written text (one segment of the script).
    :param pronunciations: extra word -> spoken form entries, overriding the table's acronyms.
    :param language: the brief's language (``en``, ``es``, ``en-us``...); with no table for it, only
        the cleanup (links, marks, quotes, dashes) is done.
    :returns: the speakable text, whitespace folded.
    """
    table = dict(pronunciations or {})
    # Each rule is idempotent, but one rule's output can expose another's input (a stripped
    # colon uncovering a heading mark): iterate to the fixed point, which takes 1-2 passes.
    for _ in range(4):
        spoken = _speakable_once(text, table, language)
        if spoken == text:
            break
        text = spoken
    return text


# A sentence ends at . ! ? (and the Spanish, Arabic, Devanagari and CJK marks) before a capital
# of any script, a digit, or a letter of a script without capitals; CJK full stops need no space.
_SENTENCE_SPLIT = re.compile(
    r"(?:(?<=[.!?\u2026\u061f\u0964\u0965])[\"')\]\u00bb\u201d]*\s+"
    r"(?=[\"'(\[\u00ab\u201c\u00bf\u00a1]?(?:[0-9]|[^\W\d_](?<![a-z\u00df-\u00ff\u0100-\u024f\u0430-\u045f\u03ac-\u03ce]))))"
    r"|(?<=[\u3002\uff01\uff1f])")

#: Languages that write ordinals as a number and a full stop ("am 3. Oktober", "den 3. oktober").
ORDINAL_DOT_LANGUAGES = frozenset({"de", "da", "nb", "nn", "no", "fi", "is", "cs", "sk", "sl", "hr", "sr", "bs",
                                   "pl", "hu", "et", "lv", "lt", "tr", "fo"})


def split_sentences(text: str, language: str = "en") -> tuple[str, ...]:
    """Split speakable text into sentences (for sentence-level timing and cues).

    Initialisms such as ``U.S.`` do not end a sentence unless a capitalised word follows; in
    languages that write ordinals with a full stop, ``3.`` before a word does not end one either.

    >>> split_sentences("Kim met Putin. They toured the site! Then what?")
    ('Kim met Putin.', 'They toured the site!', 'Then what?')
    >>> split_sentences("Путин встретился с Ким. Они осмотрели космодром.", "ru")
    ('Путин встретился с Ким.', 'Они осмотрели космодром.')
    >>> split_sentences("Das Treffen war am 3. Oktober in Moskau. Es dauerte lange.", "de")
    ('Das Treffen war am 3. Oktober in Moskau.', 'Es dauerte lange.')
    """
    from .languages import primary

    ordinal_dot = primary(language) in ORDINAL_DOT_LANGUAGES
    parts: list[str] = []
    for piece in _SENTENCE_SPLIT.split(text.strip()):
        piece = piece.strip()
        if not piece:
            continue
        # "U.S. officials" keeps going: a lone initialism is not a sentence.
        initialism = parts and re.search(r"(?:^|\s)(?:[A-Z]\.){2,}$", parts[-1]) and len(parts[-1].split()) < 3
        ordinal = parts and ordinal_dot and re.search(r"(?:^|\s)\d{1,2}\.$", parts[-1])
        if initialism or ordinal:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return tuple(parts)
