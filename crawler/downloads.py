"""The HTTP(S) download handler: Scrapy's, with a connection pool as large as the concurrency.

Scrapy keeps at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` idle keep-alive connections per host,
on the assumption that no more requests are ever in flight to one host. With the asyncio
reactor that does not hold in Scrapy 2.19: the downloader schedules every queued request of a
slot at once (it counts a request as transferring only once its task has started), so up to
``CONCURRENT_REQUESTS`` go to one host together when no download delay is set. Each such wave
then found too few idle connections, opened new ones (socket, name lookup, handshake) and
closed the surplus afterwards: about one new connection for every two requests on the local
news web. Keeping as many idle connections as requests can be in flight lets them be reused.
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


class KeepAliveDownloadHandler(HTTP11DownloadHandler):
    """``HTTP11DownloadHandler`` whose pool keeps a connection for every request in flight."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self._pool.maxPersistentPerHost = max(
            settings.getint("CONCURRENT_REQUESTS"),
            settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        )
