"""Stories: syndicated and lightly edited copies of one article, linked across outlets.

Every article keeps its own row; ``articles.story_id`` points at a row of ``stories``, which
knows how many articles it has, its earliest publisher and when presswatch first saw it.

Linking a new article (:meth:`StoryLinker.link`):

1. its body becomes a MinHash signature (the title does not count: outlets change headlines,
   and headline templates are shared by different stories); a body too short to compare gets
   no signature and stays a story of its own;
2. the signature's bands are looked up in ``lsh_buckets``: articles sharing a band are
   candidates (at most ``MAX_CANDIDATES``, those sharing the most bands first);
3. each candidate in a compatible language is verified with its stored signature: the estimated
   Jaccard similarity must reach the threshold (a bucket collision alone proves nothing);
4. the article joins the story of the most similar verified candidate, or starts a new story;
5. its signature and bands are stored, so later articles, in this process or another, find it.

Two articles whose languages are both known and differ never join: a story and its translation
stay apart. Linking is single-link: an article joins when it is close to *one* member, so a story
can drift through a chain of updates; stories are never merged once made, because digests and
exports already refer to them.

Call the methods inside the ingest write transaction (``store.write_transaction``): the look-up
and the insert must see the same database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlite_utils import Database

from crawler.dedup import minhash
from crawler.store import write_transaction

logger = logging.getLogger(__name__)

# Candidates verified per new article, most shared bands first. Bounds the cost of a template
# or boilerplate that thousands of articles share, at the price of missing a match beyond it.
MAX_CANDIDATES = 200
_SQLITE_MAX_PARAMETERS = 900


@dataclass(frozen=True)
class StoryArticle:
    """One article of a story, as a digest shows it."""

    article_id: int
    source: str
    url: str
    title: str
    published_at: str | None
    first_seen_at: str


@dataclass(frozen=True)
class Story:
    """A story as the digests need it: one article to show and the other outlets that ran it.

    ``representative`` is the earliest publisher among the articles asked about; ``others``
    are all the other articles of the story, asked about or not, earliest first.
    ``article_ids`` are the asked-about articles in this story; ``latest_seen_at`` is the newest
    first-seen time among them (the digest order). ``id`` is None for an article that was never
    linked (stored before story linking, or linking failed).
    """

    id: int | None
    representative: StoryArticle
    others: tuple[StoryArticle, ...]
    article_ids: tuple[int, ...]
    first_seen_at: str
    earliest_published_at: str | None
    latest_seen_at: str

    @property
    def sources(self) -> list[str]:
        """The outlets that ran the story, the representative's first, each once."""
        names = [self.representative.source, *(article.source for article in self.others)]
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class _Candidate:
    article_id: int
    story_id: int
    similarity: float


@dataclass(frozen=True)
class LinkPlan:
    """The story chosen for an article whose row is not written yet (:meth:`prepare_link`)."""

    story_id: int
    values: np.ndarray | None  # the body's signature
    language: str | None
    published_at: str | None
    first_seen_at: str
    joins: _Candidate | None  # the verified candidate whose story it joins; None: a new story


