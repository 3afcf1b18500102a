"""What each shipped engine's own text front end makes of a text: espeak-ng's phonemes (``-x``, the
front end of Piper and espeak) and hibari's G2P. The newsreader table checks with them that every
form left as digits or letters is heard as the words a newsreader says."""

from __future__ import annotations

import functools
import re
import subprocess
from typing import Any

from num2words import num2words

#: How a number left as digits is said, where it is not its cardinal ("1066": a year).
SAID: dict[str, str] = {
    "1066": "ten sixty-six",
}

#: Capitalised words that are words, not letters to spell (said as written by both engines).
WORDS = frozenset({"I", "MAX", "OK"})

#: Letters by their names, for a reference no front end can take for a Roman number ("Type see").
LETTER_NAMES = {"B": "bee", "C": "see", "D": "dee", "L": "el", "M": "em", "V": "vee", "X": "ex"}


def _number(match: re.Match[str]) -> str:
    text = match.group(0)
    if text in SAID:
        return SAID[text]
    ordinal = re.fullmatch(r"(\d+)(st|nd|rd|th)", text)
    if ordinal:
        return str(num2words(int(ordinal.group(1)), to="ordinal"))
    clock = re.fullmatch(r"(\d{1,2}):(\d\d)", text)
    if clock:
        return f"{num2words(int(clock.group(1)))} {num2words(int(clock.group(2)))}"
    digits = text.replace(",", "")
    if "." in digits:
        whole, decimals = digits.split(".")
        return f"{num2words(int(whole)) if whole else ''} point {' '.join(num2words(int(d)) for d in decimals)}"
    return str(num2words(int(digits))).replace(" and ", " ")


def reference(spoken: str) -> str:
    """``spoken`` with every number in words and every run of capitals spelled letter by letter
    (hyphen-joined: both engines read "A-M" as letters, "A M" as an article and a letter)."""
    text = re.sub(r"\d+(?:st|nd|rd|th)\b|\d{1,2}:\d\d|\d[\d,]*(?:\.\d+)?|\.\d+", _number, spoken)
    text = re.sub(r"(?<![\w-])[BCDLMVX](?![\w'-])", lambda m: LETTER_NAMES[m.group(0)], text)
    text = re.sub(r"(?<=[\w,;:] )A(?=[.,;:!?)]|\s+[a-z0-9]|\s*$)", "A-", text)  # the letter, not the article
    return re.sub(r"\b[A-Z]{2,}\b", lambda m: m.group(0) if m.group(0) in WORDS else "-".join(m.group(0)), text)


def left_as_written(spoken: str) -> list[str]:
    """The forms of ``spoken`` an engine must read itself: numbers and runs of capitals."""
    return [m for m in re.findall(r"\d[\w,.:]*|\b[A-Z]{2,}\b", spoken) if m not in WORDS]


@functools.cache
def espeak_phonemes(text: str) -> str:
    run = subprocess.run(["espeak-ng", "-q", "-x", "-v", "en-us", "--", text], capture_output=True, text=True, check=True)
    return run.stdout


def espeak_sounds(text: str) -> str:
    """espeak-ng's phonemes without stress marks, word breaks and pauses: what is said, not how it is stressed."""
    sounds = re.sub(r"_:|[',;#_!\s2]", "", espeak_phonemes(text))
    return sounds.replace("o@", "O@")  # "forty" said as digits or as a word: one vowel, two spellings


@functools.cache
def _g2p() -> Any:
    from audiobrief.tts.hibari import front_end

    return front_end()  # as the voices use it, with audiobrief's repairs


@functools.cache
def hibari_phonemes(text: str) -> str:
    return str(_g2p()(text))


def hibari_sounds(text: str) -> str:
    """hibari's phonemes without stress marks, spaces and punctuation."""
    return re.sub(r"[ˈˌ\s,.;:!?—–-]", "", hibari_phonemes(text))
