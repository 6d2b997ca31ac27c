"""Make untrusted web text safe for mail headers, text bodies and links.

Titles, snippets, outlet names and URLs come from pages presswatch does not control. Jinja escapes
them in HTML; this module handles the rest:

- :func:`one_line` decodes RFC 2047 encoded words first and then removes every line break and
  control character, so that neither a raw newline nor an encoded ``=0A`` can start a new header
  (Python 3.11's email package turns a decoded newline into a real header, CVE-2024-6923).
- :func:`safe_url` keeps only absolute http and https URLs; anything else is shown as text.
"""

from __future__ import annotations

import base64
import email.quoprimime
import re
import unicodedata
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_SPACES = re.compile(r"\s+")
# Line and paragraph separators that str.splitlines() and mail clients treat as line breaks,
# beyond the C0/C1 controls that unicodedata reports as category Cc.
_LINE_BREAKS = frozenset("\u2028\u2029")
# Format characters that reorder or hide text (bidi overrides, zero-width joiners) could disguise a
# headline; unicodedata reports them as Cf.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def decode_encoded_words(text: str) -> str:
    """Decode RFC 2047 ``=?charset?Q?...?=`` words, repeatedly, until none are left.

    Each word is decoded on its own (the email package's ``decode_header`` gives up on a string
    that mixes raw non-ASCII text and encoded words). Repeating matters: a word can decode into
    another one.
    """
    for _ in range(3):
        decoded = _ENCODED_WORD.sub(_decode_word, text)
        if decoded == text:
            break
        text = decoded
    return text


def _decode_word(match: re.Match[str]) -> str:
    charset = match.group(1).split("*")[0]
    encoding = match.group(2).lower()
    payload = match.group(3)
    try:
        if encoding == "q":
            raw = email.quoprimime.header_decode(payload).encode("latin-1")
        else:
            raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
    except (ValueError, UnicodeError):
        return match.group(0)
    try:
        return raw.decode(charset, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def strip_controls(text: str) -> str:
    """Replace line breaks and control, format and unassigned characters by a space."""
    return "".join(
        " "
        if ch in _LINE_BREAKS or (ch != " " and unicodedata.category(ch) in _REMOVED_CATEGORIES)
        else ch
        for ch in text
    )


def one_line(text: object, limit: int = 300) -> str:
    """Untrusted text as one clean line of at most ``limit`` characters (an ellipsis marks a cut).

    >>> one_line("Breaking\\r\\nBcc: victim@example.org")
    'Breaking Bcc: victim@example.org'
    """
    if text is None:
        return ""
    cleaned = _SPACES.sub(" ", strip_controls(decode_encoded_words(str(text)))).strip()
    # Whatever still looks like the start of an encoded word (a malformed one) is broken up, so
    # that the email package cannot decode it into a line break when the header is written.
    cleaned = cleaned.replace("=?", "= ?")
    return clip(cleaned, limit)


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def safe_url(url: object) -> str | None:
    """``url`` if it is an absolute http(s) URL fit for an ``href``, else None."""
    if not isinstance(url, str):
        return None
    candidate = url.strip()
    if not candidate or len(candidate) > MAX_URL_LENGTH:
        return None
    if any(ch.isspace() or unicodedata.category(ch) in _REMOVED_CATEGORIES for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return candidate
