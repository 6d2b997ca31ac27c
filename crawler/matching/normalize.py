"""Normalisation shared by article text and watch terms, and the token stream the matcher scans.

``normalize`` folds text so that spelling variants compare equal:

- Unicode NFKC (full-width letters, ligatures and other compatibility forms become plain ones);
- case folding, with Turkish dotted ``İ`` and dotless ``ı`` both folded to ``i``;
- diacritics removed (every non-spacing and enclosing mark, so also Arabic harakat and Hebrew
  niqqud), then recomposed (NFC);
- Arabic letter variants unified: alef forms to bare alef, ta marbuta to ha, alef maqsura to ya,
  Persian ya and kaf to their Arabic forms, tatweel removed;
- apostrophe look-alikes become ``'`` and dash look-alikes become ``-``;
- invisible format characters (soft hyphen, zero-width joiners, direction marks) are removed;
  the zero-width space becomes a space.

``stream_text`` turns normalised text into the *token stream*: words separated by single spaces,
where ``|`` stands for sentence punctuation and ``#`` for a line or paragraph break. Apostrophes,
dashes, quotes, brackets, commas and every other symbol separate words without leaving a mark,
and an English possessive ``'s`` is dropped. Everything here runs as whole-string C operations
(normalize, casefold, translate, split), which is what makes matching megabytes per second
possible; ``token_spans`` is the slow per-character twin used only to place highlights.
"""

from __future__ import annotations

import functools
import re
import unicodedata

SENTENCE_MARK = "|"
PARAGRAPH_MARK = "#"
MARKS = frozenset((SENTENCE_MARK, PARAGRAPH_MARK))

APOSTROPHES = "'’‘‛ʼʹ′＇"
DASHES_EXTRA = "−⁃"  # minus sign and hyphen bullet are not in category Pd but read as dashes
SENTENCE_PUNCTUATION = ".!?;:…؟؛۔׃。।॥።։‼⁇⁈⁉"
PARAGRAPH_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

_ARABIC_AND_PERSIAN = {
    "ٱ": "ا",  # alef wasla
    "ٲ": "ا",  # alef with wavy hamza above
    "ٳ": "ا",  # alef with wavy hamza below
    "ٵ": "ا",  # high hamza alef
    "ة": "ه",  # ta marbuta
    "ى": "ي",  # alef maqsura
    "ی": "ي",  # Farsi yeh
    "ک": "ك",  # keheh
    "ـ": None,  # tatweel (kashida)
}
_HEBREW = {"׳": "'", "״": '"'}  # geresh, gershayim

