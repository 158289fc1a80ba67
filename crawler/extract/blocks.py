"""Headline blocks: repeated teaser structures ("Most read", "Latest", card grids).

A block is a container with at least three sibling items of one shape, each holding one main
link whose text reads like a headline. Items are found bottom-up from the links: an item is the
largest ancestor of a headline link that holds no other headline URL, and its parent is the
container. Containers inside navigation, footers, breadcrumbs, pagination, tag clouds and share
bars are not blocks. This module finds the structure; :mod:`crawler.extract.headlines` reads the
fields of each item.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.extract.dom import HEADING_TAGS, attr_hint, raw_string
from crawler.extract.text import normalize_space

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

    from crawler.extract.links import UrlResolver

__all__ = ["Block", "BlockItem", "find_blocks"]

_MIN_ITEMS = 3
_MIN_TITLE_CHARS = 20
_MIN_TITLE_WORDS = 4
_MAX_TITLE_CHARS = 300
# Text of an item outside its links: teasers have a short summary, body paragraphs do not.
_MAX_ITEM_EXTRA_CHARS = 320
_HEADING_MAX_CHARS = 80
# Share of the items' text that is their main link: teasers with a summary still reach 0.3,
# while body paragraphs that each cite a story stay far below.
_MIN_LINK_SHARE = 0.3
_MIN_PARAGRAPH_LINK_SHARE = 0.6
_TEXT_TAGS = frozenset(
    {"p", "span", "em", "strong", "b", "i", "font", "small", "h1", "h2", "h3", "h4", "h5", "h6",
     "blockquote", "label", "q", "cite"}
)  # fmt: skip
_NOT_BLOCK_TAGS = frozenset({"nav", "footer", "menu"})
_NOT_BLOCK_ROLES = frozenset({"navigation", "contentinfo", "menu", "menubar"})
# Link lists that are never headline blocks, by class/id.
_NOT_BLOCK_HINT = re.compile(
    r"breadcrumb|pagination|pager|menu|(?:^|[\s_-])nav|footer|share|sharing|social"
    r"|tag-?cloud|(?:^|[\s_-])tags?(?:$|[\s_-])|keywords|topics|skip"
)
_HEADING_HINT = re.compile(r"title|heading|head|label|caption")


@dataclass
class BlockItem:
    """One teaser: its element, its main link and the link's absolute URL."""

    element: Element
    link: Element
    url: str


@dataclass
class Block:
    """A headline block: container, heading text and items in document order."""

    container: Element
    heading: str | None
    items: list[BlockItem] = field(default_factory=list)


def _is_headline_text(text: str) -> bool:
    return _MIN_TITLE_CHARS <= len(text) <= _MAX_TITLE_CHARS or (
        len(text) <= _MAX_TITLE_CHARS and len(text.split()) >= _MIN_TITLE_WORDS
    )


def _teaser_like(
    container: Element,
    items: list[BlockItem],
    text_len: dict[Element, int],
    link_len: dict[Element, int],
) -> bool:
    """Whether the items read as teasers rather than running text with links in it."""
    if container.tag in _TEXT_TAGS:
        return False  # links inside a paragraph or heading
    items_text = sum(text_len.get(item.element, 0) for item in items)
    items_links = sum(text_len.get(item.link, 0) for item in items)
    if text_len.get(container, 0) - items_text > 0.5 * items_text:
        return False  # most of the container's text is between the items
    share = items_links / items_text if items_text else 0.0
    if items[0].element.tag == "p":
        return share >= _MIN_PARAGRAPH_LINK_SHARE
    return share >= _MIN_LINK_SHARE


def _first_class(el: Element) -> str:
    classes = (el.get("class") or "").split()
    return classes[0] if classes else ""


def _shapes(elements: list[Element]) -> list[tuple[str, str]]:
    """Each item's shape: its tag and its first class, where siblings share that class.

    A class no sibling shares says nothing about the item's kind: CSS-in-JS frameworks give every
    element its own generated class ("css-1x2y3z"), so only the tag is compared there.
    """
    classes = [_first_class(el) for el in elements]
    shared = Counter(classes)
    return [
        (str(el.tag), cls if shared[cls] > 1 else "")
        for el, cls in zip(elements, classes, strict=True)
    ]


