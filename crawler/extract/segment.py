"""Page segmentation: one pass over the parsed tree that finds the main content container and
the headline blocks, and marks boilerplate.

Main content is found readability-style: paragraph-like elements (``<p>``, ``<pre>``, ``<td>``
and text-bearing ``<div>``s) score by length and commas; scores flow to their ancestors and are
weighted by tag, class/id hints and link density; the best container wins and is widened while
a parent adds substantial paragraph text. Boilerplate (navigation, footers, share bars, ads,
newsletter and cookie boxes, comments, sidebars) is recognised generically by tag, role and
class/id hints, and headline blocks (:mod:`crawler.extract.blocks`) are found first, so nothing
inside them is ever article text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from lxml import etree

from crawler.extract.blocks import Block, find_blocks
from crawler.extract.dom import BLOCK_TAGS, attr_hint, raw_string

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

    from crawler.extract.links import UrlResolver

__all__ = ["Segmentation", "segment"]

#: Elements removed before segmentation: never visible text.
STRIP_TAGS = (
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "select", "textarea", "button", "input",
)  # fmt: skip
#: Elements that are boilerplate by tag (or ARIA role).
_BOILER_TAGS = frozenset({"nav", "aside", "footer", "header", "menu", "dialog"})
# Of those, the ones that never wrap a whole page (``<header>`` sometimes does).
_ALWAYS_BOILER_TAGS = frozenset({"nav", "aside", "footer", "menu", "dialog"})
_BOILER_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog", "menu"}
)
# A dialog (a pop-up, a cookie notice) never wraps the page, however much text it holds: a
# pop-up's copy of a whole other article can outweigh the story.
_DIALOG_ROLES = frozenset({"dialog", "alertdialog"})
# Class/id hints. Strong ones mark boilerplate even next to a positive word ("comment-body");
# weak ones yield to a positive word ("article-header" is part of the article).
_STRONG_NEGATIVE = re.compile(
    r"comment(?!ar)|disqus|sidebar|side-bar|share|sharing|social|related|recommend|promo|advert"
    r"|newsletter|subscri|signup|sign-up|cookie|consent|gdpr|popup|modal|outbrain|taboola"
    r"|most-?read|mostpopular|popular|trending|breadcrumb|byline|caption|sr-only|visually-hidden"
    r"|screen-reader|paywall|donat"
)
_WEAK_NEGATIVE = re.compile(
    r"foot|header|masthead|menu|(?:^|[\s_-])nav|widget|banner|sponsor|(?:^|[\s_-])ads?(?:$|[\s_-])"
    r"|(?:^|[\s_-])ad-|credit|author|dateline|toolbar|print|skip|pagination|pager|(?:^|[\s_-])meta"
    r"(?:$|[\s_-])|(?:^|[\s_-])tags?(?:$|[\s_-])|teaser|hidden|(?:^|[\s_-])more(?:$|[\s_-])"
)
_POSITIVE = re.compile(r"article|body|content|entry|main|post|story|text|prose|column|shadow")
# CMS classes that name the post's categories and tags ("tag-social-media") say nothing about
# the element's role; they are dropped before matching. Drupal's "field--label-hidden"
# hides a field's label, not the field.
_CMS_TOKENS = re.compile(
    r"(?:^|\s)(?:tag|category|post|format|status|type)-\S+|(?:^|\s)\S*label-(?:hidden|inline|above)"
)
_TAG_WEIGHT = {
    "div": 5, "article": 8, "main": 5, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
    "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
    "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5,
}  # fmt: skip
_PARAGRAPH_TAGS = frozenset({"p", "pre", "td"})
_TEXT_CONTAINERS = frozenset({"div", "section", "article", "main", "span", "font", "center"})
_MIN_PARAGRAPH_CHARS = 25
_CLASS_WEIGHT = 25
# A negative hint on an element holding over half of the page's text, or of its paragraph text,
# is a layout wrapper ("content-with-sidebar-wrp"), not boilerplate.
_WRAPPER_SHARE = 0.5
_WIDEN_GAIN = 1.33
_MAX_WIDEN_LINK_DENSITY = 0.4
_WIDEN_LOOKUP = 2
# Looking through a wrapper, the text added must be prose: at most this share inside links.
_MAX_ADDED = 0.15
# Continuation: siblings of the main container (or of its wrappers, up to this many levels) that
# carry more of the same prose are part of the body: paragraphs beside a sub-container, and
# bodies a page builder splits into sibling modules ("module module-text", "frame", "wpb_…").
# Six: Drupal's paragraphs nest a section's text six levels below the field listing the sections.
_CONTINUE_LEVELS = 6
_CONTINUE_TAGS = frozenset(
    {"p", "blockquote", "ul", "ol", "dl", "pre", "h2", "h3", "h4", "h5", "h6"}
)
_MAX_CONTINUE_DENSITY = 0.2
_SOLID_CHARS = 100


@dataclass
class Segmentation:
    """The regions of a page, computed once and shared by the item builders."""

    root: Element
    main: Element | None
    """The main content container, or ``None`` when the page has no paragraph text."""
    blocks: list[Block]
    """Headline blocks, in document order."""
    boilerplate: set[Element]
    """Elements that are boilerplate themselves (their subtrees are too)."""
    block_containers: set[Element]
    text_len: dict[Element, int]
    """Characters of (stripped) text in each element's subtree."""
    link_len: dict[Element, int]
    """Characters of text inside links in each element's subtree."""
    has_block: set[Element] = field(default_factory=set)
    """Elements with a block-level descendant."""
    body: Element | None = None
    """The element the body is read from: ``main``, or an ancestor of it when siblings continue
    its prose (see :func:`_continuation`); ``None`` means ``main``."""
    body_skip: set[Element] = field(default_factory=set)
    """Children of ``body``'s wrappers that are not part of the body (the siblings that do not
    continue the prose)."""

    def is_excluded(self, el: Element) -> bool:
        """Whether ``el``'s subtree is never article text (boilerplate or a headline block)."""
        return el in self.boilerplate or el in self.block_containers

    def link_density(self, el: Element) -> float:
        total = self.text_len.get(el, 0)
        return self.link_len.get(el, 0) / total if total else 0.0


