"""Matching throughput: MB/s of article text with 10, 1,000 and 10,000 watch phrases.

Usage:
    .venv/bin/python bench/matching_throughput.py [--megabytes 10] [--naive-seconds 5] [--rounds 5]

The text is synthetic and generated here (seeded): 80% English-like, 10% Arabic, 5% Hebrew,
5% Turkish, in articles of 2-9 kB with paragraphs, punctuation, hyphenated compounds and
possessives; each language has 150 short, frequent words (40% of the text) and 100,000 others
with Zipf frequencies. Watch phrases have one (10%), two (50%) or three words (40%), none among
a language's 5,000 most frequent, in English (80%), Arabic or Turkish. The ten phrases of the
smallest set are planted in about a tenth of the articles and are part of every larger set, so
each run finds matches and builds their snippets. Phrases are grouped ten to a watch list,
OR-ed.

Throughput counts UTF-8 bytes of title and body and includes everything ``Matcher.match`` does:
normalisation, the scan, boolean evaluation and snippets; every phrase count, the 10-phrase
baseline of the ratio included, is measured the same way, by the same call over the same
articles. The figures are CPU time of this process (``time.process_time``), with wall-clock
time (``time.perf_counter``) beside them, each the best of ``--rounds`` passes; the passes of
the three phrase counts take turns. The machine is shared, and other jobs' load would
otherwise decide the result. The normalisation tables are built once (about 0.2 s) before
timing.

The baseline is the naive loop over the same normalised stream and the same spellings, one
substring search per spelling; it runs for ``--naive-seconds`` over as many articles as fit and
is reported as MB/s of what it read.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from crawler.matching import Matcher, Query, Term, parse_query
from crawler.matching.normalization import stream_text
from crawler.matching.query import iter_terms
from crawler.matching.variants import term_variants

SEED = 20240611
PHRASE_COUNTS = (10, 1_000, 10_000)
PHRASES_PER_LIST = 10
PLANTED_SHARE = 0.1

GOAL_MB_PER_S = 20.0
GOAL_SHARE_OF_SMALLEST = 0.5
GOAL_TIMES_NAIVE = 100.0

ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةىأإآ"
ARABIC_HARAKAT = "\u064e\u064f\u0650\u0651\u064b"
HEBREW_LETTERS = "אבגדהוזחטיכלמנסעפצקרשתםןץףך"
ONSETS = ["", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w"]
ONSETS += ["z", "br", "ch", "cl", "dr", "fl", "gr", "pl", "pr", "sh", "sl", "st", "str", "th", "tr"]
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ea", "ou", "y"]
CODAS = ["", "", "", "", "", "", "b", "ck", "d", "g", "l", "m", "n", "nd", "ng", "nt", "p", "r"]
CODAS += ["rd", "s", "st", "t", "th", "x"]
TURKISH_VOWELS = ["a", "e", "ı", "i", "o", "ö", "u", "ü"]
TURKISH_ONSETS = ["", "b", "c", "ç", "d", "g", "ğ", "k", "l", "m", "n", "s", "ş", "t", "y", "z"]
FUNCTION_WORDS = 150  # short, very frequent words, about 40% of running text as in English
CONTENT_WORDS = 100_000


@dataclass
class Article:
    title: str
    body: str

    @property
    def size(self) -> int:
        return len(self.title.encode()) + len(self.body.encode())


@dataclass
class Language:
    function_words: list[str]
    content_words: list[str]
    cumulative_weights: list[float]


class TextFactory:
    """Seeded synthetic languages: a few very frequent short words and a long Zipf tail."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        english = [o + v + c for o in ONSETS for v in VOWELS for c in CODAS]
        turkish = [o + v + c for o in TURKISH_ONSETS for v in TURKISH_VOWELS for c in "lmnrkt"]
        self.languages = {
            "english": self._language(lambda n: "".join(rng.choices(english, k=n))),
            "turkish": self._language(lambda n: "".join(rng.choices(turkish, k=n))),
            "arabic": self._language(lambda n: "".join(rng.choices(ARABIC_LETTERS, k=n + 2))),
            "hebrew": self._language(lambda n: "".join(rng.choices(HEBREW_LETTERS, k=n + 2))),
        }

    def _language(self, make: Callable[[int], str]) -> Language:
        function_words = list(dict.fromkeys(make(1)[:3] for _ in range(FUNCTION_WORDS * 2)))
        content: dict[str, None] = {}
        while len(content) < CONTENT_WORDS:
            content[make(self.rng.choice((1, 2, 2, 2, 3)))] = None
        weights = itertools.accumulate(1 / (rank + 10) for rank in range(CONTENT_WORDS))
        return Language(function_words[:FUNCTION_WORDS], list(content), list(weights))

    def words(self, language: str, count: int) -> list[str]:
        lexicon = self.languages[language]
        content = self.rng.choices(
            lexicon.content_words, cum_weights=lexicon.cumulative_weights, k=count
        )
        return [
            self.rng.choice(lexicon.function_words) if self.rng.random() < 0.4 else word
            for word in content
        ]

    def sentence(self, language: str) -> str:
        words = self.words(language, self.rng.randint(6, 24))
        for index, word in enumerate(words):
            roll = self.rng.random()
            if language == "english" and roll < 0.03:
                words[index] = word + "'s"
            elif language == "english" and roll < 0.05 and index + 1 < len(words):
                words[index] = f"{word}-{words[index + 1]}"
            elif language == "arabic" and roll < 0.05:
                words[index] = word[:1] + self.rng.choice(ARABIC_HARAKAT) + word[1:]
            elif roll < 0.08:
                words[index] = word.capitalize()
        ending = self.rng.choice([".", ".", ".", "?", "!", ";", ","])
        if language == "arabic":
            ending = self.rng.choice([".", "؟", "،"])
        text = " ".join(words)
        return text[:1].upper() + text[1:] + ending

    def article(self, language: str, target_bytes: int) -> Article:
        title = self.sentence(language).rstrip(".?!;,")
        paragraphs: list[str] = []
        size = 0
        while size < target_bytes:
            paragraph = " ".join(self.sentence(language) for _ in range(self.rng.randint(2, 5)))
            paragraphs.append(paragraph)
            size += len(paragraph.encode())
        return Article(title, "\n\n".join(paragraphs))


