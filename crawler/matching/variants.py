"""The spellings a watch term matches: English plurals and compounds, without a stemmer.

Plurals are an equivalence: two words match when ``singular`` maps them to the same base, so
"crossing" finds "crossings" and "crossings" finds "crossing". Rather than running ``singular``
over every word of every article, each term is expanded once, at compile time, into the surface
forms of its base (``word_forms``). Only the last word of a phrase is inflected ("Rafah
crossings", "hostage deals"); possessives need no variant because the token stream already drops
``'s``.

Compounds: a phrase also matches with two adjacent words joined ("cease fire" finds
"ceasefire"), and a word also matches split in two ("ceasefire" finds "cease fire" and
"cease-fire", since a hyphen separates words in the stream; "Gaza ceasefire" finds "Gaza
cease-fire"). Splits are limited to words of at least seven letters with parts of at least
three, so that "Iran" never matches "I ran". A spelling differs from the term by one change
only: "ceasefire" finds "ceasefires" and "cease fire" but not "cease fires", which keeps the
number of spellings, and so the automaton, small.
"""

from __future__ import annotations

from crawler.matching.normalization import is_word

# Words ending in -s that are not plurals of the word without it ("news" is not "new").
NOT_PLURALS = frozenset({"news", "series", "species", "means", "goods"})
MIN_INFLECTED_LENGTH = 4
MIN_SPLIT_WORD_LENGTH = 7
MAX_SPLIT_WORD_LENGTH = 30
MIN_SPLIT_PART_LENGTH = 3
MAX_COMPOUND_PHRASE_WORDS = 8  # longer phrases are matched as written (and plural)

Variant = tuple[str, ...]


def _inflectable(word: str) -> bool:
    return word.isascii() and word.isalpha() and len(word) >= MIN_INFLECTED_LENGTH


def singular(word: str) -> str:
    """The base form of a regular English plural; any other word is returned unchanged.

    -ies becomes -y ("cities"), -sses/-shes/-ches/-xes/-zzes lose -es ("crosses", "boxes"),
    -oes loses -es in longer words ("vetoes"), and a final -s is dropped unless the word ends in
    -ss, -as or is listed in ``NOT_PLURALS`` ("Hamas" is not the plural of "Hama").
    """
    if not _inflectable(word) or word in NOT_PLURALS:
        return word
    if word.endswith("ies") and len(word) >= 5:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if word.endswith("oes") and len(word) >= 6:
        return word[:-2]
    if word.endswith(("ss", "as")) or not word.endswith("s"):
        return word
    return word[:-1]


def word_forms(word: str) -> tuple[str, ...]:
    """Every spelling with the same ``singular`` as ``word``, ``word`` itself first."""
    base = singular(word)
    candidates = [word, base, base + "s", base + "es"]
    if base.endswith("y"):
        candidates.append(base[:-1] + "ies")
    forms = [form for form in candidates if singular(form) == base]
    return tuple(dict.fromkeys([word, *forms]))


def _joins(words: Variant) -> list[Variant]:
    """The term with one pair of adjacent words written as one ("cease fire" -> "ceasefire")."""
    return [
        (*words[:i], words[i] + words[i + 1], *words[i + 2 :])
        for i in range(len(words) - 1)
        if is_word(words[i]) and is_word(words[i + 1])
    ]


def _splits(word: str) -> list[Variant]:
    """A compound word written as two ("ceasefire" -> "cease fire")."""
    if not (word.isascii() and word.isalpha()):
        return []
    if not MIN_SPLIT_WORD_LENGTH <= len(word) <= MAX_SPLIT_WORD_LENGTH:
        return []
    return [
        (word[:cut], word[cut:])
        for cut in range(MIN_SPLIT_PART_LENGTH, len(word) - MIN_SPLIT_PART_LENGTH + 1)
    ]


def term_variants(words: Variant, *, exact: bool = False, prefix: bool = False) -> list[Variant]:
    """All token sequences that count as an occurrence of the term ``words``: the term itself
    and spellings that differ from it by one change (a plural, a join or a split).

    ``exact`` keeps the spelling as written. With ``prefix`` the last token is a word prefix
    and is not inflected.
    """
    if exact:
        return [words]
    *leading, last = words
    endings = (last,) if prefix else word_forms(last)
    variants = [(*leading, ending) for ending in endings]
    if len(words) > MAX_COMPOUND_PHRASE_WORDS:
        return variants
    variants.extend(_joins(words))
    for index, word in enumerate(words):
        variants.extend((*words[:index], *split, *words[index + 1 :]) for split in _splits(word))
    return list(dict.fromkeys(variants))
