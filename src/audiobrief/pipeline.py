"""The pipeline: the only module that knows the order of the stages.

``plan`` (briefs -> scripts -> segment and episode keys) -> ``render`` (missing segments, on an
executor, through the segment cache) -> ``master`` (timeline, one-pass mastering, one encode,
transcripts) -> ``publish`` (episode store, feeds, site; the RSS feed last).

An episode whose key matches the one in the store, with its files in place, is kept as it is:
no model is loaded, nothing is synthesized or encoded, and its bytes and URL stay the same.
While one episode is mastered, the next one's segments are being spoken.

Everything is written into a private temporary folder inside the output folder first and moved
into place with renames; the episode store and then the feed are replaced last, so a build that
fails or is killed leaves what was published before intact.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings
from .errors import BriefError, EngineUnavailable
from .inputs import brief_paths as expand_brief_paths
from .inputs import inputs_key
from .languages import words_for
from .models import Brief, Chapter, Episode, Script, SentenceTiming, Soundbite
from .publishing import store
from .publishing.publication import (
    Publication,
    clean_leftovers,
    folder_lock,
    load_publication,
    record_publication,
    resolve_publication,
)
from .publishing.publish import episode_files, find_cover, retire, show_key, write_show
from .stages import ProgressEvent, Stage
from .tts import TTSEngine
from .voices import Cast, Voicing, create_engine, make_engines, resolve_voice

if TYPE_CHECKING:
    from .cache import Cache
    from .plan import EpisodePlan
    from .speech import Renderer

__all__ = ["BuildResult", "ProgressEvent", "build", "changing_folder", "create_engine", "make_engines", "remove",
           "resolve_voice", "script_for"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build published."""

    out_dir: Path
    feed_path: Path
    episodes: tuple[Episode, ...]
    """The episodes of this run (built or unchanged), in the order of the briefs given."""
    feed_episode_count: int
    unchanged: tuple[str, ...] = ()
    """Ids of the episodes that were already up to date."""
    segments_cached: int = 0
    segments_synthesized: int = 0
    feed_url: str = ""
    """Where podcast apps find the feed (the recorded public URL)."""
    casts: tuple[Cast, ...] = ()
    """Who spoke, per language (empty when nothing was planned, or with fixed engines)."""


def _published(brief: Brief, override: dt.datetime | None, previous: Episode | None) -> dt.datetime:
    if override is not None:
        return override
    if brief.published is not None:
        return brief.published
    if previous is not None:
        return previous.published  # a rebuild keeps the original date
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def script_for(brief: Brief, settings: Settings, *, published: dt.datetime,
               templates_dir: str | Path | None = None) -> Script:
    """Stage 2 with the settings applied (used by ``audiobrief script``)."""
    from .script import render_script

    return render_script(brief, settings.show, published=published, templates_dir=templates_dir,
                         pronunciations=dict(settings.pronunciations))


def _content_name(path: Path, stem: str) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return f"{stem}-{digest}"


def _in_place(episode: Episode | None, out: Path) -> bool:
    return episode is not None and all((out / name).is_file() for name in episode_files(episode))


def _unchanged(plan: EpisodePlan, previous: Episode | None, out: Path) -> bool:
    return previous is not None and previous.key == plan.key and _in_place(previous, out)


def _context(settings: Settings, fingerprints: Mapping[str, str], published: dt.datetime | None,
             digest_title: str | None) -> str:
    from . import __version__
    from .plan import PLAN_VERSION, file_digest

    files = [file_digest(settings.show.image)] + [
        file_digest(getattr(settings.audio, name)) for name in ("cue", "intro_music", "outro_music", "music_bed")]
    if digest_title is not None and published is None:
        published = _digest_date(None)  # a digest of the same files on another day is another episode
    return repr((__version__, PLAN_VERSION, settings.show, settings.audio, settings.engine, settings.voice_table,
                 settings.pronunciations, sorted(fingerprints.items()), published, digest_title, files))


def _digest_date(published: dt.datetime | None) -> dt.datetime:
    return published or dt.datetime.now(dt.UTC).replace(hour=6, minute=0, second=0, microsecond=0)


