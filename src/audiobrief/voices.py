"""Casting: which engine and voice speaks each segment, by language, role, narrative label and turn.

The host reads the intro, facts and outro; narratives get their own voice, chosen by label
(``[voices] labels``) or in rotation (``[voices] narrative`` as a list). ``[voices]`` is for the
show's language; ``[voices.languages.<code>]`` for any other. A language nobody configured is cast
automatically: the configured engine (hibari) when it has a voice for it, else Piper, else espeak-ng when
installed, else gTTS when Google's service answers, with a one-line notice of the choice; when
nothing here speaks the language, the error says what to install.

:class:`Voicing` holds a build's casts and creates each (engine, voice) once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .config import Settings, VoiceChoice, split_voice
from .errors import EngineUnavailable, NoVoiceError
from .languages import primary
from .models import Segment
from .tts import TTSEngine, engine_class, get_engine

__all__ = ["Cast", "VoiceKey", "Voicing", "cast_for", "create_engine", "engine_voice_for", "language_voice",
           "make_engines", "resolve_spec", "resolve_voice", "voice_key"]

log = logging.getLogger(__name__)

#: ``(engine, voice)``; the voice None means the engine's own default.
VoiceKey = tuple[str, str | None]

#: espeak-ng variants that make narratives audibly different from the host (median F0 of the
#: Spanish voice measured at 104 Hz; with +f3 218 Hz, with +f4 184 Hz).
ESPEAK_NARRATIVE_VARIANTS = ("+f3", "+f4")

#: Engines tried, in order, for a language no voice is configured for (after the configured engine):
#: hibari speaks English only, so another language goes to Piper (a voice for it), else espeak-ng, else gTTS.
AUTOMATIC_ORDER = ("piper", "espeak", "gtts")


@dataclass(frozen=True, slots=True)
class Cast:
    """The voices of one language: the host's, the narratives' rotation, and per-label voices."""

    language: str
    host: VoiceKey
    narratives: tuple[VoiceKey, ...]
    """At least one: the host's voice when nobody chose another."""
    labels: tuple[tuple[str, VoiceKey], ...] = ()
    notice: str | None = None
    """Said once when the engine was chosen for the language rather than configured."""

    @property
    def keys(self) -> tuple[VoiceKey, ...]:
        """Every (engine, voice) this cast uses, without repeats."""
        return tuple(dict.fromkeys((self.host, *self.narratives, *(v for _, v in self.labels))))

    def voice(self, segment: Segment) -> VoiceKey:
        """Who speaks ``segment``: a label's voice, else the narratives' rotation, else the host."""
        if segment.role != "narrative":
            return self.host
        label = (segment.label or "").casefold()
        for name, key in self.labels:
            if name.casefold() in label:
                return key
        return self.narratives[(max(segment.index, 1) - 1) % len(self.narratives)]


def voice_key(key: VoiceKey) -> str:
    """``("espeak", "es+f3")`` -> ``"espeak:es+f3"``: the name an engine goes by in a build."""
    return f"{key[0]}:{key[1] or ''}"


def _answers(settings: Settings, name: str, voice: str) -> bool:
    """Whether an online engine can be reached (an offline one is installed, which voice_for checked)."""
    if name != "gtts":
        return True
    try:
        get_engine(name, voice=voice, **settings.engine.options(name, voice))  # one quick connection
    except EngineUnavailable:
        return False
    return True


def engine_voice_for(name: str, language: str) -> str | None:
    """The voice engine ``name`` speaks ``language`` with here, or None (not installed, no such voice)."""
    return engine_class(name).voice_for(language)  # type: ignore[no-any-return]


def language_voice(settings: Settings, engine: str, language: str) -> str | None:
    """Engine ``engine``'s voice for ``language``: its configured default (``[engine.espeak] voice``)
    when that speaks the language, else the one the engine offers, else None."""
    own = settings.engine.default_voice(engine)
    return own if own and primary(own) == primary(language) else engine_voice_for(engine, language)


