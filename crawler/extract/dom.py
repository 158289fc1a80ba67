"""DOM helpers shared by the segmenter and the item builders: the text of an element read from
its nodes (never a flattened page), class/id hints and image URLs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from crawler.extract.text import normalize_space

if TYPE_CHECKING:
    from collections.abc import Callable

    from lxml.etree import _Element as Element

__all__ = [
    "BLOCK_TAGS",
    "HEADING_TAGS",
    "attr_hint",
    "element_text",
    "image_url",
    "raw_string",
]

#: Tags that start a new block of text (everything else is inline).
BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "ul", "ol", "li", "dl", "dd", "dt", "table",
        "thead", "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "figure", "figcaption", "header", "footer", "nav", "aside", "form",
        "hr", "address", "fieldset", "details", "summary", "center", "caption", "body", "html",
    }
)  # fmt: skip
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

#: XPath ``string()``: the concatenated text of a subtree, computed in C.
raw_string = etree.XPath("string()")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def attr_hint(el: Element) -> str:
    """The element's ``class`` and ``id`` joined and lowercased, for hint regexes."""
    cls = el.get("class")
    ident = el.get("id")
    if cls is None and ident is None:
        return ""
    return f"{cls or ''} {ident or ''}".lower()


def element_text(
    el: Element,
    skip: Callable[[Element], bool] | None = None,
    *,
    split: bool = False,
    keep_ideographic: bool = False,
) -> list[str]:
    """Text of ``el`` with ``<br>`` as line breaks, skipping subtrees for which ``skip`` is true.

    Returns one normalised string, or with ``split=True`` one string per paragraph
    (``<br><br>`` or a block-level child separates paragraphs). Empty strings are dropped.
    ``keep_ideographic`` keeps ideographic spaces (:func:`~crawler.extract.text.normalize_space`).
    """
    parts: list[str] = []
    block_break = "\n\n" if split else " "
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        if not isinstance(node.tag, str):
            if event == "end" and node.tail and node is not el:
                parts.append(node.tail)
            continue
        if event == "start":
            if node is not el and skip is not None and skip(node):
                walker.skip_subtree()  # its "end" event still comes and adds the tail
                continue
            tag = node.tag
            if tag == "br":
                parts.append("\n")
            elif tag in BLOCK_TAGS and node is not el:
                parts.append(block_break)
            if node.text:
                parts.append(node.text)
        else:
            if node.tag in BLOCK_TAGS and node is not el:
                parts.append(block_break)
            if node is not el and node.tail:
                parts.append(node.tail)
    text = "".join(parts)
    if not split:
        normal = normalize_space(text, keep_ideographic=keep_ideographic)
        return [normal] if normal else []
    pieces = (normalize_space(p) for p in _PARAGRAPH_BREAK.split(text))
    return [p for p in pieces if p]


def image_url(img: Element) -> str | None:
    """The most useful source of an ``<img>``: ``src`` unless it is a data: placeholder, else a
    lazy-loading attribute, else the first ``srcset`` candidate. Not resolved."""
    for attr in ("src", "data-src", "data-original", "data-lazy-src", "data-url"):
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            return value
    for attr in ("srcset", "data-srcset"):
        value = (img.get(attr) or "").strip()
        if value:
            first = value.split(",")[0].strip().split(" ")[0]
            if first and not first.startswith("data:"):
                return first
    return None
