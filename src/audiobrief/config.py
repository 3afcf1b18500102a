"""Settings from ``audiobrief.toml``: one typed schema for the show, audio, engines, voices, limits.

Every key is optional; a missing file means the defaults. The frozen dataclasses below are the
single definition of the file: :func:`load_settings` derives strict msgspec types from them, so an
unknown key, a wrong type (``explicit = "no"``) or an out-of-range value is an error naming the
file, the table and the key; nothing is silently ignored.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .models import Show
from .standards import APPLE_CATEGORIES, LANGUAGE_CODE, is_apple_category

__all__ = [
    "DEFAULT_BASE_URL",
    "ROLES",
    "AudioSettings",
    "EngineSettings",
    "EspeakOptions",
    "FeedSettings",
    "GttsOptions",
    "HibariOptions",
    "LanguageVoices",
    "Limits",
    "PiperOptions",
    "Settings",
    "VoiceChoice",
    "VoiceTable",
    "Voices",
    "load_settings",
    "split_voice",
]

#: Where a show is served when nothing says otherwise (``audiobrief serve``'s default address).
DEFAULT_BASE_URL = "http://127.0.0.1:8000/"
#: Who speaks: ``host`` reads intro, facts and outro; ``narrative`` the narratives.
ROLES = ("host", "narrative")


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
    alternates: tuple[str, ...] = ("opus",)
    """Other encodings published beside the main file (``podcast:alternateEnclosure``): ``"opus"``, or none."""
    opus_bitrate_kbps: int = 32

    def __post_init__(self) -> None:
        if self.format not in ("mp3", "m4a"):
            raise ConfigError(f"[audio] format = {self.format!r}: use \"mp3\" or \"m4a\"")
        if not 32 <= self.bitrate_kbps <= 320:
            raise ConfigError(f"[audio] bitrate_kbps = {self.bitrate_kbps}: use 32 to 320 (96 is typical for speech)")
        if self.true_peak_dbtp > 0 or not -40 <= self.target_lufs <= -5:
            raise ConfigError("[audio] target_lufs must be -40..-5 and true_peak_dbtp at most 0")
        for name in ("sentence_pause_ms", "segment_pause_ms", "section_pause_ms"):
            if not 0 <= getattr(self, name) <= 10_000:
                raise ConfigError(f"[audio] {name} = {getattr(self, name)}: use 0 to 10000 (milliseconds)")
        unknown = [a for a in self.alternates if a != "opus"]
        if unknown:
            raise ConfigError(f"[audio] alternates = {list(self.alternates)!r}: {unknown[0]!r} is not an encoding "
                              "audiobrief makes; use [\"opus\"] or []")
        if not 6 <= self.opus_bitrate_kbps <= 256:
            raise ConfigError(f"[audio] opus_bitrate_kbps = {self.opus_bitrate_kbps}: use 6 to 256 (24-32 is typical for speech)")


def split_voice(spec: str | None) -> tuple[str | None, str | None]:
    """``"hibari:heart"`` -> ``("hibari", "heart")``; ``"joe"`` -> ``(None, "joe")`` (paths stay whole).

    >>> split_voice("piper:joe"), split_voice("joe"), split_voice("/models/x.onnx")
    (('piper', 'joe'), (None, 'joe'), (None, '/models/x.onnx'))
    """
    if spec and ":" in spec and not spec.startswith(("/", ".", "~")):
        engine, _, voice = spec.partition(":")
        return engine, voice or None
    return None, spec


def _in_range(table: str, name: str, value: float | None, low: float, high: float, hint: str = "") -> None:
    if value is not None and not low <= value <= high:
        raise ConfigError(f"[{table}] {name} = {value}: use {low:g} to {high:g}{hint}")


@dataclass(frozen=True, slots=True)
class PiperOptions:
    """``[engine.piper]``: Piper's delivery. None keeps the voice model's own value."""

    length_scale: float | None = None
    """Above 1 speaks slower, below 1 faster."""
    noise_scale: float | None = None
    """Variation in the voice (0.667 is typical)."""
    noise_w_scale: float | None = None
    """Variation in phoneme lengths (0.8 is typical)."""
    sentence_silence_s: float = 0.0
    """Silence Piper adds after each sentence it finds, on top of ``[audio] sentence_pause_ms``."""

    def __post_init__(self) -> None:
        _in_range("engine.piper", "length_scale", self.length_scale, 0.25, 4.0, " (1.0 is the voice's pace)")
        _in_range("engine.piper", "noise_scale", self.noise_scale, 0.0, 2.0)
        _in_range("engine.piper", "noise_w_scale", self.noise_w_scale, 0.0, 2.0)
        _in_range("engine.piper", "sentence_silence_s", self.sentence_silence_s, 0.0, 5.0, " seconds")


@dataclass(frozen=True, slots=True)
class EspeakOptions:
    """``[engine.espeak]``: the espeak-ng voice (when ``[voices]`` names none) and its speed."""

    voice: str = "en-us"
    rate_wpm: int = 165

    def __post_init__(self) -> None:
        _in_range("engine.espeak", "rate_wpm", self.rate_wpm, 80, 450, " words a minute")


@dataclass(frozen=True, slots=True)
class GttsOptions:
    """``[engine.gtts]``: Google's accent (``tld``), slow reading, and how hard to try when it fails."""

    tld: str = "com"
    slow: bool = False
    timeout_s: float = 10.0
    """Per request."""
    attempts: int = 4
    """Tries per segment, with exponential backoff and jitter between them."""
    max_total_s: float = 60.0
    """Upper bound on the time one segment may spend on retries."""
    endpoint: str | None = None
    """Replaces ``https://translate.google.<tld>`` (a proxy)."""

    def __post_init__(self) -> None:
        _in_range("engine.gtts", "timeout_s", self.timeout_s, 0.1, 120.0, " seconds")
        _in_range("engine.gtts", "attempts", self.attempts, 1, 20)
        _in_range("engine.gtts", "max_total_s", self.max_total_s, 0.1, 3600.0, " seconds")
        if self.endpoint is not None and not self.endpoint.startswith(("http://", "https://")):
            raise ConfigError(f"[engine.gtts] endpoint = {self.endpoint!r}: expected an http:// or https:// URL")


