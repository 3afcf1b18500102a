"""Settings from ``audiobrief.toml``: the show's metadata, voices per role, audio targets.

Every key is optional; a missing file means the defaults. Unknown keys are reported, not ignored,
so a typo does not silently change nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .models import Show
from .standards import APPLE_CATEGORIES, LANGUAGE_CODE, is_apple_category

__all__ = ["AudioSettings", "Settings", "load_settings"]


@dataclass(frozen=True, slots=True)
class AudioSettings:
    """How episodes sound: encoding, loudness, pauses (milliseconds), cues and music.

    ``cue`` is played between the facts and the narratives and between narratives: ``"chime"``
    (generated), ``"none"``, or the path of a producer-supplied sound. ``intro_music`` and
    ``outro_music`` open and close the episode; ``music_bed`` plays under the intro, ducked.
    """

    format: str = "mp3"
    bitrate_kbps: int = 96
    sample_rate_hz: int = 44_100
    target_lufs: float = -16.0
    true_peak_dbtp: float = -2.0
    segment_level_dbfs: float = -20.0
    sentence_pause_ms: int = 300
    segment_pause_ms: int = 650
    section_pause_ms: int = 1200
    cue: str = "chime"
    intro_music: str | None = None
    outro_music: str | None = None
    music_bed: str | None = None
    music_bed_gain_db: float = -22.0

    def __post_init__(self) -> None:
        if self.format not in ("mp3", "m4a"):
            raise ConfigError(f"[audio] format = {self.format!r}: use \"mp3\" or \"m4a\"")
        if not 32 <= self.bitrate_kbps <= 320:
            raise ConfigError(f"[audio] bitrate_kbps = {self.bitrate_kbps}: use 32 to 320 (96 is typical for speech)")
        if self.true_peak_dbtp > 0 or not -40 <= self.target_lufs <= -5:
            raise ConfigError("[audio] target_lufs must be -40..-5 and true_peak_dbtp at most 0")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a build needs besides the briefs themselves."""

    show: Show = field(default_factory=Show)
    audio: AudioSettings = field(default_factory=AudioSettings)
    engine: str = "piper"
    #: role -> voice name for the engine (``host`` reads intro, facts, outro; ``narrative`` the narratives).
    voices: tuple[tuple[str, str], ...] = ()
    pronunciations: tuple[tuple[str, str], ...] = ()
    base_url: str = "http://127.0.0.1:8000/"
    #: The segment cache's folder (``[cache] dir``); None: the user's cache folder.
    cache_dir: Path | None = None

    def voice_for(self, role: str) -> str | None:
        """The configured voice for ``role`` (falling back to the host's), or None for the engine default."""
        table = dict(self.voices)
        return table.get(role) or table.get("host")


_SECTIONS = {"show": Show, "audio": AudioSettings}


_TOML_TYPES = {bool: "true or false", int: "a whole number", float: "a number", str: "a quoted string"}


def _check_type(value: Any, default: Any, where: str) -> None:
    """Reject a value whose TOML type differs from the setting's (``explicit = "no"`` is not false)."""
    expected = str if default is None or isinstance(default, Path) else type(default)
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        raise ConfigError(f"{where} = {value!r}: expected {_TOML_TYPES.get(expected, expected.__name__)}")


def _build(kind: type, table: dict[str, Any], path: Path, section: str) -> Any:
    known = {f.name for f in fields(kind)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) in [{section}]: {', '.join(unknown)}; known keys: {', '.join(sorted(known))}"
        )
    defaults = {f.name: f.default for f in fields(kind)}
    for key, value in table.items():
        _check_type(value, defaults[key], f"{path}: [{section}] {key}")
    values = dict(table)
    # File settings are relative to the configuration file.
    for key in ("image", "intro_music", "outro_music", "music_bed", "cue"):
        value = values.get(key)
        if not value or (key == "cue" and value in ("chime", "none")):
            continue
        resolved = Path(value) if Path(value).is_absolute() else path.parent / value
        if not resolved.is_file():
            raise ConfigError(f"{path}: [{section}] {key} = {value!r}: no such file ({resolved})")
        values[key] = resolved if key == "image" else str(resolved)
    try:
        return kind(**values)
    except TypeError as exc:
        raise ConfigError(f"{path}: [{section}]: {exc}") from exc


def load_settings(path: str | Path | None = None) -> Settings:
    """Read ``audiobrief.toml`` (``path``, or ``./audiobrief.toml`` when it exists) into :class:`Settings`.

    :raises ConfigError: the file is not valid TOML or has unknown keys or wrong types.
    """
    if path is None:
        default = Path("audiobrief.toml")
        if not default.exists():
            return Settings()
        path = default
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}: no such configuration file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
    settings = Settings()
    unknown = sorted(set(data) - {"show", "audio", "engine", "voices", "pronunciations", "base_url", "cache"})
    if unknown:
        raise ConfigError(f"{p}: unknown section(s): {', '.join(unknown)}")
    show = _build(Show, data.get("show", {}), p, "show")
    if not is_apple_category(show.category, show.subcategory):
        raise ConfigError(
            f"{p}: [show] category = {show.category!r}, subcategory = {show.subcategory!r} is not an Apple "
            f"Podcasts category; top-level categories: {', '.join(APPLE_CATEGORIES)}"
        )
    if not LANGUAGE_CODE.match(show.language):
        raise ConfigError(f"{p}: [show] language = {show.language!r}: use an ISO 639 code such as \"en\" or \"en-us\"")
    audio = _build(AudioSettings, data.get("audio", {}), p, "audio")
    engine = data.get("engine", {})
    voices = data.get("voices", {})
    pronunciations = data.get("pronunciations", {})
    for name, table in (("engine", engine), ("voices", voices), ("pronunciations", pronunciations)):
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise ConfigError(f"{p}: [{name}] must be a table of strings")
    base_url = data.get("base_url", settings.base_url)
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{p}: base_url = {base_url!r}: expected a quoted http:// or https:// URL")
    cache = data.get("cache", {})
    if not isinstance(cache, dict) or set(cache) - {"dir"}:
        raise ConfigError(f"{p}: [cache] takes one key, dir (the segment cache's folder)")
    cache_dir = cache.get("dir")
    if cache_dir is not None and not isinstance(cache_dir, str):
        raise ConfigError(f"{p}: [cache] dir = {cache_dir!r}: expected a quoted string")
    return replace(
        settings,
        cache_dir=(p.parent / Path(cache_dir).expanduser()) if cache_dir else None,
        show=show,
        audio=audio,
        engine=engine.get("name", settings.engine),
        voices=tuple(sorted(voices.items())),
        pronunciations=tuple(sorted(pronunciations.items())),
        base_url=base_url,
    )
