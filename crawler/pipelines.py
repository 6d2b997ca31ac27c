"""The item pipeline: store each extracted article in the archive.

:func:`crawler.ingest.store_article` decides whether the article is new, a revision, unchanged or
a duplicate and writes it with its URLs, matches and story. The pipeline writes that together
with the two things only the crawler knows: the URL the article was discovered under (a feed link
that redirected, say), so that it is never fetched again, and that this fetch was the article's
one correction re-fetch.

All of one article is one unit of the spider's :class:`~crawler.writebatch.WriteBatch`: a
savepoint inside a transaction shared with the articles stored just before and after it, so it
is committed whole or not at all, and a failure rolls back this article alone. Its outcome is
counted once it is committed.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured

from crawler import crawlstate
from crawler.dedup.urls import InvalidUrlError
from crawler.ingest import store_article
from crawler.items import ArticleItem
from crawler.store import utcnow

logger = logging.getLogger(__name__)


class ArchivePipeline:
    """Write :class:`~crawler.items.ArticleItem` s into the spider's archive database."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        if not hasattr(crawler.spider, "ingest"):
            raise NotConfigured("ArchivePipeline needs a presswatch spider")
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        spider = self.crawler.spider
        stats = self.crawler.stats
        now = utcnow()
        outcome: list[str] = []

        def count() -> None:
            stats.inc_value(f"presswatch/{outcome[0]}")
            logger.debug("%s: %s", outcome[0], item.fetched_url, extra={"spider": spider})

        try:
            with spider.batch.unit(
                on_commit=count, on_lost=functools.partial(spider.unit_lost, item.origins)
            ):
                result = store_article(
                    spider.db,
                    item.article,
                    source=item.source,
                    fetched_url=item.fetched_url,
                    context=spider.ingest,
                    feed_guid=item.feed_guid,
                    now=now,
                )
                self._remember_discovered_url(spider, item, result.article_id, now)
                if item.refetch:
                    crawlstate.mark_refetched(spider.db, result.article_id, now)
                outcome.append(result.outcome)
        except Exception as error:
            # Nothing of this article was written (its savepoint was rolled back); its listing
            # is read in full again next run, so the article is tried again.
            logger.exception("could not store %s", item.fetched_url, extra={"spider": spider})
            stats.inc_value("presswatch/errors/store_error")
            spider.mark_incomplete(item.origins)
            raise DropItem(f"not stored: {error!r}") from error
        return item

    def close_spider(self) -> None:
        self.crawler.spider.batch.commit()

    @staticmethod
    def _remember_discovered_url(spider: Any, item: ArticleItem, article_id: int, now: Any) -> None:
        try:
            key = spider.ingest.key(item.discovered_url)
        except InvalidUrlError:
            return
        crawlstate.record_alternate_url(
            spider.db, key, item.discovered_url, article_id, item.source, now
        )
