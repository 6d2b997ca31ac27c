"""SQLite FTS5 prefilter: a MATCH expression that lets through every article the matcher accepts.

The store indexes ``articles_fts(title, body)`` with ``tokenize="unicode61 remove_diacritics
2"``. That tokenizer differs from our token stream: it splits at apostrophes ("Gaza's" is
``gaza`` + ``s``), keeps no sentence marks, leaves ``ı`` and ``ß`` as they are, and cuts words at
Arabic harakat and Hebrew niqqud. So the expression is a *superset*, never an exact
translation:

- a term becomes an OR over its spellings, each spelling an AND of its words (not an FTS phrase,
  whose adjacency would fail on "Gaza's ceasefire"), with shared first words factored out;
- a word containing ``i`` also accepts ``ı``, and ``ss`` also ``ß`` (beyond a few such places
  the word is cut there and searched as a prefix);
- a word that is not plain ASCII letters and digits is left out of its AND; a spelling with no
  word left makes the term, and so any OR around it, unfilterable. For Arabic and Hebrew this is
  also what keeps proclitics working: FTS indexes "بغزة" as one token that no query for "غزة"
  finds;
- ``NOT`` parts are left out (an AND of the rest is wider), ``NEAR`` becomes AND, a phrase longer
  than eight words is searched by its first eight, ``title:`` and ``body:`` become FTS column
  filters.

Every word reaches FTS inside double quotes and built from letters and digits only, so no input
can produce FTS syntax; an expression nested deeper than FTS5's parser allows is not produced.
``None`` means "no usable prefilter: scan every article".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from crawler.matching.normalization import is_word
from crawler.matching.query import And, Field, Near, Node, Not, Or, Query, Term
from crawler.matching.variants import term_variants

# FTS5 keeps these as they are, while normalisation folds them to the first spelling.
FTS_SPELLINGS = {"i": ("i", "ı"), "ss": ("ss", "ß")}
MAX_SPELLINGS_PER_WORD = 4
MAX_WORDS_PER_AND = 8
MAX_EXPRESSION_LENGTH = 50_000
MAX_DEPTH = 16


@dataclass(frozen=True)
class _Group:
    operator: str  # AND or OR
    parts: tuple[_Expression, ...]

    def __str__(self) -> str:
        return "(" + f" {self.operator} ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class _Column:
    name: str
    inner: _Expression

    def __str__(self) -> str:
        inner = str(self.inner)
        return f"{self.name} : {inner if isinstance(self.inner, _Group) else f'({inner})'}"


_Expression = str | _Group | _Column


def fts_expression(query: Query) -> str | None:
    """An FTS5 MATCH expression passing a superset of the articles ``query`` matches, or None.

    >>> fts_expression(parse_query("title:Rafah -Hamas"))
    'title : ("rafah" OR "rafahs")'
    """
    expression = _expression(query)
    if expression is None or _depth(expression) > MAX_DEPTH:
        return None
    text = str(expression)
    if isinstance(expression, _Group) and expression.operator == "OR":
        text = text[1:-1]  # the outermost parentheses say nothing
    return text if len(text) <= MAX_EXPRESSION_LENGTH else None


def _expression(node: Node) -> _Expression | None:
    match node:
        case Term():
            return _term(node)
        case And(children):
            return _all([_expression(child) for child in children])
        case Near(left, right, _):
            return _all([_term(left), _term(right)])
        case Or(children):
            alternatives = [_expression(child) for child in children]
            usable = [alternative for alternative in alternatives if alternative is not None]
            return _any(usable) if len(usable) == len(alternatives) else None
        case Field(name, child):
            inner = _expression(child)
            return None if inner is None else _Column(name, inner)
        case Not():
            return None
    raise TypeError(f"not a query node: {node!r}")


def _term(term: Term) -> _Expression | None:
    variants = term_variants(term.words, exact=term.exact, prefix=term.prefix)
    sequences = [[token for token in variant if is_word(token)] for variant in variants]
    if term.prefix:
        return _sequences(sequences, prefix=True)
    # Without a wildcard, an AND of the first few words is still a superset.
    return _sequences([sequence[:MAX_WORDS_PER_AND] for sequence in sequences], prefix=False)


def _sequences(sequences: list[list[str]], *, prefix: bool) -> _Expression | None:
    """OR over word sequences, each an AND of its words, with shared first words factored out.

    A sequence that ends where another goes on absorbs it: "gaza" passes all that
    "gaza" AND "truce" passes.
    """
    by_first: dict[str, list[list[str]]] = {}
    for first, *rest in sequences:
        by_first.setdefault(first, []).append(rest)
    alternatives = []
    for first, rests in by_first.items():
        if not all(rests):
            alternative = _word(first, prefix=prefix)
        else:
            alternative = _all([_word(first, prefix=False), _sequences(rests, prefix=prefix)])
        if alternative is None:
            return None
        alternatives.append(alternative)
    return _any(alternatives)


def _word(word: str, *, prefix: bool) -> _Expression | None:
    if not (word.isascii() and word.isalnum()):
        return None
    spellings, truncated = _spellings(word)
    star = "*" if prefix or truncated else ""
    return _any([f'"{spelling}"{star}' for spelling in spellings])


def _spellings(word: str) -> tuple[list[str], bool]:
    """The spellings FTS may have indexed for ``word``; True when cut short into a prefix."""
    pieces: list[tuple[str, ...]] = []
    ambiguous = 0
    position = 0
    while position < len(word):
        sequence = next((s for s in FTS_SPELLINGS if word.startswith(s, position)), None)
        if sequence is None:
            pieces.append((word[position],))
            position += 1
            continue
        ambiguous += 1
        if 2**ambiguous > MAX_SPELLINGS_PER_WORD:
            return ["".join(choice) for choice in itertools.product(*pieces)], True
        pieces.append(FTS_SPELLINGS[sequence])
        position += len(sequence)
    return ["".join(choice) for choice in itertools.product(*pieces)], False


def _all(parts: list[_Expression | None]) -> _Expression | None:
    """AND of the usable parts: leaving a part out only widens the prefilter."""
    usable = [part for part in parts if part is not None][:MAX_WORDS_PER_AND]
    return _group("AND", usable) if usable else None


def _any(alternatives: list[_Expression]) -> _Expression:
    return _group("OR", alternatives)


def _group(operator: str, parts: list[_Expression]) -> _Expression:
    flat: list[_Expression] = []
    for part in parts:
        if isinstance(part, _Group) and part.operator == operator:
            flat.extend(part.parts)
        else:
            flat.append(part)
    unique = list(dict.fromkeys(flat))
    return unique[0] if len(unique) == 1 else _Group(operator, tuple(unique))


def _depth(expression: _Expression) -> int:
    """How deeply groups nest: FTS5's parser stack overflows at about 30 levels."""
    match expression:
        case _Group(_, parts):
            return 1 + max(map(_depth, parts))
        case _Column(_, inner):
            return 1 + _depth(inner)
    return 0