def _write_show_if_changed(out: Path, settings: Settings, episodes: list[Episode], keep: int | None,
                           publication: Publication) -> set[str]:
    """Rewrite the show files only if what they are made from changed; returns files to retire."""
    episodes[:], dropped = retire(episodes, keep)
    cover = find_cover(out)
    record_publication(out, publication)
    if (dropped or not (out / "feed.xml").exists()
            or store.load_show_key(out) != show_key(settings, episodes, cover, publication=publication)):
        write_show(out, settings, episodes, image_file=cover, publication=publication)
    return set().union(*(episode_files(e) for e in dropped))


@contextlib.contextmanager
def changing_folder(out: Path, settings: Settings, *, command: str, move_to: str | None = None,
                    wait: bool = True) -> Iterator[Publication]:
    """Create ``out`` if needed, hold its lock, clear leftovers of killed runs, and resolve its publication.

    Everything that reads the episode store and writes the show must happen inside, so that no
    update is lost to a concurrent run.
    """
    _prepare_folder(out)
    with folder_lock(out, command=command, wait=wait):
        clean_leftovers(out)
        yield resolve_publication(
            out, load_publication(out), base_url=settings.base_url, move_to=move_to, title=settings.show.title,
            language=settings.show.language, target_lufs=settings.audio.target_lufs,
            true_peak_dbtp=settings.audio.true_peak_dbtp)


def remove(out: Path, settings: Settings, guid: str, *, move_to: str | None = None, wait: bool = True) -> Episode:
    """Withdraw episode ``guid`` (or its brief id) from the show in ``out`` and delete its files, under the lock."""
    from .publishing.publish import remove_episode

    if not (out / store.STORE_NAME).is_file():
        from .errors import PublishError

        raise PublishError(f"{out}: not a built show folder (no {store.STORE_NAME}); check --out")
    with changing_folder(out, settings, command="remove", move_to=move_to, wait=wait) as publication:
        record_publication(out, publication)
        return remove_episode(out, settings, guid, publication=publication)


def _prepare_folder(out: Path) -> None:
    """Create the output folder, or say in one line why it cannot be used."""
    from .errors import PublishError

    if out.exists() and not out.is_dir():
        raise PublishError(f"{out}: exists and is not a folder; choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"{out}: cannot create the output folder ({exc.strerror or exc}); "
                           "choose another --out") from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise PublishError(f"{out}: the output folder is not writable; fix its permissions or choose another --out")


#: Speaking pace of the length estimate (a newsreader's ~160 words a minute).
WORDS_PER_MINUTE = 160


def _check_length(plan: EpisodePlan, max_minutes: float) -> None:
    """Refuse, before any synthesis, an episode whose estimated length passes ``max_minutes``."""
    words = plan.script.word_count
    minutes = words / WORDS_PER_MINUTE
    if minutes > max_minutes:
        where = plan.briefs[0].path if len(plan.briefs) == 1 else f"the digest of {len(plan.briefs)} briefs"
        raise BriefError(
            f"would be about {minutes:.0f} minutes long ({words} words at {WORDS_PER_MINUTE} a minute), more than "
            f"the limit of {max_minutes:g}; split it, or raise the limit with --max-minutes or [limits] max_minutes",
            path=where)


def _planned_chapters(plan: EpisodePlan) -> tuple[Chapter, ...]:
    chapters: dict[str, Chapter] = {}
    for s in plan.segments:
        chapters.setdefault(s.segment.chapter_id, Chapter(s.segment.chapter_id, s.segment.chapter_title, 0, 0,
                                                          s.segment.chapter_url))
    return tuple(chapters.values())


