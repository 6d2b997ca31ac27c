"""Shingles, MinHash signatures and LSH bands: the text side of story linking.

A text becomes a set of shingles: word 3-grams for scripts written with spaces, character
5-grams for Chinese, Japanese, Thai, Lao, Khmer, Myanmar and Tibetan, after case folding and
turning punctuation and symbols into spaces (so "Rafah," and "rafah" are one word, and a curly
quote equals a straight one). A MinHash signature (datasketch, fixed seed and scheme, so that a
signature stored today compares with one made next year) estimates the Jaccard similarity of two
shingle sets; its values are cut into bands of a few rows, and two texts sharing one band's values
become candidates (locality-sensitive hashing).

The signature is computed here with numpy, value for value what datasketch's ``MinHash`` gives
with the same seed, "affine32" scheme and hash function (tests/test_dedup_signature.py compares
the two): building a ``MinHash`` for every article cost more than the hashing itself, and
importing datasketch (which imports SciPy) cost 0.4 s of every crawl process's start.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib

import numpy as np

NUM_PERM = 128
ROWS_PER_BAND = 4
WORD_SHINGLE = 5
CHAR_SHINGLE = 5
# Fewer shingles than this make the similarity estimate meaningless (a headline-only teaser):
# such a text gets no signature and stays a story of its own.
MIN_SHINGLES = 8

# Fixed forever: signatures in existing databases were made with them (datasketch's seed 1,
# "affine32" scheme).
_SEED = 1
_SIGNATURE_DTYPE = np.dtype("<u4")
# Share of characters from scripts without spaces above which a text is cut into characters.
_UNSPACED_SHARE = 0.3
_UNSPACED_CHARACTER = re.compile(
    "["
    "\u0e00-\u0eff"  # Thai, Lao
    "\u0f00-\u0fff"  # Tibetan
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B-G
    "]"
)


# The MurmurHash3 32-bit finaliser, which datasketch's affine32 scheme applies to each input hash.
_FMIX_SHIFTS = (np.uint32(16), np.uint32(13), np.uint32(16))
_FMIX_MULTIPLIERS = (np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35))


class _SeparatorTable(dict[int, int | str]):
    """A ``str.translate`` table that turns punctuation, symbols and controls into spaces.

    Filled lazily, one code point at a time, so it never holds the whole Unicode range; combining
    marks stay (Thai vowels and Devanagari matras are parts of words).
    """

    def __missing__(self, codepoint: int) -> int | str:
        category = unicodedata.category(chr(codepoint))
        value: int | str = " " if category[0] in "PSZC" else codepoint
        self[codepoint] = value
        return value


_SEPARATORS = _SeparatorTable()


def normalise_text(text: str) -> str:
    """NFKC, case-folded, punctuation and symbols replaced by spaces, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.translate(_SEPARATORS).split())


def is_unspaced_script(text: str) -> bool:
    """True when the text is mostly written in a script that does not separate words by spaces."""
    visible = len("".join(text.split()))
    if visible == 0:
        return False
    return len(_UNSPACED_CHARACTER.findall(text)) / visible >= _UNSPACED_SHARE


def shingles(
    text: str, word_size: int = WORD_SHINGLE, character_size: int = CHAR_SHINGLE
) -> set[str]:
    """The shingle set of ``text``: word n-grams, or character n-grams for unspaced scripts.

    The sizes are parameters for measurements only: signatures stored in a database were made
    with the defaults, and comparing them with signatures of other shingles means nothing.
    """
    normalised = normalise_text(text)
    if is_unspaced_script(normalised):
        units: list[str] | str = normalised.replace(" ", "")
        size, joiner = character_size, ""
    else:
        units = normalised.split()
        size, joiner = word_size, " "
    if not units:
        return set()
    if len(units) <= size:
        return {joiner.join(units)}
    return {joiner.join(units[start : start + size]) for start in range(len(units) - size + 1)}


