"""One page in, everything it yields out: :func:`extract_page`.

One parse, one segmentation: the page type, the article item (or the reason there is none), the
headline items of its sidebar/teaser blocks, its links and its feeds. Pure: no Scrapy, no clock,
no network, no settings. Bad input (empty, binary, truncated, enormous, absurdly nested) yields
``page_type="other"`` with a ``reason`` instead of an exception, in time bounded by the size cap.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lxml import etree

from crawler.extract.article import body_paragraphs, read_article_fields
from crawler.extract.dates import DateContext, format_datetime, infer_timezone
from crawler.extract.headlines import read_headlines
from crawler.extract.links import UrlResolver, extract_links
from crawler.extract.metadata import read_metadata
from crawler.extract.segment import segment
from crawler.extract.text import word_count
from crawler.extract.types import PageResult
from crawler.items import ArticleItem, HeadlineItem

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

    from crawler.extract.metadata import PageMetadata
    from crawler.extract.segment import Segmentation
    from crawler.extract.types import PageInput, PageType
    from crawler.profile import SiteProfile

__all__ = ["EXTRACTOR_VERSION", "MAX_HTML_CHARS", "extract_page"]

logger = logging.getLogger(__name__)

#: Version of the generic extractor, recorded in every article's ``extraction`` field.
EXTRACTOR_VERSION = "auto-1"
#: Pages longer than this are cut (and the article flagged ``html_truncated``).
MAX_HTML_CHARS = 4_000_000
FLAG_TZ_ASSUMED = "timezone_assumed_utc"
FLAG_TRUNCATED = "html_truncated"

# Characters libxml2 refuses in a Python string (NUL and C0 controls other than tab/LF/CR).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_MIN_ARTICLE_WORDS = 80
_MIN_ARTICLE_PARAGRAPHS = 3
_MIN_DECLARED_ARTICLE_WORDS = 40
_REAL_PARAGRAPH_WORDS = 8
_UNSIGNALLED_ARTICLE_WORDS = 250
_LISTING_MIN_HEADLINES = 3


def _parse(html: str) -> Element | None:
    html = _XML_DECLARATION.sub("", _CONTROL.sub("", html), count=1)
    if not html.strip():
        return None
    try:
        # Plain etree elements: lxml.html's element classes cost a lookup on every node access.
        root = etree.fromstring(html, _html_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return root if root is not None and isinstance(root.tag, str) else None


@lru_cache(maxsize=1)
def _html_parser() -> etree.HTMLParser:
    return etree.HTMLParser(remove_comments=True, remove_pis=True)


def _site_tz(profile: SiteProfile | None, meta: PageMetadata, root: Element) -> tzinfo | None:
    if profile is not None and profile.tzinfo is not None:
        return profile.tzinfo
    article = meta.article or {}
    values: list[str | None] = [
        v if isinstance(v, str) else None
        for v in (article.get("datePublished"), article.get("dateModified"))
    ]
    for key in ("article:published_time", "article:modified_time", "og:updated_time"):
        values.append(meta.prop(key))
    values.extend(el.get("datetime") for el in root.iter("time"))
    return infer_timezone(values)


def _languages(profile: SiteProfile | None, meta: PageMetadata) -> tuple[str, ...]:
    if profile is not None and profile.languages:
        return profile.languages
    primary = (meta.lang or meta.prop("og:locale") or "").replace("_", "-").split("-")[0].lower()
    if primary.isalpha() and len(primary) == 2 and primary != "en":
        return (primary, "en")
    return ("en",)


def _matches(patterns: tuple[str, ...], url: str) -> bool:
    return any(re.search(pattern, url) for pattern in patterns)


def extract_page(page: PageInput) -> PageResult:
    """Extract everything a page yields. Never raises on bad HTML; see ``PageResult.reason``."""
    html = page.html if isinstance(page.html, str) else ""
    flags: list[str] = []
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
        flags.append(FLAG_TRUNCATED)
    root = _parse(html)
    if root is None:
        return PageResult(page_type="other", reason="empty or unparseable HTML")
    try:
        return _extract(page, root, flags)
    except (etree.LxmlError, ValueError, RecursionError) as exc:
        logger.warning("extraction failed on %s: %r", page.url, exc)
        return PageResult(page_type="other", reason=f"extraction failed: {exc!r}")


def _extract(page: PageInput, root: Element, flags: list[str]) -> PageResult:
    profile = page.profile
    url = page.url
    meta = read_metadata(root)
    resolve = UrlResolver(url, root)
    links, feeds = extract_links(root, resolve)
    tz = _site_tz(profile, meta, root)
    if tz is None:
        tz = UTC
        flags.append(FLAG_TZ_ASSUMED)
    context = DateContext(
        fetched_at=page.fetched_at,
        tz=tz,
        languages=_languages(profile, meta),
        date_order=profile.date_order if profile is not None else None,
    )
    seg = segment(root, resolve, url)
    site = profile.name if profile is not None else (urlsplit(url).hostname or "")
    fetched_at = format_datetime(page.fetched_at.astimezone(UTC))

    headlines = [
        HeadlineItem(
            site=site,
            fetched_at=fetched_at,
            source_url=url,
            block=h.block,
            position=h.position,
            title=h.title,
            url=h.url,
            views=h.views,
            views_raw=h.views_raw,
            published_at=format_datetime(h.published_at) if h.published_at else None,
            published_raw=h.published_raw,
            image=h.image,
            flags=[f for f in flags if f == FLAG_TZ_ASSUMED],
        )
        for h in read_headlines(seg.blocks, context, resolve)
    ]

    page_type, article, reason = _article(
        page,
        seg,
        meta,
        resolve,
        context,
        site=site,
        fetched_at=fetched_at,
        flags=flags,
        headline_count=len(headlines),
    )
    return PageResult(
        page_type=page_type,
        article=article,
        headlines=headlines,
        links=links,
        feeds=feeds,
        reason=reason,
    )


def _article(
    page: PageInput,
    seg: Segmentation,
    meta: PageMetadata,
    resolve: UrlResolver,
    context: DateContext,
    *,
    site: str,
    fetched_at: str,
    flags: list[str],
    headline_count: int,
) -> tuple[PageType, ArticleItem | None, str | None]:
    profile = page.profile
    if profile is not None and _matches(profile.listing_url_patterns, page.url):
        return "listing", None, "listing page (profile URL pattern)"
    fields = read_article_fields(seg, meta, resolve, context)
    skip = {fields.lead_element} if fields.lead_element is not None else set()
    paragraphs = body_paragraphs(seg, skip)
    text = "\n\n".join(paragraphs)
    words = word_count(text)
    real = sum(1 for p in paragraphs if word_count(p) >= _REAL_PARAGRAPH_WORDS)
    by_pattern = profile is not None and _matches(profile.article_url_patterns, page.url)
    substantial = (real >= _MIN_ARTICLE_PARAGRAPHS and words >= _MIN_ARTICLE_WORDS) or (
        # Declared articles may be short (paywalled, truncated teasers of themselves).
        fields.is_article_meta and real >= 1 and words >= _MIN_DECLARED_ARTICLE_WORDS
    )
    signalled = fields.is_article_meta or any(True for _ in seg.root.iter("h1"))
    if by_pattern:
        if not paragraphs:
            return "article", None, "article URL pattern but no article text found"
    elif not (substantial and (signalled or words >= _UNSIGNALLED_ARTICLE_WORDS)):
        if headline_count >= _LISTING_MIN_HEADLINES:
            return "listing", None, "listing page (teaser blocks, no article text)"
        return "other", None, "no article text found"
    if not fields.title:
        return "other", None, "article-like text but no headline found"
    item = ArticleItem(
        site=site,
        fetched_at=fetched_at,
        url=page.url,
        canonical_url=fields.canonical_url,
        title=fields.title,
        lead=fields.lead,
        text=text,
        authors=fields.authors,
        published_at=format_datetime(fields.published_at) if fields.published_at else None,
        modified_at=format_datetime(fields.modified_at) if fields.modified_at else None,
        language=fields.language,
        section=fields.section,
        tags=fields.tags,
        images=fields.images,
        word_count=words,
        extraction={
            "method": "profile" if profile is not None else "auto",
            "extractor_version": EXTRACTOR_VERSION,
        },
        flags=list(flags),
    )
    return "article", item, None