class StoryLinker:
    """Links articles into stories through MinHash LSH bands stored in SQLite.

    ``threshold`` is the estimated Jaccard similarity of shingle sets from which two articles
    are one story. ``num_perm`` and ``rows_per_band`` fix the signature and band layout; they
    must stay the same for the life of a database (signatures of another size are ignored).
    """

    def __init__(
        self,
        db: Database,
        threshold: float = 0.5,
        num_perm: int = minhash.NUM_PERM,
        rows_per_band: int = minhash.ROWS_PER_BAND,
    ) -> None:
        if not 0 < threshold < 1:
            raise ValueError(f"threshold must be between 0 and 1, not {threshold!r}")
        if rows_per_band < 1 or num_perm < rows_per_band:
            raise ValueError("need at least one band of at least one row")
        self.db = db
        self.threshold = threshold
        self.num_perm = num_perm
        self.rows_per_band = rows_per_band
        self.bands = num_perm // rows_per_band
        self._candidate_sql = _candidate_query(self.bands)

    def link(
        self,
        article_id: int,
        title: str,
        body: str,
        language: str | None,
        published_at: str | None,
        first_seen_at: str,
    ) -> int:
        """Put a stored article into a story; return the story id.

        The article's row must exist. Linking an article that already has a story is a
        :meth:`relink`.
        """
        with write_transaction(self.db):
            current = self._story_of(article_id)
            if current is not None:
                return self._relink(article_id, current, title, body, language)
            values = self._signature(body)
            language = _language_code(language)
            best = self._best_candidate(values, language, exclude_story=None)
            self._store_signature(article_id, values, language)
            if best is None:
                return self._new_story(article_id, published_at, first_seen_at)
            self._join_story(best.story_id, article_id, published_at, first_seen_at)
            logger.debug(
                "article %d (%r) joins story %d (similarity %.2f to article %d)",
                article_id,
                title[:80],
                best.story_id,
                best.similarity,
                best.article_id,
            )
            return best.story_id

    def prepare_link(
        self, body: str, language: str | None, published_at: str | None, first_seen_at: str
    ) -> LinkPlan:
        """Choose the story of an article about to be stored; a new story's row is made now.

        The caller then writes the article's row with ``story_id = plan.story_id`` and calls
        :meth:`complete_link`, all in one transaction. The result is what :meth:`link` gives,
        without an UPDATE of the article's row: every UPDATE of an article re-indexes its text
        for full-text search (the FTS triggers), which costs more than the linking.
        """
        values = self._signature(body)
        language = _language_code(language)
        best = self._best_candidate(values, language, exclude_story=None)
        if best is not None:
            return LinkPlan(best.story_id, values, language, published_at, first_seen_at, best)
        # first_article_id is set by complete_link, once the article has its id.
        cursor = self.db.execute(
            "INSERT INTO stories (first_article_id, first_seen_at, earliest_published_at, articles)"
            " VALUES (NULL, ?, ?, 1)",
            [first_seen_at, published_at],
        )
        return LinkPlan(cursor.lastrowid, values, language, published_at, first_seen_at, None)

    def complete_link(self, article_id: int, plan: LinkPlan, title: str) -> int:
        """Finish linking the article just written with ``plan.story_id``; return the story id."""
        self._store_signature(article_id, plan.values, plan.language)
        if plan.joins is None:
            self.db.execute(
                "UPDATE stories SET first_article_id = ? WHERE id = ?", [article_id, plan.story_id]
            )
            return plan.story_id
        self._update_joined_story(plan.story_id, article_id, plan.published_at, plan.first_seen_at)
        logger.debug(
            "article %d (%r) joins story %d (similarity %.2f to article %d)",
            article_id,
            title[:80],
            plan.story_id,
            plan.joins.similarity,
            plan.joins.article_id,
        )
        return plan.story_id

    def relink(
        self,
        article_id: int,
        title: str,
        body: str,
        language: str | None,
        published_at: str | None = None,
        first_seen_at: str | None = None,
    ) -> int:
        """Re-link an article whose text changed; return its story id (usually unchanged).

        The article stays in its story while its new text still reaches the threshold with at
        least one other member, or is too short to compare. If it no longer matches any of
        them, it leaves and is linked afresh (joining another story or starting one). An article
        alone in its story is linked afresh too, so an expanded teaser can join the full story;
        its empty story is deleted. The story's summary is recomputed from the articles table
        (the publication time may have changed), so ``published_at`` and ``first_seen_at`` are
        read from there; they are used only for an article that was never linked.
        """
        with write_transaction(self.db):
            current = self._story_of(article_id)
            if current is None:
                row = self.db.execute(
                    "SELECT published_at, first_seen_at FROM articles WHERE id = ?", [article_id]
                ).fetchone()
                if row is None:
                    raise LookupError(f"no article {article_id}")
                return self.link(
                    article_id,
                    title,
                    body,
                    language,
                    published_at or row[0],
                    first_seen_at or row[1],
                )
            return self._relink(article_id, current, title, body, language)

    def similar_articles(self, body: str, language: str | None) -> list[tuple[int, float]]:
        """Stored articles at or above the threshold, most similar first: (article id, Jaccard)."""
        values = self._signature(body)
        if values is None:
            return []
        found = self._verified_candidates(values, _language_code(language), exclude_story=None)
        return [(candidate.article_id, candidate.similarity) for candidate in found]

    def _relink(
        self, article_id: int, story_id: int, title: str, body: str, language: str | None
    ) -> int:
        values = self._signature(body)
        language = _language_code(language)
        self._forget_signature(article_id)
        self._store_signature(article_id, values, language)
        members = self.db.execute(
            "SELECT count(*) FROM articles WHERE story_id = ? AND id != ?", [story_id, article_id]
        ).fetchone()[0]
        # Too short to compare now (a paywall teaser on re-fetch): no evidence it left.
        if members and (
            values is None or self._still_belongs(article_id, story_id, values, language)
        ):
            refresh_story(self.db, story_id)
            return story_id
        best = self._best_candidate(values, language, exclude_story=story_id, skip=article_id)
        if best is None and not members:
            refresh_story(self.db, story_id)
            return story_id
        self.db.execute("UPDATE articles SET story_id = NULL WHERE id = ?", [article_id])
        refresh_story(self.db, story_id)
        row = self.db.execute(
            "SELECT published_at, first_seen_at FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        if best is None:
            new_story = self._new_story(article_id, row[0], row[1])
            logger.info(
                "article %d (%r) changed and left story %d for %d",
                article_id,
                title[:80],
                story_id,
                new_story,
            )
            return new_story
        self._join_story(best.story_id, article_id, row[0], row[1])
        logger.info(
            "article %d (%r) changed and moved from story %d to %d",
            article_id,
            title[:80],
            story_id,
            best.story_id,
        )
        return best.story_id

    def _still_belongs(
        self, article_id: int, story_id: int, values: np.ndarray, language: str | None
    ) -> bool:
        rows = self.db.execute(
            "SELECT s.minhash, s.language FROM article_signatures s"
            " JOIN articles a ON a.id = s.article_id"
            " WHERE a.story_id = ? AND a.id != ?",
            [story_id, article_id],
        ).fetchall()
        return any(
            _compatible(language, other_language)
            and self._similarity(values, blob) >= self.threshold
            for blob, other_language in rows
        )

    def _signature(self, body: str) -> np.ndarray | None:
        # The body alone: a changed headline must not split a story, and a headline template
        # ("Stocks close higher as ...") must not join two.
        return minhash.signature(minhash.shingles(body), self.num_perm)

    def _best_candidate(
        self,
        values: np.ndarray | None,
        language: str | None,
        *,
        exclude_story: int | None,
        skip: int | None = None,
    ) -> _Candidate | None:
        if values is None:
            return None
        found = self._verified_candidates(values, language, exclude_story=exclude_story, skip=skip)
        return found[0] if found else None

    def _verified_candidates(
        self,
        values: np.ndarray,
        language: str | None,
        *,
        exclude_story: int | None,
        skip: int | None = None,
    ) -> list[_Candidate]:
        buckets = minhash.band_buckets(values, self.rows_per_band)
        parameters: list[int] = []
        for band, bucket in enumerate(buckets):
            parameters += (band, bucket)
        rows = self.db.execute(self._candidate_sql, [*parameters, MAX_CANDIDATES]).fetchall()
        verified = []
        for article_id, story_id, blob, other_language in rows:
            if article_id == skip or story_id is None or story_id == exclude_story:
                continue
            if not _compatible(language, other_language):
                continue
            similarity = self._similarity(values, blob)
            if similarity >= self.threshold:
                verified.append(_Candidate(article_id, story_id, similarity))
        # Most similar first; among equals the oldest article, so the choice is reproducible.
        verified.sort(key=lambda candidate: (-candidate.similarity, candidate.article_id))
        return verified

    def _similarity(self, values: np.ndarray, blob: bytes) -> float:
        other = minhash.from_blob(blob)
        if len(other) != len(values):
            logger.warning(
                "ignoring a stored signature of %d values (this linker uses %d); "
                "the database was filled with other settings",
                len(other),
                len(values),
            )
            return 0.0
        return minhash.estimated_jaccard(values, other)

    def _store_signature(
        self, article_id: int, values: np.ndarray | None, language: str | None
    ) -> None:
        if values is None:
            return
        self.db.execute(
            "INSERT INTO article_signatures (article_id, minhash, language) VALUES (?, ?, ?)",
            [article_id, minhash.to_blob(values), language],
        )
        self.db.conn.executemany(
            "INSERT INTO lsh_buckets (band, bucket, article_id) VALUES (?, ?, ?)",
            [
                (band, bucket, article_id)
                for band, bucket in enumerate(minhash.band_buckets(values, self.rows_per_band))
            ],
        )

    def _forget_signature(self, article_id: int) -> None:
        self.db.execute("DELETE FROM lsh_buckets WHERE article_id = ?", [article_id])
        self.db.execute("DELETE FROM article_signatures WHERE article_id = ?", [article_id])

    def _story_of(self, article_id: int) -> int | None:
        row = self.db.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()
        if row is None:
            raise LookupError(f"no article {article_id}")
        return row[0]

    def _new_story(self, article_id: int, published_at: str | None, first_seen_at: str) -> int:
        cursor = self.db.execute(
            "INSERT INTO stories (first_article_id, first_seen_at, earliest_published_at, articles)"
            " VALUES (?, ?, ?, 1)",
            [article_id, first_seen_at, published_at],
        )
        story_id = cursor.lastrowid
        self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])
        return story_id

    def _join_story(
        self, story_id: int, article_id: int, published_at: str | None, first_seen_at: str
    ) -> None:
        self._update_joined_story(story_id, article_id, published_at, first_seen_at)
        self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])

    def _update_joined_story(
        self, story_id: int, article_id: int, published_at: str | None, first_seen_at: str
    ) -> None:
        """The story's summary with one more article (whose row may not point at it yet)."""
        first_article_id, story_first_seen, earliest_published = self.db.execute(
            "SELECT first_article_id, first_seen_at, earliest_published_at FROM stories"
            " WHERE id = ?",
            [story_id],
        ).fetchone()
        first_published, first_seen = self.db.execute(
            "SELECT published_at, first_seen_at FROM articles WHERE id = ?", [first_article_id]
        ).fetchone()
        if _publication_order(published_at, first_seen_at, article_id) < _publication_order(
            first_published, first_seen, first_article_id
        ):
            first_article_id = article_id
        self.db.execute(
            "UPDATE stories SET first_article_id = ?, first_seen_at = ?,"
            " earliest_published_at = ?, articles = articles + 1 WHERE id = ?",
            [
                first_article_id,
                min(story_first_seen, first_seen_at),
                _earliest(earliest_published, published_at),
                story_id,
            ],
        )


