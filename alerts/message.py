"""Build the e-mail: ``multipart/alternative`` (text first, HTML last), one recipient per message.

Headers, exactly: From, To, Subject, Date, Message-ID, List-Unsubscribe, Auto-Submitted,
MIME-Version and Content-Type. Every header value passes through :func:`one_line` (RFC 2047 words
decoded, then line breaks and control characters removed) even where the caller already cleaned
it, because a header is the one place where a stray newline changes who receives the mail.

The body depends only on the rendered digest, and flattening a large MIME body is the slowest step
of building a message, so :func:`shared_body` encodes it once and every recipient's message is its
own header block (built by :class:`~email.message.EmailMessage`) followed by those shared bytes.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from alerts.render import Rendered
from alerts.sanitize import one_line

SUBJECT_LIMIT = 250
POLICY = email.policy.SMTP  # CRLF line endings, as on the wire
# Headers are one line each (RFC 5322 allows 998 characters): Python's folding of a long Subject
# right after the colon makes the parsed value start with a space.
HEADER_POLICY = POLICY.clone(max_line_length=998)


@dataclass(frozen=True)
class SharedBody:
    """The encoded ``multipart/alternative`` body shared by every recipient of one digest."""

    content_type: str  # with its boundary parameter
    data: bytes  # everything after the header block


def shared_body(rendered: Rendered) -> SharedBody:
    """Encode the text and HTML parts (quoted-printable, UTF-8) once."""
    container = EmailMessage(policy=POLICY)
    container["Content-Type"] = "multipart/alternative"
    for body, subtype in ((rendered.text, "plain"), (rendered.html, "html")):
        part = EmailMessage(policy=POLICY)
        part.set_content(body, subtype=subtype, cte="quoted-printable")
        del part["MIME-Version"]  # only the top level carries it
        container.attach(part)
    flattened = container.as_bytes()  # chooses the boundary and records it in Content-Type
    _headers, _blank, data = flattened.partition(b"\r\n\r\n")
    return SharedBody(str(container["Content-Type"]), data)


def build_message(
    body: SharedBody,
    *,
    from_address: str,
    to: str,
    subject: str,
    message_id: str,
    date: datetime,
    unsubscribe: str,
) -> bytes:
    """One message to one recipient, as the bytes handed to the SMTP server."""
    headers = EmailMessage(policy=HEADER_POLICY)
    headers["From"] = one_line(from_address, 500)
    headers["To"] = one_line(to, 500)
    headers["Subject"] = one_line(subject, SUBJECT_LIMIT)
    headers["Date"] = format_datetime(date)
    headers["Message-ID"] = one_line(message_id, 500)
    headers["List-Unsubscribe"] = f"<{one_line(unsubscribe, 500)}>"
    headers["Auto-Submitted"] = "auto-generated"
    headers["MIME-Version"] = "1.0"
    headers["Content-Type"] = body.content_type
    block = b"".join(HEADER_POLICY.fold_binary(name, value) for name, value in headers.raw_items())
    return block + b"\r\n" + body.data
