"""The incremental build's keys are complete: every input that changes an episode rebuilds exactly
the episodes that use it, and nothing else does.

One show (an English and a Spanish brief, the producer's templates for both languages, a segment
cache) is built once; each case copies it, changes one input, builds again, and compares which
episodes were rebuilt and which show files changed with what that input reaches.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import pytest

from audiobrief.cache import SegmentCache
from audiobrief.config import EngineSettings, Settings, VoiceChoice, VoiceTable
from audiobrief.pipeline import BuildResult, build

BRIEFS = {
    "en.json": {
        "id": "en-story", "title": "Harbor bridge toll approved", "language": "en",
        "published": "2026-11-20T06:00:00Z",
        "sources": [{"number": 1, "outlet": "Harbor Gazette", "url": "https://gazette.example/toll"}],
        "facts": [{"text": "The council voted seven to two on Tuesday.", "sources": [1]}],
        "narratives": [{"label": "Narrative A", "outlet": "Harbor Gazette", "text": "The toll pays for repairs."},
                       {"label": "Narrative B", "outlet": "Valley Post", "text": "Drivers pay twice."}],
    },
    "es.json": {
        "id": "es-story", "title": "El puerto abre de noche", "language": "es",
        "published": "2026-11-21T06:00:00Z",
        "facts": ["El puerto abrirá de noche desde marzo."],
        "narratives": [{"label": "Relato A", "outlet": "Diario del Puerto", "text": "Habrá más empleo."}],
    },
}
BOTH = {"en-story", "es-story"}
SHOW_FILES = ("feed.xml", "feed.json", "index.html")


def _settings() -> Settings:
    return Settings(engine=EngineSettings(name="fake", fallback="none"))


def _build(root: Path, settings: Settings) -> BuildResult:
    return build([root / "briefs"], root / "out", settings, templates_dir=root / "templates",
                 cache=SegmentCache(root / "cache"), jobs=1)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("show")
    (root / "briefs").mkdir()
    for name, data in BRIEFS.items():
        (root / "briefs" / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    shipped = resources.files("audiobrief").joinpath("templates", "script")
    for code in ("en", "es"):
        folder = root / "templates" / code
        folder.mkdir(parents=True)
        for item in shipped.joinpath(code).iterdir():
            (folder / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    result = _build(root, _settings())
    assert not result.unchanged and {e.brief_id for e in result.episodes} == BOTH
    return root


@dataclass(frozen=True)
class Case:
    """One input changed: what it reaches."""

    name: str
    change: Callable[[Path, Settings], Settings]
    rebuilt: frozenset[str]
    show_files: frozenset[str] = frozenset()
    """Show files whose bytes must change besides those of the rebuilt episodes' items."""


def _edit(relative: str, old: str, new: str) -> Callable[[Path, Settings], Settings]:
    def change(root: Path, settings: Settings) -> Settings:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return settings
    return change


def _append(relative: str, words: str) -> Callable[[Path, Settings], Settings]:
    def change(root: Path, settings: Settings) -> Settings:
        path = root / relative
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + words, encoding="utf-8")
        return settings
    return change


def _show(**values: object) -> Callable[[Path, Settings], Settings]:
    return lambda root, settings: replace(settings, show=replace(settings.show, **values))


def _audio(**values: object) -> Callable[[Path, Settings], Settings]:
    return lambda root, settings: replace(settings, audio=replace(settings.audio, **values))


def _voices(default: VoiceChoice | None = None, **languages: VoiceChoice) -> Callable[[Path, Settings], Settings]:
    table = VoiceTable(default or VoiceChoice(), tuple(languages.items()))
    return lambda root, settings: replace(settings, voice_table=table)


def _nothing(root: Path, settings: Settings) -> Settings:
    return settings


def _add_file(relative: str, text: str) -> Callable[[Path, Settings], Settings]:
    def change(root: Path, settings: Settings) -> Settings:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
        return settings
    return change


EN, ES = frozenset({"en-story"}), frozenset({"es-story"})
ALL, NONE = frozenset(BOTH), frozenset()
FEED = frozenset({"feed.xml"})
FEEDS = frozenset({"feed.xml", "feed.json"})
EVERY = frozenset(SHOW_FILES)

