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

``stream_text`` turns text into the *token stream*: normalised words separated by single spaces,
where ``|`` stands for sentence punctuation and ``#`` for a line or paragraph break (each line
break that ``str.splitlines`` knows, CR LF counting once). Apostrophes,
dashes, quotes, brackets, commas and every other symbol separate words without leaving a mark,
and an English possessive ``'s`` is dropped. It runs as whole-string C operations (normalize,
casefold, translate, replace), which is what makes matching megabytes per second possible.
``token_spans`` finds where each token of a paragraph is in the original text, for highlights;
``token_offsets`` finds a few of them without looking at the others, for snippets.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator

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

_MARK_CATEGORIES = ("Mn", "Me")
_SEPARATOR_CATEGORIES = (
    *("Cc", "Cs", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps"),
    *("Sc", "Sk", "Sm", "So", "Zl", "Zp", "Zs"),
)
_ASTRAL_RUN = re.compile("[\U00010000-\U0010ffff]+")

# In the stream, an apostrophe is first written as this placeholder so that a possessive "'s"
# can be dropped with plain string replacement; any other apostrophe then becomes a space.
_APOSTROPHE = "\x01"
_POSSESSIVE_ENDINGS = {f"{_APOSTROPHE}s{end}": end for end in (" ", SENTENCE_MARK, PARAGRAPH_MARK)}


def _scanned_code_points() -> Iterator[int]:
    """Planes 0 and 1 hold every mark, punctuation mark and symbol; plane 14 the tags."""
    return itertools.chain(range(0x20000), range(0xE0000, 0xE1000))


def _without_marks(text: str) -> str:
    return "".join(char for char in text if unicodedata.category(char) not in _MARK_CATEGORIES)


@functools.cache
def _unicode_tables() -> tuple[dict[int, str], frozenset[int]]:
    """One pass over the code points: what folding changes each character into (after NFKC and
    case folding), and which characters separate words.

    Removing diacritics character by character (``é`` -> ``e``, a lone mark -> nothing) equals
    decomposing, dropping marks and recomposing, because NFKC has already composed what
    composes; and it lets one ``str.translate`` do all of the work.
    """
    variants = {ord("ı"): "i", 0x200B: " "}  # a zero-width space separates words
    variants.update(dict.fromkeys(map(ord, APOSTROPHES), "'"))
    variants.update(dict.fromkeys(map(ord, DASHES_EXTRA), "-"))
    variants.update({ord(k): v or "" for k, v in {**_ARABIC_AND_PERSIAN, **_HEBREW}.items()})
    fold: dict[int, str] = {}
    separators: set[int] = set()
    for code_point in _scanned_code_points():
        char = chr(code_point)
        category = unicodedata.category(char)
        if category in _SEPARATOR_CATEGORIES:
            separators.add(code_point)
        if code_point in variants:
            fold[code_point] = variants[code_point]
        elif category in _MARK_CATEGORIES or category == "Cf":
            fold[code_point] = ""
        elif category == "Pd":
            fold[code_point] = "-"
        elif unicodedata.decomposition(char)[:1] not in ("", "<"):  # canonical: base + marks
            base = unicodedata.normalize("NFC", _without_marks(unicodedata.normalize("NFD", char)))
            if base != char:
                fold[code_point] = "".join(variants.get(ord(c), c) for c in base)
    return fold, frozenset(separators)


@functools.cache
def _normalize_table() -> dict[int, str | None]:
    return {code_point: target or None for code_point, target in _unicode_tables()[0].items()}


def _stream_char(char: str) -> str:
    """How one folded character appears in the token stream."""
    if char in PARAGRAPH_BREAKS:
        return PARAGRAPH_MARK
    if char in SENTENCE_PUNCTUATION:
        return SENTENCE_MARK
    if char == "'":
        return _APOSTROPHE
    if char in MARKS or char == "_" or ord(char) in _unicode_tables()[1]:
        return " "
    return char


@functools.cache
def _stream_tables() -> tuple[list[str], dict[int, str]]:
    """Folding and stream mapping in one table: a list for the Basic Multilingual Plane (a list
    lookup is twice as fast as a dict lookup inside ``str.translate``), a dict beyond it."""
    fold, separators = _unicode_tables()
    basic = [chr(code_point) for code_point in range(0x10000)]
    astral: dict[int, str] = {}
    for code_point in fold.keys() | separators | {ord("_")}:
        streamed = "".join(map(_stream_char, fold.get(code_point, chr(code_point))))
        if code_point <= 0xFFFF:
            basic[code_point] = streamed
        else:
            astral[code_point] = streamed
    return basic, astral


def _fold_case(text: str) -> str:
    if text.isascii():  # NFKC leaves ASCII alone, and its case folding is lower()
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold()


def _recomposed(text: str) -> str:
    """NFC again, for what a removed mark kept apart (a Hangul jamo pair around an accent)."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _has_astral(text: str) -> bool:
    """Whether ``text`` has a character beyond U+FFFF (faster than any regex search)."""
    return len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


def normalize(text: str) -> str:
    """Fold ``text`` for matching; the same function serves article text and watch terms.

    >>> normalize("İSTANBUL’s Cease—Fire, إطلاق")
    "istanbul's cease-fire, اطلاق"

    The result keeps punctuation and spacing; it is idempotent (``normalize(normalize(t)) ==
    normalize(t)``).
    """
    folded = _fold_case(text)
    return folded if folded.isascii() else _recomposed(folded.translate(_normalize_table()))


def stream_text(text: str) -> str:
    """The token stream of ``text``: normalised words, ``|`` and ``#`` marks, single spaces.

    >>> stream_text("Gaza's cease-fire. Talks\\nresume")
    'gaza cease fire | talks # resume'
    """
    basic, astral = _stream_tables()
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")  # one line break, as for str.splitlines
    mapped = _fold_case(text).translate(basic)  # leaves characters beyond U+FFFF alone
    if not mapped.isascii():
        if _has_astral(mapped):
            mapped = _ASTRAL_RUN.sub(lambda run: run[0].translate(astral), mapped)
        mapped = _recomposed(mapped)
    # s.replace(a, b) equals b.join(s.split(a)); with a found every few dozen characters, as
    # a possessive or a double space is, the second is a third faster.
    if _APOSTROPHE in mapped:
        for ending, replacement in _POSSESSIVE_ENDINGS.items():
            if ending in mapped:  # searching is cheaper than copying
                mapped = replacement.join(mapped.split(ending))
        mapped = mapped.removesuffix(f"{_APOSTROPHE}s").replace(_APOSTROPHE, " ")
    for mark in MARKS:
        if mark in mapped:
            mapped = mapped.replace(mark, f" {mark} ")
    while "  " in mapped:
        mapped = " ".join(mapped.split("  "))
    return mapped.strip(" ")


@functools.lru_cache(maxsize=4096)
def _char_stream(char: str) -> str:
    """The stream form of one character, with the apostrophe placeholder kept."""
    basic, astral = _stream_tables()
    return _fold_case(char).translate(basic).translate(astral)


# ``token_spans`` works on a *class string*: one character per character of the text saying
# what it becomes in the stream: part of a word (``w``, or ``s`` for an s), nothing inside a
# word (``\x02``, a mark or a soft hyphen), a separator, an apostrophe, ``|`` or ``#``. A few
# characters expand (``…`` is three full stops after NFKC, ``½`` is ``1⁄2``) and get several.
_WORD, _S, _NOTHING = "w", "s", "\x02"
_CLASS_TOKEN = re.compile(r"[ws][ws\x02]*|[|#]")
_CLASS_POSSESSIVE = re.compile(r"'(\x02*)s(?=\x02*(?:[ |#]|\Z))")
# The same without marks in between (always so in ASCII text): a replacement without a group
# reference is done by the regex engine alone, six times faster.
_CLASS_PLAIN_POSSESSIVE = re.compile(r"'s(?=[ |#]|\Z)")


def _shape(streamed: str) -> str:
    """The class characters of one character's stream form."""
    if not streamed:
        return _NOTHING
    if streamed == "s":
        return _S
    shape = re.sub(r"[^ |#\x01]+", _WORD, streamed)
    return shape.replace(_APOSTROPHE, "'")


@functools.cache
def _class_tables() -> tuple[list[str], dict[int, str], re.Pattern[str]]:
    """Class characters for the Basic Multilingual Plane (a list) and beyond (a dict), and a
    pattern finding the characters whose class takes more than one character."""
    fold, separators = _unicode_tables()
    classes = [_WORD] * 0x10000
    # Characters whose stream form is not simply themselves, or that NFKC or case folding may
    # change; every other character is part of a word.
    special = {*fold, *separators, ord("_"), ord("s"), ord("S")}
    special.update(
        code_point
        for code_point in _scanned_code_points()
        if unicodedata.decomposition(chr(code_point)) or len(chr(code_point).casefold()) != 1
    )
    astral_classes: dict[int, str] = {}
    for code_point in special:
        shape = _shape(_char_stream(chr(code_point)))
        if code_point <= 0xFFFF:
            classes[code_point] = shape
        elif shape != _WORD:
            astral_classes[code_point] = shape
    expanding = [c for c, shape in enumerate(classes) if len(shape) > 1]
    expanding += [c for c, shape in astral_classes.items() if len(shape) > 1]
    pattern = "[" + "".join(re.escape(chr(c)) for c in expanding) + "]"
    return classes, astral_classes, re.compile(pattern)


@functools.cache
def _ascii_class_table() -> bytes:
    """The class of each ASCII character, as a byte: ``bytes.translate`` is more than twice as
    fast as ``str.translate``."""
    return bytes(map(ord, _class_tables()[0][:128])) + bytes(128)


def _class_string(text: str) -> str:
    """The class string of ``text``, possessives dropped."""
    if text.isascii():
        shaped = text.encode("ascii").translate(_ascii_class_table()).decode("ascii")
    else:
        classes, astral_classes, _ = _class_tables()
        shaped = text.translate(classes)  # leaves characters beyond U+FFFF alone
        if _has_astral(text):
            shaped = _ASTRAL_RUN.sub(
                lambda run: "".join(astral_classes.get(ord(char), _WORD) for char in run[0]),
                shaped,
            )
    if "'" in shaped:  # a possessive is dropped, as in the stream
        if _NOTHING in shaped:
            shaped = _CLASS_POSSESSIVE.sub(r"'\1'", shaped)
        else:
            shaped = _CLASS_PLAIN_POSSESSIVE.sub("''", shaped)
    return shaped


def token_spans(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    """The ``[start, end)`` span in ``text`` of each token of ``stream_text(text)``, or of its
    first ``limit`` tokens.

    ``text`` must hold no line break (it is one paragraph). Marks after a word (an accent, an
    Arabic tanween) belong to its span; a dropped possessive ``'s`` does not.
    """
    shaped = _class_string(text)
    spans = list(map(re.Match.span, itertools.islice(_CLASS_TOKEN.finditer(shaped), limit)))
    if len(shaped) == len(text):
        return spans
    classes, astral_classes, expanding = _class_tables()
    return _shrunk(spans, text, expanding, classes, astral_classes)


_LONGEST_RUN = 256


@functools.cache
def _ascii_token_tables() -> tuple[bytes, re.Pattern[bytes]]:
    """For ASCII text, the class of each byte with ``s`` as ``w`` and ``'`` as a space, and the
    possessive ``'s`` in the text itself (what ``_CLASS_PLAIN_POSSESSIVE`` finds in the class
    string)."""
    classes = _class_tables()[0][:128]
    simpler = {_S: _WORD, "'": " "}
    table = bytes(ord(simpler.get(shape, shape)) for shape in classes) + bytes(128)

    def of_class(shapes: str) -> bytes:
        return re.escape(bytes(char for char, shape in enumerate(classes) if shape in shapes))

    possessive = rb"[%s][%s](?=[%s]|\Z)" % (of_class("'"), of_class(_S), of_class(" |#"))
    return table, re.compile(possessive)


def _ascii_token_string(text: str) -> str:
    """ASCII text always lines up with its stream, and its tokens are found in a simpler string
    than its class string, made in one pass of ``bytes.translate``: "w" for a character of a
    word, "|" for a sentence mark and a space for anything else, a dropped possessive
    included."""
    table, possessive = _ascii_token_tables()
    raw = text.encode("ascii")
    if b"'" in raw:
        raw = possessive.sub(b"  ", raw)
    return raw.translate(table).decode("ascii")


@functools.lru_cache(maxsize=2 * _LONGEST_RUN)
def _token_run(tokens: int, ascii_only: bool) -> re.Pattern[str]:
    """A run of ``tokens`` tokens, each with what separates it from the one before: one match
    of a repeated group skips them without a match object for each, several times faster than
    ``finditer`` (and a third faster again in the simpler string of ASCII text). Possessive
    quantifiers keep the engine from ever cutting a word in two to make up the count."""
    token = r" *+(?:w++|[|#])" if ascii_only else r"[^ws|#]*+(?:[ws][ws\x02]*+|[|#])"
    return re.compile(f"(?:{token}){{{tokens}}}")


_TOKEN_SEPARATORS = {True: re.compile(" *+"), False: re.compile(r"[^ws|#]*+")}


class TokenOffsets:
    """Where the tokens of a paragraph's stream start and end in its text, found in a string
    with one character per character of the text (see ``token_offsets``).

    Finding token ``i`` skips the tokens before it in runs, from the last token asked for when
    the questions come in increasing order, so a snippet near the start of a long paragraph
    never looks at the rest of it.
    """

    __slots__ = ("_ascii_only", "_position", "_shaped", "_tokens_before")

    def __init__(self, shaped: str, *, ascii_only: bool) -> None:
        self._shaped = shaped
        self._ascii_only = ascii_only
        self._tokens_before = 0  # tokens that end at or before _position
        self._position = 0

    def start(self, index: int) -> int:
        """Where token ``index`` starts."""
        separators = _TOKEN_SEPARATORS[self._ascii_only].match(self._shaped, self._after(index))
        return separators.end() if separators else len(self._shaped)  # it always matches

    def end(self, index: int) -> int:
        """Where token ``index`` ends."""
        return self._after(index + 1)

    def has_exactly(self, tokens: int) -> bool:
        """Whether the string holds ``tokens`` tokens, no more and no fewer."""
        try:
            end = self._after(tokens)
        except IndexError:
            return False
        return _token_run(1, self._ascii_only).match(self._shaped, end) is None

    def _after(self, tokens: int) -> int:
        """The offset just after the first ``tokens`` tokens."""
        if tokens < self._tokens_before:
            self._tokens_before = self._position = 0
        position = self._position
        remaining = tokens - self._tokens_before
        while remaining > 0:
            run = min(remaining, _LONGEST_RUN)
            match = _token_run(run, self._ascii_only).match(self._shaped, position)
            if match is None:
                raise IndexError(f"the text has fewer than {tokens} tokens")
            position = match.end()
            remaining -= run
        self._tokens_before, self._position = tokens, position
        return position


def token_offsets(text: str, tokens: int) -> TokenOffsets | None:
    """Token offsets in ``text`` (one paragraph, as for ``token_spans``) whose stream has
    ``tokens`` tokens; None when they cannot be found this way: a character expands in the
    class string, or the class string and the stream do not line up.

    ASCII text always lines up with its stream and is not checked, so that a snippet near the
    start of a paragraph never looks at the rest of it; other text is checked whole.
    """
    if text.isascii():
        return TokenOffsets(_ascii_token_string(text), ascii_only=True)
    shaped = _class_string(text)
    if len(shaped) != len(text):
        return None
    offsets = TokenOffsets(shaped, ascii_only=False)
    return offsets if offsets.has_exactly(tokens) else None


def _shrunk(
    spans: list[tuple[int, int]],
    text: str,
    expanding: re.Pattern[str],
    classes: list[str],
    astral_classes: dict[int, str],
) -> list[tuple[int, int]]:
    """Spans in the class string mapped back to ``text`` around expanding characters."""
    # (class offset where an expansion starts, its text offset, its length in the class string)
    expansions = []
    extra = 0
    for match in expanding.finditer(text):
        code_point = ord(match[0])
        width = len(classes[code_point] if code_point <= 0xFFFF else astral_classes[code_point])
        expansions.append((match.start() + extra, match.start(), width))
        extra += width - 1
    starts = [expansion[0] for expansion in expansions]

    def original(offset: int, *, end: bool) -> int:
        index = bisect.bisect_right(starts, offset - end) - 1
        if index < 0:
            return offset
        class_start, text_start, width = expansions[index]
        if offset - end < class_start + width:  # inside the expansion: its one character
            return text_start + end
        return offset - (class_start - text_start) - (width - 1)

    return [(original(start, end=False), original(end, end=True)) for start, end in spans]


def is_word(token: str) -> bool:
    """True for a word of the stream, false for a ``|`` or ``#`` mark."""
    return token not in MARKS