def _preflight(plans: Sequence[EpisodePlan], settings: Settings, publication: Publication,
               templates_dir: str | Path | None) -> None:
    """Make the feed these episodes will have, with placeholder audio, before any speech is made: bad show
    metadata, a title or chapter the feed cannot carry, fails now rather than after minutes of synthesis."""
    from .publishing.feed import build_feed
    from .publishing.notes import render_digest_notes, render_show_notes

    drafts = []
    for plan in plans:
        chapters = _planned_chapters(plan)
        words = words_for(plan.script.language, templates_dir)
        notes = (render_show_notes(plan.briefs[0], chapters, words=words) if plan.kind == "brief"
                 else render_digest_notes(plan.title, plan.briefs, chapters, words=words))
        drafts.append(Episode(guid=plan.guid, brief_id=plan.id, title=plan.title, summary=plan.summary,
                              show_notes_html=notes, published=plan.published,
                              audio_file=f"{plan.id}.{settings.audio.format}", size_bytes=0, duration_ms=0,
                              chapters=chapters))
    build_feed(settings.show, drafts, publication.base_url, image_file=None)


def _warm_up() -> None:
    import importlib

    for name in ("pedalboard", "pedalboard.io", "mutagen.id3", "mutagen.mp3", "audiobrief.audio",
                 "audiobrief.publishing.feed", "audiobrief.transcript", "audiobrief.publishing.site", "audiobrief.publishing.jsonfeeds"):
        importlib.import_module(name)


def _master(plan: EpisodePlan, renderer: Renderer, settings: Settings, tmp: Path, artwork: Callable[[], tuple[bytes, str]],
            previous: Episode | None, number: int, templates_dir: str | Path | None, *, keep_voices: bool = False) -> Episode:
    from .audio import EpisodeTags, MasterAnalysis, TimelineBuilder, encode_episode
    from .publishing.notes import render_digest_notes, render_show_notes
    from .transcript import write_transcripts

    # Join each segment as soon as it is spoken, in order, and resample, compress and meter what is
    # joined meanwhile: the analysis mastering needs is done while the last segments are being spoken.
    builder: TimelineBuilder | None = None
    analysis: MasterAnalysis | None = None
    for s in plan.segments:
        spoken = renderer.result(s.key, s.segment.id)
        if builder is None:
            builder = TimelineBuilder(plan.script, settings.audio, spoken.sample_rate_hz)
            if builder.streamable:
                # its metering on a core of its own when speech leaves one free (an edit, a digest of built briefs)
                free = renderer.speaking() < len(os.sched_getaffinity(0))
                analysis = MasterAnalysis(spoken.sample_rate_hz, settings.audio.sample_rate_hz, threaded=free)
        builder.add(s.segment, spoken)
        if analysis is not None:
            analysis.add_pcm(builder.take())
    assert builder is not None
    if renderer.idle() and not keep_voices:
        # Speech is done: the model's memory is not needed while mastering (no new peak).
        renderer.release_engines()
    timeline = builder.finish()
    if analysis is not None:
        analysis.add_pcm(builder.take())
    cover, mime = artwork()
    suffix = f".{settings.audio.format}"
    draft = tmp / f"{plan.id}{suffix}"
    words = words_for(plan.script.language, templates_dir)
    tags = EpisodeTags(
        title=plan.title, show=settings.show.title, author=settings.show.author,
        date=plan.published.date().isoformat(), description=plan.summary or plan.title,
        language=words.iso639_2, artwork=cover, artwork_mime=mime,
    )
    audio = encode_episode(timeline, draft, settings.audio, tags, analysis)
    del timeline
    stem = _content_name(draft, plan.id)
    transcripts = write_transcripts(tmp, plan.id, title=plan.title, show=settings.show.title,
                                    chapters=audio.chapters, sentences=audio.sentences, words=words)
    draft.rename(tmp / f"{stem}{suffix}")
    alternates = []
    for alternate in audio.alternates:  # each named by its own content, as the main file
        named = f"{_content_name(tmp / alternate.file, plan.id)}{Path(alternate.file).suffix}"
        (tmp / alternate.file).rename(tmp / named)
        alternates.append(replace(alternate, file=named))
    notes = (render_show_notes(plan.briefs[0], audio.chapters, words=words) if plan.kind == "brief"
             else render_digest_notes(plan.title, plan.briefs, audio.chapters, words=words))
    return Episode(
        guid=previous.guid if previous else plan.guid,
        brief_id=plan.id,
        title=plan.title,
        summary=plan.summary,
        show_notes_html=notes,
        published=plan.published,
        audio_file=f"{stem}{suffix}",
        size_bytes=audio.size_bytes,
        duration_ms=audio.duration_ms,
        chapters=audio.chapters,
        transcripts=transcripts,
        integrated_lufs=audio.integrated_lufs,
        true_peak_dbtp=audio.true_peak_dbtp,
        number=previous.number if previous else number,
        key=plan.key,
        language=plan.script.language,
        alternates=tuple(alternates),
        soundbites=_soundbites(plan, audio.sentences),
        host_voice=next((s.speaker for s in plan.segments if s.segment.role == "host" and ":" in s.speaker), None),
    )


