"""Second pass: trafilatura's extractor for article-like pages where the first pass found little.

newsarc's own segmentation (one lxml parse, readability-style scoring) is precise and fast but
misses the body on some layouts (text laid out as ``<br>``-separated runs, pages whose article
container scores below a sidebar). When a page looks like an article (it says so in its
metadata, or its URL has an article-shaped slug) and the first pass found fewer than
:data:`FALLBACK_WORDS` words, trafilatura (``favor_precision``) gets the original HTML; its text
is used when it is longer. The pass runs on few pages (about one in ten of the benchmark's,
hardly any of a crawl's listing pages), so the median time per page does not change; trafilatura
is imported on first use. See ``docs/extraction.md`` for the measurements.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from datetime import tzinfo

__all__ = [
    "AGREEMENT",
    "FALLBACK_WORDS",
    "FLAG_DAY_ONLY",
    "MAX_SECOND_PASS_CHARS",
    "MAX_SECOND_PASS_ELEMENTS",
    "article_like_url",
    "description_agreement",
    "main_content_text",
    "second_opinion_wins",
    "second_pass",
    "second_pass_date",
    "text_agreement",
]

logger = logging.getLogger(__name__)

#: A first pass with fewer words than this on an article-like page triggers the second pass.
FALLBACK_WORDS = 150
#: Pages larger than this (characters) or with more elements than this get no second pass:
#: trafilatura's time grows with the tree, and real article pages stay well below both.
MAX_SECOND_PASS_CHARS = 2_000_000
MAX_SECOND_PASS_ELEMENTS = 20_000
# A date in the path: "/2017/7/12/", "/2010-10-26-18", "/20231108-slug".
_DATE_PATH = re.compile(r"/(?:19|20)\d\d/\d{1,2}/|(?<!\d)(?:19|20)\d\d-[01]?\d-[0-3]?\d(?!\d)")
_LONG_ID = re.compile(r"\d{5,}")
# A long numeric id as a query value: "dettaglio.php?id=58354", "?p=123456".
_QUERY_ID = re.compile(r"(?:^|&)[\w.-]*=\d{5,}(?:&|$)")
_WORD = re.compile(r"[^\W\d_]+")
_TOKEN = re.compile(r"\w+")
# Word n-grams compared by text_agreement (three words: a sentence's wording, not its topic).
_SHINGLE = 3
_SLUG_WORDS = 3
#: A first-pass article (lead and body) that holds less than this share of the page's declared
#: description's words gets a second opinion (the body was probably taken from the wrong
#: container). The lead counts: descriptions often repeat the standfirst, kept out of the body.
AGREEMENT = 0.8
_MIN_DESCRIPTION_WORDS = 8
_AGREEMENT_MARGIN = 0.1

#: Flag of an article whose published time is known to the day only (htmldate's answer).
FLAG_DAY_ONLY = "published_day_only"


def article_like_url(url: str) -> bool:
    """A date in the path, a long numeric id (in the path or as a query value), or a slug of
    three or more words."""
    split = urlsplit(url)
    path = split.path
    if _DATE_PATH.search(path) or _LONG_ID.search(path) or _QUERY_ID.search(split.query):
        return True
    parts = [part for part in path.split("/") if part]
    if not parts:
        return False
    slug = parts[-1].rsplit(".", 1)[0]
    return len(_WORD.findall(slug)) >= _SLUG_WORDS


def description_agreement(description: str | None, text: str) -> float | None:
    """Share of the description's words (casefolded) found in ``text``; ``None`` when the
    description is missing or shorter than eight words."""
    words = [w.casefold() for w in _TOKEN.findall(description or "")]
    if len(words) < _MIN_DESCRIPTION_WORDS:
        return None
    if text.isascii():
        # ASCII casefolds to lower case and keeps its word boundaries: one call for the body.
        seen = set(_TOKEN.findall(text.lower()))
    else:
        # Casefold each distinct word once (a long body repeats most of its words).
        seen = {w.casefold() for w in set(_TOKEN.findall(text))}
    return sum(1 for w in words if w in seen) / len(words)


def second_opinion_wins(
    description: str | None, first: str, second: str, first_words: int, second_words: int
) -> bool:
    """Whether the second engine's body agrees better with the page's description (by a
    margin, or as well and longer) than the first pass's."""
    ours = description_agreement(description, first) or 0.0
    theirs = description_agreement(description, second) or 0.0
    return theirs > ours + _AGREEMENT_MARGIN or (theirs >= ours and second_words > first_words)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _TOKEN.findall(text.casefold())
    if len(words) < _SHINGLE:
        return {tuple(words)} if words else set()
    return set(zip(*(words[i:] for i in range(_SHINGLE)), strict=False))


