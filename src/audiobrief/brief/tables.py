"""The tables the plain-text parser reads briefs with: a new rendering is usually a new row here."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

log = logging.getLogger("audiobrief.brief")


# --- tables -------------------------------------------------------------------------------------
# A new rendering of a brief is usually a new row here. Headings and chrome are matched against a
# whole line with Markdown marks ("## ", "**") and a trailing colon taken off, case-insensitively.

#: Section headings -> section. "chrome" sections (page widgets) are skipped until the next heading.
SECTION_HEADINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), section)
    for pattern, section in (
        (r"(the )?(key )?facts", "facts"),
        (r"what happened", "facts"),
        (r"(los )?hechos( clave)?|lo que (pas|ocurri)\u00f3", "facts"),  # Spanish renderings
        (r"(the )?narratives", "narratives"),
        (r"(las )?narrativas|(los )?relatos", "narratives"),
        (r"(the )?spin", "narratives"),
        (r"(the )?perspectives", "narratives"),
        (r"metaculus prediction.*", "chrome"),
        (r"(establishment|political|bias) split", "chrome"),
        (r"public figures in this story", "chrome"),
        (r"articles on this story", "chrome"),
        (r"(related|more) (stories|articles|coverage)", "chrome"),
        (r"comments( \(\d+\))?", "chrome"),
        # link-aggregator sidebars (Lemmy and the like): everything after these is the sidebar
        (r"(\d+\s+)?users here now", "chrome"),
        (r"\d[\d,.]*\s*k?\s+(readers|subscribers|members|users|online|lectores|suscriptores|miembros)", "chrome"),
        (r"(community )?rules", "chrome"),
        (r"moderators", "chrome"),
        (r"(about|sidebar|community info(rmation)?)( this community)?", "chrome"),
    )
)

#: A narrative label alone on a line (the story-page rendering), optionally with its outlet.
LABEL_LINE = re.compile(
    r"(?P<label>narrative\s+[A-Z0-9]|(?:[\w'\u2019-]+\s+){0,3}narrative(?:\s+[A-Z0-9])?"
    r"|(?:narrativa|relato)(?:\s+[\w'\u2019-]+){0,3}?"
    r"|left|right|cent(?:er|re)|pro-[\w-]+|anti-[\w-]+|establishment-critical|cynical|democratic|republican"
    r"|conservative|liberal|progressive)"
    r"(?:\s*,?\s*(?:as provided by|seg\u00fan|de acuerdo con)\s+(?P<outlet>[^.:]{1,60}))?\s*:?",
    re.I,
)

#: A label opening a narrative inside running text: "Pro-Trump narrative: ...", "Narrative A: ...".
INLINE_LABEL = re.compile(
    r"(?:^|(?<=[.!?\u2019'\"]\s))(?P<label>(?:[A-Z][\w'\u2019-]*\s+){0,3}narrative(?:\s+[A-Z0-9])?"
    r"|Narrative\s+[A-Z0-9])\s*:\s+"
)

#: The "as provided by Outlet." shape of a narrative item (the lite page scrape).
PROVIDED_BY = re.compile(
    r"^(?P<label>.{1,80}?\bnarrative|(?:narrativa|relato)\b[^,.:]{0,60}?)\s*,?\s*"
    r"(?:as provided by|seg\u00fan|de acuerdo con)\s+(?P<rest>.+)$", re.I | re.S)

#: A rating after an outlet, never spoken: "(LR: 3 CP: 4)", "[LR: 2 | CP: 5]", "(Lean: Center, Factual: High)".
RATING = re.compile(
    r"\s*[(\[]\s*(?:[A-Za-z][\w .-]{0,24}?\s*[:=]\s*[\w./+-]{1,16}\s*[,;|/]?\s*){1,4}[)\]]\s*$")
_OUTLET = (r"(?:al-)?[A-Z][\w&.'\u2019-]*(?:\s+(?:(?:al-)?[A-Z&][\w&.'\u2019-]*|of|the|de|del|la|le|el|and|f\u00fcr)){0,5}")

#: A fact that ends with its outlet, after its last sentence: "... on Saturday. Valley Tribune (LR: 3 CP: 2)",
#: "... on Monday. Deutsche Welle", "... it said. (Reuters)", "... it said. \u2014 AP".
FACT_OUTLET_SUFFIX = re.compile(
    r"(?<=[.!?'\"\u2019\u201d])\s+(?:[-\u2013\u2014]\s*)?"
    rf"(?:\(\s*(?P<paren>{_OUTLET})\s*\)|(?P<outlet>{_OUTLET}))(?P<rating>{RATING.pattern[:-1]})?\s*$"
)

#: Words and phrases that mark a paragraph as someone's case rather than reporting, for briefs with
#: no headings and no labels. Each hit scores one; two or more make a narrative.
OPINION_MARKERS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(rf"\b{pattern}\b", re.I)
    for pattern in (
        "argues?", "argued", "insists?", "claims?", "contends?", "believes?", "calls? (it|the|this)", "says? the",
        "warns? that", "accuses?", "slams?", "praises?", "hails?", "condemns?", "blames?", "denounces?",
        "betrayal", "disgrace(ful)?", "reckless", "shameful", "sensible", "outrage(ous)?", "scandal(ous)?",
        "propaganda", "so-called", "must", "should", "never", "finally", "at last", "common sense",
        "supporters", "critics", "opponents", "proponents", "backers", "defenders", "skeptics",
        "narrative", "in (their|our|his|her) view", "we", "our",
    )
)
#: Who a paragraph speaks for, when it says so in its first words: "Supporters of the closure argue ..."
SIDE_OPENERS = re.compile(r"^(?P<side>supporters|critics|opponents|proponents|backers|defenders|skeptics)\b", re.I)

#: Acronyms kept in capitals when an ALL-CAPS headline is put into title case.
ACRONYMS = frozenset({"US", "UK", "UN", "EU", "NATO", "FBI", "CIA", "GDP", "PRC", "KMT", "ECOWAS", "FED", "AI",
                      "NHS", "WHO", "IMF", "OPEC", "GOP", "BBC", "TASS", "NASA", "USA", "COVID"})
_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "with"})

# A bullet in any of the forms pages use: - * • ● – ◦ ▪ ▫ ‣ ⁃ ∙ · ■ □ ◆ ◇ ○ ► ▸ ➤ → ✓ ✔, "1." "1)" "(1)" "a)".
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u25cf\u2013\u25e6\u25aa\u25ab\u2023\u2043\u2219\u00b7\u25a0\u25a1\u25c6\u25c7\u25cb"
                     r"\u25ba\u25b8\u27a4\u2192\u2713\u2714]|\d+[.)]|\(\d+\)|[a-z]\))\s+")
_SOURCES_LINE = re.compile(r"^\s*(?:sources?|fuentes?)\s*:\s*(?P<rest>.+)$", re.I)
# "1Guardian, 2Associated Press, 3TASS and 4Al Jazeera." -> number + outlet pairs.
_SOURCE_ITEM = re.compile(r"(?P<number>\d{1,3})\s*(?P<outlet>.+?)(?=\s*(?:,|;|\band\b|\by\b|&)\s*\d{1,3}\s*\S|\s*\.?\s*$)")
_OUTLET_END = re.compile(r"(?<!\b[A-Z])\.\s+(?=\S)")
# A citation: 1-3 digits (maybe a comma list) glued after sentence-final punctuation or a quote.
_CITATION = re.compile(r"(?<=[.!?'\"\u2019\u201d)\]])(?P<nums>\d{1,3}(?:\s*,\s*\d{1,3})*)\s*$")
_MID_CITATION = re.compile(r"(?<=[A-Za-z%)\u2019'\"][.!?])\d{1,3}(?:\s*,\s*\d{1,3})*(?=\s+[A-Z\u201c\"])")
_ELLIPSIS_END = re.compile(r"\s*(\.{3,}|\u2026)\s*$")
_SENTENCE_END = re.compile(r"[.!?]['\"\u2019\u201d)]*(?=\s|$)")
_ENDS_SENTENCE = re.compile(r"[.!?]['\"\u2019\u201d)]*$")