def resolve_spec(settings: Settings, spec: str, engine_name: str | None, language: str) -> VoiceKey:
    """What a voice spec (``"hibari:heart"``, ``"joe"``, ``"espeak:"``) means under ``--engine`` for ``language``.

    ``--engine`` puts the spec on that engine, keeping the voice only when it is the engine's own.
    """
    prefix, voice = split_voice(spec)
    engine = engine_name or prefix or settings.engine.name
    if engine_name is not None and prefix not in (None, engine_name):
        voice = None
    return engine, voice or language_voice(settings, engine, language)


def _configured(settings: Settings, language: str) -> VoiceChoice | None:
    table = settings.voice_table
    for name in (language.lower(), primary(language)):
        if name in table.languages:
            return table.languages[name]
    if primary(language) == primary(settings.show.language):
        return table.default
    return None


def _automatic(settings: Settings, language: str, engine_name: str | None) -> tuple[str, str, str | None]:
    """(engine, voice, notice) for ``language`` when nothing is configured for it."""
    if engine_name is not None:
        voice = language_voice(settings, engine_name, language)
        if voice is None:
            raise NoVoiceError(f"{engine_name} has no voice for the language {language!r} here; choose another "
                                    "--engine (audiobrief engines --language " f"{language} lists them)")
        return engine_name, voice, None
    configured = settings.engine.name
    voice = language_voice(settings, configured, language)
    if voice is not None:
        return configured, voice, None
    if configured != "gtts":
        # An engine that cannot run at all says so (and the build's [engine] fallback takes over);
        # one that runs but has no voice for the language makes way for the next engine.
        get_engine(configured, **settings.engine.options(configured))
    for name in AUTOMATIC_ORDER:
        if name == configured:
            continue
        voice = engine_voice_for(name, language)
        if voice is not None and _answers(settings, name, voice):
            notice = (f"no {configured} voice speaks {language!r}; speaking it with {name}'s voice {voice!r} "
                      f"(choose with [voices.languages.{primary(language)}] in audiobrief.toml)")
            return name, voice, notice
    import shutil

    espeak = ("espeak-ng has no voice for it" if shutil.which("espeak-ng")
              else "install espeak-ng (Debian/Ubuntu: apt-get install espeak-ng), which speaks over 100 languages")
    raise NoVoiceError(
        f"nothing installed here speaks the language {language!r}: {espeak}; add a Piper voice for it with "
        f"[voices.languages.{primary(language)}] host = \"piper:/path/model.onnx\", or connect to the internet for gTTS "
        "if it knows the language")


def _narrative_voices(host: VoiceKey) -> tuple[VoiceKey, ...]:
    engine, voice = host
    if engine == "espeak" and voice and "+" not in voice:
        return tuple((engine, voice + variant) for variant in ESPEAK_NARRATIVE_VARIANTS)
    return (host,)


def cast_for(settings: Settings, language: str, engine_name: str | None = None) -> Cast:
    """The voices that speak ``language`` under these settings (``engine_name``: ``--engine``).

    Configured voices (``[voices]`` for the show's language, ``[voices.languages.<code>]``) come
    first; a role nobody configured gets the voice chosen for the language. Narratives default to
    the host's voice, or with espeak-ng to audibly different variants of it.

    :raises NoVoiceError: no engine here speaks the language.
    :raises EngineUnavailable: the configured engine cannot run at all.
    """
    choice = _configured(settings, language) or VoiceChoice()
    notice: str | None = None

    def resolve(spec: str) -> VoiceKey:
        return resolve_spec(settings, spec, engine_name, language)

    if choice.host:
        host = resolve(choice.host)
    else:
        engine, voice, notice = _automatic(settings, language, engine_name)
        host = (engine, voice)
    narratives = tuple(resolve(spec) for spec in choice.narrative) or _narrative_voices(host)
    labels = tuple((label, resolve(spec)) for label, spec in choice.labels)
    return Cast(language, host, narratives, labels, notice)