def build_corpus(factory: TextFactory, megabytes: float) -> list[Article]:
    languages = ["english"] * 16 + ["arabic"] * 2 + ["hebrew", "turkish"]
    articles: list[Article] = []
    total = 0
    while total < megabytes * 1_000_000:
        article = factory.article(factory.rng.choice(languages), factory.rng.randint(2000, 9000))
        articles.append(article)
        total += article.size
    return articles


def build_phrases(factory: TextFactory, count: int) -> list[str]:
    """``count`` distinct phrases of one to three words, none among the 5,000 most common
    (watch terms are names and topics, rarely everyday words)."""
    phrases: dict[str, None] = {}
    while len(phrases) < count:
        language = factory.rng.choice(["english"] * 8 + ["arabic", "turkish"])
        words = factory.languages[language].content_words[5000:]
        length = factory.rng.choice([1, 2, 2, 2, 2, 2, 3, 3, 3, 3])
        phrases[" ".join(factory.rng.sample(words, length))] = None
    return list(phrases)


def plant(factory: TextFactory, articles: list[Article], phrases: list[str]) -> None:
    for article in articles:
        if factory.rng.random() < PLANTED_SHARE:
            cut = article.body.find(". ", factory.rng.randrange(len(article.body)))
            phrase = factory.rng.choice(phrases)
            if cut > 0:
                article.body = f"{article.body[: cut + 2]}{phrase} {article.body[cut + 2 :]}"


def watch_lists(phrases: list[str]) -> dict[str, Query]:
    lists = {}
    for start in range(0, len(phrases), PHRASES_PER_LIST):
        group = phrases[start : start + PHRASES_PER_LIST]
        lists[f"list {start // PHRASES_PER_LIST}"] = parse_query(
            " OR ".join(f'"{phrase}"' for phrase in group)
        )
    return lists


@dataclass
class Timing:
    """Best CPU and wall-clock seconds over the passes of one measurement."""

    cpu: float = float("inf")
    wall: float = float("inf")

    def add(self, cpu: float, wall: float) -> None:
        self.cpu = min(self.cpu, cpu)
        self.wall = min(self.wall, wall)


def compile_matchers(phrases: list[str]) -> dict[int, tuple[Matcher, float]]:
    """A matcher for each phrase count, with its compile time (CPU seconds)."""
    matchers = {}
    for count in PHRASE_COUNTS:
        lists = watch_lists(phrases[:count])
        started = time.process_time()
        matchers[count] = (Matcher(lists), time.process_time() - started)
    return matchers


def measure_matchers(
    matchers: dict[int, Matcher], articles: list[Article], rounds: int
) -> tuple[dict[int, Timing], dict[int, int]]:
    """Best of ``rounds`` passes of ``Matcher.match`` over every article, per phrase count,
    and the matches found. Passes take turns (10, 1,000, 10,000, 10, ...), so that the load of
    other jobs on the machine weighs on every count alike and the ratios stay fair."""
    timings = {count: Timing() for count in matchers}
    matches = dict.fromkeys(matchers, 0)
    for _ in range(rounds):
        for count, matcher in matchers.items():
            found = 0
            cpu, wall = time.process_time(), time.perf_counter()
            for article in articles:
                found += len(matcher.match(title=article.title, body=article.body))
            timings[count].add(time.process_time() - cpu, time.perf_counter() - wall)
            matches[count] = found
    return timings, matches


