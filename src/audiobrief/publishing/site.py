"""The static show page: ``index.html`` with artwork, subscribe links, and per episode an audio player,
chapters that seek the player, show notes (facts, narratives, sources) and the transcript.

Rendered from ``templates/site/index.html.j2`` with autoescaping; it loads nothing from the network.
Its Content-Security-Policy (:data:`~audiobrief.standards.SHOW_PAGE_CSP`) allows scripts only from
the show's own ``player.js``, so even text that slipped through could never run as script.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..languages import Words, site_words
from ..models import Episode, Show, newest_first
from ..sanitize import safe_url
from ..standards import SHOW_PAGE_CSP
from ..timefmt import hms
from .feed import audio_mime
from .notes import strip_unsafe_links

__all__ = ["FULL_EPISODES", "PLAYER_SCRIPT", "player_script", "render_site"]

#: The page's script, published beside it (the page's Content-Security-Policy forbids inline script).
PLAYER_SCRIPT = "player.js"


def player_script() -> bytes:
    """The show page's script (:data:`PLAYER_SCRIPT`)."""
    from importlib import resources

    return resources.files("audiobrief").joinpath("templates", "site", PLAYER_SCRIPT).read_bytes()

#: Episodes shown in full (player, chapters, notes, transcript); older ones are listed as links,
#: so a show with years of episodes still has a page that loads.
FULL_EPISODES = 50


def render_site(show: Show, episodes: Sequence[Episode], folder: Path, *, image_file: str | None,
                words: Words | None = None) -> bytes:
    """Render ``index.html`` for ``episodes`` (newest first); transcripts are read from ``folder``."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("audiobrief", "templates/site"),
                             autoescape=jinja2.select_autoescape(default=True), undefined=jinja2.StrictUndefined)
    env.filters.update(hms=hms, http_url=safe_url, strip_unsafe_links=strip_unsafe_links)
    ordered = newest_first(episodes)
    items = []
    for episode in ordered[:FULL_EPISODES]:
        transcript = ""
        if episode.transcripts and (folder / episode.transcripts.text).exists():
            transcript = (folder / episode.transcripts.text).read_text(encoding="utf-8")
        items.append({"episode": episode, "transcript": transcript, "mime": audio_mime(episode.audio_file)})
    words = words or site_words(show)
    html = env.get_template("index.html.j2").render(show=show, items=items, older=ordered[FULL_EPISODES:],
                                                    image_file=image_file, words=words.site, csp=SHOW_PAGE_CSP,
                                                    disclosure=words.disclosure.line)
    return html.encode("utf-8")