def _excluded_context(el: Element) -> bool:
    node: Element | None = el
    while node is not None and node.tag not in {"body", "html"}:
        if node.tag in _NOT_BLOCK_TAGS or (node.get("role") or "") in _NOT_BLOCK_ROLES:
            return True
        hint = attr_hint(node)
        if hint and _NOT_BLOCK_HINT.search(hint):
            return True
        node = node.getparent()
    return False


def _heading_of(el: Element) -> str | None:
    for heading in el.iter(*HEADING_TAGS):
        text = normalize_space(str(raw_string(heading)))
        if 0 < len(text) <= _HEADING_MAX_CHARS:
            return text
        break
    hint = attr_hint(el)
    if hint and _HEADING_HINT.search(hint) and len(el) <= 2:
        text = normalize_space(str(raw_string(el)))
        if 0 < len(text) <= _HEADING_MAX_CHARS:
            return text
    return None


def _block_heading(container: Element, first_item: Element) -> str | None:
    label = container.get("aria-label")
    if label and label.strip():
        return normalize_space(label)
    for child in container:
        if child is first_item:
            break
        if isinstance(child.tag, str):
            found = _heading_of(child)
            if found:
                return found
    node: Element | None = container
    for _level in range(3):
        if node is None or node.tag in {"body", "html"}:
            break
        sibling = node.getprevious()
        seen = 0
        while sibling is not None and seen < 2:
            if isinstance(sibling.tag, str):
                seen += 1
                found = _heading_of(sibling)
                if found:
                    return found
                if len(str(raw_string(sibling)).strip()) > _HEADING_MAX_CHARS:
                    break
            sibling = sibling.getprevious()
        node = node.getparent()
        if node is not None:
            label = node.get("aria-label")
            if label and label.strip():
                return normalize_space(label)
    return None


def find_blocks(
    anchors: list[Element],
    resolve: UrlResolver,
    text_len: dict[Element, int],
    link_len: dict[Element, int],
) -> list[Block]:
    """Find the headline blocks among the page's links (``anchors`` in document order).

    A link to the page itself counts like any other: a "Most read" list on an article names
    that article in its place, and leaving it out would shift every rank below it."""
    links: list[tuple[Element, str]] = []
    for a in anchors:
        url = resolve(a.get("href"))
        if url is None:
            continue
        if text_len.get(a, 0) < 8:  # image-only or icon links
            continue
        if _is_headline_text(normalize_space(str(raw_string(a)))):
            links.append((a, url))
    if len(links) < _MIN_ITEMS:
        return []

    # For every ancestor: the first headline URL below it, and whether there is another one.
    first_url: dict[Element, str] = {}
    multi: set[Element] = set()
    for a, url in links:
        node = a.getparent()
        while node is not None:
            seen = first_url.get(node)
            if seen is None:
                first_url[node] = url
            elif node in multi or seen == url:
                break
            else:
                multi.add(node)
            node = node.getparent()

    grouped: dict[Element, dict[Element, BlockItem]] = {}
    for a, url in links:
        item = a
        parent = item.getparent()
        while parent is not None and parent not in multi:
            item = parent
            parent = item.getparent()
        if parent is None:
            continue
        items = grouped.setdefault(parent, {})
        known = items.get(item)
        if known is None or text_len.get(a, 0) > text_len.get(known.link, 0):
            items[item] = BlockItem(item, a, url)

    blocks: list[Block] = []
    for container, by_element in grouped.items():
        if len(by_element) < _MIN_ITEMS:
            continue
        shapes = Counter(_shapes(list(by_element)))
        (tag, _), count = shapes.most_common(1)[0]
        if count < _MIN_ITEMS or count < 0.6 * len(by_element):
            continue
        kept = [
            item
            for el, item in by_element.items()
            if el.tag == tag and text_len.get(el, 0) - link_len.get(el, 0) <= _MAX_ITEM_EXTRA_CHARS
        ]
        if len(kept) < _MIN_ITEMS or not _teaser_like(container, kept, text_len, link_len):
            continue
        if _excluded_context(container):
            continue
        heading = _block_heading(container, kept[0].element)
        blocks.append(Block(container, heading, kept))
    return blocks
