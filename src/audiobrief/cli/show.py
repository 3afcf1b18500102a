"""Commands for setting up and auditioning a show: ``init``, ``script``, ``say``, ``engines``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from ..errors import AudiobriefError
from .app import (
    check_engine_name,
    check_language,
    cli,
    config_option,
    date_option,
    errors_to_exit_codes,
    language_option,
    quiet,
    settings_from,
    status,
    templates_option,
)


@cli.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The show's title.")
@click.option("--author", help="Who makes it (also the owner's name).")
@click.option("--language", help="ISO 639 code of the show's language (en, es, ...).")
@click.option("--base-url", "base_url", metavar="URL", help="Where the built folder will be served.")
@errors_to_exit_codes
def init(folder: Path, title: str | None, author: str | None, language: str | None, base_url: str | None) -> None:
    """Set up a show in FOLDER: a commented audiobrief.toml, briefs/ with an example, templates/<language>/.

    Asks for the title, author, language and base URL on a terminal (flags answer without asking);
    never overwrites a file that exists.

    \b
    Examples:
      audiobrief init my-show --title "Morning Briefing" --author "Newsroom"
      cd my-show && audiobrief build briefs/ --out output
    """
    from importlib import resources

    from ..config import DEFAULT_BASE_URL
    from ..standards import LANGUAGE_CODE

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    existing = folder / "audiobrief.toml"
    if existing.is_file():
        # Running init again completes the show as it is: no questions, its own language.
        from ..config import load_settings

        current = load_settings(existing)
        interactive = False
        language = language or current.show.language
        title, author = title or current.show.title, author or current.show.author
    answers = {
        "title": title or (click.prompt("Show title", default="Morning Briefing") if interactive else "Morning Briefing"),
        "author": author or (click.prompt("Author", default="Newsroom") if interactive else "Newsroom"),
        "language": language or (click.prompt("Language (ISO 639)", default="en") if interactive else "en"),
        "base_url": base_url or (click.prompt("Public URL of the built folder", default=DEFAULT_BASE_URL)
                                 if interactive else DEFAULT_BASE_URL),
    }
    if not LANGUAGE_CODE.match(answers["language"]):
        raise click.BadParameter(f"{answers['language']!r}: use an ISO 639 code such as en or es", param_hint="--language")
    if not answers["base_url"].startswith(("http://", "https://")):
        raise click.BadParameter(f"{answers['base_url']!r}: expected an http:// or https:// URL", param_hint="--base-url")
    values = {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in answers.items()}
    values["description"] = json.dumps(f"{answers['title']}: the news, read aloud.", ensure_ascii=False)[1:-1]
    from ..languages import primary, shipped_languages

    scaffold = resources.files("audiobrief").joinpath("scaffold")
    code = primary(answers["language"])
    # The show's language's templates; a language we ship none for starts from English ones to translate.
    source = code if code in shipped_languages() else "en"
    templates = resources.files("audiobrief").joinpath("templates", "script", source)
    files = {
        Path("audiobrief.toml"): scaffold.joinpath("audiobrief.toml.in").read_text(encoding="utf-8").format(**values),
        Path("briefs", "example-brief.txt"): scaffold.joinpath("seed-brief.txt").read_text(encoding="utf-8"),
        **{Path("templates", code, t.name): t.read_text(encoding="utf-8")
           for t in sorted(templates.iterdir(), key=lambda t: t.name) if t.name.endswith((".j2", ".toml"))},
    }
    made = kept = 0
    for relative, content in files.items():
        path = folder / relative
        if path.exists():
            kept += 1
            status(f"kept     {path} (exists)")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
            handle.write(content)
        made += 1
        status(f"created  {path}")
    if source != code:
        status(f"note: audiobrief has no {code} templates yet; translate the English ones in "
                   f"{folder / 'templates' / code} (README: \"Adding a language\")")
    status(f"{made} file(s) created, {kept} kept. Next:\n"
               f"  cd {folder}\n"
               "  audiobrief say \"Good morning, this is the news.\"     # hear the voice\n"
               "  audiobrief build briefs/ --out output\n"
               "  audiobrief serve output")



def _explain(brief: Path, language: str) -> None:
    """Each line of ``brief`` with its role and why, then what parsing it says (or the refusal)."""
    from ..brief import PARSERS, explain_lines, load_brief, parse_text_brief
    from ..brief.lines import reading
    from ..errors import BriefError

    if PARSERS.get(brief.suffix.lower(), parse_text_brief) is not parse_text_brief:
        click.echo(f"{brief} is a structured brief: its fields are read by name; there are no lines to classify.")
    else:
        try:
            text = brief.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise BriefError(f"cannot be read as UTF-8 text ({exc})", path=str(brief)) from exc
        rules = reading()
        click.echo(f"line role           score  features (chrome at {rules.chrome_at:+.1f} or more; under a chrome "
                   f"heading, until a line scores below {rules.sidebar_ends_below:+.1f})")
        for number, role, line, score in explain_lines(text, language):
            shown = line if len(line) <= 70 else line[:67] + "..."
            why = f"{score.score:+5.1f}  {score.explain()}" if score is not None else "    -  (structure)"
            click.echo(f"{number:>4} {role:<14} {why}\n{'':<20}| {shown}")
    try:
        parsed = load_brief(brief, language=language)
    except BriefError as exc:
        click.echo(f"\nRefused: {exc}")
        return
    click.echo(f"\nRead as: {parsed.title!r}, {len(parsed.facts)} fact(s), {len(parsed.narratives)} narrative(s)")
    for warning in parsed.warnings:
        click.echo(f"warning: {warning}")


@cli.command()
@click.argument("brief", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: the spoken script; json: the parsed brief and the segments.")
@click.option("--explain", is_flag=True,
              help="Show how each line of a text brief was read (its role, its chrome score and the features "
                   "behind it), then the warnings, instead of the script.")
@config_option
@templates_option
@language_option
@date_option
@errors_to_exit_codes
def script(brief: Path, fmt: str, explain: bool, config: Path | None, templates: Path | None, language: str | None,
           date: dt.datetime | None) -> None:
    """Print the spoken script of BRIEF, segment by segment, without synthesizing.

    \b
    Examples:
      audiobrief script examples/seed-brief.txt
      audiobrief script briefs/today.json --format json --templates templates
      audiobrief script briefs/noticias.txt --language es
      audiobrief script reposted-page.txt --explain
    """
    from ..brief import load_brief
    from ..pipeline import script_for

    settings = settings_from(config)
    if explain:
        _explain(brief, language or settings.show.language)
        return
    parsed = load_brief(brief, language=settings.show.language, force_language=language)
    when = date or parsed.published or dt.datetime.now(dt.UTC)
    result = script_for(parsed, settings, published=when, templates_dir=templates or settings.templates_dir)
    if fmt == "json":
        click.echo(json.dumps({"brief": asdict(parsed), "segments": [asdict(s) for s in result.segments]},
                              indent=2, ensure_ascii=False, default=str))
        return
    for segment in result.segments:
        click.echo(f"[{segment.id}] ({segment.role}; chapter: {segment.chapter_title})")
        click.echo(segment.text)
        click.echo()
    click.echo(f"-- {result.word_count} words, about {result.word_count / 160:.1f} minutes at 160 words a minute")


@cli.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--voice", "voice", metavar="[ENGINE:]VOICE",
              help="The voice to audition, e.g. hibari:heart or piper:joe (default: the host's).")
@click.option("--engine", "engine", callback=check_engine_name, metavar="NAME", help="The engine, when --voice does not name it.")
@click.option("-o", "--out", "out", default="say.wav", show_default=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The WAV file to write.")
@click.option("--language", "language", callback=check_language, metavar="CODE",
              help="The language of TEXT (default: [show] language): picks the normalization and the voice.")
@click.option("--show-text", is_flag=True, help="Print the text as it will be spoken (after normalization) on stdout.")
@config_option
@errors_to_exit_codes
def say(text: tuple[str, ...], voice: str | None, engine: str | None, out: Path, language: str | None,
        show_text: bool, config: Path | None) -> None:
    """Say TEXT with a voice, as a build would (text made speakable first), into a WAV file.

    TEXT "-" reads standard input. Use it to audition voices and check a pronunciation.

    \b
    Examples:
      audiobrief say "Kim Jong Un met Putin in Pyongyang on Sept. 13." --voice hibari:heart
      audiobrief say "A 35.5 million dollar plan" --voice piper:joe -o plan.wav
      audiobrief say "El 3 de octubre, 1.500 personas." --language es --show-text
    """
    import wave

    from ..speakable import has_words, said_as, speakable
    from ..speech import check_speech
    from ..voices import create_engine, resolve_voice

    settings = settings_from(config)
    language = language or settings.show.language
    written = sys.stdin.read() if text == ("-",) else " ".join(text)
    spoken = speakable(written, dict(settings.pronunciations), language)
    if not has_words(spoken):
        raise click.BadParameter("nothing to say: no words once the text is made speakable", param_hint="TEXT")
    spoken = said_as(spoken, language)  # names respelled as the build would have the voice read them
    if show_text:
        click.echo(spoken)
    tts = create_engine(settings, *resolve_voice(settings, voice, engine, language))
    chunks = list(tts.synthesize(spoken))
    rate = chunks[0].sample_rate_hz if chunks else 22_050
    pcm = b"".join(c.pcm for c in chunks)
    check_speech("say", spoken, pcm, rate)
    try:
        with open(out, "wb") as raw, wave.open(raw, "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(rate)
            handle.writeframes(pcm)
    except OSError as exc:
        raise click.ClickException(f"{out}: cannot write the WAV file ({exc.strerror or exc}); choose another -o") from exc
    if not quiet():
        if not show_text:
            click.echo(f"Said: {spoken}", err=True)
        voice = getattr(tts, "voice_name", None) or getattr(tts, "voice", None) or "default voice"
        click.echo(f"{out}: {len(pcm) / 2 / rate:.1f} s, {tts.name} {voice}", err=show_text)


@cli.command()
@click.option("--online", is_flag=True, help="Also contact online services (gTTS) to see whether they answer.")
@click.option("--language", "language", callback=check_language, metavar="CODE",
              help="Say which voice of each engine speaks this language, and who a build would cast.")
@config_option
@errors_to_exit_codes
def engines(online: bool, language: str | None, config: Path | None) -> None:
    """List the TTS engines, their voices, and whether each can run here (offline unless --online).

    \b
    Examples:
      audiobrief engines
      audiobrief engines --language es
      audiobrief engines --online
    """
    from ..tts import engine_statuses

    settings = settings_from(config)
    options = {"espeak": {"voice": settings.engine.espeak.voice}}
    for engine in engine_statuses(online=online, language=language, **options):
        mark = "ok " if engine.available else "-- "
        click.echo(f"{mark}{engine.name:<7} {engine.description}")
        if engine.available:
            voices = tuple(f"{v} (default)" if v == engine.default_voice else v for v in engine.voices)
            click.echo(f"        voices: {_first_dozen(voices)}")
            if engine.languages:
                click.echo(f"        languages: {len(engine.languages)} ({_first_dozen(engine.languages)})"
                           if len(engine.languages) > 1 else f"        languages: {engine.languages[0]}")
            if engine.detail != "ready":
                click.echo(f"        {engine.detail}")
            if language:
                click.echo(f"        {language}: " + (f"voice {engine.language_voice}" if engine.language_voice
                                                     else "no voice for this language"))
        else:
            click.echo(f"        {engine.detail}")
    if language:
        from ..voices import cast_for, voice_key

        try:
            cast = cast_for(settings, language)
        except AudiobriefError as exc:
            click.echo(f"A build in {language}: {exc}")
            return
        narrators = ", ".join(voice_key(k) for k in cast.narratives)
        click.echo(f"A build in {language}: host {voice_key(cast.host)}; narratives {narrators}")


def _first_dozen(names: tuple[str, ...]) -> str:
    return ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
