"""Normalise item text: Unicode NFC, whitespace, leftovers of page markup.

Every string field (also inside lists and the ``images`` dicts) is NFC-normalised, has its
whitespace runs collapsed to one space and is stripped; a ``title`` keeps a run of
ideographic spaces (U+3000) as one, as the page shows it ("車5台が絡む事故　3人けが"). An
article's ``text`` keeps its paragraph breaks (``"\\n\\n"``); inside it, empty image markup
(``![]()``), lines made only of separators (``|``, ``—``, ``•`` …) and trailing ``" |"`` are
removed. Empty strings are removed from lists, images without a URL are dropped, and
``word_count`` is recomputed. An article whose text is empty after cleaning is dropped.

Settings read: none.

Stats written: ``items/clean/changed`` (items with at least one field changed); drops are
counted by Scrapy as ``item_dropped_reasons_count/EmptyItem``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import MutableMapping
from dataclasses import is_dataclass
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.extract.text import normalize_space

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["CleanPipeline", "EmptyItem", "clean_line", "clean_text"]

# Fields left exactly as they are: provenance and machine-made values.
_UNTOUCHED = frozenset({"warc", "extraction", "schema_version", "type", "crawl_id"})
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_EMPTY_IMAGE = re.compile(r"!\[\s*\]\(\s*\)")
_SEPARATOR_ONLY = re.compile(r"^[\s|\-–—_=*•·~/\\]+$")
_TRAILING_PIPE = re.compile(r"(?:\s+\|)+\s*$")


class EmptyItem(DropItem):
    """The article has no text left after cleaning."""


def clean_line(value: str) -> str:
    """NFC, collapse whitespace (including newlines and NBSP) to one space, strip."""
    # str.split() splits on exactly what re's \s matches (str.isspace), at a tenth of the cost
    # of a regex substitution that replaces every single space.
    return " ".join(unicodedata.normalize("NFC", value).split())


def clean_title(value: str) -> str:
    """:func:`clean_line`, but a run of ideographic spaces (U+3000) alone stays one U+3000."""
    if _IDEOGRAPHIC_SPACE not in value:
        return clean_line(value)
    return normalize_space(value, keep_ideographic=True)


_IDEOGRAPHIC_SPACE = "\u3000"


def _drop_trailing_pipes(line: str) -> str:
    return _TRAILING_PIPE.sub("", line) if "|" in line else line


def clean_text(value: str) -> str:
    """Clean article text paragraph by paragraph, keeping ``"\\n\\n"`` between paragraphs."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    text = _EMPTY_IMAGE.sub("", text)
    paragraphs = []
    for raw in _PARAGRAPH_BREAK.split(text):
        lines = []
        for raw_line in raw.split("\n"):
            if _SEPARATOR_ONLY.match(raw_line):
                continue
            line = _drop_trailing_pipes(clean_line(raw_line))
            if line:
                lines.append(line)
        paragraph = " ".join(lines)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return _drop_trailing_pipes(clean_line(value))
    if isinstance(value, list):
        cleaned = [_clean_value(v) for v in value]
        return [v for v in cleaned if v not in ("", None)]
    if isinstance(value, dict):
        return {k: _clean_value(v) for k, v in value.items()}
    return value


class CleanPipeline:
    """Normalises every string field; drops articles left without text."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        # Our items are dataclasses: their __dict__ is read and written directly, which costs a
        # third of going through ItemAdapter; other item types go through ItemAdapter.
        adapter: MutableMapping[str, Any] = vars(item) if is_dataclass(item) else ItemAdapter(item)
        changed = False
        for name, value in list(adapter.items()):
            if name in _UNTOUCHED or not isinstance(value, str | list | dict):
                continue  # _clean_value leaves anything else as it is: not even called
            new: Any
            if name == "text" and isinstance(value, str):
                new = clean_text(value)
            elif name == "title" and isinstance(value, str):
                new = _drop_trailing_pipes(clean_title(value))
            elif name == "images" and isinstance(value, list):
                new = [
                    image
                    for image in _clean_value(value)
                    if not isinstance(image, dict) or image.get("url")
                ]
            else:
                new = _clean_value(value)
            if new != value:
                adapter[name] = new
                changed = True
        if adapter.get("type") == "article":
            text = adapter.get("text") or ""
            if not text:
                raise EmptyItem(f"article {adapter.get('url')!r} has no text after cleaning")
            word_count = len(text.split())
            if adapter.get("word_count") != word_count:
                adapter["word_count"] = word_count
                changed = True
        if changed:
            self.stats.inc_value("items/clean/changed")
        return item
