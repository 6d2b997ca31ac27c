"""Story-linking quality: precision and recall of "same story", against exact Jaccard.

The labelled set is built from the local news web's text generator (tests/newsweb):

* positives: base stories (the wire story and generated articles of every topic) and copies of
  each with edits of increasing size: the desks' phrase edits, a dateline, other boilerplate, an
  added or dropped paragraph, an update note, and random word substitutions of 2-20 % of words;
* hard negatives: market reports from one template, two reports of one event sharing a quote,
  generated articles of the same topic (same sentence templates), the wire story's Arabic
  translation;
* every article of a generated web (``tests.newsweb.generate_web``), with its ground-truth
  ``story``: ``web.copies()`` give positive pairs, all other pairs of the web are negatives.

Every pair of articles is labelled: same story or not. Three predictors run in the same process
on the same articles:

* **presswatch**: every article stored in a fresh SQLite archive and linked by ``StoryLinker``
  (MinHash signatures, LSH bands in SQLite, verification), in a shuffled order; a pair is
  predicted "same" when both articles end in one story;
* **exact linking**: the same single-link rule with the exact Jaccard similarity against every
  earlier article (all pairs, no sketch, no bands);
* **exact pairs**: a pair is "same" when its exact Jaccard similarity reaches the threshold.

    .venv/bin/python bench/dedup_quality.py [--threshold 0.5] [--bases 60] [--sites 4]
        [--per-site 100] [--seed 1] [--sweep]

``--sweep`` also prints precision and recall of exact and MinHash-estimated pair similarity for
several shingle sizes and thresholds, and the share of positive pairs that become LSH candidates
for several band layouts: the measurements behind the defaults.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.dedup import minhash
from crawler.dedup.identity import content_hash
from crawler.dedup.stories import StoryLinker
from crawler.store import open_database, to_db_time, write_transaction
from tests.newsweb import generate_web, stories, text, words


@dataclass(frozen=True)
class Sample:
    """One article of the labelled set."""

    key: str
    story: str  # the label: articles with the same story are copies
    kind: str  # how it was made: "base", an edit name, or a hard-negative family
    title: str
    body: str
    language: str


FIRST_SEEN = datetime(2026, 11, 25, tzinfo=UTC)
BOILERPLATE = (
    "Reporting by {name}; editing by {editor}.",
    "Sign up for our morning briefing and never miss a story. Follow us on social media.",
    "Copyright {year} {agency}. All rights reserved. This material may not be published, "
    "broadcast, rewritten or redistributed.",
)


def build_samples(seed: int, bases: int, sites: int, articles_per_site: int) -> list[Sample]:
    rng = random.Random(seed)
    samples: list[Sample] = []
    style = text.TextStyle()
    topics = sorted(words.TOPICS)
    base_stories = [("wire", stories.WIRE_TITLE, stories.wire_paragraphs(1))]
    for number in range(bases):
        spec = text.TextSpec(
            seed=text.derive_seed(seed, "base", number),
            topic=topics[number % len(topics)],
            language="en",
            style=style,
            paragraphs=rng.randint(5, 12),
            weekday=number % 7,
        )
        base_stories.append((f"base{number}", text.title_for(spec), text.paragraphs_for(spec)))
    for story_key, title, paragraphs in base_stories:
        samples.append(Sample(story_key, story_key, "base", title, "\n\n".join(paragraphs), "en"))
        for kind, edited in copies_of(rng, paragraphs, topics).items():
            samples.append(
                Sample(f"{story_key}/{kind}", story_key, kind, title, "\n\n".join(edited), "en")
            )
    samples += hard_negatives(rng, style)
    samples += web_samples(seed, sites, articles_per_site)
    return samples


def copies_of(rng: random.Random, paragraphs: list[str], topics: list[str]) -> dict[str, list[str]]:
    """Copies of one story with edits of increasing size, keyed by the edit."""
    other = text.english_paragraph(rng, rng.choice(topics), text.TextStyle(), 2)
    city = rng.choice(words.CITIES)
    boilerplate = [
        line.format(name="A. Berg", editor="K. Mott", year=2026, agency=stories.WIRE_AGENCY)
        for line in BOILERPLATE
    ]
    copies = {
        "desk edits x2": stories.edit_copy(rng, paragraphs, 2),
        "desk edits x6": stories.edit_copy(rng, paragraphs, 6),
        "dateline": stories.dateline(city, paragraphs),
        "other boilerplate": [*stories.dateline(city, paragraphs), *boilerplate],
        "added paragraph": [*paragraphs[:2], other, *paragraphs[2:]],
        "dropped last paragraph": paragraphs[:-1],
        "update note": [*paragraphs, stories.update_paragraph("en", 1, "10:15:00")],
        "dropped 2, added 1, edits": [
            *stories.dateline(city, stories.edit_copy(rng, paragraphs[1:-1], 3)),
            other,
        ],
    }
    for share in (0.02, 0.05, 0.10, 0.20):
        copies[f"words replaced {share:.0%}"] = replace_words(rng, paragraphs, share)
    return copies


def replace_words(rng: random.Random, paragraphs: list[str], share: float) -> list[str]:
    """Replace ``share`` of the words by other words of the same text (a heavy rewrite)."""
    tokens = [paragraph.split(" ") for paragraph in paragraphs]
    vocabulary = [token for paragraph in tokens for token in paragraph]
    positions = [(p, w) for p, paragraph in enumerate(tokens) for w in range(len(paragraph))]
    for p, w in rng.sample(positions, max(1, int(len(positions) * share))):
        tokens[p][w] = rng.choice(vocabulary)
    return [" ".join(paragraph) for paragraph in tokens]


def hard_negatives(rng: random.Random, style: text.TextStyle) -> list[Sample]:
    negatives = []
    for number in range(40):
        title, paragraphs = stories.market_report(rng, 1, style)
        key = f"market{number}"
        negatives.append(Sample(key, key, "market report", title, "\n\n".join(paragraphs), "en"))
    for number in range(10):
        for variant in (0, 1):
            title, paragraphs = stories.rail_story(rng, variant, 3, style)
            key = f"rail{number}-{variant}"
            negatives.append(
                Sample(key, key, "same event, shared quote", title, "\n\n".join(paragraphs), "en")
            )
    arabic = "\n\n".join(stories.wire_paragraphs(1, "ar"))
    negatives.append(
        Sample("wire-ar", "wire-ar", "translation", stories.WIRE_TITLE_AR, arabic, "ar")
    )
    return negatives


def web_samples(seed: int, sites: int, articles_per_site: int) -> list[Sample]:
    """Every article of a generated news web, labelled with its ground-truth story."""
    web = generate_web(seed=seed, sites=sites, articles_per_site=articles_per_site, now=FIRST_SEEN)
    return [
        Sample(
            f"web:{article.id}",
            f"web:{article.story}",
            "web",
            article.title,
            article.body,
            article.language,
        )
        for article in web.articles
    ]


@dataclass
class Confusion:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 1.0


@dataclass(frozen=True)
class Pair:
    first: int
    second: int
    same: bool
    kind: str  # the copy's edit, or the hard-negative family


# Edits beyond what syndication does: kept to show where recall ends, scored separately.
REWRITES = ("words replaced 10%", "words replaced 20%")


def labelled_pairs(samples: list[Sample]) -> list[Pair]:
    """Every copy with its base (positives) and every hard-negative pair (negatives)."""
    base_of = {s.story: i for i, s in enumerate(samples) if s.kind == "base"}
    pairs = [
        Pair(base_of[s.story], i, True, s.kind)
        for i, s in enumerate(samples)
        if s.kind not in ("base", "web") and s.story in base_of
    ]
    families: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(samples):
        if s.kind in ("market report", "base"):
            families[s.kind].append(i)
    for kind, members in families.items():
        name = "same template" if kind == "market report" else "same topic, other story"
        pairs += [Pair(i, j, False, name) for i, j in itertools.combinations(members, 2)]
    rails = [i for i, s in enumerate(samples) if s.kind == "same event, shared quote"]
    pairs += [
        Pair(i, j, False, "same event, shared quote")
        for i, j in zip(rails[::2], rails[1::2], strict=True)
    ]
    translations = [i for i, s in enumerate(samples) if s.kind == "translation"]
    pairs += [Pair(base_of["wire"], i, False, "translation") for i in translations]
    web = [i for i, s in enumerate(samples) if s.kind == "web"]
    for i, j in itertools.combinations(web, 2):
        same = samples[i].story == samples[j].story
        pairs.append(Pair(i, j, same, "web copies" if same else "web, other stories"))
    return pairs


def confusion(pairs: Iterable[Pair], same: Callable[[int, int], bool]) -> Confusion:
    result = Confusion()
    for pair in pairs:
        predicted = same(pair.first, pair.second)
        if predicted and pair.same:
            result.true_positive += 1
        elif predicted:
            result.false_positive += 1
        elif pair.same:
            result.false_negative += 1
    return result


def link_with_presswatch(samples: list[Sample], order: list[int], threshold: float) -> list[int]:
    """Store and link every sample in a fresh archive; return each sample's story id."""
    story_of = [0] * len(samples)
    with tempfile.TemporaryDirectory() as directory:
        db = open_database(Path(directory) / "quality.db")
        linker = StoryLinker(db, threshold=threshold)
        for position, index in enumerate(order):
            sample = samples[index]
            seen = to_db_time(FIRST_SEEN + timedelta(seconds=position))
            with write_transaction(db):
                article_id = int(
                    db["articles"]
                    .insert(
                        {
                            "url_key": f"https://bench.example/{position}",
                            "url": f"https://bench.example/{position}",
                            "canonical_url": f"https://bench.example/{position}",
                            "title": sample.title,
                            "body": sample.body,
                            "content_hash": content_hash(sample.body),
                            "source": sample.kind,
                            "language": sample.language,
                            "fetched_at": seen,
                            "first_seen_at": seen,
                        }
                    )
                    .last_pk
                )
                story_of[index] = linker.link(
                    article_id, sample.title, sample.body, sample.language, None, seen
                )
        db.close()
    return story_of


