#!/usr/bin/env python3
"""Measure the garbled-text detector against word lists: which list, which threshold.

    .venv/bin/python scripts/measure_garble.py [--lists wordfreq,wordfreq-small,spellchecker,hibari]

Clean text: every line of four words or more of the fixture briefs, the example brief, the written
side of the newsreader table and the names list in a carrier sentence; and Spanish text read with
the English list (a foreign paragraph is not garbage). Garbled text, made from the clean:
two sentences merged word by word as a CMS revision page shows them ("TheA councilnew ..."), and
revisions that changed only part of a sentence (each changed word fused with the word it replaced).
For each word list: the highest clean score (every clean paragraph must stay under the threshold),
the share of merges caught at the threshold, the time to load the list and to score a paragraph,
and the size installed. pyspellchecker and hibari's lexicon are measured when installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from audiobrief.brief.garble import garble  # noqa: E402


def clean_corpus() -> list[str]:
    from tests.test_newsreader import CASES

    lines: list[str] = []
    paths = [*(p for p in (ROOT / "tests" / "data" / "briefs").iterdir() if p.name != "revision-page.txt"),
             ROOT / "examples" / "seed-brief.txt"]  # the revision page is garbled on purpose
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(re.findall(r"[^\W\d_]+", line)) >= 4:
                lines.append(line.strip(" -*\u2022"))
    lines += [written for _, written, _ in CASES if len(written.split()) >= 4]
    names = (ROOT / "tests" / "data" / "names-en.txt").read_text(encoding="utf-8").splitlines()
    lines += [f"On Tuesday, {name} spoke to reporters." for name in names if name and not name.startswith("#")]
    return lines


def foreign_corpus() -> list[str]:
    """Text in another language than the list's: a Spanish brief read by an English show."""
    from tests.test_newsreader import SPANISH

    lines = [line.strip(" -") for line in (ROOT / "tests" / "data" / "es" / "puertos.txt").read_text(encoding="utf-8")
             .splitlines() if len(line.split()) >= 4]
    return lines + [written for written, _ in SPANISH if len(written.split()) >= 4]


def merged(a: str, b: str) -> str:
    """Two versions merged word by word, as a revision page flattened to text shows them."""
    left, right = a.split(), b.split()
    return " ".join(x + y for x, y in zip(left, right, strict=False))


def revised(a: str, other: str, share: float, rng: random.Random) -> str:
    """``a`` with ``share`` of its words changed to words of ``other``, each change fused old+new."""
    words, replacements = a.split(), other.split()
    out = []
    for word in words:
        if rng.random() < share and replacements:
            out.append(word + rng.choice(replacements))
        else:
            out.append(word)
    return " ".join(out)


def lists() -> dict[str, tuple[Callable[[], Callable[[str, str], float]], str]]:
    """Each word list: (load it and return its frequency function, its installed package)."""

    def wordfreq() -> Callable[[str, str], float]:
        from audiobrief.brief.garble import wordfreq_zipf

        wordfreq_zipf("warm", "en", "large")
        return lambda word, language: wordfreq_zipf(word, language, "large")

    def wordfreq_small() -> Callable[[str, str], float]:
        from audiobrief.brief.garble import wordfreq_zipf

        wordfreq_zipf("warm", "en", "small")
        return lambda word, language: wordfreq_zipf(word, language, "small")

    def spellchecker() -> Callable[[str, str], float]:
        from spellchecker import SpellChecker

        checker = SpellChecker(language="en")
        total = checker.word_frequency.total_words

        def zipf(word: str, language: str) -> float:
            count = checker.word_frequency[word]
            return math.log10(count / total * 1e9) if count else 0.0

        return zipf

    def hibari() -> Callable[[str, str], float]:
        from hibari.g2p import G2P

        g2p = G2P()
        known = {w.lower() for w in (*g2p.lexicon.golds.d, *g2p.lexicon.silvers.d)}
        return lambda word, language: 5.0 if word in known else 0.0

    return {"wordfreq": (wordfreq, "wordfreq"), "wordfreq-small": (wordfreq_small, "wordfreq"), "spellchecker": (spellchecker, "spellchecker"),
            "hibari": (hibari, "hibari")}


def size_mb(package: str) -> float:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return float("nan")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lists", default="wordfreq,wordfreq-small,spellchecker,hibari")
    args = parser.parse_args()
    rng = random.Random(7)
    clean = clean_corpus()
    sentences = [c for c in clean if len(c.split()) >= 5]
    pairs = [(a, rng.choice(sentences)) for a in sentences]
    full = [merged(a, b) for a, b in pairs]
    partial = {share: [revised(a, b, share, rng) for a, b in pairs] for share in (0.3, 0.5)}
    foreign = foreign_corpus()
    print(f"{len(clean)} clean paragraphs, {len(foreign)} in Spanish read as English, {len(full)} full merges, "
          f"{len(pairs)} partial revisions per share")
    print(f"{'list':<15}{'load s':>7}{'ms/para':>9}{'MB':>7}{'clean max':>11}{'false drops':>13}{'Spanish':>9}"
          f"{'merges caught':>15}{'50% revised':>13}{'30% revised':>13}")
    available = lists()
    for name in args.lists.split(","):
        load, package = available[name]
        if importlib.util.find_spec(package) is None:
            print(f"{name:<13} not installed")
            continue
        started = time.perf_counter()
        zipf = load()
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        clean_verdicts = [garble(text, "en", zipf) for text in clean]
        per_paragraph_ms = (time.perf_counter() - started) / len(clean) * 1000
        worst = max(clean_verdicts, key=lambda v: v.share)
        worst_text = clean[clean_verdicts.index(worst)]

        def caught(texts: list[str], zipf: Callable[[str, str], float] = zipf) -> float:
            return sum(garble(t, "en", zipf).garbled for t in texts) / len(texts)

        false_drops = sum(v.garbled for v in clean_verdicts)
        foreign_drops = sum(garble(t, "en", zipf).garbled for t in foreign)
        print(f"{name:<15}{loaded:>7.2f}{per_paragraph_ms:>9.2f}{size_mb(package):>7.1f}{worst.share:>11.2f}"
              f"{false_drops:>13}{foreign_drops:>9}{caught(full):>15.1%}{caught(partial[0.5]):>13.1%}"
              f"{caught(partial[0.3]):>13.1%}")
        print(f"{'':<15}most bad words in clean text: {worst_text[:90]!r} {worst.bad}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
