"""Turning fetched bytes into text, even when the server names the wrong charset.

Order of trust, first that applies wins:

1. a byte-order mark;
2. pure ASCII bytes decode the same under any ASCII-compatible charset;
3. bytes that decode strictly as UTF-8 (and contain multibyte sequences) are UTF-8, whatever the
   header says: legacy-encoded text almost never forms valid UTF-8 sequences by accident, while
   servers that send a default ``charset=iso-8859-1`` for UTF-8 pages are common;
4. the declared charsets, each only if the bytes decode strictly under it: the document's own
   ``<meta charset>`` before a generic Western default in the header (``iso-8859-1``,
   ``windows-1252``, ``us-ascii``, which servers add without looking at the page), otherwise the
   header first, as browsers do;
5. statistical detection with charset-normalizer;
6. windows-1252 with replacement characters.

Scrapy's ``response.text`` (w3lib ``html_to_unicode``) trusts the header first, so the crawler
passes the raw body and the header's charset here instead.
"""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer

logger = logging.getLogger(__name__)

_HEAD_BYTES = 4096
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:\-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([a-zA-Z0-9_.:\-]+)""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG maps these labels to windows-1252; servers send them as a default, not a statement.
_WEAK_HEADER_CHARSETS = {"iso8859-1", "cp1252", "ascii"}
_BINARY_SIGNATURES = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"\x00\x00\x01\x00",
    b"OggS",
    b"ID3",
)


def looks_binary(body: bytes) -> bool:
    """True for bytes that are clearly not a text document (NUL bytes, known file signatures)."""
    head = body[:1024]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return head.startswith(_BINARY_SIGNATURES) or b"\x00" in head


def decode_html(body: bytes | str, declared_encoding: str | None = None) -> tuple[str, str]:
    """Decode a page; returns the text and the name of the codec used."""
    if isinstance(body, str):
        return body, "str"
    for bom, codec_name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec_name, errors="replace"), codec_name
    if body.isascii():
        return body.decode("ascii"), "ascii"
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for codec_name in _declared_candidates(body, declared_encoding):
        try:
            return body.decode(codec_name), codec_name
        except (UnicodeDecodeError, LookupError):
            continue
    detected = charset_normalizer.from_bytes(body[:200_000]).best()
    if detected is not None and detected.encoding:
        logger.debug("charset detected as %s", detected.encoding)
        return body.decode(detected.encoding, errors="replace"), detected.encoding
    return body.decode("cp1252", errors="replace"), "cp1252"


def _declared_candidates(body: bytes, header_encoding: str | None) -> list[str]:
    """Codec names to try, in order of trust (see the module docstring)."""
    head = body[:_HEAD_BYTES]
    document_labels = [match.group(1) for match in _META_CHARSET.finditer(head)]
    xml_match = _XML_ENCODING.match(head)
    if xml_match:
        document_labels.insert(0, xml_match.group(1))
    document_codecs = [_codec_name(label) for label in document_labels]
    header_codec = _codec_name(header_encoding) if header_encoding else None
    if header_codec in _WEAK_HEADER_CHARSETS:
        header_codec = "cp1252"
        ordered = [*document_codecs, header_codec]
    else:
        ordered = [header_codec, *document_codecs]
    candidates: list[str] = []
    for codec_name in ordered:
        if codec_name and codec_name != "utf-8" and codec_name not in candidates:
            candidates.append(codec_name)
    return candidates


def _codec_name(label: str | bytes) -> str | None:
    if isinstance(label, bytes):
        label = label.decode("ascii", errors="ignore")
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    # WHATWG: "iso-8859-1" and "us-ascii" mean windows-1252, whose extra letters pages do use.
    return "cp1252" if name in _WEAK_HEADER_CHARSETS else name
