"""What comes from outside, made safe at the door: text fields and links.

Briefs come from scrapers, newsletters and other desks. When a brief is loaded, every text field
loses what no file, feed or terminal can carry (lone surrogates, NUL and the other control
characters), with a warning naming the field; and every link must be an ``http`` or ``https`` URL
with a host, without credentials, whitespace or control characters, and of a sane length. Any
other link (``javascript:``, ``data:``, ``file:``, ...) is dropped with a warning naming the field,
so it never becomes a link in the feed, the chapters or the show page. The writers check links
again (:func:`safe_url`), so a show built by an older version cannot publish one either.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

__all__ = ["MAX_URL_CHARS", "clean_text", "safe_url", "unsafe_characters", "url_problem"]

#: Longer links are refused (browsers and feed readers cope with ~2,000 characters).
MAX_URL_CHARS = 2000

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls; lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def unsafe_characters(text: str) -> int:
    """How many characters of ``text`` :func:`clean_text` would remove."""
    return len(_UNSAFE.findall(text))


def clean_text(text: str) -> str:
    """``text`` without lone surrogates, NUL and control characters (tabs and line breaks stay).

    >>> clean_text("Harbor\\x00 bridge\\ud800 toll\\x1b")
    'Harbor bridge toll'
    """
    return _UNSAFE.sub("", text)


def url_problem(url: object) -> str | None:
    """Why ``url`` may not be published as a link, or None when it may.

    >>> url_problem("https://example.org/a?b=c") is None
    True
    >>> url_problem("javascript:alert(1)")
    "is a 'javascript:' link; only http and https links are published"
    >>> url_problem("https://user:secret@example.org/")
    'carries credentials (user:password@)'
    """
    if not isinstance(url, str):
        return "is not text"
    if not url:
        return "is empty"
    if len(url) > MAX_URL_CHARS:
        return f"is {len(url)} characters long (at most {MAX_URL_CHARS})"
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in url):
        return "contains whitespace or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return "is not a well-formed URL"
    scheme = parts.scheme.lower()
    if not scheme:
        return "is not an absolute http or https URL"
    if scheme not in ("http", "https"):
        return f"is a '{scheme}:' link; only http and https links are published"
    if not parts.hostname:
        return "has no host"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "carries credentials (user:password@)"
    del port
    return None


def safe_url(url: str | None) -> str | None:
    """``url`` when it may be published as a link (see :func:`url_problem`), else None.

    >>> safe_url("https://example.org/"), safe_url("data:text/html,<script>")
    ('https://example.org/', None)
    """
    return url if url is not None and url_problem(url) is None else None