def _negative(el: Element, hint: str) -> bool:
    if el.tag in _BOILER_TAGS or (el.get("role") or "") in _BOILER_ROLES:
        return True
    if el.get("hidden") is not None or (el.get("aria-hidden") or "") == "true":
        return True
    return bool(hint) and _negative_hint(hint)


@lru_cache(maxsize=8192)
def _negative_hint(hint: str) -> bool:
    # Pure function of the class/id string; pages repeat the same few hundred strings.
    if "-" in hint:
        hint = _CMS_TOKENS.sub(" ", hint)
    if _STRONG_NEGATIVE.search(hint):
        return True
    return _WEAK_NEGATIVE.search(hint) is not None and _POSITIVE.search(hint) is None


@lru_cache(maxsize=8192)
def _class_weight(hint: str) -> int:
    if not hint:
        return 0
    hint = _CMS_TOKENS.sub(" ", hint)
    weight = 0
    if _POSITIVE.search(hint):
        weight += _CLASS_WEIGHT
    if _STRONG_NEGATIVE.search(hint) or _WEAK_NEGATIVE.search(hint):
        weight -= _CLASS_WEIGHT
    return weight


def segment(root: Element, resolve: UrlResolver, page_url: str) -> Segmentation:
    """Segment a parsed page (scripts and styles are removed from ``root`` in place)."""
    etree.strip_elements(root, *STRIP_TAGS, with_tail=False)
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    nodes: list[Element] = list(root.iter(etree.Element))

    # Bottom-up: text and link-text lengths, own (direct) text, block-level descendants.
    text_len: dict[Element, int] = {}
    link_len: dict[Element, int] = {}
    own_len: dict[Element, int] = {}
    p_len: dict[Element, int] = {}  # text inside <p> elements
    has_block: set[Element] = set()
    anchors: list[Element] = []
    for el in reversed(nodes):
        tag = el.tag
        text = el.text
        own = len(text.strip()) if text else 0
        own_len[el] = own_len.get(el, 0) + own
        total = text_len.get(el, 0) + own
        text_len[el] = total
        if tag == "a":
            link_len[el] = total
            anchors.append(el)
        parent = el.getparent()
        if parent is None:
            continue
        tail = el.tail
        tail_len = len(tail.strip()) if tail else 0
        text_len[parent] = text_len.get(parent, 0) + total + tail_len
        own_len[parent] = own_len.get(parent, 0) + tail_len
        links = link_len.get(el, 0)
        if links:
            link_len[parent] = link_len.get(parent, 0) + links
        ptext = total if tag == "p" else p_len.get(el, 0)
        if ptext:
            p_len[parent] = p_len.get(parent, 0) + ptext
        if tag in BLOCK_TAGS or el in has_block:
            has_block.add(parent)
    anchors.reverse()

    blocks = find_blocks(anchors, resolve, text_len, link_len)
    block_containers = {block.container for block in blocks}

    # Top-down: boilerplate flags, then paragraph candidates outside boilerplate and blocks.
    body_len = max(text_len.get(root, 0), 1)
    body_p_len = max(p_len.get(root, 0), 1)
    boilerplate: set[Element] = set()
    excluded: set[Element] = set()
    hints: dict[Element, str] = {}
    paragraphs: list[Element] = []
    for el in nodes:
        parent = el.getparent()
        hint = attr_hint(el)
        if hint:
            hints[el] = hint
        if (
            el.tag not in {"html", "body"}
            and _negative(el, hint)
            and (
                el.tag in _ALWAYS_BOILER_TAGS
                or (el.get("role") or "") in _DIALOG_ROLES
                or (el.get("aria-modal") or "") == "true"
                or (
                    text_len.get(el, 0) < _WRAPPER_SHARE * body_len
                    and p_len.get(el, 0) < _WRAPPER_SHARE * body_p_len
                )
                or _beside_content(el, hints, p_len)
            )
        ):
            boilerplate.add(el)
        if (
            el in boilerplate
            or el in block_containers
            or (parent is not None and parent in excluded)
        ):
            excluded.add(el)
            continue
        tag = el.tag
        if tag in _PARAGRAPH_TAGS:
            if text_len.get(el, 0) >= _MIN_PARAGRAPH_CHARS:
                paragraphs.append(el)
        elif tag in _TEXT_CONTAINERS:
            inline_only = el not in has_block
            size = text_len.get(el, 0) if inline_only else own_len.get(el, 0)
            if size >= _MIN_PARAGRAPH_CHARS and (inline_only or own_len.get(el, 0) > 0):
                paragraphs.append(el)

    scores: dict[Element, float] = {}
    para_len: dict[Element, int] = {}
    for para in paragraphs:
        length = text_len.get(para, 0)
        if _density(para, text_len, link_len) > 0.5:
            continue
        text = str(raw_string(para))
        score = 1 + text.count(",") + text.count("，") + min(length / 100, 3)
        node = para.getparent()
        level = 0
        while node is not None:
            if level < 3:
                if node not in scores:
                    scores[node] = _TAG_WEIGHT.get(node.tag, 0) + _class_weight(hints.get(node, ""))
                scores[node] += score / (1, 2, 6)[level]
            para_len[node] = para_len.get(node, 0) + length
            level += 1
            node = node.getparent()

    main: Element | None = None
    best = float("-inf")
    for node, score in scores.items():
        final = score * (1 - _density(node, text_len, link_len))
        if final > best:
            best, main = final, node
    # Widen while an ancestor adds substantial paragraph text. Wrappers that add nothing (a
    # grid cell beside an empty ad rail) are looked through, up to _WIDEN_LOOKUP levels, so an
    # article split into sibling chunks is taken whole.
    while main is not None:
        widened = False
        candidate = main.getparent()
        for step in range(_WIDEN_LOOKUP):
            if candidate is None or candidate.tag == "html":
                break
            if _density(candidate, text_len, link_len) > _MAX_WIDEN_LINK_DENSITY:
                break
            if para_len.get(candidate, 0) >= _WIDEN_GAIN * para_len.get(main, 0) and (
                step == 0 or _added_density(candidate, main, text_len, link_len) <= _MAX_ADDED
            ):
                main, widened = candidate, True
                break
            candidate = candidate.getparent()
        if not widened:
            break
    body, body_skip = (
        _continuation(
            main, hints=hints, excluded=excluded, text_len=text_len, link_len=link_len, p_len=p_len
        )
        if main is not None
        else (None, set())
    )
    return Segmentation(
        root=root,
        main=main,
        blocks=blocks,
        boilerplate=boilerplate,
        block_containers=block_containers,
        text_len=text_len,
        link_len=link_len,
        has_block=has_block,
        body=body,
        body_skip=body_skip,
    )