def refresh_story(db: Database, story_id: int) -> None:
    """Recompute ``stories`` row ``story_id`` from its articles; delete it when it has none."""
    count, first_seen, earliest_published = db.execute(
        "SELECT count(*), min(first_seen_at), min(published_at) FROM articles WHERE story_id = ?",
        [story_id],
    ).fetchone()
    if count == 0:
        db.execute("DELETE FROM stories WHERE id = ?", [story_id])
        return
    first_article_id = db.execute(
        "SELECT id FROM articles WHERE story_id = ?"
        " ORDER BY coalesce(published_at, first_seen_at), id LIMIT 1",
        [story_id],
    ).fetchone()[0]
    db.execute(
        "UPDATE stories SET first_article_id = ?, first_seen_at = ?, earliest_published_at = ?,"
        " articles = ? WHERE id = ?",
        [first_article_id, first_seen, earliest_published, count, story_id],
    )


def forget_article(db: Database, article_id: int) -> None:
    """Remove an article from story linking before its row is deleted (retention).

    Its signature and bands go, and its story's summary is recomputed (or the story deleted
    when it was the last article).
    """
    with write_transaction(db):
        row = db.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()
        db.execute("DELETE FROM lsh_buckets WHERE article_id = ?", [article_id])
        db.execute("DELETE FROM article_signatures WHERE article_id = ?", [article_id])
        if row is None or row[0] is None:
            return
        db.execute("UPDATE articles SET story_id = NULL WHERE id = ?", [article_id])
        refresh_story(db, row[0])


