"""hibari-tts: small neural voices distilled from Kokoro-82M, offline, 24 kHz.

The voice "heart" (American English) ships inside the wheel; the others (emma, fenrir, fable,
kore) are downloaded by hibari on first use, so here, offline, they must already be in hibari's
cache or the engine says so when it is created. The noise component is seeded from the text and
the engine's settings, so the same text always gives the same samples: an unchanged rebuild is
byte-identical even before the segment cache has it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import re
import threading
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from ..errors import EngineUnavailable, SynthesisError
from ..languages import primary
from . import AudioChunk, onnx_runtime

log = logging.getLogger(__name__)

_SAMPLE_RATE_HZ = 24_000


_models: dict[str, Any] = {}
_loading = threading.Lock()


#: Raised when the repairs below change what the front end says, so that cached segments are redone.
FRONT_END_REVISION = 1
_repaired = False


def _repair_front_end() -> None:
    """Mend hibari 0.2.1's text front end where it says the wrong words.

    Its Roman-number rules ("Chapter IV", "Henry VIII") accept an empty numeral, so after one of their
    trigger words any capitalised word starting with I, V, X, L or C gains a number: "King Charles"
    became "King the zeroth Charles", "Pope Leo" "Pope the zeroth Leo", "Section Chiefs" "Section zero
    Chiefs" (found by scripts/check-speech). The same rules, with a numeral that is a whole word.
    """
    global _repaired
    if _repaired:
        return
    import_hibari()
    normalize = importlib.import_module("hibari.g2p.normalize")  # the module (the package exports a function of that name)
    whole = r"((?=[IVXLCDM]+\b)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3}))"
    for name in ("RE_ROMAN_C", "RE_ROMAN_O"):
        old: re.Pattern[str] = getattr(normalize, name)
        if "(?=[IVXLC])M{0,3}" in old.pattern:  # the faulty numeral; a fixed hibari is left alone
            setattr(normalize, name, re.compile(old.pattern.replace(normalize.ROMAN_NUMERAL, whole)))
    _repaired = True


def import_hibari() -> Any:
    """hibari, imported with numpy's FFT whatever else is installed (call before any other hibari import).

    hibari's vocoder uses scipy's FFT when scipy is importable and numpy's otherwise, and the two differ in
    the last bits: a fresh install (no scipy) printed another demo digest than a venv that had scipy from
    another package. numpy's is also the faster choice for a build: importing scipy.fft takes 0.1-0.2 s,
    its faster FFT saves 0.03 s on the example brief's synthesis (cold builds, 6 each: 3.39 s against
    3.51 s, medians). So scipy.fft is hidden while hibari loads (unless something imported it already),
    and the vocoder's two FFT functions are numpy's either way.
    """
    import sys

    if "hibari.dsp" not in sys.modules and "scipy.fft" not in sys.modules:
        sys.modules["scipy.fft"] = None  # type: ignore[assignment]  # import of it raises ImportError
        try:
            importlib.import_module("hibari")
        finally:
            if sys.modules.get("scipy.fft", 0) is None:
                del sys.modules["scipy.fft"]
    hibari = importlib.import_module("hibari")
    dsp: Any = importlib.import_module("hibari.dsp")
    if dsp.FFT_BACKEND != "numpy":
        import numpy as np

        def rfft(x: Any, axis: int) -> Any:
            return np.fft.rfft(x, axis=axis).astype(np.complex64)

        def irfft(x: Any, n: int, axis: int) -> Any:
            return np.fft.irfft(x, n=n, axis=axis).astype(np.float32)

        dsp.rfft, dsp.irfft, dsp.FFT_BACKEND = rfft, irfft, "numpy"
    return hibari


def front_end(british: bool = False) -> Any:
    """hibari's text front end (its G2P: text to phonemes) as audiobrief's voices use it, repairs made."""
    import_hibari()
    _repair_front_end()
    return _g2p(british)


#: Bumped when what the asset copy holds changes shape.
_ASSETS_FORMAT = 1
_g2p_lock = threading.Lock()


def _g2p_tables(british: bool) -> list[str]:
    """The files hibari's G2P reads its tables from, for one accent."""
    accent = "gb" if british else "us"
    return [f"lexicon_{accent}_gold.json.gz", f"lexicon_{accent}_silver.json.gz", "tagger.json.gz",
            "tokenizer_exceptions.json"]


def _assets_copy(module: Any, names: list[str]) -> Path | None:
    """Where the marshal copy of hibari's G2P assets ``names`` lives, named by everything its bytes
    depend on (the assets' sizes and times, hibari's version, Python's); None when hibari has another layout."""
    import os
    import sys

    from ..cache import default_cache_dir

    assets = getattr(module, "ASSETS", None)
    if not isinstance(assets, str):
        return None
    try:
        stamps = [f"{name}:{(st := os.stat(os.path.join(assets, name))).st_size}:{st.st_mtime_ns}" for name in names]
    except OSError:
        return None
    key = hashlib.sha256("\n".join([str(_ASSETS_FORMAT), metadata.version("hibari-tts"), sys.version, assets,
                                     *stamps]).encode()).hexdigest()[:20]
    return default_cache_dir() / "hibari" / f"g2p-{key}.marshal"


