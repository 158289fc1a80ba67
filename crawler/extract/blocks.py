"""Headline blocks: repeated teaser structures ("Most read", "Latest", card grids).

A block is a container with at least three sibling items of one shape, each holding one main
link whose text reads like a headline. Items are found bottom-up from the links: an item is the
largest ancestor of a headline link that holds no other headline URL, and its parent is the
container. The shape is the tag and the first class where siblings share it (generated
CSS-in-JS classes, one per element, say nothing), else the tag alone. Shorter lists (one or two
teasers: a section front with two stories) are blocks when a section heading leads them (see
:func:`_headed_lists`). Containers inside navigation, footers, breadcrumbs, pagination, tag
clouds and share bars are not blocks. This module finds the structure;
:mod:`crawler.extract.headlines` reads the fields of each item.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.extract.dates import looks_like_time
from crawler.extract.dom import HEADING_TAGS, attr_hint, raw_string
from crawler.extract.text import normalize_space, unspaced_chars

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
# A section label without a heading tag is a few words ("Arts", "Quick reads").
_LABEL_MAX_CHARS = 40
_LIST_TAGS = frozenset({"ul", "ol", "dl", "table", "p"})
# Share of the items' text that is their main link: teasers with a summary still reach 0.3,
# while body paragraphs that each cite a story stay far below.
_MIN_LINK_SHARE = 0.3
_MIN_PARAGRAPH_LINK_SHARE = 0.6
_MIN_CARD_LINK_SHARE = 0.2
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
    """Whether a link's text is long enough to be a headline. A character of a script written
    without spaces counts twice ("知事選、現職が4選へ出馬表明" is a headline of 14 characters)."""
    if len(text) > _MAX_TITLE_CHARS:
        return False
    size = len(text) + unspaced_chars(text)
    return size >= _MIN_TITLE_CHARS or len(text.split()) >= _MIN_TITLE_WORDS


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
    if text_len.get(container, 0) - items_text > 0.5 * items_text:
        return False  # most of the container's text is between the items
    return _teaser_like_items(items, text_len)


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


def _label_of(el: Element) -> str | None:
    """A short line of text before a block's first item, with no link in it ("Most Popular" in
    a ``<div>`` of generated classes, "Meistgelesen" in a "kasten-titel"): the block's name."""
    if next(el.iter("a"), None) is not None:
        return None
    text = normalize_space(str(raw_string(el)))
    if not 0 < len(text) <= _HEADING_MAX_CHARS or not any(ch.isalpha() for ch in text):
        return None
    return text


def _block_heading(container: Element, first_item: Element) -> str | None:
    label = container.get("aria-label")
    if label and label.strip():
        return normalize_space(label)
    for child in container:
        if child is first_item:
            break
        if isinstance(child.tag, str):
            found = _heading_of(child) or _label_of(child)
            if found:
                return found
    node: Element | None = container
    for level in range(3):
        if node is None or node.tag in {"body", "html"}:
            break
        sibling = node.getprevious()
        seen = 0
        while sibling is not None and seen < 2:
            if isinstance(sibling.tag, str):
                seen += 1
                found = _heading_of(sibling)
                if not found and level == 0 and seen == 1:
                    # The line just before the list ("<div class=kasten-titel>Meistgelesen")
                    # names it, before any heading further out (the page's own section title).
                    found = _label_of(sibling)
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
    if not links:
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
            # Classes that split the items into kinds too small to count ("lead" + two
            # "teaser"s): the tag alone is the shape.
            ((tag, count),) = Counter(str(el.tag) for el in by_element).most_common(1)
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
    blocks += _headed_lists(
        dict(links),
        first_url=first_url,
        multi=multi,
        found=blocks,
        text_len=text_len,
        link_len=link_len,
    )
    order = {a: index for index, (a, _) in enumerate(links)}
    blocks.sort(key=lambda block: order[block.items[0].link])
    return blocks


