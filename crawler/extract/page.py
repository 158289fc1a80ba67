"""One page in, everything it yields out: :func:`extract_page`.

One parse, one segmentation: the page type, the article item (or the reason there is none), the
headline items of its sidebar/teaser blocks, its links and its feeds. Pure: no Scrapy, no clock,
no network, no settings. Bad input (empty, binary, truncated, enormous, absurdly nested) yields
``page_type="other"`` with a ``reason`` instead of an exception, in time bounded by the size cap.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, time, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lxml import etree

from crawler.extract.article import body_paragraphs, read_article_fields
from crawler.extract.dates import (
    DateContext,
    country_timezone,
    format_datetime,
    infer_timezone,
    looks_like_time,
    url_day,
)
from crawler.extract.dom import attr_hint, element_text, raw_string
from crawler.extract.fallback import (
    AGREEMENT,
    FALLBACK_WORDS,
    FLAG_DAY_ONLY,
    article_like_url,
    description_agreement,
    main_content_text,
    second_opinion_wins,
    second_pass,
    second_pass_date,
    text_agreement,
)
from crawler.extract.headlines import HeadlineFields, read_headlines
from crawler.extract.links import UrlResolver, extract_links
from crawler.extract.metadata import read_metadata
from crawler.extract.profiled import apply_article_selectors, matches, read_profile_blocks
from crawler.extract.segment import segment
from crawler.extract.text import normalize_space, unspaced_chars, word_count
from crawler.extract.types import PageResult
from crawler.items import ArticleItem, HeadlineItem

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

    from crawler.extract.article import ArticleFields
    from crawler.extract.metadata import PageMetadata
    from crawler.extract.segment import Segmentation
    from crawler.extract.types import PageInput, PageType
    from crawler.profile import SiteProfile

__all__ = [
    "EXTRACTOR_VERSION",
    "FLAG_NO_HEADLINE",
    "MAX_HTML_CHARS",
    "REASON_BINARY",
    "REASON_EMPTY",
    "REASON_NO_HEADLINE",
    "REASON_TOO_DEEP",
    "REASON_UNPARSEABLE",
    "REASON_UTF16",
    "extract_page",
]

logger = logging.getLogger(__name__)

#: Version of the generic extractor, recorded in every article's ``extraction`` field.
EXTRACTOR_VERSION = "auto-1"
#: Pages longer than this are cut (and the article flagged ``html_truncated``).
MAX_HTML_CHARS = 4_000_000
FLAG_TZ_ASSUMED = "timezone_assumed_utc"
FLAG_TRUNCATED = "html_truncated"
#: An article page whose body is shorter than an article's (a teaser of itself).
FLAG_SHORT_BODY = "short_body"
#: An article the page declares not free to read (schema.org ``isAccessibleForFree``).
FLAG_PAYWALLED = "paywalled"
#: A photo gallery: the text is its introduction and its captions.
FLAG_GALLERY = "gallery"
#: A live blog (schema.org ``LiveBlogPosting``).
FLAG_LIVE_BLOG = "live_blog"
#: Article text without a headline: :attr:`PageResult.untitled`, never an item by itself.
FLAG_NO_HEADLINE = "no_headline"

#: Why a page yields nothing when the document itself is the problem.
REASON_EMPTY = "empty document"
REASON_BINARY = "binary content, not HTML"
REASON_UNPARSEABLE = "unparseable HTML"
REASON_UTF16 = "undeclared UTF-16 text, read as a one-byte encoding"
REASON_TOO_DEEP = "HTML nested deeper than the parser's 256 levels (the rest was not read)"
#: Why a page with an article's text but no headline yields no article (see ``untitled``).
REASON_NO_HEADLINE = "article-like text but no headline found"
# A document whose first characters are mostly replacement characters and control codes is
# not text (an image, a PDF, compressed bytes served as text/html).
_BINARY_SAMPLE = 65_536
_BINARY_SHARE = 0.05
_UTF16_SHARE = 0.8
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
# Characters libxml2 refuses in a Python string (NUL and C0 controls other than tab/LF/CR).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_MIN_ARTICLE_WORDS = 80
_MIN_ARTICLE_PARAGRAPHS = 3
_MIN_DECLARED_ARTICLE_WORDS = 40
_REAL_PARAGRAPH_WORDS = 8
_UNSIGNALLED_ARTICLE_WORDS = 250
_LONG_TEXT_WORDS = 150
_GALLERY_MIN_FIGURES = 4
_GALLERY_TYPES = frozenset({"ImageGallery", "MediaGallery"})
_PAYWALL_HINT = re.compile(r"paywall|subscriber-only|premium-content|metered", re.IGNORECASE)
_NOT_FREE = (False, "False", "false")
_LISTING_MIN_HEADLINES = 3
# Agreement of two other engines on a page where ours found no article: the share of
# trafilatura's word trigrams that resiliparse's main content holds, and the share of
# resiliparse's that lie in the page's headline blocks above which its text is the teasers.
_AGREED = 0.7
_TEASER_SHARE = 0.5
# A declared published time within this many days of the URL's date is the same publication
# seen in another timezone (a UTC timestamp of a late-evening story); further off, the URL wins.
_URL_DAY_SLACK_DAYS = 1


def _parse(html: str) -> Element | None:
    """The parsed page, or ``None`` (``newsarc profile check`` parses the same way)."""
    return _read_document(html)[0]


def _read_document(html: str) -> tuple[Element | None, str | None, bool]:
    """The parsed page, or why there is none; and whether the parser cut it for depth."""
    sample = html[:_BINARY_SAMPLE]
    if sample and len(_NOT_TEXT.findall(sample)) > _BINARY_SHARE * len(sample):
        # "<\x00h\x00t\x00m\x00l\x00": UTF-16 read as a one-byte encoding (no BOM, no charset).
        utf16 = sample[1::2].count("\x00") > _UTF16_SHARE * len(sample[1::2])
        return None, REASON_UTF16 if utf16 else REASON_BINARY, False
    html = _XML_DECLARATION.sub("", _CONTROL.sub("", html), count=1)
    if not html.strip():
        return None, REASON_EMPTY, False
    parser = _html_parser()
    try:
        # Plain etree elements: lxml.html's element classes cost a lookup on every node access.
        root = etree.fromstring(html, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None, REASON_UNPARSEABLE, False
    if root is None or not isinstance(root.tag, str):
        return None, REASON_UNPARSEABLE, False
    # libxml2 stops descending at 256 levels (its guard against hostile nesting); what lies
    # deeper is not in the tree. Unclosed <font> or <div> tags on old pages can get there.
    cut = any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log)
    return root, None, cut


@lru_cache(maxsize=1)
def _html_parser() -> etree.HTMLParser:
    return etree.HTMLParser(remove_comments=True, remove_pis=True)


def _site_tz(
    profile: SiteProfile | None, meta: PageMetadata, root: Element, host: str
) -> tzinfo | None:
    """The profile's zone; else the offset of the page's own timestamps (a UTC one paired
    with the same instant written as local time gives the local offset); else, for a page
    with no machine-readable offset, the zone of the country the host's domain names; else
    ``None``."""
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
    inferred = infer_timezone(values)
    # A page whose timestamps all say UTC keeps UTC: blogs left at their CMS's default zone
    # write the wall-clock time with +00:00.
    return inferred if inferred is not None else country_timezone(host)


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
_DATELINE_MAX_WORDS = 10
# A picture's credit inside its caption ("PHOTO: LENS DAILY / AISHA RAHMAN") is no caption text.
_CREDIT_HINT = re.compile(r"credit|copyright|photographer|byline|source|rights")


def _edge_junk(paragraph: str) -> bool:
    """A short line of separated links or labels ("Print | Email a friend"), not a sentence."""
    return (
        "|" in paragraph
        and len(paragraph.split()) <= _EDGE_MAX_WORDS
        and not paragraph.rstrip().endswith(_SENTENCE_END)
    )


def _dateline(paragraph: str) -> bool:
    """A short opening line that is a date ("Published Dec 5, 2026, 12:50 AM SGT")."""
    return (
        len(paragraph.split()) <= _DATELINE_MAX_WORDS
        and not paragraph.rstrip().endswith(_SENTENCE_END)
        and looks_like_time(paragraph)
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
    while out and (_edge_junk(out[0]) or _dateline(out[0])):
        out.pop(0)
    while out and _edge_junk(out[-1]):
        out.pop()
    return out


def _disagrees(description: str | None, shown: str) -> bool:
    """Whether the page's description says the article found is probably not the page's."""
    agreement = description_agreement(description, shown)
    return agreement is not None and agreement < AGREEMENT


def _beside_main(seg: Segmentation, el: Element | None) -> bool:
    """Whether ``el`` lies under the main container's parent (the lead beside the body)."""
    parent = seg.main.getparent() if seg.main is not None else None
    if el is None or parent is None:
        return el is not None
    return any(node is parent for node in el.iterancestors())


