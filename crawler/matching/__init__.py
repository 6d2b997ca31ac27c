"""Watch-term matching: the query language, normalisation, the matcher and the FTS5 prefilter.

docs/query-language.md describes the language and the matching rules.
"""

from crawler.matching.fts import fts_expression
from crawler.matching.matcher import Matcher, MatchResult
from crawler.matching.normalization import normalize
from crawler.matching.parser import parse_query
from crawler.matching.query import And, Field, Near, Not, Or, Query, QuerySyntaxError, Term

__all__ = [
    "And",
    "Field",
    "MatchResult",
    "Matcher",
    "Near",
    "Not",
    "Or",
    "Query",
    "QuerySyntaxError",
    "Term",
    "fts_expression",
    "normalize",
    "parse_query",
]