def _heading_text(el: Element) -> str | None:
    """The text of a section heading: an ``<h2>``-``<h6>``, or a short line with no link that
    opens its parent ("Arts" in a ``<div>`` of generated classes, "<font><b>Sports</b>")."""
    if el.tag in HEADING_TAGS:
        if next(el.iter("a"), None) is not None:
            return None
        text = normalize_space(str(raw_string(el)))
        # An <h1> heads a list only as a section front's name ("Sociedad" over its two
        # stories): an article's headline is longer than a label.
        longest = _LABEL_MAX_CHARS if el.tag == "h1" else _HEADING_MAX_CHARS
        return text if 0 < len(text) <= longest else None
    parent = el.getparent()
    first = (
        next((c for c in parent if isinstance(c.tag, str)), None) if parent is not None else None
    )
    if first is not el or el.tag in _TEXT_TAGS - {"font", "b", "strong", "span"}:
        return None
    if any(child.tag in HEADING_TAGS or child.tag in _LIST_TAGS for child in el.iter()):
        return None
    label = _label_of(el)
    return label if label and len(label) <= _LABEL_MAX_CHARS else None


def _headed_lists(
    headline_url: dict[Element, str],
    *,
    first_url: dict[Element, str],
    multi: set[Element],
    found: list[Block],
    text_len: dict[Element, int],
    link_len: dict[Element, int],
) -> list[Block]:
    """Lists too short to show a repeated shape (one or two teasers) under a section heading:
    a section front with two stories, an author page with one, "Quick reads" with two links.

    The heading (see :func:`_heading_text`) is followed by sibling elements that each hold one
    headline URL, or by one wrapper of them; elements with no headline link between them (an ad
    slot, a "More" button) are passed over, and the list ends at the next heading or at an
    element with several. A single teaser must look like one (an image or a heading of its
    own), and the items must read as teasers (:func:`_teaser_like`)."""
    taken = {block.container for block in found}
    taken.update(item.element for block in found for item in block.items)
    blocks: list[Block] = []
    # Parents in a fixed order, every one before the parents inside it (each headline link's
    # ancestors outermost first, links in document order): a list found claims its items in
    # ``taken``, so when a headed list holds another ("More information" over a teaser whose
    # picture is labelled "Podcast") the outer one is the block and its heading is not body
    # text. A set of elements would iterate in the order of their memory addresses, which
    # change from one call to the next: the same page gave different bodies and blocks.
    starts = [el for el in dict.fromkeys(a.getparent() for a in headline_url) if el is not None]
    parents = dict.fromkeys(p for el in starts for p in reversed(_ancestors(el)))
    for parent in parents:
        children = [c for c in parent if isinstance(c.tag, str)]
        for index, child in enumerate(children):
            heading = _heading_text(child)
            if heading is None:
                continue
            items = _items_after(children[index + 1 :], first_url, multi, text_len)
            if items is None or not 1 <= len(items) < _MIN_ITEMS:
                continue
            if len({el.tag for el in items}) != 1 or any(_within(el, taken) for el in items):
                continue
            block_items = [_main_link(el, headline_url, text_len) for el in items]
            if any(
                text_len.get(el, 0) - link_len.get(el, 0) > _MAX_ITEM_EXTRA_CHARS for el in items
            ):
                continue
            container = items[0].getparent()
            if container is None or not _teaser_like_items(block_items, text_len):
                continue
            listed = _block_after(items[-1], found)
            if listed is not None and all(_card(el) for el in items):
                # A section's lead story above its list ("Top news": a picture teaser, then
                # seven lines): one block under the section's heading, the lead ranked first.
                listed.items[:0] = block_items
                listed.heading = heading
                taken.update(items)
                continue
            items_text = sum(text_len.get(el, 0) for el in items)
            # Lines no longer than a label beside the list (a breadcrumb, "Older stories are
            # for subscribers") are no running text; the parent's own text nodes are.
            prose = text_len.get(parent, 0) - sum(text_len.get(c, 0) for c in children)
            prose += sum(
                size
                for c in children
                if c is not child
                and c not in items
                and c is not container  # the wrapper of the items
                and (size := text_len.get(c, 0)) > _LABEL_MAX_CHARS
            )
            if container is not parent:
                prose += text_len.get(container, 0) - items_text
            if prose > 0.5 * items_text:
                continue  # a subhead in running text, not the heading of a list
            if len(items) == 1 and not (_card(items[0]) or _dated(block_items[0])):
                continue
            if _excluded_context(container):
                continue
            blocks.append(Block(container, heading, block_items))
            taken.update(items)
    return blocks