def _description(meta: PageMetadata) -> str | None:
    """The page's declared summary: og:description, else ``<meta name=description>``."""
    return meta.prop("og:description") or meta.name("description")


def _prose_size(text: str) -> int:
    """Words of ``text``, a run of Chinese, Japanese, Korean or Thai counting two characters
    a word (``\\w+`` sees a whole sentence there as one word)."""
    return word_count(text) + unspaced_chars(text) // 2


def _title_shown(seg: Segmentation, title: str | None) -> bool:
    """Whether some element of the page's body shows exactly the page's title."""
    if not title:
        return False
    target = len(title)
    return any(
        abs(length - target) <= target // 4 + 2
        and el.tag not in {"title", "head", "html"}
        and normalize_space(str(raw_string(el))) == title
        for el, length in seg.text_len.items()
    )


_OPENING_HEADINGS = frozenset({"h1", "h2", "h3"})


def _opening_heading(seg: Segmentation) -> bool:
    """Whether the body container opens with a heading that is no link (its first child, or
    the element just before it): one item's title over its text, as small sites set it with
    an ``<h2>``; a listing's headings are links to the items."""
    body = seg.body if seg.body is not None else seg.main
    if body is None:
        return False
    first = next((child for child in body if isinstance(child.tag, str)), None)
    before = body.getprevious()
    while before is not None and not isinstance(before.tag, str):
        before = before.getprevious()
    return any(
        el is not None
        and el.tag in _OPENING_HEADINGS
        and seg.text_len.get(el, 0) > 0
        and not seg.link_len.get(el, 0)
        and not seg.is_excluded(el)
        for el in (first, before)
    )


