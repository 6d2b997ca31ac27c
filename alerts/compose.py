"""Turn ledger rows into rendered, ready-to-send messages, doing shared work once.

Recipients of one watch list usually receive the very same digest (same articles, same window),
so the context, the rendering and the MIME body parts are cached per content; only the headers
differ per recipient. Everything is derived from the ledger row (its articles, its creation time
and the previous row's), so a digest re-sent after a crash is rendered the same way again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from alerts import ledger
from alerts.channels.base import Outgoing
from alerts.content import DigestScope, build_context, unsubscribe_mailto
from alerts.message import SharedBody, build_message, shared_body
from alerts.render import Rendered, render
from config.loader import Config
from config.schema import WatchList


@dataclass(frozen=True)
class _Content:
    rendered: Rendered
    body: SharedBody


class Composer:
    """Builds :class:`Outgoing` messages for ledger rows; one instance per delivery run."""

    def __init__(self, db: Database, config: Config) -> None:
        self.db = db
        self.config = config
        self._contents: dict[tuple[object, ...], _Content] = {}

    def compose(self, row: ledger.DigestRow, watchlist: WatchList) -> Outgoing:
        article_ids = tuple(ledger.article_ids(self.db, row.id))
        since = ledger.previous_created_at(self.db, row.target, row.stream, row.created_at)
        scope = DigestScope(
            watchlist=watchlist,
            kind=row.kind,
            article_ids=article_ids,
            since=since or row.created_at - ledger.FIRST_DIGEST_LOOKBACK,
            until=row.created_at,
        )
        content = self._content(scope)
        data = self.email(row, content) if row.target.is_email else None
        return Outgoing(row.id, row.recipient, content.rendered, data)

    def render_scope(self, scope: DigestScope) -> Rendered:
        return self._content(scope).rendered

    def email(self, row: ledger.DigestRow, content: _Content) -> bytes:
        mail = self.config.settings.mail
        return build_message(
            content.body,
            from_address=mail.from_address,
            to=row.recipient,
            subject=content.rendered.subject,
            message_id=row.message_id,
            date=row.created_at,
            unsubscribe=unsubscribe_mailto(self.config, row.watchlist),
        )

    def _content(self, scope: DigestScope) -> _Content:
        key = (scope.watchlist.name, scope.kind, scope.article_ids, scope.since, scope.until)
        content = self._contents.get(key)
        if content is None:
            rendered = render(self.config, build_context(self.db, self.config, scope))
            content = _Content(rendered, shared_body(rendered))
            self._contents[key] = content
        return content