CASES = [
    Case("nothing", _nothing, NONE),
    # the briefs
    Case("brief en", _edit("briefs/en.json", "Drivers pay twice.", "Drivers pay three times."), EN),
    Case("brief es", _edit("briefs/es.json", "Habrá más empleo.", "Habrá mucho más empleo."), ES),
    # every template each episode reads, per language; the digest's are read by neither
    *(Case(f"template en/{kind}", _append(f"templates/en/{kind}.txt.j2", " Stay with us."), EN)
      for kind in ("intro", "headline", "fact", "transition", "narrative", "outro")),
    *(Case(f"template es/{kind}", _append(f"templates/es/{kind}.txt.j2", " Sigan con nosotros."), ES)
      for kind in ("intro", "headline", "fact", "transition", "narrative", "outro")),
    Case("template en/digest_intro", _append("templates/en/digest_intro.txt.j2", " Stay with us."), NONE),
    Case("a template for every language, at the top", _add_file("templates/outro.txt.j2", "Goodbye from the top."),
         NONE),  # each language folder has its own outro, which wins
    Case("an included partial, deeper", _add_file("templates/en/parts/sign.txt", "Signed."), NONE),
    # the words of language.toml
    Case("language.toml en chapter title", _edit("templates/en/language.toml", 'facts = "The facts"',
                                                 'facts = "What happened"'), EN),
    Case("language.toml en show-notes heading", _edit("templates/en/language.toml", 'narratives = "The narratives:"',
                                                      'narratives = "How it is told:"'), EN),
    Case("language.toml en transcript speaker", _edit("templates/en/language.toml", 'host = "Host"',
                                                      'host = "Anchor"'), EN),
    Case("language.toml en ID3 language", _edit("templates/en/language.toml", 'iso639_2 = "eng"',
                                                'iso639_2 = "enm"'), EN),
    Case("language.toml es chapter title", _edit("templates/es/language.toml", 'outro = "Fuentes y créditos"',
                                                 'outro = "Fuentes"'), ES),
    Case("language.toml en show page word", _edit("templates/en/language.toml", 'subscribe = "Subscribe"',
                                                  'subscribe = "Follow"'), NONE, frozenset({"index.html"})),
    # settings (every field of every table is walked at the level of the keys below; these build)
    Case("show title", _show(title="Harbor Radio"), ALL),
    Case("pronunciation of a word only the English brief says", lambda root, s: replace(
        s, pronunciations=(("toll", "tole"),)), EN),
    Case("audio section_pause_ms", _audio(section_pause_ms=1500), ALL),
    Case("audio cue", _audio(cue="none"), ALL),
    *(Case(f"show {name}", _show(**{name: value}), NONE, files) for name, value, files in (
        ("description", "Another description.", EVERY), ("explicit", True, FEED),
        ("link", "https://example.org/show", FEEDS))),
    # engines and voices
    Case("the host's voice", _voices(VoiceChoice(host="fake:anchor")), EN),  # [voices] is the show's language
    Case("the Spanish host's voice", _voices(es=VoiceChoice(host="fake:locutor")), ES),
    Case("a label's voice", _voices(VoiceChoice(labels=(("Narrative B", "fake:contrarian"),))), EN),
    Case("the narratives' rotation", _voices(VoiceChoice(narrative=("fake:tone", "fake:second"))), EN),
]


def _episodes(files: dict[str, bytes]) -> dict[str, dict[str, object]]:
    return {e["brief_id"]: e for e in json.loads(files["episodes.json"])["episodes"]}