def link_exactly(
    shingle_sets: list[set[str]], samples: list[Sample], order: list[int], threshold: float
) -> list[int]:
    """The same single-link rule with exact Jaccard against every earlier article."""
    story_of = [0] * len(samples)
    linked: list[int] = []
    next_story = 0
    for index in order:
        best, best_similarity = None, threshold
        for earlier in linked:
            if samples[earlier].language != samples[index].language:
                continue
            similarity = minhash.jaccard(shingle_sets[index], shingle_sets[earlier])
            if similarity >= best_similarity and (best is None or similarity > best_similarity):
                best, best_similarity = earlier, similarity
        if best is None:
            next_story += 1
            story_of[index] = next_story
        else:
            story_of[index] = story_of[best]
        linked.append(index)
    return story_of


Predictor = Callable[[int, int], bool]


def report(pairs: list[Pair], predictors: dict[str, Predictor]) -> None:
    syndicated = [pair for pair in pairs if pair.kind not in REWRITES]
    print(
        f"\n{'predictor':36s} {'pairs':10s} {'precision':>9s} {'recall':>7s} {'FP':>5s} {'FN':>5s}"
    )
    for name, same in predictors.items():
        for label, subset in (("syndicated", syndicated), ("all", pairs)):
            result = confusion(subset, same)
            print(
                f"{name:36s} {label:10s} {result.precision:9.4f} {result.recall:7.4f} "
                f"{result.false_positive:5d} {result.false_negative:5d}"
            )
    kinds = list(dict.fromkeys(pair.kind for pair in pairs))
    print(
        f"\n{'pairs by kind':30s} {'count':>6s}  " + "  ".join(f"{n[:18]:>18s}" for n in predictors)
    )
    for kind in kinds:
        subset = [pair for pair in pairs if pair.kind == kind]
        label = "same" if subset[0].same else "different"
        cells = []
        for same in predictors.values():
            agreed = sum(1 for pair in subset if same(pair.first, pair.second) == pair.same)
            cells.append(f"{agreed / len(subset):18.4f}")
        print(f"{kind + ' (' + label + ')':30s} {len(subset):6d}  " + "  ".join(cells))