def measure_normalisation(articles: list[Article], rounds: int) -> Timing:
    """Normalisation alone (the token streams of title and body), best of ``rounds``."""
    timing = Timing()
    for _ in range(rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        for article in articles:
            stream_text(article.title)
            stream_text(article.body)
        timing.add(time.process_time() - cpu, time.perf_counter() - wall)
    return timing


def _size(articles: list[Article]) -> int:
    return sum(article.size for article in articles)


def measure_naive(lists: dict[str, Query], articles: list[Article], seconds: float) -> float:
    """MB/s of the loop over every spelling of every phrase, for about ``seconds`` of CPU."""
    spellings: dict[str, list[list[str]]] = {}
    for name, query in lists.items():
        spellings[name] = [_patterns(term) for term in iter_terms(query)]
    size = 0
    started = time.process_time()
    for article in articles:
        streams = [f" {stream_text(article.title)} ", f" {stream_text(article.body)} "]
        for phrase_patterns in spellings.values():
            for patterns in phrase_patterns:
                any(pattern in stream for pattern in patterns for stream in streams)
        size += article.size
        if time.process_time() - started > seconds:
            break
    return size / (time.process_time() - started) / 1e6


def _patterns(term: Term) -> list[str]:
    return [f" {' '.join(variant)} " for variant in term_variants(term.words)]


def warm_up() -> None:
    """Build the normalisation tables (about 0.2 s, once per process) before timing."""
    matcher = Matcher({"warm-up": parse_query("warm")})
    matcher.match(title="Warm-up", body="A warm up.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--naive-seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=5, help="passes per figure; best counts")
    args = parser.parse_args()

    factory = TextFactory(random.Random(SEED))
    articles = build_corpus(factory, args.megabytes)
    all_phrases = build_phrases(factory, max(PHRASE_COUNTS))
    plant(factory, articles, all_phrases[: min(PHRASE_COUNTS)])
    megabytes = _size(articles) / 1e6
    print(f"corpus: {len(articles)} articles, {megabytes:.1f} MB (UTF-8), seed {SEED}")
    print(f"load average at start: {_load()}")
    warm_up()
    alone = measure_normalisation(articles, args.rounds)
    print(
        f"normalisation alone: {megabytes / alone.cpu:.1f} MB/s CPU, "
        f"{megabytes / alone.wall:.1f} MB/s wall-clock"
    )

    compiled = compile_matchers(all_phrases)
    timings, matches = measure_matchers(
        {count: matcher for count, (matcher, _) in compiled.items()}, articles, args.rounds
    )
    cpu_rate = {count: megabytes / timing.cpu for count, timing in timings.items()}
    naive: dict[int, float] = {}
    for count in PHRASE_COUNTS:
        naive[count] = measure_naive(watch_lists(all_phrases[:count]), articles, args.naive_seconds)
        print(
            f"{count:>6} phrases ({count // PHRASES_PER_LIST} lists): "
            f"compile {compiled[count][1]:.2f} s, matcher {cpu_rate[count]:.1f} MB/s CPU "
            f"({megabytes / timings[count].wall:.1f} MB/s wall-clock), "
            f"naive loop {naive[count]:.3f} MB/s, {cpu_rate[count] / naive[count]:.0f}x naive, "
            f"{matches[count]} matches ({matches[count] / len(articles):.2f} per article)"
        )

    largest, smallest = max(PHRASE_COUNTS), min(PHRASE_COUNTS)
    share = cpu_rate[largest] / cpu_rate[smallest]
    wall_share = timings[smallest].wall / timings[largest].wall
    times_naive = cpu_rate[largest] / naive[largest]
    print(f"goal >= {GOAL_MB_PER_S} MB/s at {largest} phrases: {cpu_rate[largest]:.1f} MB/s")
    print(
        f"goal >= {GOAL_SHARE_OF_SMALLEST:.0%} of the {smallest}-phrase rate: {share:.0%} "
        f"(wall-clock {wall_share:.0%})"
    )
    print(f"goal >= {GOAL_TIMES_NAIVE:.0f}x the naive loop at {largest}: {times_naive:.0f}x")
    print(f"load average at end: {_load()}")


def _load() -> str:
    """The 1, 5 and 15-minute load averages: the 10,000-phrase scan waits on memory, and
    other jobs' use of the shared caches slows it more than the 10-phrase one."""
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


if __name__ == "__main__":
    main()