class Voicing:
    """The engines of a build, by language: each language's :class:`~audiobrief.voices.Cast`, and one
    engine per (engine, voice) it uses, created once (creating checks that it can run; models load
    only when something is synthesized).

    With ``engines`` given (role -> engine; tests pass a fake engine), every language is spoken by
    them, by role.
    """

    def __init__(self, settings: Settings, engine_name: str | None = None, *, jobs: int | None = None,
                 engines: Mapping[str, TTSEngine] | None = None) -> None:
        self.settings, self.engine_name, self.jobs = settings, engine_name, jobs
        self.fixed = dict(engines) if engines is not None else None
        self.engines: dict[str, TTSEngine] = dict(self.fixed or {})
        self.casts: dict[str, Cast] = {}
        self.fingerprints: dict[str, str] = _Fingerprints(self.engines)
        """Engine name -> fingerprint, computed once per engine (cheap: no model loads)."""

    def cast(self, language: str) -> Cast | None:
        """The cast of ``language``, its engines created (None with fixed engines)."""
        if self.fixed is not None:
            return None
        if language not in self.casts:
            cast = cast_for(self.settings, language, self.engine_name)
            if cast.notice:
                log.warning("%s", cast.notice)
            for key in cast.keys:
                if voice_key(key) not in self.engines:
                    self.engines[voice_key(key)] = create_engine(self.settings, *key, jobs=self.jobs)
            self.casts[language] = cast
        return self.casts[language]

    def speakers(self, language: str) -> Callable[[Segment], tuple[str, str]]:
        """``segment -> (engine name in this build, fingerprint)`` for a script in ``language``
        (a segment in another language is cast in its own)."""
        self.cast(language)  # now: a language nothing speaks fails before any template is rendered

        def speaker(segment: Segment) -> tuple[str, str]:
            cast = self.cast(segment.language or language)
            if cast is None:
                name = segment.role if segment.role in self.engines else "host"
            else:
                name = voice_key(cast.voice(segment))
            return name, self.fingerprints[name]
        return speaker

    def knows(self, language: str | None) -> bool:
        """Whether ``language``'s voices are already part of this build's inputs (see the fast path)."""
        return self.fixed is not None or (language or self.settings.show.language) in self.casts


class _Fingerprints(dict[str, str]):
    """Fingerprints computed once per engine, as engines are added."""

    def __init__(self, engines: Mapping[str, TTSEngine]) -> None:
        super().__init__()
        self.engines = engines

    def __missing__(self, name: str) -> str:
        value = self[name] = self.engines[name].fingerprint()
        return value


def make_engines(settings: Settings, engine_name: str | None = None, *, jobs: int | None = None,
                 language: str | None = None) -> dict[str, TTSEngine]:
    """The host's and the first narrative's engine for ``language`` (default: the show's), by role.

    The same instance serves both roles when they share engine and voice. See
    :mod:`audiobrief.voices` for how voices are chosen.
    """
    voicing = Voicing(settings, engine_name, jobs=jobs)
    cast = voicing.cast(language or settings.show.language)
    assert cast is not None
    return {"host": voicing.engines[voice_key(cast.host)], "narrative": voicing.engines[voice_key(cast.narratives[0])]}


def resolve_voice(settings: Settings, spec: str | None, engine_name: str | None = None,
                  language: str | None = None) -> tuple[str, str | None]:
    """The (engine, voice) a voice spec (``"hibari:heart"``, ``"joe"``, None: the host's) means under
    ``--engine``, for ``language`` (default: the show's)."""
    language = language or settings.show.language
    if spec is None:
        return cast_for(settings, language, engine_name).host
    return resolve_spec(settings, spec, engine_name, language)


def create_engine(settings: Settings, name: str, voice: str | None, *, jobs: int | None = None) -> TTSEngine:
    """Engine ``name`` speaking ``voice``, with its ``[engine.<name>]`` options."""
    options = settings.engine.options(name, voice)
    # every core is onnxruntime's own default: set threads only to use fewer
    if name == "piper" and jobs and jobs < len(os.sched_getaffinity(0)):
        options["threads"] = jobs
    return get_engine(name, voice=voice, **options)
