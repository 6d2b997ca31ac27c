"""presswatch's local news web: synthetic news sites served on 127.0.0.1 for tests and benches.

    from tests.newsweb import generate_web, serve

    web = generate_web(seed=0, sites=3, articles_per_site=30)
    with serve(web) as running:
        feed_url = running.base_url("ledger") + "/rss.xml"
        expected = web.matching("Gaza ceasefire")

See ``generate_web`` for the ground truth and ``serve`` for the servers.
"""

from .generate import HOSTILE_SITE, generate_web
from .model import GAZA, RAFAH, WATCHLISTS, GroundTruthArticle, Site, SiteStyle
from .server import OFFSITE, RequestRecord, RunningWeb, serve
from .web import NewsWeb

__all__ = [
    "GAZA",
    "HOSTILE_SITE",
    "OFFSITE",
    "RAFAH",
    "WATCHLISTS",
    "GroundTruthArticle",
    "NewsWeb",
    "RequestRecord",
    "RunningWeb",
    "Site",
    "SiteStyle",
    "generate_web",
    "serve",
]