def _published_part(entry: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in entry.items() if k not in ("key", "inputs_key")}


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_changing_an_input_rebuilds_exactly_the_episodes_that_use_it(baseline: Path, tmp_path: Path,
                                                                     case: Case) -> None:
    root = tmp_path / "show"
    shutil.copytree(baseline, root, symlinks=True)
    before = _snapshot(root / "out")
    before_store = _episodes(before)
    settings = case.change(root, _settings())
    result = _build(root, settings)
    rebuilt = {e.brief_id for e in result.episodes} - set(result.unchanged)
    assert rebuilt == case.rebuilt
    after = _snapshot(root / "out")
    if not case.rebuilt:
        assert result.segments_synthesized == 0
    store = _episodes(after)
    for ident in BOTH - case.rebuilt:  # untouched episodes keep their files, byte for byte
        name = store[ident]["audio_file"]
        assert after[name] == before[name]
        assert _published_part(store[ident]) == _published_part(before_store[ident])
    for name in SHOW_FILES:  # a rebuilt episode may come out the same (a setting with nothing to act on)
        if not case.rebuilt or name in case.show_files:
            assert (after[name] != before[name]) == (name in case.show_files), f"{name} changed or not"


def _other(value: object, name: str, root: Path) -> object:
    """Another valid value for a setting of this type."""
    special: dict[str, object] = {"format": "m4a", "cue": "none", "language": "es", "category": "Business",
                                  "subcategory": None, "image": _image(root), "update_frequency": "weekly"}
    if name in special:
        return special[name]
    if name in ("intro_music", "outro_music", "music_bed"):
        return str(_sound(root))
    if isinstance(value, bool):
        return not value
    if isinstance(value, tuple):
        return ()
    if isinstance(value, int):
        return value + 8 if name != "sample_rate_hz" else 48_000
    if isinstance(value, float):
        return value - 1.0
    if isinstance(value, str) or value is None:
        return f"{value or ''} changed"
    raise AssertionError(f"no other value for {name}={value!r}")


def _image(root: Path) -> Path:
    from PIL import Image

    path = root / "cover.png"
    Image.new("RGB", (1400, 1400), (20, 40, 80)).save(path)
    return path


def _sound(root: Path) -> Path:
    import wave

    path = root / "sound.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(22_050)
        handle.writeframes(b"\x10\x00\xf0\xff" * 11_025)
    return path