def stories_for(db: Database, article_ids: Iterable[int]) -> list[Story]:
    """The stories of these articles, newest first by their latest first-seen article.

    Articles that do not exist are left out; an article never linked is a story of its own
    with ``id`` None.
    """
    wanted = list(dict.fromkeys(article_ids))
    rows = []
    for start in range(0, len(wanted), _SQLITE_MAX_PARAMETERS):
        chunk = wanted[start : start + _SQLITE_MAX_PARAMETERS]
        rows += db.execute(
            f"SELECT {_ARTICLE_COLUMNS}, story_id FROM articles"
            f" WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
    groups: dict[int | tuple[str, int], list[StoryArticle]] = {}
    for *columns, story_id in rows:
        article = _story_article(columns)
        group = story_id if story_id is not None else ("unlinked", article.article_id)
        groups.setdefault(group, []).append(article)
    stories = [
        _story(db, group if isinstance(group, int) else None, given)
        for group, given in groups.items()
    ]
    stories.sort(key=lambda story: (story.latest_seen_at, story.id or 0), reverse=True)
    return stories


_ARTICLE_COLUMNS = "id, source, coalesce(canonical_url, url), title, published_at, first_seen_at"


def _story_article(columns: Sequence) -> StoryArticle:
    article_id, source, url, title, published_at, first_seen_at = columns
    return StoryArticle(article_id, source, url, title, published_at, first_seen_at)


def _story(db: Database, story_id: int | None, given: list[StoryArticle]) -> Story:
    given.sort(key=lambda a: _publication_order(a.published_at, a.first_seen_at, a.article_id))
    representative = given[0]
    latest_seen = max(article.first_seen_at for article in given)
    if story_id is None:
        return Story(
            None,
            representative,
            (),
            (representative.article_id,),
            representative.first_seen_at,
            representative.published_at,
            latest_seen,
        )
    members = [
        _story_article(columns)
        for columns in db.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE story_id = ?"
            " ORDER BY coalesce(published_at, first_seen_at), id",
            [story_id],
        ).fetchall()
    ]
    summary = db.execute(
        "SELECT first_seen_at, earliest_published_at FROM stories WHERE id = ?", [story_id]
    ).fetchone()
    first_seen, earliest_published = summary or (representative.first_seen_at, None)
    others = tuple(m for m in members if m.article_id != representative.article_id)
    return Story(
        story_id,
        representative,
        others,
        tuple(a.article_id for a in given),
        first_seen,
        earliest_published,
        latest_seen,
    )