@dataclass(frozen=True, slots=True)
class HibariOptions:
    """``[engine.hibari]``: the pace (1.0 is the voice's own), and per-voice paces that override it."""

    speed: float = 1.0
    speeds: dict[str, float] = field(default_factory=dict)
    """Voice name -> pace, e.g. ``{ heart = 1.05 }``."""

    def __post_init__(self) -> None:
        for name, value in {"speed": self.speed, **{f"speeds.{k}": v for k, v in self.speeds.items()}}.items():
            _in_range("engine.hibari", name, value, 0.5, 2.0, " (1.0 is the voice's pace)")

    def __hash__(self) -> int:
        return hash((self.speed, tuple(sorted(self.speeds.items()))))


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """``[engine]``: which engine speaks, which one takes over when it cannot, and each one's options."""

    name: str = "hibari"
    """The default: hibari's heart, heard best by measurement (``scripts/compare_voices.py``; README)."""
    fallback: str = "piper"
    """Engine used, with a warning, when the engine cannot run (not installed, a voice not
    downloaded) or its service stays unreachable; ``"none"`` makes that an error instead."""
    piper: PiperOptions = field(default_factory=PiperOptions)
    espeak: EspeakOptions = field(default_factory=EspeakOptions)
    gtts: GttsOptions = field(default_factory=GttsOptions)
    hibari: HibariOptions = field(default_factory=HibariOptions)

    def __post_init__(self) -> None:
        from .tts import ENGINES

        if self.name not in ENGINES:
            raise ConfigError(f"[engine] name = {self.name!r}: choose one of {', '.join(sorted(ENGINES))}")
        if self.fallback != "none" and self.fallback not in ENGINES:
            raise ConfigError(f"[engine] fallback = {self.fallback!r}: choose one of {', '.join(sorted(ENGINES))}, "
                              "or \"none\"")

    def options(self, name: str, voice: str | None = None) -> dict[str, Any]:
        """Constructor options for engine ``name`` (speaking ``voice``) from its table."""
        if name == "hibari":
            return {"speed": self.hibari.speeds.get(voice or "heart", self.hibari.speed)}
        if name == "piper":
            return dataclasses.asdict(self.piper)
        if name == "espeak":
            return {"rate_wpm": self.espeak.rate_wpm}
        if name == "gtts":
            return dataclasses.asdict(self.gtts)
        return {}

    def default_voice(self, name: str) -> str | None:
        """The voice an engine uses when ``[voices]`` names none."""
        return self.espeak.voice if name == "espeak" else None


