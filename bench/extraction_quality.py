"""Extraction quality and CPU cost on the real-page corpus, against trafilatura alone.

Direct mode (default): every corpus page goes through presswatch's ``extract_article`` and
through ``trafilatura.bare_extraction`` (the baseline) in the same run, page by page, and both are
scored with bench/corpus_score.py. CPU time is process time around each call, from the page's
bytes to the result, so both sides pay for decoding and parsing.

Export mode (``--export FILE.jsonl``): scores records exported by ``presswatch export`` after a
crawl of the corpus served over 127.0.0.1; records are matched to pages by URL.

    .venv/bin/python bench/extraction_quality.py [--corpus DIR] [--ablate] [--rounds N]
    .venv/bin/python bench/extraction_quality.py --export articles.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus_score import (
    DEFAULT_CORPUS_DIR,
    CorpusPage,
    Scores,
    fold_title,
    load_corpus,
    match_records_by_url,
    score_records,
)

from crawler.extract import NotAnArticle, extract_article
from crawler.extraction.body import BodyRules

Record = dict[str, Any]


def presswatch_record(page: CorpusPage, html_bytes: bytes, rules: BodyRules) -> Record | None:
    try:
        article = extract_article(html_bytes, page.url, rules=rules)
    except NotAnArticle as skipped:
        print(f"  {page.page_id}: skipped as not an article ({skipped.reason})")
        return None
    return {
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "authors": article.authors,
        "language": article.language,
    }


def baseline_record(page: CorpusPage, html_bytes: bytes) -> Record | None:
    document = trafilatura.bare_extraction(html_bytes, url=page.url, with_metadata=True)
    if document is None:
        return None
    return {
        "url": page.url,
        "title": document.title,
        "body": document.text,
        "published_at": document.date,
        "authors": [name.strip() for name in (document.author or "").split(";") if name.strip()],
        "language": document.language,
    }


def timed(function: Callable[[], Record | None]) -> tuple[Record | None, float]:
    started = time.process_time()
    result = function()
    return result, time.process_time() - started


def run_direct(
    pages: list[CorpusPage], rules: BodyRules, rounds: int, with_baseline: bool = True
) -> tuple[dict[str, Record], dict[str, Record], float, float]:
    """Extract every page with both extractors; returns records and CPU seconds per page."""
    ours: dict[str, Record] = {}
    baseline: dict[str, Record] = {}
    ours_seconds = baseline_seconds = 0.0
    # Warm-up outside the timings: first calls import modules and build caches.
    warm = pages[0].html_path.read_bytes()
    extract_article(warm, pages[0].url)
    trafilatura.bare_extraction(warm, url=pages[0].url, with_metadata=True)
    for round_number in range(rounds):
        for page in pages:
            html_bytes = page.html_path.read_bytes()
            record, seconds = timed(lambda: presswatch_record(page, html_bytes, rules))  # noqa: B023
            ours_seconds += seconds
            if round_number == 0 and record is not None:
                ours[page.page_id] = record
            if with_baseline:
                record, seconds = timed(lambda: baseline_record(page, html_bytes))  # noqa: B023
                baseline_seconds += seconds
                if round_number == 0 and record is not None:
                    baseline[page.page_id] = record
    calls = len(pages) * rounds
    return ours, baseline, ours_seconds / calls, baseline_seconds / calls


def extra_figures(records: dict[str, Record], pages: list[CorpusPage]) -> dict[str, float]:
    """Informational figures outside the goals: language and author-set agreement."""
    language_pages = [page for page in pages if page.truth.get("language")]
    language_hits = sum(
        1
        for page in language_pages
        if (records.get(page.page_id) or {}).get("language") == page.truth["language"]
    )
    author_pages = [page for page in pages if page.has_truth("authors") and page.truth["authors"]]
    author_hits = sum(
        1
        for page in author_pages
        if {fold_title(name) for name in (records.get(page.page_id) or {}).get("authors") or []}
        == {fold_title(name) for name in page.truth["authors"]}
    )
    return {
        "language": language_hits / len(language_pages) if language_pages else 0.0,
        "language_pages": len(language_pages),
        "authors": author_hits / len(author_pages) if author_pages else 0.0,
        "author_pages": len(author_pages),
    }


def print_table(rows: list[tuple[str, Scores, dict[str, float], float | None]]) -> None:
    header = (
        f"{'extractor':<28}{'body F1':>8}{'(P':>7}{'R)':>7}{'title':>8}{'date':>8}"
        f"{'lang*':>8}{'auth*':>8}{'missing':>9}{'CPU ms/page':>13}"
    )
    print(header)
    print("-" * len(header))
    for name, scores, extra, cpu_seconds in rows:
        cpu = f"{cpu_seconds * 1000:.1f}" if cpu_seconds is not None else "-"
        print(
            f"{name:<28}{scores.body_f1:>8.4f}{scores.body_precision:>7.3f}"
            f"{scores.body_recall:>7.3f}{scores.title_exact:>8.3f}{scores.date_same_day:>8.3f}"
            f"{extra['language']:>8.3f}{extra['authors']:>8.3f}{scores.missing_records:>9}{cpu:>13}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS_DIR)
    parser.add_argument("--rounds", type=int, default=1, help="timing rounds over the corpus")
    parser.add_argument("--ablate", action="store_true", help="also score each body rule off")
    parser.add_argument("--export", type=Path, help="score a `presswatch export` JSONL file")
    args = parser.parse_args()
    pages = load_corpus(args.corpus)

    if args.export:
        lines = args.export.read_text(encoding="utf-8").splitlines()
        records = match_records_by_url((json.loads(line) for line in lines if line), args.corpus)
        scores = score_records(records, args.corpus)
        print_table([("presswatch (export)", scores, extra_figures(records, pages), None)])
        return

    ours, baseline, ours_cpu, baseline_cpu = run_direct(pages, BodyRules(), args.rounds)
    ours_scores = score_records(ours, args.corpus)
    baseline_scores = score_records(baseline, args.corpus)
    rows = [
        (
            "trafilatura bare_extraction",
            baseline_scores,
            extra_figures(baseline, pages),
            baseline_cpu,
        ),
        ("presswatch extract_article", ours_scores, extra_figures(ours, pages), ours_cpu),
    ]
    if args.ablate:
        for rule in dataclasses.fields(BodyRules):
            flipped = dataclasses.replace(BodyRules(), **{rule.name: not rule.default})
            records, _, cpu, _ = run_direct(pages, flipped, 1, with_baseline=False)
            label = f"  {rule.name}={not rule.default}"
            rows.append(
                (label, score_records(records, args.corpus), extra_figures(records, pages), cpu)
            )
    print()
    print_table(rows)
    print()
    print(
        f"pages: {len(pages)}; scored on body {ours_scores.body_pages}, "
        f"title {ours_scores.title_pages}, date {ours_scores.date_pages} "
        "(pages whose ground_truth_fields include the field)"
    )
    print("* informational, not goals: language on all pages, author sets on pages with authors")
    print(f"CPU ratio presswatch / trafilatura alone: {ours_cpu / baseline_cpu:.2f}x")


if __name__ == "__main__":
    main()