def sweep(samples: list[Sample], pairs: list[Pair]) -> None:
    syndicated = [pair for pair in pairs if pair.kind not in REWRITES]
    print("\nSweep on the syndicated pairs: precision / recall, exact Jaccard | MinHash estimate")
    for word_size in (3, 4, 5, 6):
        sets = [minhash.shingles(s.body, word_size=word_size) for s in samples]
        signatures = [minhash.signature(shingle_set) for shingle_set in sets]
        for threshold in (0.4, 0.5, 0.6):
            exact = confusion(
                syndicated,
                lambda i, j, sets=sets, threshold=threshold: (
                    comparable(samples, i, j) and minhash.jaccard(sets[i], sets[j]) >= threshold
                ),
            )
            sketch = confusion(
                syndicated,
                lambda i, j, signatures=signatures, threshold=threshold: (
                    comparable(samples, i, j)
                    and estimated(signatures[i], signatures[j]) >= threshold
                ),
            )
            print(
                f"  word {word_size}-shingles, threshold {threshold:.1f}: "
                f"exact {exact.precision:.4f} / {exact.recall:.4f}  |  "
                f"MinHash {sketch.precision:.4f} / {sketch.recall:.4f}"
            )
    sets = [minhash.shingles(s.body) for s in samples]
    signatures = [minhash.signature(shingle_set) for shingle_set in sets]
    print(
        f"\nSweep: band layouts, {minhash.NUM_PERM} values, word {minhash.WORD_SHINGLE}-shingles "
        "(share of pairs that become candidates)"
    )
    above = [
        p for p in syndicated if p.same and minhash.jaccard(sets[p.first], sets[p.second]) >= 0.5
    ]
    negative = [p for p in syndicated if not p.same]
    for rows in (2, 3, 4, 5, 6):
        buckets = [
            set(enumerate(minhash.band_buckets(values, rows))) if values is not None else set()
            for values in signatures
        ]
        found = sum(1 for p in above if buckets[p.first] & buckets[p.second])
        noise = sum(1 for p in negative if buckets[p.first] & buckets[p.second])
        print(
            f"  {minhash.NUM_PERM // rows:3d} bands x {rows} rows: "
            f"{found / len(above):.4f} of copies with Jaccard >= 0.5, "
            f"{noise / len(negative):.4f} of hard negatives"
        )


