"""Deterministic synthetic news text: headlines, paragraphs, names and slugs.

All functions take a ``random.Random`` (or a seed) so the same seed always gives the same
text. Filler text is generated lazily from a small ``TextSpec`` and cached, which keeps a
10,000-article web light in memory.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from . import words

_SLOT = re.compile(r"\{(\w+)\}")
_SMALL_WORDS = frozenset(
    ("a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "with")
)


@dataclass(frozen=True)
class TextStyle:
    """House style of one outlet: how it writes numbers, quotes and headlines."""

    percent: str = " percent"
    quotes: tuple[str, str] = ("“", "”")
    sentences_per_paragraph: tuple[int, int] = (2, 4)
    title_case: bool = False


@dataclass(frozen=True)
class TextSpec:
    """Everything needed to regenerate an article's filler paragraphs."""

    seed: int
    topic: str
    language: str
    style: TextStyle
    paragraphs: int
    weekday: int  # 0 = Monday, weekday of publication, so "on Tuesday" fits the date


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts (``hash()`` of str is randomised per process)."""
    text = "\x1f".join(str(part) for part in parts)
    value = 1469598103934665603
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return value >> 1


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def headline_case(text: str) -> str:
    """Title Case as some outlets write headlines (small words stay lower case)."""
    out = []
    for index, word in enumerate(text.split(" ")):
        if index and word.lower() in _SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append(capitalise(word))
    return " ".join(out)


def _strip_article(noun_phrase: str) -> str:
    """Headlines drop leading articles: "the central bank" -> "Central bank"."""
    for prefix in ("the ", "a ", "an "):
        if noun_phrase.startswith(prefix):
            noun_phrase = noun_phrase[len(prefix) :]
            break
    return capitalise(noun_phrase)


def person_name(rng: random.Random, language: str = "en") -> str:
    if language == "ar":
        return f"{rng.choice(words.FIRST_NAMES_AR)} {rng.choice(words.LAST_NAMES_AR)}"
    return f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"


def _number(rng: random.Random) -> str:
    return f"{rng.randint(1, 14)}.{rng.randint(0, 9)}"


def _english_slot(
    name: str, rng: random.Random, topic: words.Topic, style: TextStyle, weekday: int
) -> str:
    lower = name[:1].lower() + name[1:]
    value = _english_value(lower, rng, topic, style, weekday)
    return capitalise(value) if name[:1].isupper() else value


def _english_value(
    name: str, rng: random.Random, topic: words.Topic, style: TextStyle, weekday: int
) -> str:
    simple = {
        "actor": topic.actors,
        "action": topic.actions,
        "event": topic.events,
        "clause": topic.clauses,
        "quote": topic.quotes,
        "metric": topic.metrics,
        "role": topic.roles,
        "group": words.GROUPS,
        "city": words.CITIES,
        "source": words.SOURCES,
        "source_short": words.SHORT_SOURCES,
        "future": words.FUTURES,
        "past": words.PAST_TIMES,
        "moved": ("rose", "fell", "climbed", "slipped"),
    }
    if name in simple:
        return rng.choice(simple[name])
    if name == "day":
        # Stories are written on the day of publication or the day before.
        return words.WEEKDAYS[(weekday - rng.randint(0, 1)) % 7]
    if name == "person":
        return person_name(rng)
    if name == "last":
        return rng.choice(words.LAST_NAMES)
    if name == "n":
        return _number(rng)
    if name == "pct":
        return style.percent
    if name == "pct_h":
        return "%"
    if name == "qopen":
        return style.quotes[0]
    if name == "qclose":
        return style.quotes[1]
    if name == "actor_h":
        return _strip_article(rng.choice(topic.actors))
    if name == "metric_h":
        return capitalise(rng.choice(topic.metrics))
    raise KeyError(f"unknown template slot {name!r}")


def fill_english(
    template: str, rng: random.Random, topic_name: str, style: TextStyle, weekday: int
) -> str:
    topic = words.TOPICS[topic_name]
    return _SLOT.sub(lambda m: _english_slot(m.group(1), rng, topic, style, weekday), template)


def english_title(rng: random.Random, topic_name: str, style: TextStyle, weekday: int) -> str:
    while True:
        title = capitalise(
            fill_english(rng.choice(words.HEADLINES), rng, topic_name, style, weekday)
        )
        if len(title) <= 100:
            break
    return headline_case(title) if style.title_case else title


def english_paragraph(rng: random.Random, topic_name: str, style: TextStyle, weekday: int) -> str:
    low, high = style.sentences_per_paragraph
    sentences = [
        fill_english(rng.choice(words.SENTENCES), rng, topic_name, style, weekday)
        for _ in range(rng.randint(low, high))
    ]
    return " ".join(sentences)


def _arabic_value(name: str, rng: random.Random, topic: words.ArabicTopic, weekday: int) -> str:
    simple = {
        "actor": topic.actors,
        "object": topic.objects,
        "event": topic.events,
        "clause": topic.clauses,
        "quote": topic.quotes,
        "metric": topic.metrics,
        "role": topic.roles,
        "city": words.ARABIC_CITIES,
        "future": words.ARABIC_FUTURES,
        "source": words.ARABIC_SOURCES,
    }
    if name in simple:
        return rng.choice(simple[name])
    if name == "day":
        return words.WEEKDAYS_AR[(weekday - rng.randint(0, 1)) % 7]
    if name == "person":
        return person_name(rng, "ar")
    if name == "n":
        return str(rng.randint(2, 30))
    raise KeyError(f"unknown Arabic template slot {name!r}")


def fill_arabic(template: str, rng: random.Random, topic_name: str, weekday: int) -> str:
    topic = words.ARABIC_TOPICS[topic_name]
    return _SLOT.sub(lambda m: _arabic_value(m.group(1), rng, topic, weekday), template)


def arabic_title(rng: random.Random, topic_name: str) -> str:
    return rng.choice(words.ARABIC_TOPICS[topic_name].headlines)


def arabic_paragraph(rng: random.Random, topic_name: str, weekday: int) -> str:
    sentences = [
        fill_arabic(rng.choice(words.ARABIC_SENTENCES), rng, topic_name, weekday)
        for _ in range(rng.randint(2, 4))
    ]
    return " ".join(sentences)


def paragraph(rng: random.Random, spec: TextSpec) -> str:
    if spec.language == "ar":
        return arabic_paragraph(rng, spec.topic, spec.weekday)
    return english_paragraph(rng, spec.topic, spec.style, spec.weekday)


@lru_cache(maxsize=4096)
def _cached_paragraphs(spec: TextSpec) -> tuple[str, ...]:
    rng = random.Random(spec.seed)
    return tuple(paragraph(rng, spec) for _ in range(spec.paragraphs))


def paragraphs_for(spec: TextSpec) -> list[str]:
    """The filler paragraphs an article spec stands for (cached, regenerated on demand)."""
    return list(_cached_paragraphs(spec))


def title_for(spec: TextSpec) -> str:
    # A different stream from the paragraphs so titles can be made without the body.
    rng = random.Random(spec.seed ^ 0x5EED)
    if spec.language == "ar":
        return arabic_title(rng, spec.topic)
    return english_title(rng, spec.topic, spec.style, spec.weekday)


def slugify(title: str, limit: int = 80) -> str:
    """A URL slug. Latin text is reduced to ASCII; Arabic letters are kept (without harakat)."""
    decomposed = unicodedata.normalize("NFKD", title)
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        if char.isascii() and char.isalnum():
            kept.append(char.lower())
        elif "\u0621" <= char <= "\u064a":
            kept.append(char)
        else:
            kept.append("-")
    slug = re.sub(r"-+", "-", "".join(kept)).strip("-")
    return slug[:limit].rstrip("-") or "story"
