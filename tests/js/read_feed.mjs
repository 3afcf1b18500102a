// What three JavaScript podcast feed parsers see in a feed: node read_feed.mjs FEED.xml
// Prints one JSON object: parser name -> {guid, locked, ai, items: [{guid, enclosure, transcripts, chapters,
// alternates, soundbites}], people, updateFrequency, next} (null where the parser reports nothing), in the same
// shape as tests/test_feed_readers.py makes for the Python parsers.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const xml = readFileSync(process.argv[2], "utf8");
const list = (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);
const out = {};

function safely(name, read) {
  try {
    out[name] = read();
  } catch (error) {
    out[name] = { error: String(error) };
  }
}

safely("podcast-partytime", () => {
  const { parseFeed } = require("podcast-partytime");
  const feed = parseFeed(xml);
  if (!feed) return { error: "no feed" };
  return {
    guid: feed.guid ?? null,
    locked: feed.locked ?? null,
    ai: null,
    people: list(feed.podcastPeople).map((p) => p.name),
    updateFrequency: feed.podcastUpdateFrequency ? feed.podcastUpdateFrequency.rrule ?? null : null,
    next: null,
    items: feed.items.map((item) => ({
      guid: item.guid ?? null,
      enclosure: item.enclosure ? item.enclosure.url : null,
      transcripts: list(item.podcastTranscripts).map((t) => t.url),
      chapters: item.podcastChapters ? item.podcastChapters.url : null,
      alternates: list(item.alternativeEnclosures).map((a) => ({
        type: a.type, sources: list(a.source).map((s) => s.uri) })),
      soundbites: list(item.podcastSoundbites).map((s) => ({ start: s.startTime, duration: s.duration, title: s.title })),
    })),
  };
});

safely("@podverse/podcast-feed-parser", () => {
  const { getPodcastFromFeed } = require("@podverse/podcast-feed-parser");
  const podcast = getPodcastFromFeed(xml);
  const locked = podcast.meta.locked;
  return {
    guid: podcast.meta.guid ?? null,
    locked: locked ? locked.value === "yes" || locked.value === true : null,
    ai: null,
    people: null,
    updateFrequency: null,
    next: null,
    items: podcast.episodes.map((episode) => ({
      guid: episode.guid ?? null,
      enclosure: episode.enclosure ? episode.enclosure.url : null,
      transcripts: list(episode.transcript).map((t) => t.url),
      chapters: episode.chapters ? episode.chapters.url : null,
      alternates: null,
      soundbites: list(episode.soundbite).map((s) => ({ start: Number(s.startTime), duration: Number(s.duration),
        title: s.title ?? null })),
    })),
  };
});

const { parseFeed } = await import("feedsmith");
safely("feedsmith", () => {
  const { feed } = parseFeed(xml);
  const podcast = feed.podcast ?? {};
  const ai = list(podcast.txts).find((t) => t.purpose === "ai-content");
  return {
    guid: podcast.guid ?? null,
    locked: podcast.locked ? podcast.locked.value === true : null,
    ai: ai ? ai.display : null,
    people: list(podcast.persons).map((p) => p.display),
    updateFrequency: podcast.updateFrequency ? podcast.updateFrequency.rrule ?? podcast.updateFrequency.display ?? null : null,
    next: list(feed.atom && feed.atom.links).filter((l) => l.rel === "next").map((l) => l.href)[0] ?? null,
    items: list(feed.items).map((item) => {
      const p = item.podcast ?? {};
      return {
        guid: item.guid ? item.guid.value ?? item.guid : null,
        enclosure: list(item.enclosures)[0] ? list(item.enclosures)[0].url : null,
        transcripts: list(p.transcripts).map((t) => t.url),
        chapters: p.chapters ? p.chapters.url : null,
        alternates: list(p.alternateEnclosures).map((a) => ({
          type: a.type, sources: list(a.sources).map((s) => s.uri) })),
        soundbites: list(p.soundbites).map((s) => ({ start: s.startTime, duration: s.duration, title: s.display ?? null })),
      };
    }),
  };
});

console.log(JSON.stringify(out));
