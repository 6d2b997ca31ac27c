"""The shape of presswatch's configuration, as pydantic models.

Every model forbids unknown keys, so a typo in a TOML file is reported (with a "did you mean")
instead of being silently ignored. Values that need more than a type check (durations, clock times,
IANA timezones, URLs, e-mail addresses) have their own validators here so that the error message
says what a good value looks like.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)")
_DURATION_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: object) -> timedelta:
    """Read a duration such as ``"15m"``, ``"1h30m"``, ``"45s"`` or ``"2d"``.

    A bare number is a number of seconds. The result must be positive.
    """
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        parts = _DURATION_PART.findall(text)
        if not parts or _DURATION_PART.sub("", text).strip():
            raise ValueError(f"invalid duration {value!r}: use a form like '15m', '1h30m' or '2d'")
        seconds = sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)
    else:
        raise ValueError(f"invalid duration {value!r}: use a string like '15m'")
    if seconds <= 0:
        raise ValueError(f"invalid duration {value!r}: must be longer than zero")
    return timedelta(seconds=seconds)


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"unknown timezone {name!r}: use an IANA name such as 'Europe/Berlin' or 'UTC'"
        ) from error
    return name


def _parse_clock_time(value: object) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if match:
            return time(int(match.group(1)), int(match.group(2)))
    raise ValueError(f"invalid time {value!r}: use 24-hour 'HH:MM', for example '07:00'")


def _check_http_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"invalid URL {url!r}: only http and https URLs can be crawled")
    if not parts.hostname:
        raise ValueError(f"invalid URL {url!r}: it has no host name")
    if any(ch.isspace() for ch in url):
        raise ValueError(f"invalid URL {url!r}: it contains white space")
    return url


_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def _check_email(address: str) -> str:
    if not _EMAIL.fullmatch(address.strip()):
        raise ValueError(f"invalid e-mail address {address!r}")
    return address.strip()


def _check_from_address(value: str) -> str:
    """Accept ``alerts@example.org`` or ``Display Name <alerts@example.org>``."""
    from email.utils import parseaddr

    if any(ch in value for ch in "\r\n"):
        raise ValueError("the from address must be on one line")
    _name, address = parseaddr(value)
    _check_email(address)
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
TimezoneName = Annotated[str, AfterValidator(_check_timezone)]
ClockTime = Annotated[time, BeforeValidator(_parse_clock_time)]
HttpUrl = Annotated[str, AfterValidator(_check_http_url)]
EmailAddress = Annotated[str, AfterValidator(_check_email)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CrawlSettings(_Strict):
    """How politely and how far presswatch crawls."""

    user_agent: str = "presswatch/0.1 (+https://github.com/presswatch/presswatch)"
    obey_robots: bool = True
    # false: only public addresses; true: any; a list: only these addresses or networks
    # (the tests allow ["127.0.0.1"] to reach the local news web).
    allow_private_addresses: bool | list[str] = False
    concurrency: int = Field(8, ge=1, le=64)
    concurrency_per_domain: int = Field(2, ge=1, le=16)
    delay: float = Field(1.0, ge=0, le=60, description="seconds between requests to one domain")
    max_page_mb: float = Field(10, gt=0, le=100)
    timeout: Duration = timedelta(seconds=20)
    retries: int = Field(2, ge=0, le=10)
    # Up to a century: a one-off crawl may backfill a whole archive (then lower it again).
    lookback_days: float = Field(3, gt=0, le=36_500)
    max_depth: int = Field(2, ge=0, le=20)
    max_pages_per_source: int = Field(500, ge=1, le=100_000)
    refetch_window: Duration = timedelta(hours=24)
    cycle_timeout: Duration = timedelta(minutes=20)
    memory_limit_mb: int = Field(768, ge=64)
    # Crawl child processes `presswatch run` lets run at once (one source each); each may use
    # up to memory_limit_mb.
    parallel_sources: int = Field(2, ge=1, le=16)

    @field_validator("user_agent")
    @classmethod
    def _user_agent_has_contact(cls, value: str) -> str:
        if any(ch in value for ch in "\r\n"):
            raise ValueError("the user agent must be on one line")
        if "http://" not in value and "https://" not in value and "@" not in value:
            raise ValueError(
                "the user agent should name a contact URL or address, e.g. "
                "'presswatch/0.1 (+https://example.org/contact)'"
            )
        return value


class SmtpSettings(_Strict):
    host: str
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: Duration = timedelta(seconds=30)

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return {"none": 25, "starttls": 587, "ssl": 465}[self.security]


class MailSettings(_Strict):
    from_address: str = Field("presswatch <presswatch@localhost.localdomain>", alias="from")
    outbox: Path = Path("data/outbox")
    smtp: SmtpSettings | None = None
    templates: Path | None = None
    unsubscribe: str | None = None

    @field_validator("from_address")
    @classmethod
    def _from_is_an_address(cls, value: str) -> str:
        return _check_from_address(value)

    @field_validator("unsubscribe")
    @classmethod
    def _unsubscribe_is_mailto_or_email(cls, value: str | None) -> str | None:
        if value is not None:
            _check_email(value.removeprefix("mailto:"))
        return value


class MatchingSettings(_Strict):
    rematch_days: float = Field(30, ge=0, le=3650)


class DedupSettings(_Strict):
    threshold: float = Field(0.5, gt=0, lt=1)
    tracking_parameters: list[str] = [
        "utm_*",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "mc_*",
        "igshid",
        "ref",
        "ref_src",
        "cmpid",
        "ito",
        "ocid",
        "_ga",
        "yclid",
        "spm",
        "smid",
        "taid",
    ]


class BrowseSettings(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(8001, ge=1, le=65535)
    token: str | None = None
    url: str | None = None


class Settings(_Strict):
    """``presswatch.toml``: where the data lives and how the service behaves."""

    database: Path = Path("data/presswatch.db")
    timezone: TimezoneName = "UTC"
    retention_days: float = Field(90, ge=1)
    crawl: CrawlSettings = CrawlSettings()
    mail: MailSettings = MailSettings()
    matching: MatchingSettings = MatchingSettings()
    dedup: DedupSettings = DedupSettings()
    browse: BrowseSettings = BrowseSettings()


class Source(_Strict):
    """One news outlet and the ways presswatch discovers its articles."""

    name: str = Field(min_length=1, max_length=200)
    feeds: list[HttpUrl] = []
    sitemaps: list[HttpUrl] = []
    start_urls: list[HttpUrl] = []
    allowed_domains: list[str] = []
    interval: Duration = timedelta(minutes=30)
    language: str | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _has_an_entry_point(self) -> Source:
        if not (self.feeds or self.sitemaps or self.start_urls):
            raise ValueError("a source needs at least one of feeds, sitemaps or start_urls")
        return self

    @property
    def domains(self) -> list[str]:
        """The allowed domains, or by default the hosts of the configured URLs."""
        if self.allowed_domains:
            return list(self.allowed_domains)
        hosts = {
            urlsplit(url).hostname or "" for url in [*self.feeds, *self.sitemaps, *self.start_urls]
        }
        return sorted(host.removeprefix("www.") for host in hosts if host)


class DigestSchedule(_Strict):
    enabled: bool = True
    times: list[ClockTime] = [time(7, 0)]
    timezone: TimezoneName | None = None
    send_empty: bool = False

    @model_validator(mode="after")
    def _times_when_enabled(self) -> DigestSchedule:
        if self.enabled and not self.times:
            raise ValueError("an enabled digest needs at least one time, or set enabled = false")
        return self


class WatchList(_Strict):
    """One ``config/watchlists/*.toml`` file."""

    name: str = Field(min_length=1, max_length=200)
    query: str = Field(min_length=1, max_length=20_000)
    languages: list[str] = []
    sources: list[str] = []
    recipients: list[EmailAddress] = []
    digest: DigestSchedule = DigestSchedule()
    instant: bool = False
    instant_and_digest: bool = False
    apprise: list[str] = []
    path: Path | None = Field(None, exclude=True)

    @field_validator("languages")
    @classmethod
    def _two_letter_codes(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if not re.fullmatch(r"[a-z]{2,3}", code):
                raise ValueError(f"invalid language {code!r}: use ISO 639-1 codes such as 'en'")
        return codes
