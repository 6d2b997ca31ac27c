"""Scoring helpers for the real-page corpus in ../shared/corpus.

The corpus holds ``NNNN.html`` pages with ``NNNN.json`` ground truth. Scores follow the corpus
README (the article-extraction-benchmark convention):

* body: whitespace tokens, overlap counted as a multiset, per-page precision/recall/F1, mean over
  pages;
* title: exact match after whitespace and case folding;
* date: the same UTC calendar day as the expected ``published``.

Each metric is computed only on the pages whose ``ground_truth_fields`` include that field. A page
with no record (skipped, failed, not exported) counts as a miss on every field it has.

Records are "exported-like" dicts with ``url``, ``title``, ``body`` and ``published_at`` (an ISO
8601 string or a ``datetime``), so the direct mode (calling the extractor on the files) and the
end-to-end mode (crawl, ``presswatch export``, read the JSONL) share the same scoring.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@dataclass(frozen=True)
class CorpusPage:
    """One corpus page: its id, the HTML file and the ground truth."""

    page_id: str
    html_path: Path
    truth: dict[str, Any]

    @property
    def url(self) -> str:
        return self.truth["url"]

    def has_truth(self, field_name: str) -> bool:
        return field_name in self.truth.get("ground_truth_fields", ())


@dataclass
class Scores:
    """Aggregate scores plus the per-page figures they were computed from."""

    body_f1: float
    body_precision: float
    body_recall: float
    title_exact: float
    date_same_day: float
    body_pages: int
    title_pages: int
    date_pages: int
    missing_records: int
    per_page_body_f1: dict[str, float] = field(default_factory=dict)
    title_misses: list[str] = field(default_factory=list)
    date_misses: list[str] = field(default_factory=list)


def load_corpus(corpus_dir: Path | str = DEFAULT_CORPUS_DIR) -> list[CorpusPage]:
    """Read every ``NNNN.json`` of the corpus, sorted by id."""
    corpus_path = Path(corpus_dir)
    pages = []
    for truth_path in sorted(corpus_path.glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        html_path = truth_path.with_suffix(".html")
        if html_path.exists():
            pages.append(CorpusPage(truth_path.stem, html_path, truth))
    return pages


def token_prf(predicted: str | None, expected: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of whitespace tokens, overlap counted as a multiset."""
    predicted_tokens = Counter((predicted or "").split())
    expected_tokens = Counter(expected.split())
    overlap = sum((predicted_tokens & expected_tokens).values())
    if overlap == 0:
        return 0.0, 0.0, 0.0
    precision = overlap / sum(predicted_tokens.values())
    recall = overlap / sum(expected_tokens.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def fold_title(title: str | None) -> str:
    """Whitespace and case folding used for exact title comparison."""
    return " ".join((title or "").split()).casefold()


def utc_day(value: str | datetime | date | None) -> date | None:
    """The UTC calendar day of a timestamp; naive values are taken as UTC, bare dates as-is."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.date()
        return value.astimezone(UTC).date()
    return value


def _url_key(url: str) -> str:
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}?{parts.query}"


def match_records_by_url(
    records: Iterable[Mapping[str, Any]], corpus_dir: Path | str = DEFAULT_CORPUS_DIR
) -> dict[str, dict[str, Any]]:
    """Key exported records by corpus id, matching each record's ``url`` to a page's URL.

    Scheme, a ``www.`` prefix and a trailing slash are ignored, so a served copy still matches.
    """
    urls = {page.page_id: page.url for page in load_corpus(corpus_dir)}
    return match_records(records, urls, _url_key)


def match_records(
    records: Iterable[Mapping[str, Any]],
    urls_by_page: Mapping[str, str],
    key: Callable[[str], str],
) -> dict[str, dict[str, Any]]:
    """Key records by page id: the first record whose ``url`` (else ``canonical_url``) has the
    same ``key`` as the page's URL."""
    ids_by_key = {key(url): page_id for page_id, url in urls_by_page.items()}
    matched: dict[str, dict[str, Any]] = {}
    for record in records:
        for url_field in ("url", "canonical_url"):
            page_id = ids_by_key.get(key(str(record.get(url_field) or "")))
            if page_id is not None:
                matched.setdefault(page_id, dict(record))
                break
    return matched


def score_records(
    records: Mapping[str, Mapping[str, Any]], corpus_dir: Path | str = DEFAULT_CORPUS_DIR
) -> Scores:
    """Score records keyed by corpus id against the ground truth."""
    precisions, recalls, f1s = [], [], []
    per_page_f1: dict[str, float] = {}
    title_hits = title_pages = date_hits = date_pages = missing = 0
    title_misses: list[str] = []
    date_misses: list[str] = []
    for page in load_corpus(corpus_dir):
        record = records.get(page.page_id)
        if record is None:
            missing += 1
            record = {}
        truth = page.truth
        if page.has_truth("body"):
            precision, recall, f1 = token_prf(record.get("body"), truth["body"])
            precisions.append(precision)
            recalls.append(recall)
            f1s.append(f1)
            per_page_f1[page.page_id] = f1
        if page.has_truth("title") and truth.get("title"):
            title_pages += 1
            if fold_title(record.get("title")) == fold_title(truth["title"]):
                title_hits += 1
            else:
                title_misses.append(page.page_id)
        if page.has_truth("published") and truth.get("published"):
            date_pages += 1
            expected_day = utc_day(truth["published"])
            if expected_day is not None and utc_day(record.get("published_at")) == expected_day:
                date_hits += 1
            else:
                date_misses.append(page.page_id)
    return Scores(
        body_f1=_mean(f1s),
        body_precision=_mean(precisions),
        body_recall=_mean(recalls),
        title_exact=title_hits / title_pages if title_pages else 0.0,
        date_same_day=date_hits / date_pages if date_pages else 0.0,
        body_pages=len(f1s),
        title_pages=title_pages,
        date_pages=date_pages,
        missing_records=missing,
        per_page_body_f1=per_page_f1,
        title_misses=title_misses,
        date_misses=date_misses,
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0