@dataclass(frozen=True, slots=True)
class Limits:
    """``[limits]``: what a brief may be before it is refused (each with a clear error, before any synthesis)."""

    max_brief_bytes: int = 1_000_000
    max_items: int = 200
    """Facts plus narratives."""
    max_words: int = 20_000
    max_line_chars: int = 10_000
    """The longest line of a text brief, and the longest field of a JSON or YAML one."""
    max_minutes: float = 120.0
    """The longest episode, estimated from the script at 160 words a minute."""

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) <= 0:
                raise ConfigError(f"[limits] {f.name} = {getattr(self, f.name)}: must be above 0")


@dataclass(frozen=True, slots=True)
class LanguageVoices:
    """``[voices.languages.<code>]``: the voices of one more language (as ``[voices]``)."""

    host: str | None = None
    narrative: str | list[str] | None = None
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Voices(LanguageVoices):
    """``[voices]``: who speaks, as ``ENGINE:VOICE`` or ``VOICE`` (None: chosen for the language).

    ``host`` reads the intro, facts and outro; ``narrative`` the narratives (a list: in turn);
    ``labels`` maps words of a narrative's label to a voice (``{ "Pro-Russia" = "espeak:en+m3" }``).
    These are for the show's language; ``languages`` holds the same for others.
    """

    languages: dict[str, LanguageVoices] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VoiceChoice:
    """The configured voices of one language (normalized: tuples, so settings stay hashable)."""

    host: str | None = None
    narrative: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class VoiceTable:
    """``[voices]`` for the show's language (``default``) and per other language."""

    default: VoiceChoice = field(default_factory=VoiceChoice)
    by_language: tuple[tuple[str, VoiceChoice], ...] = ()

    @property
    def languages(self) -> dict[str, VoiceChoice]:
        """Language code -> its configured voices."""
        return dict(self.by_language)


def _choice(host: str | None, narrative: str | list[str] | None, labels: dict[str, str], where: str) -> VoiceChoice:
    from .tts import ENGINES

    rotation = (narrative,) if isinstance(narrative, str) else tuple(narrative or ())
    specs = [("host", host), *((f"narrative[{i}]" if len(rotation) > 1 else "narrative", v)
                               for i, v in enumerate(rotation)), *((f"labels.{k!r}", v) for k, v in labels.items())]
    for name, spec in specs:
        if spec is None:
            continue
        engine, voice = split_voice(spec)
        if not spec.strip():
            raise ConfigError(f"[{where}] {name} is empty; name a voice, e.g. \"piper:joe\"")
        if engine and engine not in ENGINES:
            raise ConfigError(f"[{where}] {name} = {spec!r}: unknown engine {engine!r}; write ENGINE:VOICE with one of "
                              f"{', '.join(sorted(ENGINES))}, e.g. \"hibari:heart\" or \"piper:joe\"")
        if engine and not voice:
            raise ConfigError(f"[{where}] {name} = {spec!r}: name a voice after the colon, e.g. \"{engine}:...\"")
    return VoiceChoice(host, rotation, tuple(labels.items()))


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """``[feed]``: how many episodes each page of the feed holds (RFC 5005 paged feeds)."""

    page_size: int = 100
    """``feed.xml`` holds the newest this many; ``feed-2.xml`` the next, and so on, each linked to the others."""

    def __post_init__(self) -> None:
        _in_range("feed", "page_size", self.page_size, 1, 100_000)


@dataclass(frozen=True, slots=True)
class Cache:
    """``[cache]``: where the segment cache is (None: the user's cache folder)."""

    dir: str | None = None
    """A folder, or an fsspec URL (``s3://bucket/prefix``) that several machines share."""
    storage_options: dict[str, str] = field(default_factory=dict)
    """fsspec's options for a URL (``endpoint_url``, ``key``, ``secret``, ``anon``...); by default the AWS
    environment (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``) says."""


