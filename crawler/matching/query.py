"""The parsed form of a watch-term query, its canonical printed form and its syntax error.

A query is a tree of ``Term``, ``And``, ``Or``, ``Not``, ``Near`` and ``Field`` nodes. ``str()``
prints the canonical form (explicit ``AND``, upper-case operators, parentheses only where
needed) and ``parse_query(str(query)) == query``. Equality compares what a node matches, not how
it was typed: ``Gaza`` and ``"gaza"`` are equal terms, while each keeps its own spelling for
printing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.matching.normalization import is_word, stream_text

FIELDS = ("title", "body")
OPERATOR_WORDS = frozenset(("AND", "OR", "NOT"))
_EXCERPT_RADIUS = 60
# A bare word must not read as something else when printed back.
_NOT_BARE = re.compile(r'^(?:[-=]|NEAR(?:/|$)|(?:title|body):)|[*\s()"]|^$')


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed; ``str()`` shows the query with a caret at ``position``."""

    def __init__(self, message: str, query: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.query = query
        self.position = max(0, min(position, len(query)))

    def __str__(self) -> str:
        start = max(0, self.position - _EXCERPT_RADIUS)
        end = min(len(self.query), self.position + _EXCERPT_RADIUS)
        before = "…" if start > 0 else ""
        after = "…" if end < len(self.query) else ""
        excerpt = "".join(char if char.isprintable() else "?" for char in self.query[start:end])
        caret = " " * (len(before) + self.position - start) + "^"
        return (
            f"{self.message} (at position {self.position})\n  {before}{excerpt}{after}\n  {caret}"
        )


def term_words(text: str) -> tuple[str, ...]:
    """The stream tokens a term written as ``text`` stands for, without marks at either end.

    Line breaks inside a phrase count as spaces; sentence punctuation inside it stays.
    """
    tokens = [token for token in stream_text(text).split() if token != "#"]
    while tokens and not is_word(tokens[0]):
        tokens.pop(0)
    while tokens and not is_word(tokens[-1]):
        tokens.pop()
    return tuple(tokens)


@dataclass(frozen=True)
class Term:
    """A word or phrase. ``exact`` (``=word``) turns plural and compound variants off;
    ``prefix`` (``word*``) makes the last word a prefix."""

    words: tuple[str, ...]
    exact: bool = False
    prefix: bool = False
    text: str = field(default="", compare=False)
    quoted: bool = field(default=False, compare=False)

    @classmethod
    def from_text(
        cls, text: str, *, quoted: bool = False, exact: bool = False, prefix: bool = False
    ) -> Term:
        return cls(term_words(text), exact=exact, prefix=prefix, text=text, quoted=quoted)

    def __str__(self) -> str:
        written = self.text or " ".join(self.words)
        if self.quoted or _NOT_BARE.search(written) or written in OPERATOR_WORDS:
            written = f'"{written}"'
        return ("=" if self.exact else "") + written + ("*" if self.prefix else "")


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return " AND ".join(_printed(child, below=Or) for child in self.children)


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return " OR ".join(str(child) for child in self.children)


@dataclass(frozen=True)
class Not:
    child: Node

    def __str__(self) -> str:
        return "NOT " + _printed(self.child, below=And)


@dataclass(frozen=True)
class Near:
    """Both terms within ``distance`` words of each other, in either order."""

    left: Term
    right: Term
    distance: int

    def __str__(self) -> str:
        return f"{self.left} NEAR/{self.distance} {self.right}"


@dataclass(frozen=True)
class Field:
    """The child matches only inside one field of the article: ``title`` or ``body``."""

    name: str
    child: Node

    def __str__(self) -> str:
        inner = str(self.child)
        return f"{self.name}:{inner}" if isinstance(self.child, Term) else f"{self.name}:({inner})"


Node = Term | And | Or | Not | Near | Field
Query = Node

_LOOSENESS = {Or: 3, And: 2, Not: 1}


def _printed(node: Node, *, below: type) -> str:
    """``node`` printed as an operand, in parentheses if it binds as loosely as ``below``."""
    if _LOOSENESS.get(type(node), 0) >= _LOOSENESS[below]:
        return f"({node})"
    return str(node)


def iter_terms(node: Node) -> list[Term]:
    """Every term of the query, in order of appearance."""
    match node:
        case Term():
            return [node]
        case And(children) | Or(children):
            return [term for child in children for term in iter_terms(child)]
        case Not(child) | Field(_, child):
            return iter_terms(child)
        case Near(left, right, _):
            return [left, right]
    raise TypeError(f"not a query node: {node!r}")


def positive_terms(node: Node) -> list[Term]:
    """The terms not under a NOT: a query that is true has found at least one of them."""
    match node:
        case Not():
            return []
        case And(children) | Or(children):
            return [term for child in children for term in positive_terms(child)]
        case Field(_, child):
            return positive_terms(child)
    return iter_terms(node)


def can_match_positively(node: Node) -> bool:
    """False when the query could only match by the absence of terms (``NOT x``, ``a OR -b``)."""
    match node:
        case Term() | Near():
            return True
        case And(children):
            return any(can_match_positively(child) for child in children)
        case Or(children):
            return all(can_match_positively(child) for child in children)
        case Field(_, child):
            return can_match_positively(child)
    return False
