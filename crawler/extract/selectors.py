"""Profile selectors: CSS or XPath strings compiled once into lxml XPath objects.

A selector starting with ``/``, ``./``, ``.//`` or ``(`` is XPath; anything else is CSS (via
cssselect's HTML translator, which lxml itself uses). A CSS selector may end in
``::attr(name)`` (the attribute's value) or ``::text`` (the element's own text nodes). Selection
is relative to the element it is applied to. Compiled selectors are cached by their text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from cssselect import HTMLTranslator, SelectorSyntaxError
from cssselect.xpath import ExpressionError
from lxml import etree

from crawler.extract.dom import BLOCK_TAGS, element_text

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

__all__ = ["Selector", "SelectorError", "compile_selector", "select", "select_texts"]

_PSEUDO = re.compile(r"::(?:attr\(\s*([\w:-]+)\s*\)|(text))\s*$")
_XPATH_START = ("/", "./", ".//", "(")
_TRANSLATOR = HTMLTranslator()


class SelectorError(ValueError):
    """A selector that is neither valid CSS nor valid XPath."""


@dataclass(frozen=True)
class Selector:
    """A compiled selector; ``attr``/``own_text`` say what a CSS pseudo-element asked for."""

    source: str
    xpath: etree.XPath
    attr: str | None = None
    own_text: bool = False


@lru_cache(maxsize=512)
def compile_selector(text: str) -> Selector:
    """Compile a CSS or XPath selector; raise :class:`SelectorError` saying what is wrong."""
    source = text.strip()
    if source == "." or source.startswith(_XPATH_START):
        try:
            return Selector(source, etree.XPath(source))
        except etree.XPathSyntaxError as exc:
            raise SelectorError(f"invalid XPath {source!r}: {exc}") from None
    css, attr, own_text = source, None, False
    match = _PSEUDO.search(source)
    if match:
        css = source[: match.start()]
        attr, own_text = match.group(1), bool(match.group(2))
    try:
        expression = _TRANSLATOR.css_to_xpath(css, prefix="descendant-or-self::")
    except (SelectorSyntaxError, ExpressionError) as exc:
        raise SelectorError(f"invalid CSS selector {source!r}: {exc}") from None
    return Selector(source, etree.XPath(expression), attr, own_text)


def select(el: Element, selector: str) -> list[Element | str]:
    """Elements (or strings, for attributes and text) the selector finds under ``el``."""
    compiled = compile_selector(selector)
    try:
        found = compiled.xpath(el)
    except etree.XPathEvalError:
        return []
    results = found if isinstance(found, list) else [found]
    out: list[Element | str] = []
    for value in results:
        if isinstance(value, etree._Element):
            if not isinstance(value.tag, str):
                continue
            if compiled.attr is not None:
                attr = value.get(compiled.attr)
                if attr is not None:
                    out.append(attr)
            elif compiled.own_text:
                out.append("".join(value.xpath("text()")))  # type: ignore[arg-type]
            else:
                out.append(value)
        elif isinstance(value, str | bytes):
            out.append(value.decode() if isinstance(value, bytes) else str(value))
        elif isinstance(value, int | float | bool):
            out.append(str(value))
    return out


def select_texts(el: Element, selector: str, *, paragraphs: bool = False) -> list[str]:
    """Normalised non-empty texts of what the selector finds (one per paragraph if asked)."""
    out: list[str] = []
    for value in select(el, selector):
        if isinstance(value, str):
            text = " ".join(value.split())
            if text:
                out.append(text)
            continue
        split = paragraphs and any(
            isinstance(child.tag, str) and child.tag in BLOCK_TAGS for child in value.iter()
        )
        out.extend(element_text(value, _unwanted, split=split))
    return out


def _unwanted(el: Element) -> bool:
    return el.tag in ("script", "style", "noscript", "template")
