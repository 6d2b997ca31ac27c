"""Lexer and recursive-descent parser for the watch-term query language.

Grammar, loosest first (docs/query-language.md explains it with examples)::

    query    = or_expr
    or_expr  = and_expr { "OR" and_expr }
    and_expr = unary { ["AND"] unary }             # juxtaposition is AND
    unary    = { "NOT" | "-" } near
    near     = operand [ "NEAR/" n operand ]       # both operands terms or phrases
    operand  = [ ("title" | "body") ":" ] primary
    primary  = "(" or_expr ")" | [ "=" ] ( word [ "*" ] | '"' phrase '"' [ "*" ] )

Operators are recognised in upper case only; ``and``, ``or``, ``not`` and ``near`` are words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.matching.query import (
    FIELDS,
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    can_match_positively,
)

MAX_QUERY_LENGTH = 20_000
MAX_NESTING = 20
MAX_NEAR_DISTANCE = 100
MIN_PREFIX_LENGTH = 2

_FIELD_PREFIX = re.compile(rf"^({'|'.join(FIELDS)}):")
_DELIMITERS = '()"'


@dataclass(frozen=True)
class _Token:
    kind: str  # ( ) AND OR NOT - NEAR FIELD = WORD PHRASE ERROR
    position: int
    text: str = ""
    distance: int = 0
    prefix: bool = False


class _Lexer:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens: list[_Token] = []

    def error(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.query, position)

    def run(self) -> list[_Token]:
        """The tokens; a lexical error becomes a final ERROR token, so that the parser reports
        whichever problem comes first in the query."""
        try:
            self._read()
        except QuerySyntaxError as error:
            self.tokens.append(_Token("ERROR", error.position, error.message))
        return self.tokens

    def _read(self) -> None:
        query, position = self.query, 0
        while position < len(query):
            char = query[position]
            if char.isspace():
                position += 1
            elif char in "()":
                self.tokens.append(_Token(char, position))
                position += 1
            elif char == '"':
                position = self._phrase(position)
            else:
                end = position
                while end < len(query) and not (query[end].isspace() or query[end] in _DELIMITERS):
                    end += 1
                following = query[end] if end < len(query) else ""
                self._bare(query[position:end], position, following, operators=True)
                position = end

    def _phrase(self, start: int) -> int:
        end = self.query.find('"', start + 1)
        if end < 0:
            raise self.error('unbalanced quote: this phrase has no closing "', start)
        after = end + 1
        prefix = self.query.startswith("*", after)
        self.tokens.append(_Token("PHRASE", start, self.query[start + 1 : end], prefix=prefix))
        return after + 1 if prefix else after

    def _bare(self, text: str, position: int, following: str, *, operators: bool) -> None:
        if operators and text in ("AND", "OR", "NOT"):
            self.tokens.append(_Token(text, position))
        elif operators and (text == "NEAR" or text.startswith("NEAR/")):
            self.tokens.append(_Token("NEAR", position, distance=self._distance(text, position)))
        elif text.startswith("-"):
            minuses = len(text) - len(text.lstrip("-"))
            self.tokens.extend(_Token("-", position + offset) for offset in range(minuses))
            self._rest(text[minuses:], position + minuses, following, "-", '("')
        elif match := _FIELD_PREFIX.match(text):
            self.tokens.append(_Token("FIELD", position, match[1]))
            if _FIELD_PREFIX.match(text[match.end() :]):
                raise self.error("field restrictions cannot be nested", position + match.end())
            self._rest(text[match.end() :], position + match.end(), following, match[0], '("')
        else:
            self._term(text, position, following)

    def _rest(self, rest: str, position: int, following: str, marker: str, allowed: str) -> None:
        """What follows a ``-``, ``title:`` or ``=`` marker in the same bare token."""
        if rest:
            if marker == "-":
                self._bare(rest, position, following, operators=False)
            else:
                self._term(rest, position, following)
        elif not following or following not in allowed:
            raise self.error(
                f"'{marker}' needs a term right after it, with no space", position - len(marker)
            )

    def _term(self, text: str, position: int, following: str) -> None:
        if text.startswith("="):
            self.tokens.append(_Token("=", position))
            self._rest(text[1:], position + 1, following, "=", '"')
            return
        prefix = text.endswith("*")
        word = text[:-1] if prefix else text
        if "*" in word:
            raise self.error(
                "wildcard '*' is only allowed at the end of a word", position + word.index("*")
            )
        if not word:
            raise self.error("wildcard '*' needs a word before it", position)
        self.tokens.append(_Token("WORD", position, word, prefix=prefix))

    def _distance(self, text: str, position: int) -> int:
        digits = text[len("NEAR/") :]
        if text == "NEAR" or not digits:
            raise self.error("NEAR needs a distance, e.g. NEAR/5", position)
        if not (digits.isascii() and digits.isdigit()):
            raise self.error("NEAR distance must be a whole number, e.g. NEAR/5", position + 5)
        if len(digits) > len(str(MAX_NEAR_DISTANCE)) or int(digits) > MAX_NEAR_DISTANCE:
            raise self.error(f"NEAR distance must be at most {MAX_NEAR_DISTANCE}", position + 5)
        return int(digits)


class _Parser:
    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.index = 0
        self.nesting = 0
        self.field: _Token | None = None

    def error(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.query, position)

    def peek(self) -> _Token | None:
        token = self.tokens[self.index] if self.index < len(self.tokens) else None
        if token is not None and token.kind == "ERROR":
            raise self.error(token.text, token.position)
        return token

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, *kinds: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in kinds

    def parse(self) -> Node:
        node = self.or_expr()
        token = self.peek()
        if token is not None:  # only a stray ")" stops or_expr early
            raise self.error("unbalanced parenthesis: this ')' has no matching '('", token.position)
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.at("OR"):
            operator = self.take()
            self.expect_operand(operator, "'OR' needs a term on both sides")
            children.append(self.and_expr())
        return _flat(Or, children)

    def and_expr(self) -> Node:
        children = [self.unary()]
        while self.peek() is not None and not self.at("OR", ")"):
            if self.at("AND"):
                self.expect_operand(self.take(), "'AND' needs a term on both sides")
            children.append(self.unary())
        return _flat(And, children)

    def unary(self) -> Node:
        negations: list[_Token] = []
        while self.at("NOT", "-"):
            negations.append(self.take())
        if negations:
            self.expect_operand(negations[-1], f"'{negations[-1].kind}' needs a term after it")
        node = self.near()
        return Not(node) if len(negations) % 2 else node

    def near(self) -> Node:
        left = self.operand()
        if not self.at("NEAR"):
            return left
        operator = self.take()
        self.expect_operand(operator, f"'NEAR/{operator.distance}' needs a term on both sides")
        right = self.operand()
        if not (isinstance(left, Term) and isinstance(right, Term)):
            raise self.error(
                "NEAR joins two terms or phrases; to restrict it to a field write "
                "title:(a NEAR/5 b)",
                operator.position,
            )
        if self.at("NEAR"):
            raise self.error(
                "NEAR cannot be chained; join the pairs with AND", self.take().position
            )
        return Near(left, right, operator.distance)

    def operand(self) -> Node:
        if not self.at("FIELD"):
            return self.primary()
        token = self.take()
        if self.field is not None:
            raise self.error("field restrictions cannot be nested", token.position)
        self.field = token
        try:
            return Field(token.text, self.primary())
        finally:
            self.field = None

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise self.error("the query ends where a term was expected", len(self.query))
        if token.kind == "(":
            return self.group()
        if token.kind == "=":
            self.take()
            if not self.at("WORD", "PHRASE"):
                raise self.error("'=' applies to a word or a phrase", token.position)
            return self.term(self.take(), exact=True)
        if token.kind in ("WORD", "PHRASE"):
            return self.term(self.take(), exact=False)
        if token.kind == ")":
            raise self.error("unbalanced parenthesis: this ')' has no matching '('", token.position)
        raise self.error(f"'{token.kind}' needs a term on both sides", token.position)

    def group(self) -> Node:
        opening = self.take()
        if self.at(")"):
            raise self.error("empty group: '()' contains no terms", opening.position)
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(f"parentheses nested more than {MAX_NESTING} deep", opening.position)
        node = self.or_expr()
        if not self.at(")"):
            raise self.error("unbalanced parenthesis: this '(' is never closed", opening.position)
        self.take()
        self.nesting -= 1
        return node

    def term(self, token: _Token, *, exact: bool) -> Term:
        quoted = token.kind == "PHRASE"
        term = Term.from_text(token.text, quoted=quoted, exact=exact, prefix=token.prefix)
        if not term.words:
            what = "phrase" if quoted else f"'{token.text}'"
            raise self.error(f"{what} has no letters or digits to search for", token.position)
        if term.prefix and len(term.words[-1]) < MIN_PREFIX_LENGTH:
            raise self.error(
                f"a wildcard needs at least {MIN_PREFIX_LENGTH} letters before '*'",
                token.position,
            )
        return term

    def expect_operand(self, operator: _Token, message: str) -> None:
        """Fail on ``a AND``, ``a OR OR b``, ``(a OR)`` and the like, pointing at the operator."""
        if self.peek() is None or self.at("AND", "OR", ")", "NEAR"):
            raise self.error(message, operator.position)


def _flat(kind: type[And] | type[Or], children: list[Node]) -> Node:
    """One child is itself; nested nodes of the same kind (from parentheses) are merged."""
    merged: list[Node] = []
    for child in children:
        merged.extend(child.children if isinstance(child, kind) else (child,))
    return merged[0] if len(merged) == 1 else kind(tuple(merged))


def parse_query(text: str) -> Node:
    """Parse a watch-list or search query.

    >>> str(parse_query('"Gaza ceasefire" OR (Gaza truce) -Hamas'))
    '"Gaza ceasefire" OR Gaza AND truce AND NOT Hamas'

    :raises QuerySyntaxError: with the position of the problem.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            f"query is longer than {MAX_QUERY_LENGTH} characters", text, MAX_QUERY_LENGTH
        )
    tokens = _Lexer(text).run()
    if not tokens:
        raise QuerySyntaxError("query is empty", text, 0)
    node = _Parser(text, tokens).parse()
    if not can_match_positively(node):
        first_not = next(token for token in tokens if token.kind in ("NOT", "-"))
        raise QuerySyntaxError(
            "this query only excludes; every alternative needs a term to look for",
            text,
            first_not.position,
        )
    return node
