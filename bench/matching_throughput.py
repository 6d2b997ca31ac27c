"""Matching throughput: MB/s of article text with 10, 1,000 and 10,000 watch phrases.

Usage: .venv/bin/python bench/matching_throughput.py [--megabytes 10] [--naive-seconds 5]

The text is synthetic and generated here (seeded): 80% English-like, 10% Arabic, 5% Hebrew,
5% Turkish, in articles of a few kilobytes with paragraphs, punctuation, hyphenated compounds
and possessives. Watch phrases have one to three words; the ten phrases of the smallest set are
planted in about a tenth of the articles and are part of every larger set, so each run finds
matches and builds their snippets. Phrases are grouped ten to a watch list, OR-ed.

Throughput counts UTF-8 bytes of title and body and includes everything ``Matcher.match`` does:
normalisation, the scan, boolean evaluation and snippets. The baseline is the naive loop over
the same normalised stream and the same spellings, one substring search per spelling; it runs
for ``--naive-seconds`` over as many articles as fit and is reported as MB/s of what it read.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass

from crawler.matching import Matcher, Query, Term, parse_query
from crawler.matching.normalize import stream_text
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
TURKISH_SYLLABLES = ["ı", "ş", "ğ", "ç", "ö", "ü", "ka", "le", "ri", "du", "mı", "se", "tan", "bul"]
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ou", "ea")]


@dataclass
class Article:
    title: str
    body: str

    @property
    def size(self) -> int:
        return len(self.title.encode()) + len(self.body.encode())


class TextFactory:
    """Seeded synthetic vocabularies and articles."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.english = self._vocabulary(30_000, lambda: self._syllable_word(SYLLABLES, 1, 4))
        self.arabic = self._vocabulary(8_000, lambda: self._letter_word(ARABIC_LETTERS, 2, 7))
        self.hebrew = self._vocabulary(6_000, lambda: self._letter_word(HEBREW_LETTERS, 2, 6))
        self.turkish = self._vocabulary(
            6_000, lambda: self._syllable_word(SYLLABLES + TURKISH_SYLLABLES, 2, 4)
        )
        # Zipf-like weights: frequent words first, a long tail of rare ones.
        self.weights = {
            name: [1 / (rank + 10) for rank in range(len(words))]
            for name, words in self.vocabularies().items()
        }

    def vocabularies(self) -> dict[str, list[str]]:
        return {
            "english": self.english,
            "arabic": self.arabic,
            "hebrew": self.hebrew,
            "turkish": self.turkish,
        }

    def _vocabulary(self, size: int, make: object) -> list[str]:
        words: dict[str, None] = {}
        while len(words) < size:
            words[make()] = None  # type: ignore[operator]
        return list(words)

    def _syllable_word(self, syllables: list[str], low: int, high: int) -> str:
        return "".join(self.rng.choices(syllables, k=self.rng.randint(low, high)))

    def _letter_word(self, letters: str, low: int, high: int) -> str:
        return "".join(self.rng.choices(letters, k=self.rng.randint(low, high)))

    def words(self, language: str, count: int) -> list[str]:
        vocabulary = self.vocabularies()[language]
        return self.rng.choices(vocabulary, weights=self.weights[language], k=count)

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
        ending = self.rng.choice([".", ".", ".", "?", "!", ";"])
        if language == "arabic":
            ending = self.rng.choice([".", "؟", "،"])
        text = " ".join(words)
        return text[:1].upper() + text[1:] + ending

    def article(self, language: str, target_bytes: int) -> Article:
        title = self.sentence(language).rstrip(".?!;")
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
    """``count`` distinct phrases of one to three words from the rarer half of a vocabulary."""
    phrases: dict[str, None] = {}
    while len(phrases) < count:
        language = factory.rng.choice(["english"] * 8 + ["arabic", "turkish"])
        vocabulary = factory.vocabularies()[language]
        rare = vocabulary[len(vocabulary) // 2 :]
        length = factory.rng.choice([1, 2, 2, 2, 3])
        phrases[" ".join(factory.rng.sample(rare, length))] = None
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


def measure_matcher(lists: dict[str, Query], articles: list[Article]) -> tuple[float, float, int]:
    """(seconds to compile, MB/s, matches found)."""
    started = time.perf_counter()
    matcher = Matcher(lists)
    compiled = time.perf_counter() - started
    matches = 0
    started = time.perf_counter()
    for article in articles:
        matches += len(matcher.match(title=article.title, body=article.body))
    elapsed = time.perf_counter() - started
    size = sum(article.size for article in articles)
    return compiled, size / elapsed / 1e6, matches


def measure_naive(lists: dict[str, Query], articles: list[Article], seconds: float) -> float:
    """MB/s of the loop over every spelling of every phrase, for about ``seconds``."""
    spellings: dict[str, list[list[str]]] = {}
    for name, query in lists.items():
        spellings[name] = [_patterns(term) for term in iter_terms(query)]
    size = 0
    started = time.perf_counter()
    for article in articles:
        streams = [f" {stream_text(article.title)} ", f" {stream_text(article.body)} "]
        for phrase_patterns in spellings.values():
            for patterns in phrase_patterns:
                any(pattern in stream for pattern in patterns for stream in streams)
        size += article.size
        if time.perf_counter() - started > seconds:
            break
    return size / (time.perf_counter() - started) / 1e6


def _patterns(term: Term) -> list[str]:
    return [f" {' '.join(variant)} " for variant in term_variants(term.words)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--naive-seconds", type=float, default=5.0)
    args = parser.parse_args()

    factory = TextFactory(random.Random(SEED))
    articles = build_corpus(factory, args.megabytes)
    all_phrases = build_phrases(factory, max(PHRASE_COUNTS))
    plant(factory, articles, all_phrases[: min(PHRASE_COUNTS)])
    size = sum(article.size for article in articles)
    print(f"corpus: {len(articles)} articles, {size / 1e6:.1f} MB (UTF-8), seed {SEED}")

    throughput: dict[int, float] = {}
    naive: dict[int, float] = {}
    for count in PHRASE_COUNTS:
        lists = watch_lists(all_phrases[:count])
        compiled, mb_per_s, matches = measure_matcher(lists, articles)
        throughput[count] = mb_per_s
        naive[count] = measure_naive(lists, articles, args.naive_seconds)
        print(
            f"{count:>6} phrases ({len(lists)} lists): compile {compiled:.2f} s, "
            f"matcher {mb_per_s:.1f} MB/s, naive loop {naive[count]:.3f} MB/s, "
            f"{mb_per_s / naive[count]:.0f}x naive, {matches} matches"
        )

    largest, smallest = max(PHRASE_COUNTS), min(PHRASE_COUNTS)
    share = throughput[largest] / throughput[smallest]
    times_naive = throughput[largest] / naive[largest]
    print(f"goal >= {GOAL_MB_PER_S} MB/s at {largest} phrases: {throughput[largest]:.1f} MB/s")
    print(f"goal >= {GOAL_SHARE_OF_SMALLEST:.0%} of the {smallest}-phrase rate: {share:.0%}")
    print(f"goal >= {GOAL_TIMES_NAIVE:.0f}x the naive loop at {largest}: {times_naive:.0f}x")


if __name__ == "__main__":
    main()