def _beside_content(el: Element, hints: dict[Element, str], p_len: dict[Element, int]) -> bool:
    """Whether a large negatively hinted element (a sidebar holding half the page's text) has
    a sibling named as content ("column content" beside "column sidebar") with at least as
    much paragraph text: a column beside the content, not a wrapper around it."""
    parent = el.getparent()
    if parent is None or not _STRONG_NEGATIVE.search(_CMS_TOKENS.sub(" ", hints.get(el, ""))):
        return False
    own = p_len.get(el, 0)
    for sibling in parent:
        if sibling is el or not isinstance(sibling.tag, str):
            continue
        hint = attr_hint(sibling)
        if (
            hint
            and p_len.get(sibling, 0) >= own
            and _POSITIVE.search(hint)
            and not _negative_hint(hint)
        ):
            return True
    return False


def _signature(el: Element, hints: dict[Element, str]) -> tuple[str, str]:
    """An element's tag and first class/id token: sibling modules of one kind share it."""
    hint = hints.get(el, "").split()
    return el.tag, hint[0] if hint else ""


def _continuation(
    main: Element,
    *,
    hints: dict[Element, str],
    excluded: set[Element],
    text_len: dict[Element, int],
    link_len: dict[Element, int],
    p_len: dict[Element, int],
) -> tuple[Element, set[Element]]:
    """The element the body is read from, and the children of its wrappers to leave out.

    Going up from ``main`` (never past an ``<article>``, ``<main>`` or ``<body>``), a level's
    siblings continue the body when they are prose (outside boilerplate and headline blocks, at
    most a fifth of their text in links) and either paragraph-like elements (``<p>``, lists,
    quotes, subheads) or of the same kind as the chain's element (same tag and first class
    token) holding ``<p>`` text (a dateline or a credits line of the same kind holds none).
    Short pieces at either edge of such a run, and short lines carrying a ``<time>``, are left
    out too. Everything else is skipped, so
    a related box or an ad between two chunks stays out.
    """
    body = main
    skip: set[Element] = set()
    chain = main
    for _level in range(_CONTINUE_LEVELS):
        parent = chain.getparent()
        if (
            chain.tag in {"article", "main", "body"}
            or parent is None
            or parent.tag in {"body", "html"}
            or parent in excluded
        ):
            break
        signature = _signature(chain, hints)
        found: list[Element] = []
        others: list[Element] = []
        run: list[Element] = []  # the chain and the found siblings, in document order
        for sibling in parent:
            if sibling is chain:
                run.append(chain)
                continue
            if not isinstance(sibling.tag, str):
                continue
            size = text_len.get(sibling, 0)
            if (
                size
                and sibling not in excluded
                and not _dateline(sibling, size)
                and _density(sibling, text_len, link_len) <= _MAX_CONTINUE_DENSITY
                and (
                    sibling.tag in _CONTINUE_TAGS
                    or (
                        p_len.get(sibling, 0) >= _MIN_PARAGRAPH_CHARS
                        and _signature(sibling, hints) == signature
                    )
                )
            ):
                found.append(sibling)
                run.append(sibling)
            else:
                others.append(sibling)
        # Short lines at either edge of the run ("Our standards: …", a dateline) are furniture,
        # not prose: only what lies between substantial pieces (the chain counts as one) stays.
        solid = [
            i for i, el in enumerate(run) if el is chain or text_len.get(el, 0) >= _SOLID_CHARS
        ]
        edges = run[: solid[0]] + run[solid[-1] + 1 :]
        others.extend(edges)
        found = [el for el in run[solid[0] : solid[-1] + 1] if el is not chain]
        skip.update(others)
        if any(text_len.get(el, 0) >= _MIN_PARAGRAPH_CHARS for el in found):
            body = parent
        chain = parent
    if body is main:
        return main, set()
    # Only the wrappers between main and body had their other children listed; those above
    # ``body`` do not matter.
    return body, {el for el in skip if _is_within(el, body)}


def _dateline(el: Element, size: int) -> bool:
    """A short line carrying a ``<time>`` (the story's date beside its text) is furniture."""
    return size < _SOLID_CHARS and next(el.iter("time"), None) is not None


def _is_within(el: Element, ancestor: Element) -> bool:
    node = el.getparent()
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def _added_density(
    outer: Element, inner: Element, text_len: dict[Element, int], link_len: dict[Element, int]
) -> float:
    """Share of the text ``outer`` adds to ``inner`` that sits inside links."""
    added = text_len.get(outer, 0) - text_len.get(inner, 0)
    links = link_len.get(outer, 0) - link_len.get(inner, 0)
    return links / added if added > 0 else 0.0


def _density(el: Element, text_len: dict[Element, int], link_len: dict[Element, int]) -> float:
    """Share of an element's text that sits inside links."""
    total = text_len.get(el, 0)
    return link_len.get(el, 0) / total if total else 0.0
