"""Proclitics: the short Arabic and Hebrew words that are written joined to the next word.

Arabic joins the conjunctions و ("and") and ف ("so"), the prepositions ب ("in, with"), ك
("like") and ل ("for, to"), and the article ال to the word after them: "بغزة" is "in Gaza",
"والقدس" "and Jerusalem", "بالهدنة" "with the truce". Hebrew does the same with ו ה ב כ ל מ ש:
"בעזה" is "in Gaza", "שבעזה" "which is in Gaza". A term whose first word is in Arabic script or
Hebrew therefore also matches that word with such a prefix, from a closed set:

- Arabic: an optional conjunction, then an optional preposition or the article, in that order
  (و ف ب ك ل ال وب فل بال وال وبال كال ...), and ``لل`` (ل before the article, which drops the
  article's alef: "للهدنة"). A term that already starts with ال takes only a conjunction and
  ب or ك before it ("والقدس", "بالقدس"), or ل in place of its alef ("للقدس", "وللقدس").
- Hebrew: one to three letters of ו ה ב כ ל מ ש.

Nothing else is taken off a word: "مغزة" is not "غزة", and suffixes (pronouns such as "غزتنا",
plurals) are not handled. The rule needs a stem of at least two letters, so a one-letter term
does not match every word starting with و. The exact-form marker (``=غزة``) turns it off.

The prefixes are written here as they are after normalisation (every alef form is a bare alef).
"""

from __future__ import annotations

import re
from typing import NamedTuple

MIN_STEM_LETTERS = 2

ARABIC_ARTICLE = "ال"
# An optional conjunction, then an optional preposition or article: و, بال, ولل, ...
ARABIC_PROCLITICS = re.compile("[وف]?(?:[بك]?ال|لل|[بكل])?")
# Before a word that has its own article: "والقدس", "بالقدس", "فبالقدس".
ARABIC_PROCLITICS_BEFORE_ARTICLE = re.compile("[وف]?[بك]?")
# ل before the article takes the place of its alef: "القدس" -> "للقدس", "وللقدس".
ARABIC_LI_FOR_ALEF = re.compile("[وف]?ل")
HEBREW_PROCLITICS = re.compile("[והבכלמש]{0,3}")

_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_HEBREW_SCRIPT = re.compile("[\u0590-\u05ff]")


class Stem(NamedTuple):
    """How a word may begin after a prefix, and the prefixes that may come before it in the
    same word; ``prefixes`` must match in full, and may match nothing."""

    text: str
    prefixes: re.Pattern[str]


def stems(word: str) -> list[Stem]:
    """The stems of ``word`` (normalised) that may follow a proclitic; none for a word that
    does not start with an Arabic-script or Hebrew letter, or that is too short."""
    # Arabic-Indic digits (٢٠٢٤) lie in the Arabic block, but a number takes no proclitic.
    if len(word) < MIN_STEM_LETTERS or not word[0].isalpha():
        return []
    if _HEBREW_SCRIPT.match(word):
        return [Stem(word, HEBREW_PROCLITICS)]
    if not _ARABIC_SCRIPT.match(word):
        return []
    if not word.startswith(ARABIC_ARTICLE):
        return [Stem(word, ARABIC_PROCLITICS)]
    found = [Stem(word, ARABIC_PROCLITICS_BEFORE_ARTICLE)]
    if len(word) - 1 >= MIN_STEM_LETTERS:
        found.append(Stem(word[1:], ARABIC_LI_FOR_ALEF))
    return found
