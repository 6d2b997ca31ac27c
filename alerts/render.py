"""Render a digest context with the Jinja2 templates: HTML (CSS inlined), plain text and compact.

Templates are looked up first in the folder named by ``mail.templates`` (relative to the
configuration directory) and then in ``alerts/templates``, so a user can override one template
and keep the others. HTML templates (``*.html.j2``) are autoescaped; every template uses
``StrictUndefined`` so a misspelt variable fails loudly instead of mailing a blank.

Template families: ``digest`` (scheduled and catch-up digests) and ``instant``; each has a
``.html.j2`` and a ``.txt.j2`` file. ``compact.txt.j2`` is the short text sent to apprise.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import css_inline
import jinja2

from alerts.errors import TemplateProblem
from config.loader import Config

# Remote stylesheets must never be fetched: the mail has no external assets.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)


@dataclass(frozen=True)
class Rendered:
    """One digest rendered every way it can be delivered."""

    subject: str
    text: str
    html: str
    compact: str


def templates_folder(config: Config) -> Path | None:
    folder = config.settings.mail.templates
    if folder is None:
        return None
    return folder if folder.is_absolute() else config.directory / folder


@functools.lru_cache(maxsize=8)
def environment(override_folder: Path | None) -> jinja2.Environment:
    """The Jinja environment: the override folder first, then the packaged templates."""
    loaders: list[jinja2.BaseLoader] = []
    if override_folder is not None:
        loaders.append(jinja2.FileSystemLoader(str(override_folder)))
    loaders.append(jinja2.PackageLoader("alerts", "templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=True, default=False
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(config: Config, context: dict[str, Any]) -> Rendered:
    """Render ``context`` (from :func:`alerts.content.build_context`) with its kind's templates."""
    family = "instant" if context["kind"] == "instant" else "digest"
    env = environment(templates_folder(config))
    try:
        html = env.get_template(f"{family}.html.j2").render(context)
        text = env.get_template(f"{family}.txt.j2").render(context)
        compact = env.get_template("compact.txt.j2").render(context)
    except jinja2.TemplateError as error:
        raise TemplateProblem(f"cannot render the {family} templates: {error}") from error
    return Rendered(
        subject=context["subject"],
        text=_tidy_text(text),
        html=_INLINER.inline(html),
        compact=_tidy_text(compact),
    )


def _tidy_text(text: str) -> str:
    """Collapse runs of blank lines that template conditionals leave behind."""
    lines = [line.rstrip() if line != "-- " else line for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line == "" and (not tidy or tidy[-1] == ""):
            continue
        tidy.append(line)
    return "\n".join(tidy).strip("\n") + "\n"
