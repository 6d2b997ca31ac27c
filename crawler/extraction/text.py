"""Text hygiene for untrusted page content: control characters, whitespace, size caps."""

from __future__ import annotations

import re

# C0/C1 controls (tab and newline are handled by the callers), bidi embeddings/overrides/isolates
# (they can make a title render differently from what it says), zero-width space, BOM and the
# Unicode line/paragraph separators. ZWJ/ZWNJ and LRM/RLM stay: real scripts need them.
_UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")


def strip_unsafe(text: str) -> str:
    """Remove control, bidi-override and invisible characters."""
    return _UNSAFE_CHARS.sub("", text)


def clean_line(text: str | None, max_chars: int | None = None) -> str:
    """One line of text: unsafe characters removed, whitespace collapsed, optionally capped."""
    if not text:
        return ""
    line = _SPACES.sub(" ", strip_unsafe(text)).strip()
    if max_chars is not None and len(line) > max_chars:
        line = line[:max_chars].rstrip()
    return line


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text, each cleaned to one line; blank ones dropped."""
    paragraphs = (clean_line(part) for part in _PARAGRAPH_BREAK.split(text))
    return [paragraph for paragraph in paragraphs if paragraph]


def join_paragraphs(paragraphs: list[str], max_chars: int) -> str:
    """Paragraphs joined by blank lines, cut at a paragraph boundary near ``max_chars``."""
    kept: list[str] = []
    total = 0
    for paragraph in paragraphs:
        if total + len(paragraph) > max_chars:
            remaining = max_chars - total
            if remaining > 0 and not kept:
                kept.append(paragraph[:remaining])
            break
        kept.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(kept)


def fold(text: str | None) -> str:
    """Comparison key: whitespace collapsed and case folded."""
    return " ".join((text or "").split()).casefold()


def alnum_key(text: str | None) -> str:
    """Comparison key that keeps only letters and digits, case folded (for site names)."""
    return "".join(char for char in (text or "").casefold() if char.isalnum())