def _gallery_captions(seg: Segmentation, meta: PageMetadata, paragraphs: list[str]) -> list[str]:
    """Captions of a photo gallery's pictures, or ``[]`` when the page is no gallery.

    A gallery is declared (schema.org ``ImageGallery``) or shows at least four pictures with
    captions outside boilerplate and headline blocks.
    """
    seen = set(paragraphs)
    captions: list[str] = []
    figures = 0
    for figure in seg.root.iter("figure"):
        if any(seg.is_excluded(node) for node in (figure, *figure.iterancestors())):
            continue
        if next(figure.iter("img", "picture", "amp-img"), None) is None:
            continue
        figures += 1
        for caption in figure.iter("figcaption"):
            text = " ".join(
                element_text(caption, lambda el: _CREDIT_HINT.search(attr_hint(el)) is not None)
            )
            if text and text not in seen:
                seen.add(text)
                captions.append(text)
    declared = bool(_GALLERY_TYPES & meta.jsonld_types)
    if captions and (declared or figures >= _GALLERY_MIN_FIGURES):
        return captions
    return []


def _second_body(found: list[str], fields: ArticleFields) -> list[str]:
    """trafilatura's paragraphs as the item's text.

    trafilatura keeps the headline and the standfirst in its text (the item keeps them in
    ``title`` and ``lead``), unless the standfirst is all there is (a paywalled teaser). (Its
    paragraphs inside boxes the segmentation calls boilerplate are kept: a paywalled story's
    own text often sits in a "paywall" box.)
    """
    second = _trim_edges([p for p in found if p != fields.lead], fields.title)
    return second or _trim_edges(found, fields.title)


def _block_text(seg: Segmentation) -> str:
    """The text of the page's headline blocks (its teasers), one line a block."""
    return "\n".join(normalize_space(str(raw_string(b.container))) for b in seg.blocks)


def _agreed_body(
    page: PageInput,
    seg: Segmentation,
    fields: ArticleFields,
    found: list[str] | None,
    teasers: str,
) -> list[str] | None:
    """An article body that two other engines agree on, for a page where ours found none.

    resiliparse's main-content text (a few milliseconds) must hold an article's prose
    (:data:`_MIN_ARTICLE_WORDS` in paragraphs of eight words or more) that is not the page's
    teasers (a listing's "main content" is
    its headline blocks); only then does trafilatura read the page (unless it has already), and
    its body is taken when it holds as much prose, in three paragraphs or more, and
    resiliparse's text holds :data:`_AGREED` of its wording. Neither engine alone decides: one
    engine's mistake is seldom the other's.
    """
    html = page.html[:MAX_HTML_CHARS]
    elements = len(seg.text_len)
    voter = main_content_text(html, elements)
    if _running_prose(voter.split("\n")) < _MIN_ARTICLE_WORDS:
        return None
    if teasers and text_agreement(voter, teasers) > _TEASER_SHARE:
        return None
    lines = {normalize_space(line) for line in voter.split("\n")}
    if any(heading in lines for heading in _linked_headings(seg)):
        # Prose under a heading that links elsewhere is an excerpt of another page.
        return None
    if found is None:
        found = second_pass(html, page.url, elements)
    body = _second_body(found, fields)
    text = "\n\n".join(body)
    real = sum(1 for p in body if word_count(p) >= _REAL_PARAGRAPH_WORDS)
    if (
        real < _MIN_ARTICLE_PARAGRAPHS  # one long paragraph alone is an "about" page's shape
        or _running_prose(body) < _MIN_ARTICLE_WORDS
        or text_agreement(text, voter) < _AGREED
    ):
        return None
    return body