def comparable(samples: list[Sample], i: int, j: int) -> bool:
    return samples[i].language == samples[j].language


def estimated(signature_a: object, signature_b: object) -> float:
    if signature_a is None or signature_b is None:
        return 0.0
    return minhash.estimated_jaccard(signature_a, signature_b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--bases", type=int, default=60, help="generated base stories")
    parser.add_argument("--sites", type=int, default=4, help="sites of the generated web")
    parser.add_argument("--per-site", type=int, default=100, help="articles per site of the web")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()

    samples = build_samples(args.seed, args.bases, args.sites, args.per_site)
    pairs = labelled_pairs(samples)
    order = list(range(len(samples)))
    random.Random(args.seed).shuffle(order)
    print(
        f"{len(samples)} articles; {len(pairs):,} labelled pairs "
        f"({sum(p.same for p in pairs):,} same story); threshold {args.threshold}, "
        f"word {minhash.WORD_SHINGLE}-shingles, {minhash.NUM_PERM} permutations, "
        f"{minhash.NUM_PERM // minhash.ROWS_PER_BAND} bands x {minhash.ROWS_PER_BAND} rows"
    )

    started = time.perf_counter()
    presswatch = link_with_presswatch(samples, order, args.threshold)
    presswatch_seconds = time.perf_counter() - started
    started = time.perf_counter()
    shingle_sets = [minhash.shingles(sample.body) for sample in samples]
    exact_story = link_exactly(shingle_sets, samples, order, args.threshold)
    exact_seconds = time.perf_counter() - started

    report(
        pairs,
        {
            "presswatch (MinHash LSH in SQLite)": lambda i, j: presswatch[i] == presswatch[j],
            "exact linking (all pairs)": lambda i, j: exact_story[i] == exact_story[j],
            "exact pairs (Jaccard >= threshold)": lambda i, j: (
                comparable(samples, i, j)
                and minhash.jaccard(shingle_sets[i], shingle_sets[j]) >= args.threshold
            ),
        },
    )
    print(
        f"\nlinking {len(samples)} articles: presswatch {presswatch_seconds:.1f} s "
        f"(SQLite, one commit each), exact all-pairs {exact_seconds:.1f} s"
    )
    if args.sweep:
        sweep(samples, pairs)


if __name__ == "__main__":
    main()