def _g2p(british: bool) -> Any:
    """hibari's G2P, its lexicons, tagger and tokenizer tables read from a copy in audiobrief's cache.

    hibari reads them from gzipped JSON: 0.34 s, the longest part of loading the voice, and every cold
    build and every edit waits for it. The same tables, kept with :mod:`marshal` (builtin types only:
    nothing in the file can run code), load in 0.13 s. The copy is named by the assets' sizes and
    times and by hibari's and Python's versions, so it is never stale; one that is missing, unreadable
    or not what it should be is ignored and written again. The G2P itself is made by hibari's own
    constructor from the same tables, so it says exactly what hibari would.
    """
    import marshal

    module: Any = importlib.import_module("hibari.g2p")
    names = _g2p_tables(british)
    copy = _assets_copy(module, names)
    tables: dict[str, Any] = {}
    if copy is not None:
        try:
            loaded = marshal.loads(copy.read_bytes())
            if isinstance(loaded, dict) and sorted(loaded) == sorted(names):
                tables = loaded
        except (OSError, ValueError, EOFError, TypeError):
            pass
    fresh: dict[str, Any] = {}
    with _g2p_lock:
        original = module._load_json

        def load_json(name: str) -> Any:
            if name in tables:
                return tables[name]
            fresh[name] = data = original(name)  # hibari's constructors only read the tables
            return data

        module._load_json = load_json
        try:
            g2p = module.G2P(british=british)
        finally:
            module._load_json = original
    if copy is not None and not tables and set(names) <= set(fresh):
        from ..publishing.store import atomic_write

        try:
            copy.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(copy, marshal.dumps({name: fresh[name] for name in names}))
            _forget_other_copies(module, copy.parent)
        except OSError as exc:
            log.debug("could not keep hibari's G2P tables in %s: %s", copy, exc)
    return g2p