def _linked_headings(seg: Segmentation) -> list[str]:
    """The text of the page's ``<h1>``-``<h3>`` headings that are links (teasers' titles)."""
    return [
        normalize_space(str(raw_string(el)))
        for el in seg.root.iter("h1", "h2", "h3")
        if seg.link_len.get(el, 0)
    ]


def _running_prose(paragraphs: list[str]) -> int:
    """Words in the paragraphs that are sentences, not labels (a frame's menu and weather box
    read as main content by an engine that takes a whole layout table)."""
    return sum(_prose_size(p) for p in paragraphs if word_count(p) >= _REAL_PARAGRAPH_WORDS)


def _paywalled(seg: Segmentation, meta: PageMetadata, *, marked: bool) -> bool:
    """Whether the page declares its article not free to read, or (with ``marked``, for a
    short body: a look at every class name costs a few milliseconds) marks a paywall box."""
    article = meta.article or {}
    if article.get("isAccessibleForFree") in _NOT_FREE:
        return True
    parts = article.get("hasPart")
    for part in parts if isinstance(parts, list) else [parts]:
        if isinstance(part, dict) and part.get("isAccessibleForFree") in _NOT_FREE:
            return True
    return marked and any(
        _PAYWALL_HINT.search(f"{el.get('class', '')} {el.get('id', '')}")
        for el in seg.root.iterfind(".//*[@class]")
    )


def extract_page(page: PageInput) -> PageResult:
    """Extract everything a page yields. Never raises on bad HTML; see ``PageResult.reason``."""
    html = page.html if isinstance(page.html, str) else ""
    flags: list[str] = []
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
        flags.append(FLAG_TRUNCATED)
    root, reason, cut = _read_document(html)
    if root is None:
        return PageResult(page_type="other", reason=reason)
    if cut and FLAG_TRUNCATED not in flags:
        flags.append(FLAG_TRUNCATED)
    try:
        result = _extract(page, root, flags)
    except (etree.LxmlError, ValueError, RecursionError) as exc:
        logger.warning("extraction failed on %s: %r", page.url, exc)
        return PageResult(page_type="other", reason=f"extraction failed ({type(exc).__name__})")
    if cut and result.article is None and result.page_type == "other":
        result.reason = REASON_TOO_DEEP
    return result


