"""A publication you can trust: the show never moves by accident, builds never race, crashes lose nothing.

Races and kills use real processes (``tests/procs.py``): a fake engine, the real pipeline, SIGKILL.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner

from audiobrief.cli import cli
from audiobrief.publishing.publication import folder_lock, load_publication

from .conftest import EXAMPLES, ROOT

PUBLIC = "https://pod.example.org/show/"


def _brief(folder: Path, name: str, fact: str = "The council met on Monday.") -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({
        "title": f"Story {name}", "facts": [f"{fact} ({name})", f"It voted on budget {name}.", f"Then {name} ended."],
        "narratives": [{"label": "Left narrative", "outlet": "A", "text": f"Story {name} was good."},
                       {"label": "Right narrative", "outlet": "B", "text": f"Story {name} was bad."}]}))
    return path


def _cli(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def _build(brief: Path, out: Path, *extra: str) -> tuple[int, str]:
    return _cli("build", brief, "--out", out, "--engine", "fake", *extra)


def _feed(out: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(str(out / "feed.xml"))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def _assert_consistent(out: Path) -> list[str]:
    """The feed parses with both parsers and every enclosure is there with its declared length."""
    parsed = _feed(out)
    with (out / "feed.xml").open("rb") as handle:
        podcast = podcastparser.parse(PUBLIC, handle)
    assert len(podcast["episodes"]) == len(parsed.entries)
    names = []
    for entry in parsed.entries:
        enclosure = entry.enclosures[0]
        name = enclosure.href.rsplit("/", 1)[1]
        assert (out / name).stat().st_size == int(enclosure.length), name
        names.append(name)
    return names


# --- the show remembers where it lives ---------------------------------------------------------------


def test_a_show_keeps_its_base_url_and_refuses_to_move_by_accident(tmp_path: Path) -> None:
    out = tmp_path / "show"
    assert _build(_brief(tmp_path, "a"), out, "--base-url", PUBLIC)[0] == 0
    guid = _feed(out).feed.podcast_guid
    # another build and a remove without --base-url keep the recorded URL
    assert _build(_brief(tmp_path, "b"), out)[0] == 0
    parsed = _feed(out)
    assert all(e.enclosures[0].href.startswith(PUBLIC) for e in parsed.entries) and len(parsed.entries) == 2
    assert {link.href for link in parsed.feed.links} == {PUBLIC + "feed.xml", PUBLIC}
    assert _cli("remove", "b", "--out", out)[0] == 0
    assert _feed(out).entries[0].enclosures[0].href.startswith(PUBLIC)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    # a different URL is refused, in one line naming --move-to, and nothing changes
    code, output = _build(_brief(tmp_path, "c"), out, "--base-url", "https://elsewhere.example.net/")
    assert code == 1
    (line,) = output.strip().splitlines()
    assert f"published at {PUBLIC}" in line and "--move-to https://elsewhere.example.net/" in line
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    # the configuration's base_url is held to the same rule
    config = tmp_path / "audiobrief.toml"
    config.write_text('base_url = "https://elsewhere.example.net/"\n')
    assert _build(_brief(tmp_path, "c"), out, "--config", config)[0] == 1
    # --move-to moves it on purpose: new URLs, the same podcast:guid, and the feed says where it went
    code, output = _build(_brief(tmp_path, "a"), out, "--move-to", "https://elsewhere.example.net/")
    assert code == 0, output
    parsed = _feed(out)
    assert all(e.enclosures[0].href.startswith("https://elsewhere.example.net/") for e in parsed.entries)
    assert parsed.feed.podcast_guid == guid
    xml = (out / "feed.xml").read_text()
    assert "<itunes:new-feed-url>https://elsewhere.example.net/feed.xml</itunes:new-feed-url>" in xml
    record = load_publication(out)
    assert record is not None and record.moved_from == (PUBLIC,) and record.podcast_guid == guid


def test_a_show_built_locally_first_takes_its_public_url_without_move_to(tmp_path: Path) -> None:
    out = tmp_path / "show"
    assert _build(_brief(tmp_path, "a"), out)[0] == 0
    local_guid = _feed(out).feed.podcast_guid
    assert _build(_brief(tmp_path, "a"), out, "--base-url", PUBLIC)[0] == 0
    public_guid = _feed(out).feed.podcast_guid
    assert public_guid != local_guid  # derived from the first public URL, as Podcasting 2.0 recommends
    assert _build(_brief(tmp_path, "b"), out, "--base-url", PUBLIC.rstrip("/"))[0] == 0  # same place
    assert _feed(out).feed.podcast_guid == public_guid


def test_a_folder_built_before_the_record_existed_keeps_the_url_its_feed_shows(tmp_path: Path) -> None:
    out = tmp_path / "show"
    assert _build(_brief(tmp_path, "a"), out, "--base-url", PUBLIC)[0] == 0
    (out / ".audiobrief" / "show.json").unlink()
    assert _build(_brief(tmp_path, "b"), out)[0] == 0
    assert all(e.enclosures[0].href.startswith(PUBLIC) for e in _feed(out).entries)
    assert _build(_brief(tmp_path, "b"), out, "--base-url", "https://x.example/")[0] == 1


# --- locking -----------------------------------------------------------------------------------------


def _proc(**args: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.procs", json.dumps(args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_builds_at_once_publish_both_episodes(tmp_path: Path) -> None:
    out = tmp_path / "show"
    start = time.time() + 1.5  # both processes are up by then; they start building together
    runs = [_proc(briefs=[str(_brief(tmp_path, name))], out=str(out), start_at=start, delay_s=0.05)
            for name in ("a", "b")]
    results = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    waited = [err for _, err in results if "waiting for another audiobrief" in err]
    assert len(waited) == 1 and waited[0].count("waiting for another audiobrief") == 1, results
    names = _assert_consistent(out)
    assert sorted(e.title for e in _feed(out).entries) == ["Story a", "Story b"] and len(names) == 2


def test_no_wait_fails_at_once_while_another_run_holds_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "show"
    out.mkdir()
    with folder_lock(out, command="build"):
        started = time.monotonic()
        code, output = _build(_brief(tmp_path, "a"), out, "--no-wait")
        assert time.monotonic() - started < 5
    assert code == 1
    assert f"Error: {out}: another audiobrief build (pid {os.getpid()}" in output and "--no-wait" in output
    assert not (out / "feed.xml").exists()
    assert _build(_brief(tmp_path, "a"), out, "--no-wait")[0] == 0  # released: it goes through


def test_the_lock_of_a_process_that_died_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "show"
    holder = _proc(out=str(out), kill_at="hold")
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    holder.communicate(timeout=30)
    assert holder.returncode == -9
    code, output = _build(_brief(tmp_path, "a"), out, "--no-wait")
    assert code == 0, output


# --- crashes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("point", ["synthesis", "encoding", "media", "feed"])
def test_a_build_killed_midway_leaves_a_consistent_show_and_a_rerun_completes(tmp_path: Path, point: str) -> None:
    out, cache = tmp_path / "show", tmp_path / "cache"
    first = _proc(briefs=[str(_brief(tmp_path, "a"))], out=str(out), cache=str(cache))
    assert first.communicate(timeout=60) and first.returncode == 0
    published = _assert_consistent(out)
    killed = _proc(briefs=[str(_brief(tmp_path, "b"))], out=str(out), cache=str(cache), kill_at=point)
    output = killed.communicate(timeout=60)
    assert killed.returncode == -9, output
    # what podcast apps see is intact: the earlier episode at least, every enclosure complete
    after = _assert_consistent(out)
    assert set(published) <= set(after)
    leftovers = [p.name for p in out.glob(".build-*")]
    assert leftovers or point in ("media", "feed")  # the killed run's private folder is still there ...
    rerun = _proc(briefs=[str(_brief(tmp_path, "b"))], out=str(out), cache=str(cache))
    stdout, stderr = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, stderr
    figures = json.loads(stdout)
    assert figures["episodes"] == 2
    if point == "synthesis":
        assert figures["cached"] >= 3  # what was spoken before the kill came from the cache
    elif point in ("encoding", "media", "feed"):
        assert figures["synthesized"] == 0
    names = _assert_consistent(out)
    assert len(names) == 2
    assert not list(out.glob(".build-*")) and not list(out.glob(".*.tmp"))  # ... and the next run cleared it


# --- limits ------------------------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Headline\nFacts\n" + "- A fact that repeats.\n" * 60_000, "MB, more than the limit of 1 MB"),
        ("Headline\nFacts\n" + "".join(f"- Fact number {i}.\n" for i in range(201)),
         "has 201 facts and narratives, more than the limit of 200"),
        ("Headline\nFacts\n" + "".join(f"- {'word ' * 120}{i}.\n" for i in range(170)),
         "words, more than the limit of 20000"),
        ("Headline\nFacts\n- " + "x" * 12_000 + ".\n", "line 3: this line has 12003 characters"),
    ],
    ids=["bytes", "items", "words", "line"],
)
def test_a_brief_over_a_limit_is_refused_in_one_line_before_synthesis(tmp_path: Path, content: str,
                                                                      message: str) -> None:
    brief = _write(tmp_path / "huge.txt", content)
    started = time.monotonic()
    code, output = _build(brief, tmp_path / "show")
    assert code == 1 and message in output and "[limits]" in output, output
    assert len(output.strip().splitlines()) == 1
    assert time.monotonic() - started < 10
    assert not (tmp_path / "show" / "feed.xml").exists()


def test_limits_are_configurable(tmp_path: Path) -> None:
    brief = _write(tmp_path / "many.txt", "Headline\nFacts\n" + "".join(f"- Fact number {i}.\n" for i in range(12)))
    config = _write(tmp_path / "audiobrief.toml", "[limits]\nmax_items = 10\n")
    code, output = _build(brief, tmp_path / "show", "--config", config)
    assert code == 1 and "more than the limit of 10" in output
    config.write_text("[limits]\nmax_items = 20\n")
    assert _build(brief, tmp_path / "show", "--config", config)[0] == 0


def test_a_json_brief_field_over_the_line_limit_is_named(tmp_path: Path) -> None:
    brief = tmp_path / "long.json"
    brief.write_text(json.dumps({"title": "T", "facts": ["ok", "y" * 10_001]}))
    code, output = _build(brief, tmp_path / "show")
    assert code == 1 and "field 'facts[1]' has 10001 characters" in output


def test_max_minutes_refuses_a_long_episode_before_any_synthesis(tmp_path: Path) -> None:
    out = tmp_path / "show"
    code, output = _build(EXAMPLES / "seed-brief.txt", out, "--max-minutes", "1")
    assert code == 1 and "would be about" in output and "more than the limit of 1;" in output
    assert "--max-minutes" in output
    assert not list(Path(os.environ["AUDIOBRIEF_CACHE_DIR"]).rglob("*.seg")), "nothing was synthesized"
    assert _build(EXAMPLES / "seed-brief.txt", out, "--max-minutes", "30")[0] == 0


# --- check holds a show to its own settings -----------------------------------------------------------


def test_check_holds_a_show_to_the_loudness_targets_it_was_built_with(tmp_path: Path) -> None:
    config = _write(tmp_path / "audiobrief.toml", "[audio]\ntarget_lufs = -14.0\ntrue_peak_dbtp = -1.5\n")
    out = tmp_path / "show"
    assert _build(_brief(tmp_path, "a"), out, "--config", config)[0] == 0
    code, output = _cli("check", out)
    assert code == 0, output
    assert "loudness" in output.splitlines()[-1]
    default = _write(tmp_path / "default.toml", "[audio]\ntarget_lufs = -16.0\n")
    code, output = _cli("check", out, "--config", default)
    assert code == 1 and "want -16 ±1 LUFS" in output


# --- no setting is silently dropped ---------------------------------------------------------------------


def test_engine_options_reach_the_engines_and_their_fingerprints(tmp_path: Path) -> None:
    from audiobrief.config import load_settings
    from audiobrief.pipeline import make_engines

    config = _write(tmp_path / "audiobrief.toml", "[engine.piper]\nlength_scale = 1.25\nnoise_scale = 0.5\n"
                    "sentence_silence_s = 0.1\n[engine.espeak]\nvoice = \"en-gb\"\nrate_wpm = 200\n")
    settings = load_settings(config)
    piper = make_engines(settings, "piper")["host"]
    assert (piper.length_scale, piper.noise_scale, piper.sentence_silence_s) == (1.25, 0.5, 0.1)  # type: ignore[attr-defined]
    assert "ls=1.25/ns=0.5" in piper.fingerprint() and "/ss=0.1" in piper.fingerprint()
    if shutil.which("espeak-ng"):
        espeak = make_engines(settings, "espeak")
        assert (espeak["host"].voice, espeak["host"].rate_wpm) == ("en-gb", 200)  # type: ignore[attr-defined]
        assert espeak["narrative"].voice == "en-gb+f3"  # type: ignore[attr-defined]  # audibly another voice


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[voices]\nanchor = \"joe\"\n", "unknown key in [voices]: anchor; known keys: host, narrative"),
        ("[engine]\nvoice = \"joe\"\n", "unknown key in [engine]: voice"),
        ("[engine.piper]\nlength_scale = 9\n", "[engine.piper] length_scale = 9.0: use 0.25 to 4"),
        ("[engine.gtts]\nslow = \"yes\"\n", "[engine.gtts] slow = 'yes': expected true or false"),
        ("[engine]\nfallback = \"nope\"\n", "[engine] fallback = 'nope': choose one of"),
        ("[limits]\nmax_words = 0\n", "[limits] max_words = 0: must be above 0"),
        ("[show]\ndescription = 3\n", "[show] description = 3: expected a quoted string"),
        ("[sound]\nx = 1\n", "unknown section(s): sound"),
    ],
)
def test_every_table_of_the_config_is_checked(tmp_path: Path, toml: str, message: str) -> None:
    config = _write(tmp_path / "audiobrief.toml", toml)
    code, output = _cli("script", EXAMPLES / "seed-brief.txt", "--config", config)
    assert code == 1 and message in output and str(config) in output, output