def _forget_other_copies(module: Any, folder: Path) -> None:
    """Delete the copies of another hibari or Python (never the two accents' of this one), and temporary
    files over an hour old (a write cut by a crash): an upgrade leaves no 11 MB files behind."""
    import contextlib
    import time

    current = {_assets_copy(module, _g2p_tables(british)) for british in (False, True)}
    for path in folder.glob("g2p-*.marshal"):
        if path not in current:
            with contextlib.suppress(OSError):
                path.unlink()
    for path in folder.glob(".g2p-*"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < time.time() - 3600:
                path.unlink()


def _model(voice: str) -> Any:
    """The model of ``voice``, loaded once per process and shared by every thread.

    onnxruntime sessions are thread-safe, and hibari's G2P keeps no state between calls (its lexicons,
    tagger and tokenizer are only read after loading; the OOV net is made lazily, and two threads
    making it at once would only make it twice). One model instead of one per thread: loading the
    G2P from hibari's JSON took 0.3 s holding the GIL, so two threads loading two of them delayed the
    first sentence by 0.5-0.75 s (profiled with py-spy on the example brief). Starting the model while
    the build plans was measured and not kept: both hold the GIL, so the plan slowed down as much as
    the model sped up (the first sentence started at 0.65 s either way).
    """
    model = _models.get(voice)
    if model is None:
        with _loading:
            model = _models.get(voice)
            if model is None:
                import_hibari()
                from hibari import Hibari

                log.info("loading hibari voice %s", voice)
                # The G2P's lexicons load while onnxruntime builds the session (0.07 s less of the wait)
                g2p: list[Any] = []
                _repair_front_end()
                loader = threading.Thread(target=lambda: g2p.append(_g2p(bool(_registry()[1][voice].get("british")))),
                                          name="audiobrief-hibari-g2p")
                loader.start()
                try:
                    model = Hibari(voice=voice, threads=1)
                finally:
                    loader.join()
                if not g2p:
                    raise SynthesisError(f"hibari: the G2P of voice {voice!r} failed to load")
                model._g2p = g2p[0]  # hibari's own slot for a G2P made elsewhere (its constructor's g2p=)
                _models[voice] = model
    return model


def release_models() -> None:
    """Unload every hibari model this process holds (the next synthesis loads its voice again)."""
    with _loading:
        _models.clear()


def loaded_voices() -> int:
    """How many hibari models this process has loaded (0 when every segment came from the cache)."""
    return len(_models)


@functools.cache
def _registry() -> tuple[Path, dict[str, Any]]:
    """hibari's assets folder and its voice registry (``assets/voices.json``), read without importing
    hibari: importing it loads scipy.fft and its TTS code (0.25-0.5 s), which the first synthesis
    does anyway, on a worker thread, while the main thread prepares the rest of the build."""
    spec = importlib.util.find_spec("hibari")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    assets = Path(locations[0], "assets") if locations else None
    if assets is not None and (assets / "voices.json").is_file():
        return assets, json.loads((assets / "voices.json").read_text(encoding="utf-8"))
    import_hibari()
    from hibari.voices import ASSETS, VOICES  # another layout: ask hibari itself

    return Path(ASSETS), dict(VOICES)


def _voice_file(voice: str) -> Path:
    """The ONNX file of ``voice`` (bundled in the package, or in hibari's download cache).

    :raises FileNotFoundError: the voice is not bundled and not downloaded.
    """
    assets, voices = _registry()
    if voices[voice].get("bundled"):
        return assets / str(voices[voice]["file"])
    import_hibari()
    from hibari.voices import voice_path

    return Path(voice_path(voice, download_missing=False))


def _downloaded(voice: str) -> bool:
    import_hibari()
    from hibari.voices import voice_path

    try:
        voice_path(voice, download_missing=False)
    except FileNotFoundError:
        return False
    return True


class HibariEngine:
    """hibari. ``voice`` is ``heart`` (bundled, default) or another hibari voice already downloaded;
    ``speed`` is the pace (1.0 the teacher's, 0.5 to 2.0)."""

    name: ClassVar[str] = "hibari"
    description: ClassVar[str] = "hibari neural voices (Kokoro-distilled), offline (default)"
    multithreaded: ClassVar[bool] = False  # one core per call: segments render in parallel

    def __init__(self, voice: str = "heart", speed: float = 1.0) -> None:
        if importlib.util.find_spec("hibari") is None:
            raise EngineUnavailable("hibari: hibari-tts is not installed; run: pip install hibari-tts")
        _, VOICES = _registry()
        if voice not in VOICES:
            raise EngineUnavailable(f"hibari: unknown voice '{voice}'; voices: {', '.join(VOICES)}")
        if not VOICES[voice].get("bundled") and not _downloaded(voice):
            import_hibari()
            from hibari.voices import cache_dir

            raise EngineUnavailable(
                f"hibari: voice '{voice}' is not bundled and must be downloaded once "
                f"({VOICES[voice]['bytes'] / 1e6:.1f} MB from huggingface.co) into {cache_dir()}; "
                f"run `hibari --voice {voice} 'test'` with internet access, or use the bundled voice 'heart'")
        if not 0.5 <= speed <= 2.0:
            raise EngineUnavailable(f"hibari: speed {speed} is outside 0.5 to 2.0")
        self.voice = voice
        self.speed = float(speed)

    @classmethod
    def voices(cls) -> list[str]:
        """Every hibari voice; those not bundled and not downloaded are marked ``(download)``."""
        if importlib.util.find_spec("hibari") is None:
            return []
        import_hibari()
        from hibari.voices import VOICES

        return [v if VOICES[v].get("bundled") or _downloaded(v) else f"{v} (download)" for v in VOICES]

    @classmethod
    def voice_for(cls, language: str) -> str | None:
        """The bundled voice ``heart`` for English (hibari speaks American English only)."""
        if primary(language) != "en" or importlib.util.find_spec("hibari") is None:
            return None
        return "heart"

    @classmethod
    def languages(cls) -> list[str]:
        """English (American)."""
        return ["en"] if cls.voice_for("en") else []

    def fingerprint(self) -> str:
        """hibari version, the voice model's content, the speed, and the onnxruntime that runs it."""
        return self._fingerprint

    @functools.cached_property
    def _fingerprint(self) -> str:  # asked once per sentence (it seeds the noise): worked out once
        return (f"hibari/{metadata.version('hibari-tts')}/{self.voice}/{self._voice_digest}/speed={self.speed}"
                f"/front-end={FRONT_END_REVISION}/{onnx_runtime()}")

    @functools.cached_property
    def _voice_digest(self) -> str:
        from ..digests import file_sha256

        return file_sha256(_voice_file(self.voice))[:16]

    def release(self) -> None:
        """Unload every hibari model this process holds."""
        release_models()

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Yield one 24 kHz chunk per sentence hibari finds in ``text``."""
        import numpy as np

        seed = int.from_bytes(hashlib.sha256(f"{self.fingerprint()}\n{text}".encode()).digest()[:8], "little")
        model = _model(self.voice)
        try:
            for samples in model.stream(text, speed=self.speed, seed=seed):
                pcm = np.clip(np.asarray(samples, dtype=np.float32) * 32767.0, -32768, 32767).astype("<i2")
                if pcm.size:
                    yield AudioChunk(pcm.tobytes(), _SAMPLE_RATE_HZ)
        except Exception as exc:  # onnxruntime and the G2P raise assorted types
            raise SynthesisError(f"hibari failed on {text!r}: {exc}") from exc
