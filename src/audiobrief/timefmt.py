"""Time formats the published artefacts need, all from integer milliseconds."""

from __future__ import annotations

__all__ = ["hms", "npt", "srt_timestamp", "vtt_timestamp"]


def _split(ms: float) -> tuple[int, int, int, int]:
    ms = max(0, round(ms))
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return hours, minutes, seconds, millis


def vtt_timestamp(ms: int) -> str:
    """WebVTT cue time.

    >>> vtt_timestamp(3_723_045)
    '01:02:03.045'
    """
    h, m, s, f = _split(ms)
    return f"{h:02d}:{m:02d}:{s:02d}.{f:03d}"


def srt_timestamp(ms: int) -> str:
    """SubRip cue time (comma before the milliseconds).

    >>> srt_timestamp(61_500)
    '00:01:01,500'
    """
    return vtt_timestamp(ms).replace(".", ",")


def npt(ms: int) -> str:
    """Normal Play Time for Podlove Simple Chapters (``HH:MM:SS.mmm``).

    >>> npt(75_250)
    '00:01:15.250'
    """
    return vtt_timestamp(ms)


def hms(ms: int) -> str:
    """A short clock for show notes: ``M:SS``, or ``H:MM:SS`` past an hour.

    >>> hms(75_250), hms(3_725_000)
    ('1:15', '1:02:05')
    """
    h, m, s, _ = _split(ms)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