def jaccard(set_a: set[str], set_b: set[str]) -> float:
    """The exact Jaccard similarity of two shingle sets (0.0 for two empty sets)."""
    if not set_a and not set_b:
        return 0.0
    return len(set_a & set_b) / len(set_a | set_b)


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int) -> np.ndarray:
    # Drawing the permutations costs more than hashing an article; draw them once per size.
    # datasketch's affine32 permutations h -> a * h + b (mod 2**32): odd multipliers a, then
    # offsets b, drawn in this order from RandomState(seed) (whose stream never changes).
    generator = np.random.RandomState(_SEED)
    multipliers = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + 1
    offsets = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([multipliers, offsets])


def signature(shingle_set: set[str], num_perm: int = NUM_PERM) -> np.ndarray | None:
    """The MinHash signature (``num_perm`` unsigned 32-bit values) of a shingle set.

    None when the set is too small for the estimate to mean anything (see ``MIN_SHINGLES``).
    """
    if len(shingle_set) < MIN_SHINGLES:
        return None
    # CRC-32 is a fast, stable 32-bit hash; it is mixed (MurmurHash3 finaliser) before use.
    hashes = np.fromiter(
        (zlib.crc32(shingle.encode("utf-8")) for shingle in shingle_set),
        dtype=np.uint32,
        count=len(shingle_set),
    )
    return _minhash_values(hashes, num_perm)


def text_signature(text: str, num_perm: int = NUM_PERM) -> np.ndarray | None:
    """:func:`signature` of :func:`shingles` of ``text``."""
    return signature(shingles(text), num_perm)


def _minhash_values(hashes: np.ndarray, num_perm: int) -> np.ndarray:
    """The MinHash values of 32-bit input hashes: datasketch's affine32 scheme, in one pass."""
    first_shift, second_shift, third_shift = _FMIX_SHIFTS
    first_multiplier, second_multiplier = _FMIX_MULTIPLIERS
    mixed = hashes ^ (hashes >> first_shift)
    mixed = mixed * first_multiplier
    mixed = mixed ^ (mixed >> second_shift)
    mixed = mixed * second_multiplier
    mixed = mixed ^ (mixed >> third_shift)
    multipliers, offsets = _permutations(num_perm)
    # Wrapping uint32 arithmetic is the scheme's modulo 2**32.
    permuted = np.multiply.outer(mixed, multipliers) + offsets
    return permuted.min(axis=0).astype(_SIGNATURE_DTYPE, copy=False)


def estimated_jaccard(signature_a: np.ndarray, signature_b: np.ndarray) -> float:
    """The share of equal MinHash values: an unbiased estimate of the Jaccard similarity."""
    return float(np.count_nonzero(signature_a == signature_b)) / len(signature_a)


def to_blob(values: np.ndarray) -> bytes:
    return values.astype(_SIGNATURE_DTYPE, copy=False).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=_SIGNATURE_DTYPE)


@functools.lru_cache(maxsize=8)
def _band_multipliers(rows: int) -> np.ndarray:
    # Fixed odd 64-bit multipliers (RandomState's stream never changes between numpy versions).
    generator = np.random.RandomState(20_250_101)
    return generator.randint(0, 2**62, size=rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def band_buckets(values: np.ndarray, rows_per_band: int = ROWS_PER_BAND) -> list[int]:
    """One 64-bit bucket number per band of ``rows_per_band`` values (signed, for SQLite).

    Equal bands give equal buckets; different bands collide with probability about 2**-64.
    Values left over after the last whole band are not banded (they still count in the estimate).
    """
    bands = len(values) // rows_per_band
    matrix = values[: bands * rows_per_band].reshape(bands, rows_per_band).astype(np.uint64)
    # Wrapping uint64 arithmetic is the intended modulo 2**64.
    buckets = (matrix * _band_multipliers(rows_per_band)).sum(axis=1, dtype=np.uint64)
    return buckets.view(np.int64).tolist()


def candidate_probability(similarity: float, bands: int, rows_per_band: int) -> float:
    """The chance that two texts of this Jaccard similarity share at least one band."""
    return 1.0 - (1.0 - similarity**rows_per_band) ** bands
