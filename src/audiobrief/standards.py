"""Tables from the podcast standards (../shared/STANDARDS.md): Apple's categories and enumerations."""

from __future__ import annotations

import re

__all__ = ["APPLE_CATEGORIES", "EPISODE_TYPES", "LANGUAGE_CODE", "SHOW_PAGE_CSP", "SHOW_TYPES", "is_apple_category"]

#: The show page's Content-Security-Policy (in its ``<meta http-equiv>`` and in ``serve``'s header): scripts
#: only from the show's own files (never inline, never ``javascript:`` links), nothing from elsewhere.
SHOW_PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; "
                 "media-src 'self'; base-uri 'none'; form-action 'none'")

#: Apple Podcasts categories (2019 list, current): top level -> subcategories.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden",
                "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News",
             "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences",
                "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby",
               "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}
SHOW_TYPES = ("episodic", "serial")
EPISODE_TYPES = ("full", "trailer", "bonus")
#: ISO 639 language code, optionally with a region: en, en-us, pt-BR.
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,8})?$")


def is_apple_category(category: str, subcategory: str | None = None) -> bool:
    """Whether Apple lists ``category`` (and ``subcategory`` under it).

    >>> is_apple_category("News", "Daily News"), is_apple_category("News", "Weather")
    (True, False)
    """
    subs = APPLE_CATEGORIES.get(category)
    return subs is not None and (subcategory is None or subcategory in subs)