#: podcast:soundbite's recommended length, in milliseconds.
SOUNDBITE_MS = (15_000, 120_000)


def _soundbites(plan: EpisodePlan, sentences: Sequence[SentenceTiming]) -> tuple[Soundbite, ...]:
    """One soundbite per narrative: from its first word to its last (the cue before it left out), named as its
    chapter; one shorter than 15 s is left out, one longer than 2 minutes is cut there."""
    bites = []
    for s in plan.segments:
        if s.segment.kind != "narrative":
            continue
        spoken = [t for t in sentences if t.segment_id == s.segment.id]
        if not spoken:
            continue
        start, end = spoken[0].start_ms, spoken[-1].end_ms
        if end - start < SOUNDBITE_MS[0]:
            continue
        bites.append(Soundbite(start, min(end - start, SOUNDBITE_MS[1]), s.segment.chapter_title[:128]))
    return tuple(bites)


def build(
    brief_paths: Sequence[str | Path],
    out_dir: str | Path,
    settings: Settings,
    *,
    engines: Mapping[str, TTSEngine] | None = None,
    engine_name: str | None = None,
    templates_dir: str | Path | None = None,
    published: dt.datetime | None = None,
    keep: int | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    cache: Cache | None = None,
    jobs: int | None = None,
    executor: Executor | None = None,
    digest_title: str | None = None,
    move_to: str | None = None,
    wait: bool = True,
    language: str | None = None,
    through_cache: bool = False,
    keep_voices: bool = False,
) -> BuildResult:
    """Build one episode per brief (or one digest of them all) into ``out_dir`` and rebuild the feed.

    :param brief_paths: brief files or folders of them; all are parsed before any synthesis starts.
    :param out_dir: the output folder (created if missing); earlier episodes in it stay in the feed.
    :param settings: show metadata, voices, audio targets, base URL.
    :param engines: role -> engine, overriding ``engine_name`` (tests pass a fake engine here).
    :param engine_name: the engine for every role (default: the settings', normally ``hibari``).
    :param templates_dir: a folder of script templates overriding the shipped ones.
    :param published: the episodes' date, overriding the briefs' and earlier builds'.
    :param keep: keep only the newest ``keep`` episodes in the feed, deleting the older ones' files.
    :param progress: receives :class:`ProgressEvent` as the build goes.
    :param cache: the segment cache (None: synthesize everything, store nothing).
    :param jobs: parallel synthesis (default: the cores available).
    :param executor: where synthesis runs (default: a thread pool sized by ``jobs``).
    :param digest_title: make ONE episode reading every brief, with this title.
    :param move_to: move a show published elsewhere to this base URL (``--move-to``).
    :param wait: wait for another run holding the folder's lock (False: fail at once).
    :param language: the language of every brief (``--language``); default: each brief's, else the show's.
    :param through_cache: the executor's workers store each segment in ``cache`` (which they must share)
        and the build reads it from there, instead of the audio coming back with each task.
    :param keep_voices: leave the voices' models loaded once speech is done, for the next build in this
        process (``watch``; release them with :func:`audiobrief.tts.release_voices`); by default they are
        let go before mastering, so they do not add to the build's peak memory.
    :returns: what was published.
    :raises AudiobriefError: any stage failed; nothing published before is changed.

    When an engine cannot run (not installed, a voice not downloaded) or its service stays
    unreachable, the build is made again with ``[engine] fallback`` (Piper unless configured, with a
    one-line warning), in one voice throughout; ``fallback = "none"`` makes it an error.
    """
    arguments = {name: value for name, value in locals().items() if name != "engine_name"}
    try:
        return _build(engine_name=engine_name, **arguments)
    except EngineUnavailable as exc:
        fallback = settings.engine.fallback
        if engines is not None or engine_name is not None or fallback == "none":
            raise  # an engine asked for by name (--engine) fails loudly; only the configured one falls back
        log.warning("%s; speaking with the fallback engine %r instead", exc, fallback)
        return _build(engine_name=fallback, **arguments)


