"""The matcher: every watch list compiled into one Aho-Corasick automaton, one scan per field.

Compile time: each distinct term of every list is expanded into its spellings
(``term_variants``) and each spelling becomes a pattern of the automaton, written as it appears
in the token stream with a space on both sides (only before a wildcard prefix), so a pattern
can only match whole words. A spelling whose first word is Arabic or Hebrew has no space
before it: a proclitic may be joined to that word ("بغزة", "בעזה"), and a hit counts only when
what stands before it in its word is one (``proclitics``).

Match time: the title and the body are normalised into token streams and scanned once each, so
the cost grows with the text and the number of hits, hardly with the number of terms. Only the
top-level alternatives that contain a term with a hit are then evaluated, and only the lists
that match get a snippet.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from re import Pattern

import ahocorasick_rs

from crawler.matching.normalization import is_word, stream_text
from crawler.matching.proclitics import stems
from crawler.matching.query import (
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    Query,
    Term,
    iter_terms,
    positive_terms,
)
from crawler.matching.snippets import Hit, SnippetSource, build_snippet, hit_spans, locate
from crawler.matching.variants import term_variants

logger = logging.getLogger(__name__)


@dataclass
class MatchResult:
    """Why an article matched one watch list, ready to be stored and shown in a digest."""

    watchlist: str
    clauses: list[str]  # printed top-level alternatives (OR branches) that matched
    fields: set[str]  # "title" and/or "body": where the evidence was found
    snippet: str  # about 30 words of the original text around the best hit
    highlights: list[tuple[int, int]]  # [start, end) offsets of hits in ``snippet``
    hits: int  # occurrences of matching terms: a simple score
    terms: list[str] = field(default_factory=list)  # printed terms that were found
    snippet_field: str = "body"


class _Article:
    """One article being matched: its texts, their token streams and the hits found in them."""

    __slots__ = ("_located", "_snippet_sources", "hits", "streams", "texts")

    def __init__(
        self, texts: dict[str, str], streams: dict[str, str], hits: dict[int, list[Hit]]
    ) -> None:
        self.texts = texts
        self.streams = streams
        self.hits = hits
        self._located: set[str] = set()
        self._snippet_sources: dict[str, SnippetSource] = {}

    def locate(self, field_name: str) -> None:
        if field_name not in self._located:
            self._located.add(field_name)
            in_field = [h for hits in self.hits.values() for h in hits if h.field == field_name]
            locate(self.streams[field_name], in_field)

    def snippet_source(self, field_name: str) -> SnippetSource:
        source = self._snippet_sources.get(field_name)
        if source is None:
            source = SnippetSource(self.texts[field_name], self.streams[field_name])
            self._snippet_sources[field_name] = source
        return source


class Matcher:
    """Match articles against many watch lists at once.

    >>> matcher = Matcher({"Gaza ceasefire": parse_query('"Gaza ceasefire" OR (Gaza AND truce)')})
    >>> [r.watchlist for r in matcher.match(title="Truce holds", body="Gaza was calm.")]
    ['Gaza ceasefire']
    """

    def __init__(self, watchlists: Mapping[str, Query]) -> None:
        self._queries = dict(watchlists)
        self._order = {name: index for index, name in enumerate(self._queries)}
        self._term_ids: dict[Term, int] = {}
        self._term_of_node: dict[int, int] = {}  # id() of each Term node -> term id
        self._terms: list[Term] = []
        patterns: dict[str, dict[int, _Spelling]] = {}
        for query in self._queries.values():
            for term in iter_terms(query):
                term_id = self._term_id(term, patterns)
                self._term_of_node[id(term)] = term_id
        self._term_texts = [str(term) for term in self._terms]
        # Each list's top-level alternatives (OR branches), printed once for
        # MatchResult.clauses; and for each term, the alternatives that are true only if one of
        # their terms not under a NOT is found, so that a hit leads straight to them.
        self._alternatives: dict[str, list[tuple[Node, str]]] = {}
        self._alternatives_of_term: list[list[tuple[str, int]]] = [[] for _ in self._terms]
        for name, query in self._queries.items():
            self._alternatives[name] = []
            for node in _alternatives(query):
                terms = positive_terms(node)
                if not terms:
                    continue
                index = len(self._alternatives[name])
                self._alternatives[name].append((node, str(node)))
                for term_id in dict.fromkeys(self._term_of_node[id(term)] for term in terms):
                    self._alternatives_of_term[term_id].append((name, index))
        self._automaton, self._pattern_hits = _automaton(patterns)
        logger.debug(
            "compiled %d watch lists, %d terms, %d patterns",
            len(self._queries),
            len(self._terms),
            len(patterns),
        )

    def _term_id(self, term: Term, patterns: dict[str, dict[int, _Spelling]]) -> int:
        if term in self._term_ids:
            return self._term_ids[term]
        term_id = len(self._terms)
        self._term_ids[term] = term_id
        self._terms.append(term)
        end = "" if term.prefix else " "
        for variant in term_variants(term.words, exact=term.exact, prefix=term.prefix):
            words = sum(map(is_word, variant))
            attached = [] if term.exact else stems(variant[0])
            if not attached:
                pattern = " " + " ".join(variant) + end
                patterns.setdefault(pattern, {}).setdefault(term_id, (len(variant), words, None))
            for stem in attached:
                pattern = " ".join((stem.text, *variant[1:])) + end
                spelling = (len(variant), words, stem.prefixes)
                patterns.setdefault(pattern, {}).setdefault(term_id, spelling)
        return term_id

    def match(self, title: str | None = "", body: str | None = "") -> list[MatchResult]:
        """One result per matching watch list, in the order the lists were given."""
        texts = {"title": title or "", "body": body or ""}
        streams = {name: f" {stream_text(text)} " for name, text in texts.items()}
        hits = self._scan(streams)
        if not hits:
            return []
        return self._results(texts, streams, hits)

    def _results(
        self, texts: dict[str, str], streams: dict[str, str], hits: dict[int, list[Hit]]
    ) -> list[MatchResult]:
        # Only the alternatives with a hit among their terms can be true.
        candidates: dict[str, set[int]] = {}
        for term_id in hits:
            for name, index in self._alternatives_of_term[term_id]:
                candidates.setdefault(name, set()).add(index)
        article = _Article(texts, streams, hits)
        results = []
        for name in sorted(candidates, key=self._order.__getitem__):
            result = self._judge(name, sorted(candidates[name]), article)
            if result is not None:
                results.append(result)
        return results

    def highlight_spans(self, text: str) -> list[tuple[int, int]]:
        """``[start, end)`` of every occurrence in ``text`` of any term of any list (``NOT``
        terms included), merged: for highlighting a whole article rather than a snippet."""
        stream = f" {stream_text(text)} "
        hits = [hit for found in self._scan({"body": stream}).values() for hit in found]
        if not hits:
            return []
        locate(stream, hits)
        return hit_spans(SnippetSource(text, stream), hits)

    def _scan(self, streams: dict[str, str]) -> dict[int, list[Hit]]:
        hits: dict[int, list[Hit]] = {}
        if self._automaton is None:
            return hits
        find = self._automaton.find_matches_as_indexes
        pattern_hits = self._pattern_hits
        attached: set[tuple[int, str, int]] = set()  # (term id, field, start) of prefixed hits
        for field_name, stream in streams.items():
            # Overlapping matches: " gaza " and " gaza ceasefire " both count.
            for pattern, start, _ in find(stream, overlapping=True):
                for term_id, tokens, words, prefixes in pattern_hits[pattern]:
                    if prefixes is None:
                        word_start = start + 1  # after the pattern's space
                    else:
                        word_start = _word_start(stream, start, prefixes)
                        # A wildcard stem may be found twice in one word ("وببب" for بب*).
                        key = (term_id, field_name, word_start)
                        if word_start < 0 or key in attached:
                            continue
                        attached.add(key)
                    hit = Hit(term_id, field_name, word_start, tokens, words)
                    hits.setdefault(term_id, []).append(hit)
        return hits

    def _judge(self, name: str, candidates: list[int], article: _Article) -> MatchResult | None:
        """The result for list ``name``, whose alternatives ``candidates`` (indexes, in order)
        have hits among their terms; None if none of them is true."""
        clauses: list[str] = []
        evidence: dict[int, Hit] = {}
        alternatives = self._alternatives[name]
        for index in candidates:
            alternative, printed = alternatives[index]
            found = self._evaluate(alternative, article, None)
            if found is not None:
                clauses.append(printed)
                for hit in found:
                    evidence[id(hit)] = hit
        if not clauses:
            return None
        hits = list(evidence.values())
        fields = {hit.field for hit in hits}
        snippet_field = "body" if "body" in fields else "title"
        shown = [hit for hit in hits if hit.field == snippet_field]
        article.locate(snippet_field)
        snippet = build_snippet(article.snippet_source(snippet_field), shown)
        if len(hits) > 1:
            hits_in_order = sorted(hits, key=lambda hit: (hit.field != "title", hit.start))
        else:
            hits_in_order = hits
        term_ids = dict.fromkeys(hit.term for hit in hits_in_order)
        return MatchResult(
            watchlist=name,
            clauses=clauses,
            fields=fields,
            snippet=snippet.text,
            highlights=snippet.highlights,
            hits=len(hits),
            terms=[self._term_texts[term_id] for term_id in term_ids],
            snippet_field=snippet_field,
        )

    def _evaluate(self, node: Node, article: _Article, scope: str | None) -> list[Hit] | None:
        """The hits that make ``node`` true inside ``scope`` (a field or all), or None if false."""
        match node:
            case Term():
                found = article.hits.get(self._term_of_node[id(node)])
                if found is None or scope is None:
                    return found
                return [hit for hit in found if hit.field == scope] or None
            case And(children):
                evidence: list[Hit] = []
                for child in children:
                    found = self._evaluate(child, article, scope)
                    if found is None:
                        return None
                    evidence.extend(found)
                return evidence
            case Or(children):
                results = [self._evaluate(child, article, scope) for child in children]
                true = [found for found in results if found is not None]
                return [hit for found in true for hit in found] if true else None
            case Not(child):
                return [] if self._evaluate(child, article, scope) is None else None
            case Field(name, child):
                return self._evaluate(child, article, name)
            case Near(left, right, distance):
                return self._near(left, right, distance, article, scope)
        raise TypeError(f"not a query node: {node!r}")

    def _near(
        self, left: Term, right: Term, distance: int, article: _Article, scope: str | None
    ) -> list[Hit] | None:
        lefts = self._evaluate(left, article, scope)
        rights = self._evaluate(right, article, scope)
        if lefts is None or rights is None:
            return None
        for field_name in {hit.field for hit in lefts}:
            article.locate(field_name)
        close = {
            id(hit): hit for a in lefts for b in rights if _within(a, b, distance) for hit in (a, b)
        }
        return list(close.values()) or None


def _within(a: Hit, b: Hit, distance: int) -> bool:
    """Two different occurrences in one paragraph with at most ``distance`` words between."""
    if a is b or a.field != b.field or a.paragraph != b.paragraph:
        return False
    first, second = (a, b) if a.word <= b.word else (b, a)
    return second.word - (first.word + first.words) <= distance


# The contiguous NFA keeps each state's transitions packed together: with 10,000 phrases it
# scans about a quarter faster than pyahocorasick's trie and the DFA (600 MB for 10,000
# phrases, whose scan waits on memory) and compiles in half the time (bench/matching_throughput.py).
_IMPLEMENTATION = ahocorasick_rs.Implementation.ContiguousNFA
# A spelling of a term: its tokens, its words, and the proclitics its first word may carry
# (None for a pattern that starts with a space).
_Spelling = tuple[int, int, Pattern[str] | None]
_PatternHits = tuple[tuple[int, int, int, Pattern[str] | None], ...]  # (term id, *_Spelling)


def _word_start(stream: str, stem_start: int, prefixes: Pattern[str]) -> int:
    """Where the word holding a stem found at ``stem_start`` starts; -1 when what comes before
    the stem in that word is not a sequence of proclitics that ``prefixes`` accepts."""
    word_start = stream.rfind(" ", 0, stem_start) + 1
    return word_start if prefixes.fullmatch(stream, word_start, stem_start) else -1


def _automaton(
    patterns: dict[str, dict[int, _Spelling]],
) -> tuple[ahocorasick_rs.AhoCorasick | None, list[_PatternHits]]:
    """One automaton for all patterns (None when there are none), and for each pattern, by
    index, the terms it stands for."""
    if not patterns:
        return None, []
    ordered = sorted(patterns)
    pattern_hits = [
        tuple((term_id, *spelling) for term_id, spelling in patterns[p].items()) for p in ordered
    ]
    automaton = ahocorasick_rs.AhoCorasick(ordered, implementation=_IMPLEMENTATION)
    return automaton, pattern_hits


def _alternatives(query: Query) -> tuple[Node, ...]:
    return query.children if isinstance(query, Or) else (query,)
