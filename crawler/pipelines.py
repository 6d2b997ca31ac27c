"""The item pipeline: store each extracted article in the archive.

:func:`crawler.ingest.store_article` decides whether the article is new, a revision, unchanged or
a duplicate and writes it with its URLs, matches and story. The pipeline wraps that call in one
``BEGIN IMMEDIATE`` transaction together with the two things only the crawler knows: the URL the
article was discovered under (a feed link that redirected, say), so that it is never fetched
again, and that this fetch was the article's one correction re-fetch.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured

from crawler import crawlstate
from crawler.dedup.urls import InvalidUrlError
from crawler.ingest import store_article
from crawler.items import ArticleItem
from crawler.store import utcnow, write_transaction

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
        try:
            with write_transaction(spider.db):
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
        except Exception as error:
            # Nothing of this article was written (one transaction); its feed is read in full
            # again next run, so the article is tried again.
            logger.exception("could not store %s", item.fetched_url, extra={"spider": spider})
            stats.inc_value("presswatch/errors/store_error")
            spider.mark_incomplete(item.origins)
            raise DropItem(f"not stored: {error!r}") from error
        stats.inc_value(f"presswatch/{result.outcome}")
        logger.debug("%s: %s", result.outcome, item.fetched_url, extra={"spider": spider})
        return item

    @staticmethod
    def _remember_discovered_url(spider: Any, item: ArticleItem, article_id: int, now: Any) -> None:
        try:
            key = spider.ingest.key(item.discovered_url)
        except InvalidUrlError:
            return
        crawlstate.record_alternate_url(
            spider.db, key, item.discovered_url, article_id, item.source, now
        )
