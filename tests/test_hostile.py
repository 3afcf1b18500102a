"""Every command with hostile arguments: one clear line (or click's usage error), never a traceback.

Missing, special and unwritable paths, files where folders belong and folders where files belong,
wrong types and nonsense values. A crash shows as "Traceback" (a real process) or as an exception
the CLI did not handle (CliRunner); the CLI's last-resort "internal error" line counts as a failure
too, since it means a bug reached the user.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobrief.cli import cli

from .conftest import EXAMPLES, ROOT

SEED = str(EXAMPLES / "seed-brief.txt")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("hostile")
    (root / "folder").mkdir()
    (root / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (root / "bad.toml").write_text("[engine]\nname = 3\n[limits]\nmax_items = -1\n")
    (root / "not-a-show").mkdir()
    (root / "not-a-show" / "feed.xml").write_text("<rss><channel><item>")
    (root / "store-broken").mkdir()
    (root / "store-broken" / "episodes.json").write_text("{not json")
    (root / "templates").mkdir()
    (root / "templates" / "intro.txt.j2").write_text("{{ undefined_variable }} {% if %}")
    paths = {name: str(root / name) for name in ("folder", "not-a-show", "store-broken", "templates")}
    return paths | {"binary": str(root / "binary.bin"), "badtoml": str(root / "bad.toml"),
                    "missing": str(root / "missing" / "x")}


CASES = [
    # build
    ["build"],
    ["build", "{missing}"],
    ["build", "/dev/null"],
    ["build", "{folder}"],
    ["build", "{binary}"],
    ["build", SEED, "--out", "/proc/sys/audiobrief"],
    ["build", SEED, "--out", "/dev/null"],
    ["build", SEED, "--out", "/sys/audiobrief"],
    ["build", SEED, "--out", "{binary}"],
    ["build", SEED, "--out", "{store-broken}", "--engine", "fake"],
    ["build", SEED, "--config", "{missing}"],
    ["build", SEED, "--config", "/dev/null/x"],
    ["build", SEED, "--config", "{folder}"],
    ["build", SEED, "--config", "{binary}"],
    ["build", SEED, "--config", "{badtoml}"],
    ["build", SEED, "--templates", "{missing}", "--engine", "fake", "--out", "{folder}/t1"],
    ["build", SEED, "--templates", "{templates}", "--engine", "fake", "--out", "{folder}/t2"],
    ["build", SEED, "--templates", "/dev/null", "--engine", "fake", "--out", "{folder}/t3"],
    ["build", SEED, "--cache", "/dev/null", "--engine", "fake", "--out", "{folder}/c1"],
    ["build", SEED, "--cache", "/proc/sys/audiobrief", "--engine", "fake", "--out", "{folder}/c2"],
    ["build", SEED, "--engine", "nope"],
    ["build", SEED, "--engine", ""],
    ["build", SEED, "--jobs", "0"],
    ["build", SEED, "--jobs", "many"],
    ["build", SEED, "--date", "someday"],
    ["build", SEED, "--keep", "-1"],
    ["build", SEED, "--base-url", "ftp://example.org/", "--engine", "fake", "--out", "{folder}/u1"],
    ["build", SEED, "--move-to", "not a url", "--engine", "fake", "--out", "{folder}/u2"],
    ["build", SEED, "--max-minutes", "-3"],
    ["build", SEED, "--max-minutes", "0.01", "--engine", "fake", "--out", "{folder}/m"],
    ["build", SEED, "--language", "english!"],
    ["build", SEED, "--language", "fr", "--engine", "fake", "--out", "{folder}/l1"],
    ["build", SEED, "--language", "zz", "--out", "{folder}/l2"],
    ["build", SEED, "--language", "es", "--engine", "piper", "--out", "{folder}/l3"],
    # script
    ["script", "{missing}"],
    ["script", "/dev/null"],
    ["script", "{folder}"],
    ["script", "{binary}"],
    ["script", SEED, "--format", "xml"],
    ["script", SEED, "--templates", "{templates}"],
    ["script", SEED, "--config", "{badtoml}"],
    ["script", SEED, "--language", "zz"],
    # cache
    ["cache", "info", "--cache", "/dev/null"],
    ["cache", "info", "--config", "{badtoml}"],
    ["cache", "prune", "--older-than", "soon"],
    ["cache", "prune", "--cache", "/dev/null"],
    ["cache", "prune", "--cache", "{binary}"],
    # serve (only failures: a server that starts would serve forever)
    ["serve", "{missing}"],
    ["serve", "{binary}"],
    ["serve", "{folder}", "--port", "99999"],
    ["serve", "{folder}", "--host", "256.1.1.1"],
    ["serve", "{folder}", "--host", "no-such-host.invalid"],
    ["serve", "{folder}", "--timeout", "0"],
    # check
    ["check", "{missing}"],
    ["check", "/dev/null"],
    ["check", "{not-a-show}"],
    ["check", "http://127.0.0.1:1/feed.xml"],
    ["check", "{not-a-show}", "--config", "{badtoml}"],
    # publish
    ["publish", "{missing}", "{folder}/p"],
    ["publish", "{folder}", "{folder}/p"],
    ["publish", "{not-a-show}", "/dev/null"],
    ["publish", "{not-a-show}", "/proc/sys/audiobrief"],
    # remove
    ["remove", "x", "--out", "{missing}"],
    ["remove", "x", "--out", "/dev/null"],
    ["remove", "x", "--out", "{store-broken}"],
    ["remove", "x", "--out", "{not-a-show}"],
    # say
    ["say"],
    ["say", "..."],
    ["say", "hello", "--voice", "nope:x"],
    ["say", "hello", "--voice", "fake:tone", "-o", "/proc/sys/x.wav"],
    ["say", "hello", "--voice", "hibari:nobody"],
    ["say", "hello", "--language", "zz"],
    ["say", "hello", "--language", "!!"],
    # engines
    ["engines", "--language", "@@"],
    # top level
    ["no-such-command"],
    ["--no-such-option"],
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_hostile_arguments_get_one_clear_line_never_a_traceback(hostile: dict[str, str], args: list[str]) -> None:
    argv = [a.format_map(hostile) if "{" in a else a for a in args]
    result = CliRunner().invoke(cli, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"unhandled {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    assert result.exit_code in (1, 2), result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    if result.exit_code == 1 and args[0] == "check":
        assert lines[-1].startswith("Error: "), result.output  # a report (maybe), then its verdict in one line
    elif result.exit_code == 1:
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    else:
        assert lines[-1].startswith("Error: "), result.output  # click's usage error


def test_a_real_process_prints_no_traceback_either(tmp_path: Path) -> None:
    for args in (["build", "/dev/null"], ["build", SEED, "--out", "/proc/sys/x", "--engine", "fake"],
                 ["check", "/dev/null"], ["serve", str(tmp_path), "--port", "99999"]):
        run = subprocess.run([sys.executable, "-m", "audiobrief", *args], cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
        assert run.returncode in (1, 2) and "Traceback" not in run.stderr + run.stdout, run.stderr


# --- what briefs and folders hold: links, odd text, planted files -------------------------------------------

HOSTILE_LINKS = ["javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>",
                 "file:///etc/passwd", "https://user:secret@example.org/", "https://example.org/\x01x",
                 "JaVaScRiPt:alert(1)", " https://example.org/", "vbscript:msgbox(1)"]


def _tiny_brief(folder: Path) -> str:
    """A brief of a few words: these tests are about what is published, not about the audio."""
    import json

    path = folder / "tiny.json"
    path.write_text(json.dumps({"id": "tiny", "title": "Toll approved", "facts": ["The council voted."],
                                "narratives": [{"label": "Narrative A", "outlet": "Gazette", "text": "Fair."}]}))
    return str(path)


def _hostile_brief(folder: Path, **extra: object) -> Path:
    import json

    brief = {
        "id": "hostile", "title": "Harbor <script>alert(1)</script> toll", "language": "en",
        "sources": [{"number": i + 1, "outlet": f"Outlet {i + 1}", "url": url} for i, url in enumerate(HOSTILE_LINKS)]
        + [{"number": 99, "outlet": "Good Outlet", "url": "https://good.example/story"}],
        "facts": [{"text": "The council voted <img src=x onerror=alert(1)> on Tuesday.", "sources": [1, 99]}],
        "narratives": [{"label": "Narrative A", "outlet": "Outlet 1", "text": "It is fair."},
                       {"label": "Narrative B", "outlet": "Good Outlet", "text": "It is not."}],
        **extra,
    }
    path = folder / "hostile.json"
    path.write_text(json.dumps(brief), encoding="utf-8")  # ASCII escapes: lone surrogates survive as \ud800
    return path


def _published_links(out: Path) -> list[str]:
    """Every link the show publishes: href/src/url attributes of the feed and page, URL fields of the JSON files."""
    import json
    import re

    links: list[str] = []
    for name in ("feed.xml", "index.html"):
        links += re.findall(r'(?:href|src|url)="([^"]*)"', (out / name).read_text(encoding="utf-8"))
        links += re.findall(r'(?:href|src|url)=&quot;(.*?)&quot;', (out / name).read_text(encoding="utf-8"))

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str) and (key.lower().endswith("url") or key in ("href", "icon")):
                    links.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in [out / "feed.json", out / "episodes.json", out / "alexa.json", *out.glob("*.chapters.json")]:
        walk(json.loads(path.read_text(encoding="utf-8")))
    return links


def _only_web_links(links: list[str]) -> None:
    from urllib.parse import urlsplit

    for link in links:
        scheme = urlsplit(link).scheme.lower()
        assert scheme in ("http", "https") or (not scheme and link and ":" not in link and "/" not in link), link


def test_hostile_links_are_dropped_at_load_naming_the_field_and_never_published(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    brief = _hostile_brief(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(brief), "--out", str(out), "--engine", "fake", "--no-cache"])
    assert result.exit_code == 0, result.output
    warned = "\n".join(r.getMessage() for r in caplog.records)
    for index in range(len(HOSTILE_LINKS)):
        assert f"sources[{index}].url" in warned
    links = _published_links(out)
    _only_web_links(links)
    assert "https://good.example/story" in links  # the good link is still published
    for path in out.iterdir():
        if path.suffix in (".xml", ".json", ".html", ".txt", ".vtt", ".srt"):
            text = path.read_text(encoding="utf-8").lower()
            assert "javascript:" not in text and "vbscript:" not in text and "secret@" not in text, path.name
            if path.suffix in (".xml", ".html"):  # markup: the brief's text stays text
                assert "<script>alert" not in text and "<img src=x" not in text, path.name


def test_a_lone_surrogate_or_control_character_is_removed_with_a_warning_naming_the_field(tmp_path: Path) -> None:
    import json

    brief = tmp_path / "odd.json"
    brief.write_text(json.dumps({"title": "Harbor\ud800 toll\x00", "facts": ["A fact\x1b[31m in red."],
                                 "narratives": [{"label": "Narrative\udfff A", "text": "It is fair."}]}))
    run = subprocess.run([sys.executable, "-m", "audiobrief", "build", str(brief), "--out", str(tmp_path / "out"),
                          "--engine", "fake", "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    for field in ("title", "facts[0]", "narratives[0].label"):
        assert f"{field}: removed" in run.stderr, run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    feed = (tmp_path / "out" / "feed.xml").read_text(encoding="utf-8")
    assert "<title>Harbor toll</title>" in feed


def test_an_id_that_would_name_files_outside_the_folder_is_refused(tmp_path: Path) -> None:
    brief = _hostile_brief(tmp_path, id="../../escape")
    result = CliRunner().invoke(cli, ["build", str(brief), "--out", str(tmp_path / "out"), "--engine", "fake"])
    assert result.exit_code == 1 and "field 'id'" in result.output and "internal error" not in result.output
    assert not (tmp_path.parent / "escape").exists() and not list(tmp_path.parent.glob("escape*"))


@pytest.mark.parametrize("where", ["same", "inside", "containing"])
def test_publish_refuses_a_destination_equal_to_inside_or_containing_the_source(tmp_path: Path, where: str) -> None:
    show = tmp_path / "show" / "out"
    tiny = _tiny_brief(tmp_path)
    assert CliRunner().invoke(cli, ["build", tiny, "--out", str(show), "--engine", "fake", "--no-cache"]).exit_code == 0
    dest = {"same": show, "inside": show / "public", "containing": show.parent}[where]
    result = CliRunner().invoke(cli, ["publish", str(show), str(dest), "--no-wait"])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "destination" in lines[0] and "Deadlock" not in lines[0], result.output


def test_publish_never_writes_through_a_planted_temporary_name(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    show, dest = tmp_path / "out", tmp_path / "www"
    tiny = _tiny_brief(tmp_path)
    assert CliRunner().invoke(cli, ["build", tiny, "--out", str(show), "--engine", "fake", "--no-cache"]).exit_code == 0
    dest.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    import audiobrief.publishing.publication

    real_clean = audiobrief.publishing.publication.clean_leftovers

    def clean_then_plant(folder: Path) -> int:  # someone with write access to dest, right after the clean-up
        removed = real_clean(folder)
        for name in ("feed.xml", "index.html", "episodes.json"):
            (folder / f".{name}.publishing").symlink_to(victim)  # the names publish used to write through
        return removed

    monkeypatch.setattr(audiobrief.publishing.publication, "clean_leftovers", clean_then_plant)
    result = CliRunner().invoke(cli, ["publish", str(show), str(dest)])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious"
    assert (dest / "feed.xml").read_bytes() == (show / "feed.xml").read_bytes() and not (dest / "feed.xml").is_symlink()


@pytest.mark.parametrize("name", ["../outside.mp3", "/etc/passwd", ".audiobrief/show.json", "sub/x.mp3"])
def test_an_episode_store_naming_files_outside_the_folder_is_refused(tmp_path: Path, name: str) -> None:
    import json

    show = tmp_path / "out"
    tiny = _tiny_brief(tmp_path)
    assert CliRunner().invoke(cli, ["build", tiny, "--out", str(show), "--engine", "fake", "--no-cache"]).exit_code == 0
    store = json.loads((show / "episodes.json").read_text())
    store["episodes"][0]["audio_file"] = name
    (show / "episodes.json").write_text(json.dumps(store))
    (tmp_path / "outside.mp3").write_text("keep me")
    for args in (["remove", "tiny", "--out", str(show)], ["publish", str(show), str(tmp_path / "www")],
                 ["build", tiny, "--out", str(show), "--engine", "fake"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and "not a plain file name" in result.output, (args, result.output)
    assert (tmp_path / "outside.mp3").read_text() == "keep me"


# --- generated hostile briefs ------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), min_size=1, max_size=30)  # surrogates too
_WORDS = st.text(st.sampled_from("abc xyz \u00e9\u00df\u0416\u4e2d \U0001f600<>&\"'\x00\x07\u202e\ud800\n\t"),
                 min_size=1, max_size=30)
_TEXT = st.one_of(_ANY_TEXT, _WORDS, st.just("The council voted on Tuesday."))
_SCHEMES = ["http", "https", "javascript", "data", "file", "ftp", "vbscript", "about", "chrome", "HTTPS", ""]
_URL = st.one_of(
    st.builds(lambda s, rest: f"{s}:{rest}" if s else rest, st.sampled_from(_SCHEMES), _ANY_TEXT),
    st.builds(lambda s, host, path: f"{s}://{host}/{path}", st.sampled_from(_SCHEMES), _ANY_TEXT, _ANY_TEXT),
    st.just("https://good.example/story"),
)
_BRIEF = st.fixed_dictionaries(
    {"title": _TEXT,
     "facts": st.lists(st.one_of(_TEXT, st.fixed_dictionaries(
         {"text": _TEXT}, optional={"sources": st.lists(st.integers(-3, 5), max_size=3)})), min_size=1, max_size=3)},
    optional={
        "id": st.one_of(_ANY_TEXT, st.just("story-1")),
        "summary": _TEXT,
        "language": st.sampled_from(["en", "en", "en", "es", "EN", "xx", "en-us", "", "\x00"]),
        "published": st.sampled_from(["2026-11-20T06:00:00Z", "yesterday", "\ud800", ""]),
        "sources": st.lists(st.fixed_dictionaries({"number": st.integers(-3, 5), "outlet": _TEXT},
                                                  optional={"url": _URL}), max_size=3),
        "narratives": st.lists(st.fixed_dictionaries({"label": _TEXT, "text": _TEXT}, optional={"outlet": _TEXT}),
                               max_size=3),
    },
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(brief=_BRIEF)
def test_generated_hostile_briefs_build_or_fail_in_one_line_and_publish_only_web_links(
        tmp_path_factory: pytest.TempPathFactory, brief: dict[str, object]) -> None:
    import json

    from lxml import etree

    folder = tmp_path_factory.mktemp("generated")
    path = folder / "brief.json"
    path.write_text(json.dumps(brief), encoding="ascii")  # \\u escapes: lone surrogates reach the parser
    out = folder / "out"
    result = CliRunner().invoke(cli, ["build", str(path), "--out", str(out), "--engine", "fake", "--no-cache",
                                      "--date", "2026-11-20"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    if result.exit_code != 0:
        lines = [line for line in result.output.strip().splitlines() if line.startswith("Error: ")]
        assert result.exit_code == 1 and len(lines) == 1, result.output
        return
    etree.fromstring((out / "feed.xml").read_bytes())  # well-formed XML
    import feedparser

    assert feedparser.parse(str(out / "feed.xml")).bozo == 0
    _only_web_links(_published_links(out))