_STRIP_MARK_CATEGORIES = ("Mn", "Me")
_SEPARATOR_CATEGORIES = frozenset(
    ("Cc", "Cs", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Sc", "Sk", "Sm", "So", "Zl", "Zp", "Zs")
)
# Planes 0 and 1 hold every punctuation mark and symbol; plane 14 holds the tag characters.
_SCANNED_CODE_POINTS = (range(0x20000), range(0xE0000, 0xE1000))

_POSSESSIVE = re.compile(rf"(?<=\w)[{APOSTROPHES}]s(?!\w)")


def _code_points_in(categories: tuple[str, ...] | frozenset[str]) -> list[str]:
    return [
        chr(code_point)
        for block in _SCANNED_CODE_POINTS
        for code_point in block
        if unicodedata.category(chr(code_point)) in categories
    ]


def _character_class(chars: list[str]) -> str:
    return "".join(re.escape(char) for char in chars)


@functools.cache
def _marks_pattern() -> re.Pattern[str]:
    return re.compile(f"[{_character_class(_code_points_in(_STRIP_MARK_CATEGORIES))}]+")


@functools.cache
def _normalize_table() -> dict[int, str | None]:
    """What ``normalize`` maps after folding: letter variants, apostrophes, dashes, invisibles."""
    table: dict[int, str | None] = {ord(char): None for char in _code_points_in(("Cf",))}
    table[0x200B] = " "  # zero-width space separates words
    table[ord("ı")] = "i"
    for char in APOSTROPHES:
        table[ord(char)] = "'"
    for char in _code_points_in(("Pd",)) + list(DASHES_EXTRA):
        table[ord(char)] = "-"
    for source, target in {**_ARABIC_AND_PERSIAN, **_HEBREW}.items():
        table[ord(source)] = target
    return table


def _stream_char(char: str) -> str:
    """How one normalised character appears in the token stream."""
    if char in PARAGRAPH_BREAKS:
        return PARAGRAPH_MARK
    if char in SENTENCE_PUNCTUATION:
        return SENTENCE_MARK
    if char in MARKS or char == "_" or unicodedata.category(char) in _SEPARATOR_CATEGORIES:
        return " "
    return char


@functools.cache
def _stream_table() -> dict[int, str | None]:
    """One table doing both the ``normalize`` mapping and the stream mapping in a single pass."""
    table: dict[int, str | None] = {}
    for char in _code_points_in(_SEPARATOR_CATEGORIES) + ["_"]:
        table[ord(char)] = _stream_char(char)
    for code_point, target in _normalize_table().items():
        table[code_point] = None if target is None else "".join(map(_stream_char, target))
    return table


def _fold(text: str) -> str:
    """NFKC, case folding and diacritic removal: the part of ``normalize`` before the table."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if folded.isascii():
        return folded
    # "İ".casefold() is "i" plus a combining dot above; removing marks turns it into plain "i".
    decomposed = unicodedata.normalize("NFKD", folded)
    return unicodedata.normalize("NFC", _marks_pattern().sub("", decomposed))


def normalize(text: str) -> str:
    """Fold ``text`` for matching; the same function serves article text and watch terms.

    >>> normalize("İSTANBUL’s Cease—Fire, إطلاق")
    "istanbul's cease-fire, اطلاق"

    The result keeps punctuation and spacing; it is idempotent (``normalize(normalize(t)) ==
    normalize(t)``).
    """
    folded = _fold(text)
    if folded.isascii():
        return folded  # the table maps no ASCII character
    return folded.translate(_normalize_table())


def stream_text(text: str) -> str:
    """The token stream of ``text``: normalised words, ``|`` and ``#`` marks, single spaces.

    >>> stream_text("Gaza's cease-fire. Talks\\nresume")
    'gaza cease fire | talks # resume'
    """
    folded = _POSSESSIVE.sub("", _fold(text))
    mapped = folded.translate(_stream_table())
    if SENTENCE_MARK in mapped:
        mapped = mapped.replace(SENTENCE_MARK, f" {SENTENCE_MARK} ")
    if PARAGRAPH_MARK in mapped:
        mapped = mapped.replace(PARAGRAPH_MARK, f" {PARAGRAPH_MARK} ")
    return " ".join(mapped.split())


_fold_char = functools.lru_cache(maxsize=4096)(_fold)


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """The tokens of ``stream_text(text)`` with the ``[start, end)`` span each has in ``text``.

    Works character by character, so it is only meant for short pieces such as a snippet. When
    the characters do not add up to the stream of the whole text (a composition across
    characters, for instance Hangul jamo), every token gets the span of the whole text.
    """
    folded_chars: list[str] = []
    owners: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        folded_chars.append(folded)
        owners.extend([index] * len(folded))
    folded_text = "".join(folded_chars)
    dropped = {i for match in _POSSESSIVE.finditer(folded_text) for i in range(*match.span())}

    tokens: list[tuple[str, int, int]] = []
    word: list[str] = []
    word_start = word_end = 0

    def flush() -> None:
        if word:
            tokens.append(("".join(word), word_start, word_end))
            word.clear()

    for position, folded_char in enumerate(folded_text):
        if position in dropped:
            continue
        owner = owners[position]
        for char in folded_char.translate(_stream_table()):
            if char == " ":
                flush()
            elif char in MARKS:
                flush()
                tokens.append((char, owner, owner + 1))
            else:
                if not word:
                    word_start = owner
                word.append(char)
                word_end = owner + 1
    flush()
    tokens = [_with_trailing_marks(text, token) for token in tokens]
    if [token for token, _, _ in tokens] != stream_text(text).split():
        return [(token, 0, len(text)) for token in stream_text(text).split()]
    return tokens


def _with_trailing_marks(text: str, token: tuple[str, int, int]) -> tuple[str, int, int]:
    """Extend a word's span over the marks that follow it (an Arabic tanween, a combining accent)."""
    word, start, end = token
    if word in MARKS:
        return token
    while end < len(text) and not _fold_char(text[end]):
        end += 1
    return word, start, end


def is_word(token: str) -> bool:
    """True for a word of the stream, false for a ``|`` or ``#`` mark."""
    return token not in MARKS
