"""Tags and chapters inside the episode file: ID3v2.3 with CHAP/CTOC for MP3, MP4 atoms for M4A."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import Chapter
from .loudness import Loudness

__all__ = ["EpisodeTags", "ffmetadata", "tag_m4a", "tag_mp3"]


@dataclass(frozen=True, slots=True)
class EpisodeTags:
    """What goes into the file's tags besides the chapters."""

    title: str
    show: str
    author: str
    date: str  # ISO date, YYYY-MM-DD
    description: str
    language: str = "eng"
    artwork: bytes | None = None
    artwork_mime: str = "image/png"


def tag_mp3(path: Path, tags: EpisodeTags, chapters: tuple[Chapter, ...], duration_ms: int,
            loudness: Loudness) -> None:
    """Write the ID3v2.3 tag: metadata, measured loudness, cover art, and CHAP/CTOC chapters in time order."""
    from mutagen.id3 import (
        APIC,
        CHAP,
        COMM,
        CTOC,
        TALB,
        TCON,
        TDRC,
        TIT2,
        TLAN,
        TLEN,
        TPE1,
        TXXX,
        WXXX,
        CTOCFlags,
    )

    id3 = _ordered_id3()()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TALB(encoding=3, text=tags.show))
    id3.add(TPE1(encoding=3, text=tags.author))
    id3.add(TDRC(encoding=3, text=tags.date))
    id3.add(TCON(encoding=3, text="Podcast"))
    id3.add(TLAN(encoding=3, text=tags.language))
    id3.add(TLEN(encoding=3, text=str(duration_ms)))
    id3.add(COMM(encoding=3, lang=tags.language, desc="", text=tags.description))
    id3.add(TXXX(encoding=3, desc="integrated_lufs", text=f"{loudness.integrated_lufs:.1f}"))
    id3.add(TXXX(encoding=3, desc="true_peak_dbtp", text=f"{loudness.true_peak_dbtp:.1f}"))
    if tags.artwork:
        id3.add(APIC(encoding=3, mime=tags.artwork_mime, type=3, desc="Cover", data=tags.artwork))
    ids = [f"chp{i}" for i in range(len(chapters))]
    id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                 sub_frames=[TIT2(encoding=3, text="Chapters")]))
    for element_id, chapter in zip(ids, chapters, strict=True):
        sub_frames: list[Any] = [TIT2(encoding=3, text=chapter.title)]
        if chapter.url:
            sub_frames.append(WXXX(encoding=3, desc="chapter url", url=chapter.url))
        id3.add(CHAP(element_id=element_id, start_time=chapter.start_ms, end_time=chapter.end_ms,
                     start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF, sub_frames=sub_frames))
    # ID3v2.3 is what the widest range of players (and Apple) read chapters from.
    id3.save(str(path), v2_version=3)


def _ordered_id3() -> type:
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame

    class OrderedChaptersID3(ID3):
        """ID3 that writes CHAP frames last and in time order.

        mutagen sorts frames by size, and some readers (ffmpeg 5) list chapters in file order.
        """

        def _write(self, config: object) -> bytes:
            chapters = sorted(self.getall("CHAP"), key=lambda frame: frame.start_time)
            self.delall("CHAP")
            try:
                data = super()._write(config)
            finally:
                for frame in chapters:
                    self.add(frame)
            return bytes(data) + b"".join(save_frame(frame, config=config) for frame in chapters)

    return OrderedChaptersID3


def ffmetadata(tags: EpisodeTags, chapters: tuple[Chapter, ...]) -> str:
    """ffmpeg's FFMETADATA1 text for ``tags`` and ``chapters`` (the M4A chapter track comes from it)."""
    def esc(text: str) -> str:
        for ch in "\\=;#\n":
            text = text.replace(ch, "\\" + ch)
        return text

    lines = [";FFMETADATA1", f"title={esc(tags.title)}", f"album={esc(tags.show)}", f"artist={esc(tags.author)}",
             f"date={tags.date}", f"comment={esc(tags.description)}", "genre=Podcast"]
    for chapter in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={chapter.start_ms}", f"END={chapter.end_ms}",
                  f"title={esc(chapter.title)}"]
    return "\n".join(lines) + "\n"


def tag_m4a(path: Path, tags: EpisodeTags, loudness: Loudness) -> None:
    """Write the MP4 metadata atoms (chapters are already in the file, from :func:`ffmetadata`)."""
    from mutagen.mp4 import MP4, MP4Cover

    mp4 = MP4(str(path))
    mp4["\xa9nam"] = tags.title
    mp4["\xa9alb"] = tags.show
    mp4["\xa9ART"] = tags.author
    mp4["\xa9day"] = tags.date
    mp4["\xa9gen"] = "Podcast"
    mp4["desc"] = tags.description
    mp4["----:com.apple.iTunes:integrated_lufs"] = f"{loudness.integrated_lufs:.1f}".encode()
    if tags.artwork:
        kind = MP4Cover.FORMAT_PNG if tags.artwork_mime == "image/png" else MP4Cover.FORMAT_JPEG
        mp4["covr"] = [MP4Cover(tags.artwork, imageformat=kind)]
    mp4.save()


