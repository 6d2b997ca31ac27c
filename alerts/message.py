"""Build the e-mail: ``multipart/alternative`` (text first, HTML last), one recipient per message.

Headers, exactly: From, To, Subject, Date, Message-ID, List-Unsubscribe, Auto-Submitted,
MIME-Version and Content-Type. Every header value passes through :func:`one_line` (RFC 2047 words
decoded, then line breaks and control characters removed) even where the caller already cleaned
it, because a header is the one place where a stray newline changes who receives the mail.

The two body parts depend only on the rendered digest, so :func:`body_parts` builds them once and
many messages (one per recipient) share them.
"""

from __future__ import annotations

import email.policy
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from alerts.render import Rendered
from alerts.sanitize import one_line

SUBJECT_LIMIT = 250


def body_parts(rendered: Rendered) -> tuple[EmailMessage, EmailMessage]:
    """The ``text/plain`` and ``text/html`` parts (quoted-printable, UTF-8)."""
    text_part = EmailMessage(policy=email.policy.SMTP)
    text_part.set_content(rendered.text, cte="quoted-printable")
    html_part = EmailMessage(policy=email.policy.SMTP)
    html_part.set_content(rendered.html, subtype="html", cte="quoted-printable")
    return text_part, html_part


def build_message(
    parts: tuple[EmailMessage, EmailMessage],
    *,
    from_address: str,
    to: str,
    subject: str,
    message_id: str,
    date: datetime,
    unsubscribe: str,
) -> EmailMessage:
    """One message to one recipient, sharing ``parts`` (never modified) with other messages."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = one_line(from_address, 500)
    message["To"] = one_line(to, 500)
    message["Subject"] = one_line(subject, SUBJECT_LIMIT)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = one_line(message_id, 500)
    message["List-Unsubscribe"] = f"<{one_line(unsubscribe, 500)}>"
    message["Auto-Submitted"] = "auto-generated"
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = "multipart/alternative"
    for part in parts:
        message.attach(part)
    return message