@dataclass(frozen=True, slots=True)
class Cluster:
    """``[cluster]``: a dask.distributed scheduler whose workers speak the segments (None: this machine)."""

    scheduler: str | None = None
    """``tcp://HOST:8786``; ``--scheduler`` wins, and dask's ``DASK_SCHEDULER_ADDRESS`` is used when neither is set."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a build needs besides the briefs themselves."""

    show: Show = field(default_factory=Show)
    audio: AudioSettings = field(default_factory=AudioSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    #: Who speaks, per language, role and narrative label (see :mod:`audiobrief.voices`).
    voice_table: VoiceTable = field(default_factory=VoiceTable)
    pronunciations: tuple[tuple[str, str], ...] = ()
    #: The public URL of the output folder; None: the one the folder recorded, else DEFAULT_BASE_URL.
    base_url: str | None = None
    #: Where the segment cache is (``[cache] dir``): a folder, or an fsspec URL; None: the user's cache folder.
    cache_dir: Path | str | None = None
    #: fsspec's options for a cache on a URL (``[cache] storage_options``).
    cache_options: tuple[tuple[str, str], ...] = ()
    #: The dask scheduler that speaks the segments (``[cluster] scheduler``); None: this machine.
    scheduler: str | None = None
    limits: Limits = field(default_factory=Limits)
    #: The producer's script templates (``templates`` in the file, relative to it); ``--templates`` wins.
    templates_dir: Path | None = None
    feed: FeedSettings = field(default_factory=FeedSettings)

    @property
    def public_base_url(self) -> str:
        """``base_url``, or the default address of ``audiobrief serve`` when none is set."""
        return self.base_url or DEFAULT_BASE_URL


@dataclass(frozen=True, slots=True)
class _File:
    """The whole file, as the schema sees it (``Settings`` flattens a few tables)."""

    base_url: str | None = None
    templates: str | None = None
    show: Show = field(default_factory=Show)
    audio: AudioSettings = field(default_factory=AudioSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    voices: Voices = field(default_factory=Voices)
    pronunciations: dict[str, str] = field(default_factory=dict)
    cache: Cache = field(default_factory=Cache)
    cluster: Cluster = field(default_factory=Cluster)
    limits: Limits = field(default_factory=Limits)
    feed: FeedSettings = field(default_factory=FeedSettings)


# --- the schema: strict msgspec types derived from the dataclasses above ---------------------------------


@functools.cache
def _struct(cls: type) -> Any:
    """A msgspec Struct with ``cls``'s fields and defaults that rejects unknown keys (paths read as strings)."""
    import msgspec

    hints = typing.get_type_hints(cls)
    spec: list[tuple[str, Any, Any]] = []
    for f in fields(cls):
        kind = hints[f.name]
        if kind == Path | None:
            kind = str | None
        elif isinstance(kind, type) and dataclasses.is_dataclass(kind):
            kind = _struct(kind)
        elif typing.get_origin(kind) is dict and dataclasses.is_dataclass(typing.get_args(kind)[1]):
            kind = dict[str, _struct(typing.get_args(kind)[1])]  # type: ignore[misc]
        if f.default_factory is not dataclasses.MISSING:
            nested = hints[f.name]
            default = msgspec.field(default_factory=_struct(nested) if isinstance(nested, type)
                                    and dataclasses.is_dataclass(nested) else f.default_factory)
        else:
            default = None if f.default is None else f.default
        spec.append((f.name, kind, default))
    return msgspec.defstruct(f"{cls.__name__}Table", spec, forbid_unknown_fields=True, kw_only=True,
                             rename=None)


def _to_dataclass(cls: type, struct: Any, where: str) -> Any:
    hints = typing.get_type_hints(cls)
    values = {}
    for f in fields(cls):
        value = getattr(struct, f.name)
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            value = _to_dataclass(hint, value, f"{where}.{f.name}" if where else f.name)  # type: ignore[arg-type]
        elif typing.get_origin(hint) is dict and dataclasses.is_dataclass(typing.get_args(hint)[1]):
            value = {k: _to_dataclass(typing.get_args(hint)[1], v, f"{where}.{f.name}.{k}") for k, v in value.items()}
        values[f.name] = value
    try:
        return cls(**values)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[{where}]: {exc}") from exc


_TYPE_WORDS = {"int": "a whole number", "float": "a number", "str": "a quoted string", "bool": "true or false",
               "object": "a table", "array": "a list"}


def _schema_message(exc: Exception, data: dict[str, Any]) -> str:
    """msgspec's ``Expected `int`, got `str` - at `$.audio.bitrate_kbps``` as ``[audio] bitrate_kbps = '96': expected ...``."""
    import re

    text = str(exc)
    match = re.fullmatch(r"(.*?)(?: - at `\$((?:\.\w+|\[\d+\]|\[\.\.\.\])*)`)?", text)
    message, at = (match.group(1), match.group(2)) if match else (text, None)
    any_key = "[...]" in (at or "")
    keys = [k for k in (at or "").replace("[...]", "").split(".") if k]
    unknown = re.fullmatch(r"Object contains unknown field `(.+)`", message)
    table = ".".join(keys)
    if unknown:
        section = keys or ["top level"]
        known = ", ".join(f.name for f in fields(_section_type(keys)))
        where = f"[{'.'.join(section)}]" if keys else "the top level"
        return f"unknown key in {where}: {unknown.group(1)}; known keys: {known}"
    expected = re.fullmatch(r"Expected `([^`]+)`, got `([^`]+)`", message)
    if expected and keys:
        want = " or ".join(_TYPE_WORDS.get(w.strip(), w.strip()) for w in expected.group(1).split("|")
                           if w.strip() != "null")
        if any_key:
            return f"[{table}] every value must be {want}"
        if keys == ["base_url"]:
            want = "a quoted http:// or https:// URL"
        value: Any = data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        name = keys[-1]
        head = f"[{'.'.join(keys[:-1])}] {name}" if len(keys) > 1 else name
        return f"{head} = {value!r}: expected {want}"
    return f"[{table}] {message}" if table else message


def _section_type(keys: list[str]) -> type:
    cls: type = _File
    for key in keys:
        hint = typing.get_type_hints(cls).get(key)
        if hint is None or not dataclasses.is_dataclass(hint):
            break
        cls = hint  # type: ignore[assignment]
    return cls


def _resolve_file(value: str | None, base: Path, where: str) -> Path | None:
    if not value:
        return None
    resolved = Path(value).expanduser()
    resolved = resolved if resolved.is_absolute() else base / resolved
    if not resolved.is_file():
        raise ConfigError(f"{where} = {value!r}: no such file ({resolved})")
    return resolved


def load_settings(path: str | Path | None = None) -> Settings:
    """Read ``audiobrief.toml`` (``path``, or ``./audiobrief.toml`` when it exists) into :class:`Settings`.

    :raises ConfigError: the file cannot be read, is not valid TOML, or breaks the schema (unknown
        key, wrong type, value out of range, a sound or image file that does not exist).
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
    except IsADirectoryError as exc:
        raise ConfigError(f"{p}: is a folder; give the path of audiobrief.toml") from exc
    except OSError as exc:
        raise ConfigError(f"{p}: cannot be read ({exc.strerror or exc}); check its permissions") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: is not UTF-8 text; re-save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
    try:
        return _settings_from(data, p)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from exc


def _settings_from(data: dict[str, Any], p: Path) -> Settings:
    import msgspec

    unknown = sorted(set(data) - {f.name for f in fields(_File)})
    if unknown:
        known = ", ".join(f"[{f.name}]" if f.name not in ("base_url", "templates") else f.name for f in fields(_File))
        raise ConfigError(f"unknown section(s): {', '.join(unknown)}; known: {known}")
    try:
        table = msgspec.convert(data, _struct(_File), strict=True)
    except msgspec.ValidationError as exc:
        raise ConfigError(_schema_message(exc, data)) from exc
    parsed: _File = _to_dataclass(_File, table, "")
    if parsed.base_url is not None and not parsed.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"base_url = {parsed.base_url!r}: expected a quoted http:// or https:// URL")
    show = parsed.show
    show = replace(show, image=_resolve_file(str(show.image) if show.image else None, p.parent, "[show] image"))
    own_subcategory = "subcategory" in data.get("show", {})
    if not own_subcategory and show.category != Show().category:
        show = replace(show, subcategory=None)  # the default "Daily News" belongs to News only
    if not is_apple_category(show.category):
        raise ConfigError(f"[show] category = {show.category!r} is not an Apple Podcasts category; choose one of "
                          f"{', '.join(APPLE_CATEGORIES)}")
    if not is_apple_category(show.category, show.subcategory):
        raise ConfigError(
            f"[show] subcategory = {show.subcategory!r} is not one of Apple's subcategories of {show.category!r}: "
            f"{', '.join(APPLE_CATEGORIES[show.category]) or 'it has none; remove the subcategory'}")
    if show.update_frequency is not None:
        update_frequency_rrule(show.update_frequency)  # a schedule nobody can read fails here, naming the key
    if not LANGUAGE_CODE.match(show.language):
        raise ConfigError(f"[show] language = {show.language!r}: use an ISO 639 code such as \"en\" or \"en-us\"")
    audio = parsed.audio
    for key in ("intro_music", "outro_music", "music_bed", "cue"):
        value = getattr(audio, key)
        if value and not (key == "cue" and value in ("chime", "none")):
            resolved: dict[str, Any] = {key: str(_resolve_file(value, p.parent, f"[audio] {key}"))}
            audio = replace(audio, **resolved)
    v = parsed.voices
    by_language = []
    for code, table in sorted(v.languages.items()):
        if not LANGUAGE_CODE.match(code):
            raise ConfigError(f"[voices.languages.{code}]: {code!r} is not an ISO 639 code such as \"es\"")
        by_language.append((code.lower(), _choice(table.host, table.narrative, table.labels,
                                                  f"voices.languages.{code}")))
    voice_table = VoiceTable(_choice(v.host, v.narrative, v.labels, "voices"), tuple(by_language))
    cache_dir = parsed.cache.dir
    return Settings(
        show=show,
        audio=audio,
        engine=parsed.engine,
        voice_table=voice_table,
        pronunciations=tuple(sorted(parsed.pronunciations.items())),
        base_url=parsed.base_url,
        cache_dir=_cache_location(cache_dir, p.parent),
        cache_options=tuple(sorted(parsed.cache.storage_options.items())),
        scheduler=parsed.cluster.scheduler,
        limits=parsed.limits,
        templates_dir=_templates_folder(parsed.templates, p.parent),
        feed=parsed.feed,
    )


def _cache_location(value: str | None, folder: Path) -> Path | str | None:
    """``[cache] dir``: a URL as written, a folder relative to the configuration file."""
    if not value:
        return None
    from .cache import is_url

    return value if is_url(value) else folder / Path(value.removeprefix("file://")).expanduser()


#: ``[show] update_frequency`` words -> RFC 5545 recurrence rules (``podcast:updateFrequency``).
UPDATE_FREQUENCIES = {"daily": "FREQ=DAILY", "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "weekly": "FREQ=WEEKLY"}


def update_frequency_rrule(value: str) -> str:
    """The rrule of ``[show] update_frequency``: a word of :data:`UPDATE_FREQUENCIES`, or an rrule itself.

    >>> update_frequency_rrule("weekdays"), update_frequency_rrule("FREQ=DAILY;BYHOUR=6")
    ('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'FREQ=DAILY;BYHOUR=6')

    :raises ConfigError: neither.
    """
    import re

    rule = UPDATE_FREQUENCIES.get(value.strip().lower(), value.strip())
    if not re.fullmatch(r"FREQ=(YEARLY|MONTHLY|WEEKLY|DAILY|HOURLY)(;[A-Z]+=[A-Za-z0-9,+:-]+)*", rule) or len(rule) > 128:
        raise ConfigError(f"[show] update_frequency = {value!r}: use daily, weekdays, weekly, or an RFC 5545 rule "
                          "such as \"FREQ=WEEKLY;BYDAY=MO,WE,FR\"")
    return rule


def _templates_folder(value: str | None, base: Path) -> Path | None:
    if not value:
        return None
    folder = Path(value).expanduser()
    folder = folder if folder.is_absolute() else base / folder
    if not folder.is_dir():
        raise ConfigError(f"templates = {value!r}: no such folder ({folder}); create it with `audiobrief init`, or "
                          "remove the key to use the shipped templates")
    return folder
