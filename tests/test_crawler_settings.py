"""The Scrapy settings a crawl runs with: safe defaults and the [crawl] table applied."""

from __future__ import annotations

from scrapy.utils.conf import build_component_list

from config import load_config
from crawler.run import crawl_settings
from crawler.settings import address_policy
from tests.crawl_support import write_config

MIB = 1024 * 1024


def _settings(tmp_path, **crawl):
    config = load_config(
        write_config(
            tmp_path / "config",
            [{"name": "a", "feeds": ["https://a.example/rss.xml"]}],
            crawl=crawl,
        )
    )
    return crawl_settings(config)


def test_unsafe_components_are_off(tmp_path):
    settings = _settings(tmp_path)
    extensions = build_component_list(settings.getwithbase("EXTENSIONS"))

    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    assert not any("TelnetConsole" in name or "RemoteControl" in name for name in extensions)
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS")
    assert [scheme for scheme, handler in handlers.items() if handler] == ["http", "https"]
    assert not settings.getbool("HTTPPROXY_ENABLED")
    middlewares = build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    assert middlewares[:2] == [
        "crawler.middlewares.AddressGuardMiddleware",
        "crawler.middlewares.SourceOffsiteMiddleware",
    ]
    assert "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware" not in middlewares
    assert settings["TWISTED_DNS_RESOLVER"] == "crawler.addresses.GuardedResolver"


def test_defaults_bound_every_crawl(tmp_path):
    settings = _settings(tmp_path, delay=1.5)

    assert settings.getint("DOWNLOAD_MAXSIZE") == 10 * MIB
    assert settings.getint("DOWNLOAD_WARNSIZE") == 2 * MIB
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.5
    assert settings.getint("MEMUSAGE_LIMIT_MB") == 768
    assert settings.getfloat("CLOSESPIDER_TIMEOUT") == 20 * 60
    assert settings.getint("DEPTH_LIMIT") == 2
    assert "+https://" in settings["USER_AGENT"]


def test_the_crawl_table_is_applied(tmp_path):
    settings = _settings(
        tmp_path,
        max_page_mb=1,
        timeout="7s",
        retries=4,
        max_depth=5,
        memory_limit_mb=300,
        cycle_timeout="90s",
        obey_robots=False,
        user_agent="bot/1 (+https://x.example/bot)",
        concurrency=6,
        concurrency_per_domain=3,
    )

    assert settings.getint("DOWNLOAD_MAXSIZE") == MIB
    assert settings.getint("DOWNLOAD_WARNSIZE") == MIB
    assert settings.getfloat("DOWNLOAD_TIMEOUT") == 7
    assert settings.getint("RETRY_TIMES") == 4
    assert settings.getint("DEPTH_LIMIT") == 5
    assert settings.getint("MEMUSAGE_LIMIT_MB") == 300
    assert settings.getfloat("CLOSESPIDER_TIMEOUT") == 90
    assert not settings.getbool("ROBOTSTXT_OBEY")
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")  # the test helper sets delay = 0
    assert settings["USER_AGENT"] == "bot/1 (+https://x.example/bot)"
    assert settings.getint("CONCURRENT_REQUESTS") == 6
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 3


def test_address_policy_follows_the_configuration(tmp_path):
    allowed = address_policy(_settings(tmp_path))
    assert allowed.permits("127.0.0.1") and not allowed.permits("127.0.0.2")
    strict = address_policy(_settings(tmp_path, allow_private_addresses=False))
    assert not strict.permits("127.0.0.1")
