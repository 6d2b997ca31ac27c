"""Language: the page's declaration, checked against a cheap look at the text itself.

Declarations come from ``<html lang>``, JSON-LD ``inLanguage``, ``og:locale`` and
Content-Language. Text detection is deliberately small (no model, no dependency): the writing
system settles Japanese, Korean, Chinese, Cyrillic, Greek, Arabic and Hebrew; for Latin-script
text, the share of very common function words tells English, German, French, Spanish, Italian,
Portuguese and Dutch apart. It fills in a missing declaration, and overrides a declaration only
when the text is long and clearly in another of the languages it knows (CMS templates often
declare the site's default language on every page).
"""

from __future__ import annotations

import re
from collections import Counter

_FUNCTION_WORDS = {
    "en": "the and of to in is that for it was on with he as his by at from are have be this "
    "but not they said has were which an or had been their who will its would",
    "de": "der die und das den ist nicht sich mit von auf für ein eine dem des auch es im zu "
    "sie er wir aber wie bei nach noch wurde werden hat sind oder einer über dass",
    "fr": "le la les et des est une du en que qui dans pour pas sur au avec il ce sont plus "
    "par elle été ont mais ses aux cette nous",
    "es": "el la los las de que y en del por con una para es se no un al lo como más pero "
    "sus fue ha este esta también sobre entre",
    "it": "il di che e la per un del della non è sono una con da le dei nel alla anche come "
    "più ha ma gli delle questo essere stato dal",
    "pt": "o a de que e do da em um para é com não uma os no se na por mais as dos como mas "
    "foi ao ele das tem à seu sua ou também são",
    "nl": "de het een en van is dat op te in zijn voor met niet die aan er maar om ook als dan "
    "bij nog wordt werd heeft door naar over",
}
_WORD_SETS = {language: frozenset(words.split()) for language, words in _FUNCTION_WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+")
_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("uk", re.compile(r"[їєґі]", re.IGNORECASE)),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
)
# Any character of the scripts above (the Ukrainian letters are Cyrillic): text without one, most
# text, needs no per-script count.
_ANY_SCRIPT = re.compile(r"[\u3040-\u30ff\uac00-\ud7af\u4e00-\u9fff\u0370-\u06ff]")
_SAMPLE_CHARS = 4000
_MIN_SCRIPT_SHARE = 0.2
_MIN_WORDS = 30
_MIN_SHARE = 0.12
_MIN_MARGIN = 1.8
_OVERRIDE_MIN_WORDS = 150
_OVERRIDE_MARGIN = 3.0


def language_code(label: str | None) -> str | None:
    """ "en-GB", "de_DE", "EN" -> the two-letter code; anything else -> None."""
    match = re.match(r"^\s*([a-zA-Z]{2})(?:[-_][\w-]*)?\s*$", label or "")
    return match.group(1).lower() if match else None


def detect_language(text: str) -> tuple[str | None, float, int]:
    """The language the text is in, a confidence ratio, and how many words were looked at."""
    sample = text[:_SAMPLE_CHARS]
    if _ANY_SCRIPT.search(sample):
        language = _script_language(sample)
        if language is not None:
            return language, float("inf"), len(sample)
    words = [word.casefold() for word in _WORD.findall(sample)]
    if len(words) < _MIN_WORDS:
        return None, 0.0, len(words)
    # Each language's count of function words, from one count per distinct word.
    counts = Counter(words)
    shares = sorted(
        (
            (sum(counts[word] for word in vocabulary if word in counts) / len(words), language)
            for language, vocabulary in _WORD_SETS.items()
        ),
        reverse=True,
    )
    (best_share, best), (second_share, _) = shares[0], shares[1]
    margin = best_share / second_share if second_share else float("inf")
    if best_share < _MIN_SHARE or margin < _MIN_MARGIN:
        return None, margin, len(words)
    return best, margin, len(words)


def _script_language(sample: str) -> str | None:
    """The language a non-Latin writing system gives away, when it is 20% of the letters."""
    letters = sum(map(str.isalpha, sample)) or 1
    for language, script in _SCRIPTS:
        if len(script.findall(sample)) / letters >= _MIN_SCRIPT_SHARE:
            if language == "uk" and not _SCRIPTS[4][1].search(sample):
                continue
            return language
    return None


def choose_language(declared: list[str | None], text: str) -> str | None:
    """The first valid declaration unless the text clearly says otherwise; else the detection."""
    declared_code = next((code for code in map(language_code, declared) if code), None)
    detected, margin, words = detect_language(text)
    if declared_code is None:
        return detected
    if (
        detected is not None
        and detected != declared_code
        and declared_code in _WORD_SETS
        and words >= _OVERRIDE_MIN_WORDS
        and margin >= _OVERRIDE_MARGIN
    ):
        return detected
    return declared_code