def _block_after(el: Element, found: list[Block]) -> Block | None:
    """The found block whose container is the next element after ``el``, if any."""
    following = el.getnext()
    while following is not None and not isinstance(following.tag, str):
        following = following.getnext()
    return next((block for block in found if block.container is following), None)


def _dated(item: BlockItem) -> bool:
    """Whether a teaser shows a date or time beside its link (a section's one story)."""
    for el in item.element.iter():
        if not isinstance(el.tag, str) or el is item.link or len(el):
            continue
        text = normalize_space(str(raw_string(el)))
        if text and len(text) <= _LABEL_MAX_CHARS and looks_like_time(text):
            inside = any(node is item.link for node in el.iterancestors())
            if not inside:
                return True
    return False


def _ancestors(el: Element) -> list[Element]:
    out = []
    node: Element | None = el
    while node is not None and node.tag != "html":
        out.append(node)
        node = node.getparent()
    return out


def _within(el: Element, elements: set[Element]) -> bool:
    """Whether ``el`` is one of ``elements``, inside one, or holds one."""
    if any(node in elements for node in _ancestors(el)):
        return True
    return any(node in elements for node in el.iter())


def _items_after(
    siblings: list[Element],
    first_url: dict[Element, str],
    multi: set[Element],
    text_len: dict[Element, int],
) -> list[Element] | None:
    items: list[Element] = []
    for sibling in siblings:
        if sibling.tag in HEADING_TAGS:
            break
        if sibling not in first_url:
            if text_len.get(sibling, 0) > _HEADING_MAX_CHARS:
                break  # prose: the heading is a subhead of running text
            continue  # no headline link: an ad slot, a rule, a "More" button
        if sibling in multi:
            if items:
                break
            # One wrapper of the teasers ("<div class=teasers>"): its children are the items.
            inner = _items_after(
                [c for c in sibling if isinstance(c.tag, str)], first_url, multi, text_len
            )
            return inner if inner and all(el not in multi for el in inner) else None
        items.append(sibling)
    return items


def _main_link(
    el: Element, headline_url: dict[Element, str], text_len: dict[Element, int]
) -> BlockItem:
    best = max((a for a in el.iter("a") if a in headline_url), key=lambda a: text_len.get(a, 0))
    return BlockItem(el, best, headline_url[best])


def _teaser_like_items(items: list[BlockItem], text_len: dict[Element, int]) -> bool:
    text = sum(text_len.get(item.element, 0) for item in items)
    links = sum(text_len.get(item.link, 0) for item in items)
    share = links / text if text else 0.0
    if items[0].element.tag == "p":
        return share >= _MIN_PARAGRAPH_LINK_SHARE
    if all(_card(item.element) for item in items):
        return share >= _MIN_CARD_LINK_SHARE  # a headline over a picture, with a summary
    return share >= _MIN_LINK_SHARE


def _card(el: Element) -> bool:
    """A teaser card: an image or a heading of its own beside the link."""
    return next(el.iter("img", "picture", *HEADING_TAGS), None) is not None or any(
        "background-image" in (node.get("style") or "") for node in el.iter()
    )