def _build(
    brief_paths: Sequence[str | Path],
    out_dir: str | Path,
    settings: Settings,
    *,
    engines: Mapping[str, TTSEngine] | None,
    engine_name: str | None,
    templates_dir: str | Path | None,
    published: dt.datetime | None,
    keep: int | None,
    progress: Callable[[ProgressEvent], None] | None,
    cache: Cache | None,
    jobs: int | None,
    executor: Executor | None,
    digest_title: str | None,
    move_to: str | None,
    wait: bool,
    language: str | None,
    through_cache: bool,
    keep_voices: bool,
) -> BuildResult:
    notify = progress or (lambda event: None)
    if templates_dir is not None:
        settings = replace(settings, templates_dir=Path(templates_dir))  # the show page's words come from it too
    jobs = jobs or len(os.sched_getaffinity(0))
    files = expand_brief_paths(brief_paths)
    out = Path(out_dir)
    voicing = Voicing(settings, engine_name, jobs=jobs, engines=engines)
    voicing.cast(language or settings.show.language)  # the voices known before any brief is read
    fingerprints = {name: voicing.fingerprints[name] for name in voicing.engines}
    context = _context(settings, fingerprints, published, digest_title) + repr(language)
    groups = [files] if digest_title is not None else [[f] for f in files]
    input_keys = [inputs_key(group, templates_dir, context) for group in groups]
    with changing_folder(out, settings, command="build", move_to=move_to, wait=wait) as publication:
        job = BuildJob(out, settings, voicing, publication, notify, templates_dir=templates_dir, published=published,
                       keep=keep, digest_title=digest_title, language=language, keep_voices=keep_voices)
        return _build_locked(job, files, input_keys, cache=cache, jobs=jobs, executor=executor,
                             through_cache=through_cache)


@dataclass(frozen=True, slots=True)
class BuildJob:
    """What every stage of one build works with: where it publishes, with which settings and voices,
    and who hears about its progress."""

    out: Path
    settings: Settings
    voicing: Voicing
    publication: Publication
    notify: Callable[[ProgressEvent], None]
    templates_dir: str | Path | None = None
    published: dt.datetime | None = None
    keep: int | None = None
    digest_title: str | None = None
    language: str | None = None
    keep_voices: bool = False


@dataclass(slots=True)
class Plans:
    """The plan stage's result: every episode planned, those to make, and the show's episodes so far."""

    plans: list[EpisodePlan]
    todo: list[EpisodePlan]
    unchanged: tuple[str, ...]
    episodes: list[Episode]
    by_id: dict[str, Episode]
    keys_of: dict[str, str | None]


@dataclass(slots=True)
class Made:
    """The master stage's result: the episodes made, the show's episodes with them, files to retire."""

    built: dict[str, Episode]
    episodes: list[Episode]
    retired: set[str]
    cached: int = 0
    synthesized: int = 0


