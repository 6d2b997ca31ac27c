"""Choosing the headline and cleaning site names off it.

Pages decorate their ``<title>`` and often their ``og:title`` with the site's name ("Headline |
Site", "Headline - Section - Site", "Site: Headline"). The rules here are general: a segment is
removed only when it names the site (og:site_name, JSON-LD publisher, the host name), or when what
remains is exactly the page's ``<h1>``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from crawler.extraction.text import alnum_key, clean_line, fold

MAX_TITLE_CHARS = 500

# Spaced dashes, bars, dots and slashes; a bare "|"; CJK full-width colon and bar ("見出し：新聞").
_SEPARATOR = re.compile(r"\s+(?:[|\-–—·•»«~/:]|::|//)\s+|\s*[|：｜]\s*")
_PREFIX_SEPARATOR = re.compile(r"^([^:|]{2,40}?):\s+")
_TRUNCATION_MARKS = ("...", "…")
_HOST_NOISE = {"www", "m", "amp", "mobile", "edition", "news", "com", "co", "org", "net"}
_MAX_SITE_SEGMENT_WORDS = 5
# Longer "site names" are mislabelled headlines (some CMSs fill WebSite.name with the page title).
_MAX_SITE_NAME_CHARS = 40


def site_keys(site_names: Iterable[str], page_url: str) -> set[str]:
    """Comparison keys for the site: its declared names and the labels of its host name."""
    keys = {alnum_key(name) for name in site_names if len(name) <= _MAX_SITE_NAME_CHARS}
    host = (urlsplit(page_url).hostname or "").lower()
    labels = [label for label in host.split(".") if label and label not in _HOST_NOISE]
    keys.update(alnum_key(label) for label in labels)
    if len(labels) >= 2:
        keys.add(alnum_key("".join(labels[-2:])))
    return {key for key in keys if len(key) >= 3}


def _names_site(segment: str, keys: set[str]) -> bool:
    segment_key = alnum_key(segment)
    if len(segment_key) < 2:
        return False
    if segment_key in keys:
        return True
    if len(segment.split()) > _MAX_SITE_SEGMENT_WORDS:
        return False
    for key in keys:
        if len(segment_key) >= 3 and segment_key in key:
            return True
        if key in segment_key and len(key) >= 4:
            return True
    return False


def clean_title(raw: str | None, keys: set[str], headings: Sequence[str] = ()) -> str:
    """A title with site-name prefixes/suffixes removed (see the module docstring)."""
    title = clean_line(raw, MAX_TITLE_CHARS)
    if not any(char.isalnum() for char in title):
        return ""
    folded_headings = {fold(heading) for heading in headings}
    if fold(title) in folded_headings:
        return title
    segments, separators = _split(title)
    while len(segments) > 1 and _names_site(segments[-1], keys):
        segments.pop()
        separators.pop()
    while len(segments) > 1 and _names_site(segments[0], keys):
        segments.pop(0)
        separators.pop(0)
    for end in range(len(segments), 0, -1):
        candidate = _join(segments[:end], separators)
        if fold(candidate) in folded_headings:
            return candidate
    title = _join(segments, separators)
    prefix = _PREFIX_SEPARATOR.match(title)
    if prefix and _names_site(prefix.group(1), keys):
        title = title[prefix.end() :]
    return title


def _split(title: str) -> tuple[list[str], list[str]]:
    segments: list[str] = []
    separators: list[str] = []
    position = 0
    for match in _SEPARATOR.finditer(title):
        segment = title[position : match.start()]
        position = match.end()
        if not segment.strip():
            continue
        segments.append(segment)
        separators.append(match.group(0))
    if title[position:].strip() or not segments:
        segments.append(title[position:])
    return segments, separators[: len(segments) - 1]


def _join(segments: list[str], separators: list[str]) -> str:
    parts = [segments[0]]
    for separator, segment in zip(separators, segments[1:], strict=False):
        parts.extend((separator, segment))
    return "".join(parts).strip()


def choose_title(
    candidates: Sequence[str | None],
    keys: set[str],
    headings: Sequence[str],
    fallbacks: Sequence[str | None] = (),
) -> str:
    """The headline most sources agree on, lengthened when it is a truncated copy of another.

    ``candidates`` come in order of trust (JSON-LD headline, og:title, feed title, ``<h1>``);
    after cleaning, the text the most candidates share wins, ties going to the more trusted.
    Pages often carry two editorial headlines (an SEO one in JSON-LD, a social one in
    og:title): agreement with the others, usually the ``<h1>`` the reader sees, picks between
    them. ``fallbacks`` (the ``<title>``) are used only when no candidate is usable.
    """
    cleaned = [clean_title(candidate, keys, headings) for candidate in candidates if candidate]
    cleaned = [title for title in cleaned if title]
    if not cleaned:
        cleaned = [clean_title(fallback, keys, headings) for fallback in fallbacks if fallback]
        cleaned = [title for title in cleaned if title]
        if not cleaned:
            return ""
    votes = Counter(fold(title) for title in cleaned)
    chosen = max(cleaned, key=lambda title: votes[fold(title)])
    stem = fold(chosen.rstrip("".join(_TRUNCATION_MARKS)).rstrip())
    if chosen.endswith(_TRUNCATION_MARKS) or len(chosen) >= 100:
        for other in cleaned:
            if len(other) > len(chosen) and fold(other).startswith(stem):
                return other
    return chosen