def text_agreement(text: str, other: str) -> float:
    """Share of ``text``'s word trigrams (casefolded) that ``other`` also holds: 1.0 when
    another engine read the same sentences, 0.0 when it read none of them (or ``text`` is
    empty)."""
    grams = _shingles(text)
    return len(grams & _shingles(other)) / len(grams) if grams else 0.0


@lru_cache(maxsize=1)
def _trafilatura() -> Any:
    import trafilatura  # noqa: PLC0415 - ~0.3 s import, only when a page needs the second pass

    return trafilatura


def second_pass(html: str, url: str, elements: int) -> list[str]:
    """Body paragraphs trafilatura finds in ``html`` (empty when it finds none or fails).

    ``elements`` is the size of the page's tree (from the first pass): too large a page gets no
    second pass, which keeps the time per page bounded.
    """
    if len(html) > MAX_SECOND_PASS_CHARS or elements > MAX_SECOND_PASS_ELEMENTS:
        return []
    try:
        text = _trafilatura().extract(
            html,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
        )
    except Exception as exc:  # noqa: BLE001 - a third-party parser: a failure means no second opinion
        logger.warning("second-pass extraction failed on %s: %r", url, exc)
        return []
    if not text:
        return []
    return [line.strip() for line in text.split("\n") if line.strip()]


@lru_cache(maxsize=1)
def _resiliparse() -> tuple[Any, Any]:
    from resiliparse.extract.html2text import extract_plain_text  # noqa: PLC0415 - on first use
    from resiliparse.parse.html import HTMLTree  # noqa: PLC0415

    return HTMLTree, extract_plain_text


def main_content_text(html: str, elements: int) -> str:
    """The page's main content as resiliparse's own heuristics read it (its C++ parser and
    main-content rules: ~2-5 ms a page), or ``""`` (same size bounds as :func:`second_pass`).

    A third engine, independent of ours and of trafilatura, so that two of them can agree.
    """
    if len(html) > MAX_SECOND_PASS_CHARS or elements > MAX_SECOND_PASS_ELEMENTS:
        return ""
    tree_class, extract_plain_text = _resiliparse()
    try:
        text: str = extract_plain_text(
            tree_class.parse(html),
            main_content=True,
            alt_texts=False,
            links=False,
            list_bullets=False,
            form_fields=False,
            noscript=False,
        )
    except Exception as exc:  # noqa: BLE001 - a third-party parser: a failure means no vote
        logger.warning("main-content extraction failed: %r", exc)
        return ""
    return text


@lru_cache(maxsize=1)
def _htmldate() -> Any:
    import htmldate  # noqa: PLC0415 - comes with trafilatura; only when a page needs it

    return htmldate


def second_pass_date(html: str, url: str, fetched_at: datetime, tz: tzinfo) -> datetime | None:
    """The article's original publication day as htmldate finds it, at midnight in ``tz``.

    For pages where metadata, ``<time>``, the byline area and the URL gave no date: htmldate
    reads the markup's date patterns and, failing those, the page's free text. Dates after the
    capture day are refused (``max_date``: the clock is never read). Same size bounds as
    :func:`second_pass`.
    """
    if len(html) > MAX_SECOND_PASS_CHARS:
        return None
    day = fetched_at.astimezone(tz).date()
    try:
        found = _htmldate().find_date(
            html,
            url=url or None,
            original_date=True,
            # The free-text search runs only on the few pages with no date anywhere else (4 % of
            # the eval-dev tune half) and found the right day on 5 of their 8. Warm it costs
            # ~10-40 ms a page; its first call in a process loads dateparser's every locale
            # (~3 s, once per worker).
            extensive_search=True,
            outputformat="%Y-%m-%d",
            max_date=day.isoformat(),
        )
    except Exception as exc:  # noqa: BLE001 - a third-party parser: a failure means no date
        logger.warning("htmldate failed on %s: %r", url, exc)
        return None
    if not found:
        return None
    try:
        parsed = datetime.strptime(found, "%Y-%m-%d")
    except ValueError:
        return None
    return parsed.replace(tzinfo=tz)
