"""Author names from the visible byline, for pages whose metadata and feed name nobody.

Read in order of how explicitly the page marks the byline, first found wins:

1. elements with ``itemprop="author"`` (their ``itemprop="name"`` when they have one);
2. links with ``rel="author"``;
3. the first element whose class names a byline or an author ("byline", "author", "autor")
   and whose text is short and has no digits (a date or a count means it is not just names),
   or the innermost such element inside it.

Text inside comment sections is ignored: commenters are not the article's authors. The caller
splits and cleans the names ("By …", "Autor: …", "A and B").
"""

from __future__ import annotations

from lxml import etree

_MAX_BYLINE_CHARS = 80
_LOWER = "translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_NOT_IN_COMMENTS = (
    "not(ancestor-or-self::*[contains(translate(@class, 'COMENT', 'coment'), 'comment')"
    " or contains(translate(@id, 'COMENT', 'coment'), 'comment')])"
)
_ITEMPROP_AUTHORS = etree.XPath(f"//*[@itemprop='author'][{_NOT_IN_COMMENTS}]")
_ITEMPROP_NAME = etree.XPath(".//*[@itemprop='name']")
_REL_AUTHORS = etree.XPath(f"//a[@rel='author'][{_NOT_IN_COMMENTS}]")
_CLASS_BYLINES = etree.XPath(
    f"//body//*[contains({_LOWER}, 'byline') or contains({_LOWER}, 'author')"
    f" or contains({_LOWER}, 'autor')][{_NOT_IN_COMMENTS}]"
)


def visible_byline(tree: etree._Element) -> list[str]:
    """Raw byline strings from the page (see the module docstring); [] when there is none."""
    marked = [_itemprop_name(element) for element in _ITEMPROP_AUTHORS(tree)]
    marked = [text for text in marked if _usable(text)]
    if marked:
        return marked
    linked = [_text(element) for element in _REL_AUTHORS(tree)]
    linked = [text for text in linked if _usable(text)]
    if linked:
        return linked
    candidates = [
        element
        for element in _CLASS_BYLINES(tree)
        if _usable(text := _text(element)) and not any(char.isdigit() for char in text)
    ]
    if not candidates:
        return []
    # The innermost of nested byline elements: an outer one may run a name into the agency
    # or the date line beside it ("… and ERIC TUCKERAssociated Press").
    chosen = candidates[0]
    while (inner := next((c for c in candidates if _inside(c, chosen)), None)) is not None:
        chosen = inner
    return [_text(chosen)]


def _inside(element: etree._Element, container: etree._Element) -> bool:
    return element is not container and any(
        ancestor is container for ancestor in element.iterancestors()
    )


def _itemprop_name(element: etree._Element) -> str:
    names = _ITEMPROP_NAME(element)
    target = names[0] if names else element
    if target.tag == "meta":
        return " ".join((target.get("content") or "").split())
    return _text(target)


def _text(element: etree._Element) -> str:
    return " ".join(element.text_content().split())


def _usable(text: str) -> bool:
    return 2 <= len(text) <= _MAX_BYLINE_CHARS and any(char.isalpha() for char in text)