def _keys(root: Path, settings: Settings) -> tuple[dict[str, str], str]:
    """Each episode's plan key, and the key of the show files, as a build computes them."""
    import datetime as dt

    from audiobrief.brief import load_brief
    from audiobrief.plan import plan_episode
    from audiobrief.publishing.publish import show_key
    from audiobrief.voices import Voicing

    voicing = Voicing(settings)
    keys = {}
    for path in sorted((root / "briefs").iterdir()):
        brief = load_brief(path, language=settings.show.language)
        plan = plan_episode(brief, settings, voicing.speakers(brief.language), templates_dir=root / "templates",
                            published=brief.published or dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        keys[plan.id] = plan.key
    return keys, show_key(settings, [], "cover.png")


#: Show settings an episode is made with (spoken, tagged, or the language of briefs that declare none);
#: every other one reaches only the feeds and the page.
EPISODE_SHOW_FIELDS = {"title", "author", "image"}


@pytest.mark.parametrize("table", ["show", "audio"])
def test_every_setting_reaches_the_keys_of_what_it_changes(baseline: Path, tmp_path: Path, table: str) -> None:
    settings = _settings()
    episodes, show = _keys(baseline, settings)
    section = getattr(settings, table)
    walked = []
    for field in dataclasses.fields(section):
        changed = replace(settings, **{table: replace(section, **{field.name: _other(getattr(section, field.name),
                                                                                      field.name, tmp_path)})})
        other_episodes, other_show = _keys(baseline, changed)
        reaches_episodes = table == "audio" or field.name in EPISODE_SHOW_FIELDS
        for ident in BOTH:
            assert (other_episodes[ident] != episodes[ident]) == reaches_episodes, (table, field.name, ident)
        if table == "show":
            assert other_show != show, f"[show] {field.name} does not reach the show files' key"
        walked.append(field.name)
    assert len(walked) == len(dataclasses.fields(section)) >= 12


def test_a_one_language_show_sees_an_edit_of_its_language_folder(baseline: Path, tmp_path: Path) -> None:
    root = tmp_path / "show"
    shutil.copytree(baseline, root, symlinks=True)
    (root / "briefs" / "es.json").unlink()  # nothing else to replan: only the inputs key can see the edit
    assert _build(root, _settings()).unchanged == ("en-story",)
    _append("templates/en/intro.txt.j2", " Stay with us.")(root, _settings())
    assert _build(root, _settings()).unchanged == ()


def test_a_rebuilt_episode_says_and_shows_the_new_words(baseline: Path, tmp_path: Path) -> None:
    root = tmp_path / "show"
    shutil.copytree(baseline, root, symlinks=True)
    _append("templates/en/intro.txt.j2", " Stay with us.")(root, _settings())
    _edit("templates/en/language.toml", 'facts = "The facts"', 'facts = "What happened"')(root, _settings())
    _edit("templates/en/language.toml", 'narratives = "The narratives:"', 'narratives = "How it is told:"')(
        root, _settings())
    result = _build(root, _settings())
    episode = next(e for e in result.episodes if e.brief_id == "en-story")
    assert episode.transcripts is not None
    assert "Stay with us." in (root / "out" / episode.transcripts.text).read_text(encoding="utf-8")
    assert "What happened" in [c.title for c in episode.chapters]
    assert "How it is told:" in episode.show_notes_html


def test_a_new_audiobrief_version_rebuilds_every_episode(baseline: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "show"
    shutil.copytree(baseline, root, symlinks=True)
    monkeypatch.setattr("audiobrief.__version__", "999.0")
    result = _build(root, _settings())
    assert not result.unchanged
    assert result.segments_synthesized == 0  # the speech itself is the same: it comes from the cache


def test_every_engine_option_and_the_model_content_reach_the_fingerprint(tmp_path: Path) -> None:
    from audiobrief.config import EngineSettings, GttsOptions, HibariOptions, PiperOptions
    from audiobrief.tts import get_engine
    from audiobrief.tts.piper import _bundled_model

    def fingerprint(name: str, engine: EngineSettings, voice: str | None = None) -> str:
        return get_engine(name, voice=voice, **engine.options(name, voice)).fingerprint()

    variants = {
        "piper": [replace(EngineSettings(), piper=PiperOptions(**{f.name: value}))
                  for f, value in zip(dataclasses.fields(PiperOptions), (1.2, 0.5, 0.6, 0.3))],
        "hibari": [replace(EngineSettings(), hibari=HibariOptions(speed=1.1)),
                   replace(EngineSettings(), hibari=HibariOptions(speeds={"heart": 0.9}))],
        "gtts": [replace(EngineSettings(), gtts=GttsOptions(tld="co.uk")),
                 replace(EngineSettings(), gtts=GttsOptions(slow=True))],
    }
    assert len(variants["piper"]) == len(dataclasses.fields(PiperOptions))
    for name, settings_list in variants.items():
        options = {"check_network": False} if name == "gtts" else {}
        base = get_engine(name, **options, **EngineSettings().options(name)).fingerprint()
        for engine in settings_list:
            other = get_engine(name, **options, **engine.options(name)).fingerprint()
            assert other != base, (name, engine)

    # the model's content, not its name or size: one byte flipped in a copy of the same size
    model = _bundled_model("joe")
    copy = tmp_path / "voice.onnx"
    shutil.copyfile(model, copy)
    shutil.copyfile(f"{model}.json", f"{copy}.json")
    first = get_engine("piper", voice=str(copy)).fingerprint()
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    assert get_engine("piper", voice=str(copy)).fingerprint() != first


def test_a_model_is_digested_once_per_version_of_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiobrief import digests

    model = tmp_path / "model.bin"
    model.write_bytes(b"weights" * 1000)
    first = digests.file_sha256(model)
    digests._memo.clear()
    digests._loaded_from = None  # as a new process: only the memo file beside the cache remembers
    opened: list[Path] = []
    real_open = Path.open

    def spy(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == model.resolve():
            opened.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", spy)
    assert digests.file_sha256(model) == first
    assert opened == []  # remembered by path, size, modification time and inode
    model.write_bytes(b"WEIGHTS" * 1000)  # same size, new content
    opened.clear()
    assert digests.file_sha256(model) != first
    assert opened == [model.resolve()]