def _build_locked(job: BuildJob, files: list[Path], input_keys: list[str | None], *, cache: Cache | None,
                  jobs: int, executor: Executor | None, through_cache: bool = False) -> BuildResult:
    """The stages, in order: read, plan, render (ahead, on the executor) with master, publish."""
    episodes = store.load_episodes(job.out) if (job.out / store.STORE_NAME).exists() else []
    same = _nothing_changed(job, episodes, input_keys)
    if same is not None:
        return same
    briefs = read_briefs(job, files)
    plans = plan_stage(job, briefs, episodes, input_keys)
    made = Made({}, plans.episodes, set())
    if plans.todo:
        _preflight(plans.todo, job.settings, job.publication, job.templates_dir)
        with render_stage(job, plans.todo, cache=cache, executor=executor, jobs=jobs, through_cache=through_cache) \
                as renderer, tempfile.TemporaryDirectory(prefix=".build-", dir=job.out) as tmp_name:
            made = master_stage(job, plans, renderer, Path(tmp_name))
            publish_media(job, Path(tmp_name))
        made.cached, made.synthesized = renderer.cached, renderer.synthesized  # counted once every write is done
    publish_show(job, made.episodes, made.retired)
    result_episodes = tuple(made.built.get(p.id) or plans.by_id[p.id] for p in plans.plans)
    log.info("built %d episode(s), %d unchanged; the feed has %d", len(made.built), len(plans.unchanged),
             len(made.episodes))
    return BuildResult(job.out, job.out / "feed.xml", result_episodes, len(made.episodes), plans.unchanged,
                       made.cached, made.synthesized, job.publication.feed_url, tuple(job.voicing.casts.values()))


def _nothing_changed(job: BuildJob, episodes: list[Episode], input_keys: list[str | None]) -> BuildResult | None:
    """Stage 0: every episode recognized by its inputs, without reading a brief (an episode in a language
    whose voices were not part of the inputs is planned, to check its voices); None when one changed."""
    by_inputs = {e.inputs_key: e for e in episodes if e.inputs_key}
    if not episodes or not all(k is not None and _in_place(by_inputs.get(k), job.out)
                               and job.voicing.knows(by_inputs[k].language) for k in input_keys):
        return None
    same = tuple(by_inputs[k] for k in input_keys if k is not None)
    for episode in same:
        job.notify(ProgressEvent(Stage.EPISODE, episode.brief_id, detail="unchanged"))
    for name in _write_show_if_changed(job.out, job.settings, episodes, job.keep, job.publication):
        (job.out / name).unlink(missing_ok=True)
    return BuildResult(job.out, job.out / "feed.xml", same, len(episodes), tuple(e.brief_id for e in same),
                       feed_url=job.publication.feed_url)


def read_briefs(job: BuildJob, files: Sequence[Path]) -> list[Brief]:
    """Stage 1: read every brief; two briefs with one id would be one episode, and are refused."""
    from .brief import load_brief

    settings = job.settings
    briefs = [load_brief(p, limits=settings.limits, language=settings.show.language, force_language=job.language)
              for p in files]
    seen: dict[str, Brief] = {}
    for brief in briefs:
        if brief.id in seen:
            raise BriefError(
                f"has the same id {brief.id!r} as {seen[brief.id].path}, so both would be one episode; "
                "rename one file or give a JSON/YAML brief its own \"id\"",
                path=brief.path,
            )
        seen[brief.id] = brief
    return briefs


def plan_stage(job: BuildJob, briefs: Sequence[Brief], episodes: list[Episode], input_keys: Sequence[str | None]) -> Plans:
    """Stage 2: an episode plan per brief (or one digest), each checked for length; the plans whose episode
    is already published as planned are unchanged (their new inputs remembered)."""
    from .plan import plan_digest, plan_episode

    settings, voicing = job.settings, job.voicing
    by_id = {e.brief_id: e for e in episodes}
    if job.digest_title is not None:
        languages = {b.language for b in briefs}
        common = next(iter(languages)) if len(languages) == 1 else settings.show.language
        plans = [plan_digest(list(briefs), settings, voicing.speakers(common), published=_digest_date(job.published),
                             title=job.digest_title, templates_dir=job.templates_dir)]
    else:
        plans = [plan_episode(b, settings, voicing.speakers(b.language),
                              published=_published(b, job.published, by_id.get(b.id)), templates_dir=job.templates_dir)
                 for b in briefs]
    for plan in plans:
        _check_length(plan, settings.limits.max_minutes)
    keys_of = {p.id: k for p, k in zip(plans, input_keys, strict=False)}
    todo = [p for p in plans if not _unchanged(p, by_id.get(p.id), job.out)]
    unchanged = tuple(p.id for p in plans if p not in todo)
    for ident in unchanged:
        job.notify(ProgressEvent(Stage.EPISODE, ident, detail="unchanged"))
        if by_id[ident].inputs_key != keys_of[ident]:  # same episode from edited files: remember the new inputs
            by_id[ident] = replace(by_id[ident], inputs_key=keys_of[ident])
            episodes, _ = store.upsert(episodes, by_id[ident])
    return Plans(plans, todo, unchanged, episodes, by_id, keys_of)


