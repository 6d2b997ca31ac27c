"""Deliver e-mail into a folder: the default when no SMTP server is configured.

Each digest becomes ``<digest id>.eml`` (the exact message an SMTP server would have received)
and ``<digest id>.html`` (a preview to open in a browser). Files are written to a temporary name
and renamed, so a reader never sees half a message; because the name is the digest id, a digest
re-sent after a crash replaces its own file instead of adding a second copy.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from alerts.channels.base import Channel, Outgoing
from alerts.errors import ChannelUnavailable, PermanentDeliveryError

logger = logging.getLogger(__name__)


class OutboxChannel(Channel):
    name = "email"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, outgoing: Outgoing) -> None:
        if outgoing.message is None:
            raise PermanentDeliveryError("no e-mail message was built for this digest")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(
                self.folder / f"{outgoing.digest_id}.html", outgoing.rendered.html.encode("utf-8")
            )
            # The .eml last: its presence means the digest is complete.
            write_atomically(self.folder / f"{outgoing.digest_id}.eml", outgoing.message)
        except OSError as error:
            raise ChannelUnavailable(
                f"cannot write to the outbox {self.folder}: {error}"
            ) from error


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