def _extract(page: PageInput, root: Element, flags: list[str]) -> PageResult:
    profile = page.profile
    url = page.url
    meta = read_metadata(root)
    resolve = UrlResolver(url, root)
    links, feeds = extract_links(root, resolve)
    tz = _site_tz(profile, meta, root, urlsplit(url).hostname or "")
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

    page_type, article, reason, untitled = _article(
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
        untitled=untitled,
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
) -> tuple[PageType, ArticleItem | None, str | None, ArticleItem | None]:
    """The page's type, its article or the reason there is none, and the article it would be
    but for a headline (``PageResult.untitled``)."""
    profile = page.profile
    if profile is not None and _matches(profile.listing_url_patterns, page.url):
        return "listing", None, "listing page (profile URL pattern)", None
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
    # The article as found is its lead and its body: a description that repeats the lead (a
    # standfirst kept out of the body, beside it) agrees with what was found. A lead found
    # further up the story (its header) says nothing about whether the body container is right.
    shown = (
        f"{fields.lead}\n\n{text}"
        if override is None and fields.lead and _beside_main(seg, fields.lead_element)
        else text
    )
    short = words < FALLBACK_WORDS
    found: list[str] | None = None  # trafilatura's paragraphs, once it has run
    if (
        override is None
        and (fields.is_article_meta or article_like_url(page.url))
        and (short or _disagrees(description, shown))
    ):
        found = second_pass(page.html[:MAX_HTML_CHARS], page.url, len(seg.text_len))
        second = _second_body(found, fields)
        second_text = "\n\n".join(second)
        second_words = word_count(second_text)
        if (
            (second_words > words)
            if short
            else second_opinion_wins(description, shown, second_text, words, second_words)
        ):
            paragraphs, text, words, engine = second, second_text, second_words, "trafilatura"
    real = sum(1 for p in paragraphs if word_count(p) >= _REAL_PARAGRAPH_WORDS)
    by_pattern = profile is not None and _matches(profile.article_url_patterns, page.url)
    if profile is not None and profile.article_selector:
        if not matches(seg.root, profile.article_selector):
            if headline_count >= _LISTING_MIN_HEADLINES:
                reason = "listing page (profile article_selector does not match)"
                return "listing", None, reason, None
            return "other", None, "profile article_selector does not match", None
        by_pattern = True
        used.append("article_selector")
    size = _prose_size(text)
    declared = fields.is_article_meta
    url_like = article_like_url(page.url)
    substantial = (
        (real >= _MIN_ARTICLE_PARAGRAPHS and size >= _MIN_ARTICLE_WORDS)
        # A few long paragraphs, or text laid out with <br> in one table cell.
        or (real >= 1 and size >= _LONG_TEXT_WORDS)
        # Declared articles may be short (paywalled, truncated teasers of themselves).
        or (declared and real >= 1 and size >= _MIN_DECLARED_ARTICLE_WORDS)
        # The second pass ran only because the page looks like an article (metadata or URL).
        or (engine is not None and real >= 1 and size >= _MIN_ARTICLE_WORDS)
        # One paragraph of an article's length under an article-shaped URL (a short blog post):
        # longer than a listing's teaser excerpts (WordPress cuts them at 55 words).
        or (url_like and any(_prose_size(p) >= _MIN_ARTICLE_WORDS for p in paragraphs))
    )
    # The page shows itself as one item: declared, an article-shaped URL, an <h1>, or its
    # title displayed in the page (old layouts put it in <b> or <font>, not a heading).
    signalled = (
        engine is not None
        or declared
        or url_like
        or any(True for _ in seg.root.iter("h1"))
        or _title_shown(seg, fields.title)
        or _opening_heading(seg)
    )
    kind_flags: list[str] = []
    if by_pattern:
        if not paragraphs:
            return "article", None, "article URL pattern but no article text found", None
    elif (
        substantial
        and (signalled or size >= _UNSIGNALLED_ARTICLE_WORDS)
        and not (words < FALLBACK_WORDS and _gallery_captions(seg, meta, paragraphs))
    ):
        pass
    elif fields.title and (captions := _gallery_captions(seg, meta, paragraphs)):
        # A photo gallery: a title, pictures with captions, little running text.
        paragraphs = [*paragraphs, *captions]
        text = "\n\n".join(paragraphs)
        words = word_count(text)
        kind_flags.append(FLAG_GALLERY)
    elif declared and fields.title:
        # The page says it is an article (a paywalled or truncated teaser of itself): never a
        # listing, however many teaser blocks surround it.
        if not paragraphs:
            return "article", None, "article page but no article text found", None
        kind_flags.append(FLAG_SHORT_BODY)
    elif (
        override is None
        and fields.title
        and (agreed := _agreed_body(page, seg, fields, found, _block_text(seg)))
    ):
        # Our segmentation found no article, but two other engines read the same prose.
        paragraphs, engine = agreed, "trafilatura"
        text = "\n\n".join(paragraphs)
        words = word_count(text)
    elif headline_count >= _LISTING_MIN_HEADLINES:
        return "listing", None, "listing page (teaser blocks, no article text)", None
    else:
        return "other", None, "no article text found", None
    if declared and _paywalled(seg, meta, marked=FLAG_SHORT_BODY in kind_flags):
        kind_flags.append(FLAG_PAYWALLED)
    if "LiveBlogPosting" in meta.jsonld_types:
        kind_flags.append(FLAG_LIVE_BLOG)
    if not fields.title:
        # Not an article by itself; a feed entry's or news sitemap's title may make it one
        # (crawler.discovery.fill_from_discovered), so the rest is extracted all the same.
        kind_flags.append(FLAG_NO_HEADLINE)
    from_url = url_day(page.url) if "published_at" not in used else None
    if from_url is not None and from_url > page.fetched_at.astimezone(context.tz).date():
        from_url = None
    if from_url is not None and (
        fields.published_at is None
        or abs((fields.published_at.date() - from_url).days) > _URL_DAY_SLACK_DAYS
    ):
        # The path keeps the day of first publication; metadata more than a zone's difference
        # away from it was moved by an update or an import (htmldate trusts the URL first too).
        fields.published_at = datetime.combine(from_url, time(), tzinfo=context.tz)
        flags = [*flags, FLAG_DAY_ONLY]
    elif fields.published_at is None:
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
        title=fields.title or "",
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
        flags=[*flags, *kind_flags],
    )
    if not fields.title:
        return "other", None, REASON_NO_HEADLINE, item
    return "article", item, None, None