@contextlib.contextmanager
def render_stage(job: BuildJob, todo: Sequence[EpisodePlan], *, cache: Cache | None, executor: Executor | None,
                 jobs: int, through_cache: bool = False) -> Iterator[Renderer]:
    """Stage 3: every segment of ``todo`` from the cache, or submitted to the executor (it works ahead while
    the master stage makes each episode in turn); the renderer is closed on the way out."""
    from .speech import Renderer, RenderEvent

    def relay(event: RenderEvent) -> None:
        job.notify(ProgressEvent(Stage.SEGMENT, event.segment_id, event.done, event.total,
                                 cached=event.cached_count, synthesized=event.synthesized_count))

    renderer = Renderer(job.voicing.engines, level_dbfs=job.settings.audio.segment_level_dbfs, cache=cache,
                        executor=executor, jobs=jobs, progress=relay, through_cache=through_cache)
    try:
        renderer.submit([(s.key, s.segment.id, s.speaker, s.sentences, s.spoken) for p in todo for s in p.segments])
        renderer.announce(lambda total, hits, spoken: job.notify(ProgressEvent(
            Stage.PLANNED, total=total, done=hits + spoken, cached=hits, synthesized=spoken, episodes=len(todo))))
        yield renderer
    finally:
        renderer.close()


def master_stage(job: BuildJob, plans: Plans, renderer: Renderer, tmp: Path) -> Made:
    """Stage 4: each episode to make, mastered, encoded and tagged into ``tmp`` as its segments arrive."""
    from functools import cache as once

    from .artwork import prepare_artwork

    settings = job.settings

    @once
    def artwork() -> tuple[bytes, str]:
        name = prepare_artwork(settings.show.title, settings.show.image, tmp)
        return (tmp / name).read_bytes(), "image/png" if name.endswith(".png") else "image/jpeg"

    if not renderer.idle():
        # The main thread would only wait for speech: do the work that does not need it now
        # (artwork, loading the mastering and tagging code).
        artwork()
        _warm_up()
    episodes = plans.episodes
    made = Made({}, episodes, set())
    number = max((e.number for e in episodes), default=0)
    for plan in plans.todo:
        previous = plans.by_id.get(plan.id)
        if previous is None:
            number += 1
        job.notify(ProgressEvent(Stage.MASTERING, plan.id, detail=plan.title))
        episode = replace(_master(plan, renderer, settings, tmp, artwork, previous, number, job.templates_dir,
                                  keep_voices=job.keep_voices),
                          inputs_key=plans.keys_of[plan.id])
        made.episodes, replaced = store.upsert(made.episodes, episode)
        if replaced is not None:
            made.retired |= episode_files(replaced) - episode_files(episode)
        made.built[plan.id] = episode
        job.notify(ProgressEvent(Stage.EPISODE, plan.id, detail="built"))
    return made


def publish_media(job: BuildJob, tmp: Path) -> None:
    """Stage 5, first half: the new media into the folder (it holds only what this build made), durably."""
    job.notify(ProgressEvent(Stage.PUBLISHING))
    for item in sorted(tmp.iterdir()):
        if item.is_file():
            store.fsync_file(item)
        os.replace(item, job.out / item.name)
    store.fsync_folder(job.out)


def publish_show(job: BuildJob, episodes: list[Episode], retired: set[str]) -> None:
    """Stage 5, second half: the store, the other feeds and the site, the RSS feed last, each rewritten only
    if what it is made from changed (an unchanged rebuild leaves every byte); then retired files go."""
    retired |= _write_show_if_changed(job.out, job.settings, episodes, job.keep, job.publication)
    for name in retired - set().union(*(episode_files(e) for e in episodes)):
        (job.out / name).unlink(missing_ok=True)
