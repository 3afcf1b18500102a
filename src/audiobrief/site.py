"""The static show page: ``index.html`` with artwork, subscribe links, and per episode an audio player,
chapters that seek the player, show notes (facts, narratives, sources) and the transcript.

Rendered from ``templates/site/index.html.j2``; it loads nothing from the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import TemplateError
from .feed import audio_mime
from .languages import words_for
from .models import Episode, Show, newest_first
from .timefmt import hms

__all__ = ["FULL_EPISODES", "render_site"]

#: Episodes shown in full (player, chapters, notes, transcript); older ones are listed as links,
#: so a show with years of episodes still has a page that loads.
FULL_EPISODES = 50


def render_site(show: Show, episodes: Sequence[Episode], folder: Path, *, image_file: str | None) -> bytes:
    """Render ``index.html`` for ``episodes`` (newest first); transcripts are read from ``folder``."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("audiobrief", "templates/site"),
                             autoescape=jinja2.select_autoescape(default=True), undefined=jinja2.StrictUndefined)
    env.filters["hms"] = hms
    ordered = newest_first(episodes)
    items = []
    for episode in ordered[:FULL_EPISODES]:
        transcript = ""
        if episode.transcripts and (folder / episode.transcripts.text).exists():
            transcript = (folder / episode.transcripts.text).read_text(encoding="utf-8")
        items.append({"episode": episode, "transcript": transcript, "mime": audio_mime(episode.audio_file)})
    try:
        words = words_for(show.language)
    except TemplateError:
        words = words_for("en")  # a show whose own language has no templates yet still gets a page
    html = env.get_template("index.html.j2").render(show=show, items=items, older=ordered[FULL_EPISODES:],
                                                    image_file=image_file, words=words.site)
    return html.encode("utf-8")