def _candidate_query(bands: int) -> str:
    # One statement for all bands: the (band, bucket) pairs as a VALUES table joined to the
    # index, candidates sharing the most bands first.
    pairs = ", ".join(["(?, ?)"] * bands)
    return (
        f"WITH probe(band, bucket) AS (VALUES {pairs}),"
        " hits AS ("
        "   SELECT l.article_id, count(*) AS shared FROM probe"
        "   JOIN lsh_buckets l ON l.band = probe.band AND l.bucket = probe.bucket"
        "   GROUP BY l.article_id ORDER BY shared DESC, l.article_id LIMIT ?"
        " )"
        " SELECT hits.article_id, a.story_id, s.minhash, s.language FROM hits"
        " JOIN article_signatures s ON s.article_id = hits.article_id"
        " JOIN articles a ON a.id = hits.article_id"
    )


def _language_code(language: str | None) -> str | None:
    """``en-GB``, ``EN`` and ``en_us`` are all ``en``; empty means unknown."""
    if not language or not language.strip():
        return None
    return language.strip().replace("_", "-").split("-")[0].lower()


def _compatible(language_a: str | None, language_b: str | None) -> bool:
    # Unknown language is compatible with any: the text similarity decides.
    return language_a is None or language_b is None or language_a == language_b


def _publication_order(
    published_at: str | None, first_seen_at: str, article_id: int
) -> tuple[str, int]:
    # The earliest publisher: by publication time where the page gave one, else by when
    # presswatch first saw it; the lower id breaks ties.
    return (published_at or first_seen_at, article_id)


def _earliest(time_a: str | None, time_b: str | None) -> str | None:
    known = [moment for moment in (time_a, time_b) if moment]
    return min(known) if known else None
