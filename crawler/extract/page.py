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
from crawler.extract.dom import raw_string
from crawler.extract.fallback import (
    AGREEMENT,
    FALLBACK_WORDS,
    FLAG_DAY_ONLY,
    article_like_url,
    description_agreement,
    second_opinion_wins,
    second_pass,
    second_pass_date,
)
from crawler.extract.headlines import HeadlineFields, read_headlines
from crawler.extract.links import UrlResolver, extract_links
from crawler.extract.metadata import read_metadata
from crawler.extract.profiled import apply_article_selectors, matches, read_profile_blocks
from crawler.extract.segment import segment
from crawler.extract.text import normalize_space, word_count
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


def _overlaps(el: Element, containers: list[Element]) -> bool:
    """Whether ``el`` is one of ``containers``, inside one, or holds one."""
    chain = [el, *el.iterancestors()]
    for container in containers:
        if any(node is container for node in chain):
            return True
        if any(node is el for node in container.iterancestors()):
            return True
    return False


_SENTENCE_END = (".", "!", "?", "…", '"', "”", "»", ":")
_EDGE_MAX_WORDS = 14


def _edge_junk(paragraph: str) -> bool:
    """A short line of separated links or labels ("Print | Email a friend"), not a sentence."""
    return (
        "|" in paragraph
        and len(paragraph.split()) <= _EDGE_MAX_WORDS
        and not paragraph.rstrip().endswith(_SENTENCE_END)
    )


def _trim_edges(paragraphs: list[str], title: str | None) -> list[str]:
    """Drop a repeated headline and separator-joined furniture lines at either end of the body.

    Pages that lay out the article as ``<br>``-separated text (old table layouts) put the
    headline, the dateline and "Print | Send" into the same container as the paragraphs.
    """
    out = list(paragraphs)
    if out and title and out[0].startswith(title):
        rest = out[0][len(title) :].strip()
        if rest:
            out[0] = rest
        else:
            out.pop(0)
    while out and _edge_junk(out[0]):
        out.pop(0)
    while out and _edge_junk(out[-1]):
        out.pop()
    return out


def _description(meta: PageMetadata) -> str | None:
    """The page's declared summary: og:description, else ``<meta name=description>``."""
    return meta.prop("og:description") or meta.name("description")


def _heading_is_title(root: Element, title: str | None) -> bool:
    """Whether an ``<h2>``/``<h3>`` shows the page's title (an article without an ``<h1>``)."""
    if not title:
        return False
    for el in root.iter("h2", "h3"):
        text = normalize_space(str(raw_string(el)))
        if text and text == title:
            return True
    return False


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

    blocks = seg.blocks
    profile_headlines: list[HeadlineFields] = []
    if profile is not None and profile.headline_blocks:
        # Profile blocks replace whatever generic block overlaps them.
        profile_headlines, containers = read_profile_blocks(root, profile, context, resolve)
        blocks = [b for b in blocks if not _overlaps(b.container, containers)]
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
        for h in [*profile_headlines, *read_headlines(blocks, context, resolve)]
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
    used: list[str] = []
    override: list[str] | None = None
    if profile is not None and profile.article is not None:
        profiled = apply_article_selectors(
            seg.root,
            profile.article,
            fields,
            context,
            resolve,
            date_formats=profile.date_formats,
        )
        fields, override, used = profiled.fields, profiled.paragraphs, profiled.used
    skip = {fields.lead_element} if fields.lead_element is not None else set()
    engine: str | None = None
    if override is not None:
        paragraphs = override
    else:
        paragraphs = _trim_edges(body_paragraphs(seg, skip), fields.title)
    text = "\n\n".join(paragraphs)
    words = word_count(text)
    description = _description(meta)
    agreement = description_agreement(description, text)
    short = words < FALLBACK_WORDS
    if (
        override is None
        and (short or (agreement is not None and agreement < AGREEMENT))
        and (fields.is_article_meta or article_like_url(page.url))
    ):
        second = second_pass(page.html[:MAX_HTML_CHARS], page.url, len(seg.text_len))
        second_text = "\n\n".join(second)
        second_words = word_count(second_text)
        if (
            (second_words > words)
            if short
            else second_opinion_wins(description, text, second_text, words, second_words)
        ):
            paragraphs, text, words, engine = second, second_text, second_words, "trafilatura"
    real = sum(1 for p in paragraphs if word_count(p) >= _REAL_PARAGRAPH_WORDS)
    by_pattern = profile is not None and _matches(profile.article_url_patterns, page.url)
    if profile is not None and profile.article_selector:
        if not matches(seg.root, profile.article_selector):
            if headline_count >= _LISTING_MIN_HEADLINES:
                return "listing", None, "listing page (profile article_selector does not match)"
            return "other", None, "profile article_selector does not match"
        by_pattern = True
        used.append("article_selector")
    substantial = (real >= _MIN_ARTICLE_PARAGRAPHS and words >= _MIN_ARTICLE_WORDS) or (
        # Declared articles may be short (paywalled, truncated teasers of themselves).
        fields.is_article_meta and real >= 1 and words >= _MIN_DECLARED_ARTICLE_WORDS
    )
    if engine is not None:
        # The second pass ran only because the page looks like an article (metadata or URL).
        substantial = substantial or (real >= 1 and words >= _MIN_ARTICLE_WORDS)
    signalled = (
        engine is not None
        or fields.is_article_meta
        or any(True for _ in seg.root.iter("h1"))
        or _heading_is_title(seg.root, fields.title)
    )
    if by_pattern:
        if not paragraphs:
            return "article", None, "article URL pattern but no article text found"
    elif not (substantial and (signalled or words >= _UNSIGNALLED_ARTICLE_WORDS)):
        if headline_count >= _LISTING_MIN_HEADLINES:
            return "listing", None, "listing page (teaser blocks, no article text)"
        return "other", None, "no article text found"
    if not fields.title:
        return "other", None, "article-like text but no headline found"
    if fields.published_at is None:
        fields.published_at = second_pass_date(
            page.html[:MAX_HTML_CHARS], page.url, page.fetched_at, context.tz
        )
        if fields.published_at is not None:
            flags = [*flags, FLAG_DAY_ONLY]
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
            "method": "profile" if used else "auto",
            "extractor_version": EXTRACTOR_VERSION,
            **({"engine": engine} if engine else {}),
        },
        flags=list(flags),
    )
    return "article", item, None
