"""The article item: body text from the main content container, fields from metadata.

Body text is the main container's paragraph-like descendants in document order (paragraphs,
subheadings, list items, preformatted text), skipping boilerplate sub-blocks and headline blocks
found by the segmenter, figures and their captions, and short lines that are page furniture
("Advertisement", "Share this", a "By …" byline). Metadata (JSON-LD, OpenGraph, ``<meta>``) is
preferred for title, authors, dates, section, tags and lead image, and the page supplies what it
lacks.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lxml import etree

from crawler.extract.dates import (
    ascii_digits,
    is_relative_label,
    parse_machine_date,
    resolve_displayed,
)
from crawler.extract.dom import (
    BLOCK_TAGS,
    HEADING_TAGS,
    attr_hint,
    element_text,
    image_url,
    raw_string,
)
from crawler.extract.fallback import description_agreement
from crawler.extract.text import clean_text, normalize_space, strip_title_suffix

if TYPE_CHECKING:
    from datetime import datetime

    from lxml.etree import _Element as Element

    from crawler.extract.dates import DateContext
    from crawler.extract.links import UrlResolver
    from crawler.extract.metadata import PageMetadata
    from crawler.extract.segment import Segmentation

__all__ = ["ArticleFields", "body_paragraphs", "read_article_fields"]

# Never body text, wherever they sit in the main container.
_SKIP_TAGS = frozenset({"figure", "figcaption", "h1", "table", "caption", "address", "sup"})
_LEAF_BLOCKS = frozenset({"p", "pre", "blockquote", "li", "dd", "dt", "h2", "h3", "h4", "h5", "h6"})
_FURNITURE = re.compile(
    r"^(?:advert(?:isement|isment)?|ad|sponsored(?: content)?|story continues below"
    r"|(?:share|follow us|read more|see also|related|more|recommended|continue reading|click here"
    r"|sign up|subscribe|loading|skip to)\b.{0,80}|.{0,40}\bnewsletter\b.{0,80}"
    r"|(?:photo|image|picture|video)(?: credit)?:.{0,100}|(?:©|copyright)\s.{0,120}"
    r"|all rights reserved\.?"
    # The same labels in the real sets' other languages: a related box's or a login box's line.
    r"|(?:mehr zum thema|das könnte (?:sie|dich) (?:auch )?interessieren|lesen sie auch"
    r"|auch interessant"
    r"|weitere (?:artikel|beiträge|meldungen)|ähnliche (?:artikel|beiträge)|sie sind (?:aktuell )?"
    r"nicht (?:eingeloggt|angemeldet)|à lire aussi|lire aussi|vous aimerez aussi|leggi anche"
    r"|ti potrebbe interessare|te puede interesar|lee también|leia também|читайте также"
    r"|you (?:may|might) also like)\b.{0,80})$",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?:by|von|par|por|автор:?)\s+\S.{0,80}$", re.IGNORECASE)
_LEAD_HINT = re.compile(
    r"standfirst|(?:^|[\s_-])lead(?:$|[\s_-])|lede|(?:^|[\s_-])dek(?:$|[\s_-])|subtitle|subhead"
    r"|summary|intro|excerpt|strapline|description|abstract"
    # The same word in the real sets' other languages (it, es, fr, de), and "leader".
    r"|sommario|sumario|entradilla|chap[oô]|chapeau|vorspann|(?:^|[\s_-])leader(?:$|[\s_-])"
)
_MAX_LINK_DENSITY = 0.5
_MAX_HEADING_CHARS = 200
_LEAD_CHARS = (30, 700)
_LEAD_TAGS = frozenset({"p", "div", "h2", "span", "section"})
_MAX_LEAD_LINK_DENSITY = 0.3
# Share of the description's words a shown standfirst holds (and of its words the description).
_DESCRIPTION_SHOWN = 0.8
# Never the story's standfirst, whatever text they repeat.
_SUBTITLE_HINT = re.compile(r"sub-?head|sub-?title|(?:^|[\s_-])deck(?:$|[\s_-])")
_STORY_TAGS = frozenset({"article", "main"})
_SITE_TEXT_HINT = re.compile(r"site-?(?:desc|title|name|slogan)|tagline|slogan|masthead|logo|brand")
_NEVER_LEAD_TAGS = frozenset({"head", "nav", "footer", "aside", "menu", "dialog", "form"})
# Levels above the main container's parent searched for a standfirst (never past the story's
# <article> or <main>).
_LEAD_LEVELS = 4
# "By", "Von:", "Autor:", "Autoren:", "Авторы:", "Geschrieben von", "Posted by" … before a name.
_AUTHOR_PREFIX = re.compile(
    r"^(?:(?:written|posted|reported|submitted|text|story|words|recipe|all\s+posts"
    r"|more\s+stories|more)"
    r"\s+by"
    r"|(?:alle(?:s)?|zeige\s+alle\s+beiträge|mehr|alle\s+artikel|artikel)\s+von|more\s+from|by|von"
    r"|vom|verfasst\s+von|geschrieben\s+von|gespeichert\s+von|eingestellt\s+von|publié\s+par"
    r"|publicado\s+por"
    r"|autor(?:in|innen|en|es)?|authors?|auteurs?|autor[ei]|par|por|di|door|przez|автор(?:ы)?"
    r"|text|texte"
    # Arabic "wrote:" (he, she) and "by the pen of".
    r"|كتب|كتبت|بقلم)"
    r"(?:\s*:\s*|\s+|(?<=von)(?=[A-ZÄÖÜ]))",
    re.IGNORECASE,
)
_AUTHOR_SPLIT = re.compile(
    r"\s+(?:and|&|und|et|y|e|i|и|و)\s+|\s*&\s*|\s*[;|/]\s*|\s*,\s+(?:and\s+|und\s+)?"
    # "高橋健、伊藤彩" (the ideographic comma), "이서연·박지호" (a middle dot between Hangul
    # names; not between katakana, where it joins the parts of one foreign name).
    r"|\s*[、，]\s*|(?<=[\uac00-\ud7af])[·・](?=[\uac00-\ud7af])"
)
# Short letter codes joined by slashes: the credit line of an agency story ("det/dpa").
_AGENCY_CODES = re.compile(r"^[^\W\d_]{1,5}(?:/[^\W\d_]{1,5})+\.?$")
_JOB_WORDS = re.compile(
    r"correspondent|editor|reporter|writer|contributor|columnist|journalist|producer"
    r"|chief|senior|bureau|analyst|\bfor\b|\bat\b|\bin\b|\bfrom\b"
    # Titles written after a name ("Ryan Merkley, CEO"), in English and German.
    r"|\b(?:ceo|cto|cfo|coo)\b|founder|president|director|redakteur|korrespondent|geschäftsführ",
    re.IGNORECASE,
)
# A byline in brackets: "【高橋健、伊藤彩】", "[Jane Doe]", "（佐藤美咲）".
_BRACKETED = re.compile(r"^[【\[（(「〔](?P<inner>[^】\]）)」〕]+)[】\]）)」〕]$")
# E-mail addresses after the names ("김민준 기자 minjun.kim@example.kr").
_EMAIL = re.compile(r"\s*\S+@\S+\.[^\W\d_]{2,}")
# A role written after the name in Korean, Japanese and Chinese bylines ("김민준 기자").
_ROLE_SUFFIX = re.compile(
    r"\s*(?:선임기자|객원기자|인턴기자|수습기자|기자|특파원|논설위원|통신원|記者|特派員|編集委員|记者)$"
)
# A credit in brackets after the names, the agency's part of the story: "(avec AFP)",
# "(with Reuters)", "(con EFE)", "(mit dpa)", "(z PAP)", "(dpa)".
_CREDIT_TAIL = re.compile(
    r"\s*\((?:(?:avec|with|con|com|mit|und|and|et|e|y|z)\s+[^)]*|[^)]*\b(?:afp|ap|dpa|reuters|efe"
    r"|ansa|apa|kna|epd|sid|anadolu|aa|yonhap|kyodo)\b[^)]*)\)\s*$",
    re.IGNORECASE,
)
# "A e B, TV Litoral", "A and B, Staff Writers": after names joined by a conjunction, what a
# comma adds is a team, an outlet or a place (a list of names ends with its conjunction).
_AFTER_JOINED_NAMES = re.compile(r"^(?P<names>.*?\S\s+(?:and|und|et|y|e|i|и)\s+[^,]+),\s.*$")
# Arabic attaches "and" to the next name ("منى عادل وكريم حسن"): a split where both sides have
# two words or more (a name beginning with و, "وليد", stays whole beside a one-word name).
_ATTACHED_AND = re.compile(r"(?<=\S)\s+و(?=[\u0621-\u064a])")
# Trailing decoration after a name: " -", " |", a handle, "(www.dw.com)".
_AUTHOR_TAIL = re.compile(
    r"(?:\s+-\s+https?\b.*|\s+@\w+|\s*\((?:www\.|https?:)[^)]*\)|\s+[-–—|•·:])+\s*$"
)
# The byline's date after the name ("Bo2man am 29.12.2010, 13:36 Uhr", "Jane Doe on 4/12/2025",
# "Jane Doe, 2025-12-04"): the names end where it starts.
_AUTHOR_DATE_TAIL = re.compile(
    r"(?:\s*[,|·•–—-])?\s+(?:(?:am|on|le|el|il|em|den|vom|at|um)\s+)?"
    r"\d{1,4}[./-]\s?\d{1,2}[./-]\s?\d{2,4}\b.*$"
    # "rasos am 24. Juli 2017 - 18:55", "oz on December 4, 2006": a word date after "am"/"on".
    r"|\s+(?:am|on|le|el|il|em|den|vom)\s+(?:\d{1,2}\.?\s+[^\W\d_]+\.?|[^\W\d_]+\.?\s+\d{1,2})"
    r",?\s+\d{4}\b.*$",
    re.IGNORECASE,
)
# Labels and form fields that sit where a name would ("Name *", "Posted on", "E-Mail").
_NOT_A_NAME = re.compile(
    r"^(?:e-?mail|name\s*\*?|posted(?:\s+on)?|published(?:\s+on)?|veröffentlicht(?:\s+am)?"
    r"|autor(?:in)?|author|auteur|by|von|share|teilen|kontakt|contact|profil|profile|more|mehr"
    r"|\w*admin|administrator|unknown|anonymous|redaktion\s*-"
    r"|(?:ab|an)melden|log\s?(?:in|out)|sign\s?(?:in|out|up)|registrieren|register)$"
    r"|\b(?:says|sagt|schreibt|écrit|dice|empfehlen|recommend)$|[*?]",
    re.IGNORECASE,
)
# An organisation or agency rather than a person (kept only when no person is named).
_ORGANISATION = re.compile(
    r"\b(?:gmbh|e\.\s?v|ag|ltd|inc|llc|verlag|redaktion|newsroom|staff|team|agency|agentur"
    r"|press|presse|news|dpa|afp|ap|apa|reuters|efe|ansa|kna|epd|sid|online|magazin[e]?"
    r"|zeitung|times|post|tribune|media|medien)\b|\.\w{2,6}$",
    re.IGNORECASE,
)
_AUTHOR_HREF = re.compile(
    r"/(?:author|authors|autor|autoren|auteur|autore|redaktion|redakteur|journalist|profile"
    r"|people|staff|team|writers?|contributors?|columnists?|user|users|members?|mitarbeiter)/[^/?#]+"
    # "/autoren-und-redaktion/gabor-munier"
    r"|/(?:authors?|autor|autoren|auteurs?)-[^/?#]+/[^/?#]+",
    re.IGNORECASE,
)
# A byline written as a line of the article ("Von Cosima Künzel", "Eine Kolumne von Nils
# Pickert", "Autorin: Uta Staschewski, Projektleiterin …"): up to two words, then the marker.
_BODY_BYLINE = re.compile(
    r"^(?:(?P<lead>[^\W\d_]+(?:\s+[^\W\d_]+)?)\s+)?(?:von|by|par|por|door)\s+(?P<names>\S.*)$"
    r"|^(?:autor(?:in)?|author|auteur|text|texte)\s*:\s*(?P<labelled>\S.*)$",
    re.IGNORECASE,
)
# Credits that read like a byline: a picture's, a source's.
_NOT_BYLINE = re.compile(r"foto|photo|bild|image|video|grafik|graphic|quelle|source|illustr", re.I)
_BYLINE_END = re.compile(r"\s+[·•|–—]\s+")
_MAX_BODY_BYLINE_CHARS = 100
_BODY_BYLINE_TAGS = ("p", "em", "strong", "b", "i", "span", "div")
_INLINE_BYLINE_TAGS = frozenset({"em", "strong", "b", "i", "span"})
# A user name with digits is a blog's byline ("freeman1984", "Bo2man"); a date or a count is not.
_HANDLE = re.compile(r"^(?=(?:\d*[^\W\d_]){3})[^\W\d_]{2}[^\W_]*$")
# Author tags of analytics and CMS vendors, read when the declared names are organisations.
_SECONDARY_AUTHOR_META = (
    "parsely-author",
    "sailthru.author",
    "cxenseparse:author",
    "dc.creator",
    "dcterms.creator",
)
# Class names of a byline element: "byline", "author", and the word in other languages
# ("writer", "autor", "firma" in it/es, "signature" in fr, "muhabir"/"yazar" in tr).
_BYLINE_HINT = re.compile(
    r"byline|author|writer|reporter|(?:^|[\s_-])(?:autore?|firma|signature|muhabir|yazar)(?:$|[\s_-])"
    # The poster's name as Drupal and forum software mark it ("<span class='username'>").
    r"|(?:^|\s)username(?:$|\s)"
)
_AUTHOR_LABEL = re.compile(r"written by|verfasst von|geschrieben von|auteur|autor|author", re.I)
_SITE_HEADING_HINT = re.compile(r"site-?title|site-?name|logo|brand|masthead|blog-?title")
_KICKER_HINT = re.compile(
    r"kicker|overline|topline|dachzeile|roofline|eyebrow|super-?title|pre-?title|sub-?title"
    r"|sr-only|visually-hidden|screen-reader|element-invisible|offscreen"
    # A tag shown in the headline (a forum thread's prefix, "<span class='label'>Patch Notes").
    r"|(?:^|[\s_-])(?:label|badge)(?:$|[\s_-])"
)
# A heading marked as the entry's own headline is never the site's logo, whatever else its
# classes say ("post_title entry-title … blogtitle").
_HEADLINE_HINT = re.compile(r"(?:^|\s)(?:entry|post|article|story)[-_]?title(?:$|\s)|headline")
# Titles that name a page of the site, not a story ("Home", "Startseite").
_GENERIC_TITLE = re.compile(
    r"^(?:home|home\s?page|start|startseite|accueil|inicio|portada|início|index|welcome|news)$",
    re.IGNORECASE,
)
_MAX_TITLE_HEADINGS = 30
# Fewer words than this make an <h1> a label ("Aktuelles", "Unser Team"), not a headline.
_MIN_SHOWN_HEADLINE_WORDS = 3
_MAX_SITE_NAME_CHARS = 40
_MAX_LOGO_LINKS = 30
_MAX_NAVS = 5
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " : ")
_QUOTES = ('"', "„", "“", "”", "«", "»", "‹", "›", "‚", "‘", "'", "「", "『")
_TITLE_PARTS = re.compile("|".join(re.escape(sep) for sep in _TITLE_SEPARATORS))
_COMMENT_HINT = re.compile(r"comment(?!ar)|respond|reply|discussion|kommentar|disqus")
# The site's navigation: a menu's link to a user's or a section's page is nobody's byline
# ("<div class='kb-header-menu-dropdown-item'><a href='/user/…'>").
_MENU_HINT = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|menubar|dropdown|breadcrumbs?)(?:$|[\s_-])"
)
# Elements a byline is written in ("<small class='author'>von …</small>", "<h4 class=author>").
_BYLINE_TAGS = ("a", "span", "div", "p", "address", "small", "h4", "h5", "h6")
_MAX_BYLINE_CHARS = 120
_MAX_NAME_CHARS = 60
_MAX_NAME_WORDS = 5
_MAX_BYLINE_SCAN = 20000


def _skip(seg: Segmentation) -> Any:
    body = seg.body if seg.body is not None else seg.main
    body_len = seg.text_len.get(body, 0) if body is not None else 0

    def skip(el: Element) -> bool:
        if el.tag == "table" and 2 * seg.text_len.get(el, 0) >= body_len > 0:
            # A table holding half the body's text is the page's layout (old sites nest the
            # article in table cells), not a data table beside the text.
            return seg.is_excluded(el)
        if el.tag == "form":
            # A form inside the body is a rating, comment, search or sign-up box; one holding
            # half the body's text wraps the page (ASP.NET's one <form>).
            return 2 * seg.text_len.get(el, 0) < body_len or seg.is_excluded(el)
        return el.tag in _SKIP_TAGS or seg.is_excluded(el)

    return skip


def _keep(text: str, density: float, tag: str) -> bool:
    if not text:
        return False
    if density > _MAX_LINK_DENSITY:
        return False
    if tag in HEADING_TAGS and len(text) > _MAX_HEADING_CHARS:
        return False
    if len(text) < 160 and (_FURNITURE.match(text) or _BYLINE.match(text)):
        return False
    return any(c.isalnum() for c in text)


def body_paragraphs(seg: Segmentation, skip_elements: set[Element]) -> list[str]:
    """The body paragraphs of the main content container, in document order."""
    main = seg.body if seg.body is not None else seg.main
    if main is None:
        return []
    skip_el = _skip(seg)
    if seg.body_skip:
        skip_elements = skip_elements | seg.body_skip
    out: list[str] = []
    buffer: list[str] = []
    # Characters of the buffered inline run: in all, inside links, and where open links began.
    size = [0]
    links = [0]
    opened: list[int] = []

    def add(piece: str) -> None:
        buffer.append(piece)
        size[0] += len(piece.strip())

    def emit(texts: list[str], density: float, tag: str) -> None:
        for piece in texts:
            text = clean_text(piece)
            if _keep(text, density, tag) and (not out or out[-1] != text):
                out.append(text)

    def flush() -> None:
        if buffer:
            joined = "".join(buffer)
            buffer.clear()
            # A run of inline text that is mostly link text ("zurück zur Listenansicht", a row
            # of tag links) is navigation, not prose.
            density = links[0] / size[0] if size[0] else 0.0
            pieces = [p for p in re.split(r"\n\s*\n", joined) if p.strip()]
            emit(pieces, density, "div")
        size[0] = links[0] = 0
        opened.clear()

    walker = etree.iterwalk(main, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if event == "start":
            if el is not main and (skip_el(el) or el in skip_elements):
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                flush()
                if el is not main and (
                    (tag in _LEAF_BLOCKS or tag == "div") and el not in seg.has_block
                ):
                    emit(element_text(el, skip_el, split=True), seg.link_density(el), tag)
                    walker.skip_subtree()
                    continue
            elif tag == "br":
                add("\n")
            elif tag == "a":
                opened.append(size[0])
            if el.text:
                add(el.text)
        else:
            if tag in BLOCK_TAGS:
                flush()
            elif tag == "a" and opened:
                links[0] += size[0] - opened.pop()
            if el is not main and el.tail:
                add(el.tail)
    flush()
    return out


@dataclass
class ArticleFields:
    """Article fields read from metadata and the page (everything but the body)."""

    title: str
    lead: str | None
    lead_element: Element | None
    authors: list[str]
    published_at: datetime | None
    modified_at: datetime | None
    language: str | None
    section: str | None
    tags: list[str]
    images: list[dict[str, Any]]
    canonical_url: str | None
    is_article_meta: bool
    """Whether the metadata says the page is an article (og:type or JSON-LD type)."""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _jsonld_str(value: Any, *, keep_ideographic: bool = False) -> str | None:
    for item in _as_list(value):
        if isinstance(item, str) and item.strip():
            return normalize_space(item, keep_ideographic=keep_ideographic)
        if isinstance(item, dict):
            for key in ("name", "url", "@id"):
                if isinstance(item.get(key), str) and item[key].strip():
                    return normalize_space(item[key])
    return None


def _similar(a: str, b: str) -> bool:
    wa, wb = set(a.casefold().split()), set(b.casefold().split())
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def _is_site_heading(h1: Element, site_names: set[str], text: str) -> bool:
    """An ``<h1>`` that is the site's logo or name, not the article's headline."""
    if "headline" in (h1.get("itemprop") or "") or _HEADLINE_HINT.search(h1.get("class") or ""):
        return False
    if _SITE_HEADING_HINT.search(attr_hint(h1)) or text.casefold() in site_names:
        return True
    # A link to the home page; an anchor ("<a id='top'>", "<a href='#top'>") links nowhere.
    links = [a.get("href") for a in h1.iter("a")]
    return (
        len(links) == 1
        and links[0] is not None
        and not links[0].strip().startswith("#")
        and urlsplit(links[0].strip()).path in {"", "/"}
    )


def _heading_text(el: Element) -> str:
    """A heading's text without its kicker ("<span class=kicker>Klimaschutz</span>")."""

    def kicker(node: Element) -> bool:
        return node.tag == "small" or bool(_KICKER_HINT.search(attr_hint(node)))

    text = clean_text(
        " ".join(element_text(el, kicker, keep_ideographic=True)), keep_ideographic=True
    ).lstrip(":-–—|· ")
    return text or clean_text(
        " ".join(element_text(el, keep_ideographic=True)), keep_ideographic=True
    )


def _site_part(title_tag: str | None, h1_texts: list[str]) -> str | None:
    """The site's name when the page's ``<h1>`` is its logo: an ``<h1>`` that repeats the last
    part of ``<title>`` ("Headline | Blog name"), no longer than the first part."""
    if not title_tag:
        return None
    for sep in _TITLE_SEPARATORS:
        if sep in title_tag:
            parts = [p.strip() for p in title_tag.split(sep)]
            last = parts[-1]
            if last and len(last) <= len(parts[0]) and any(_same(last, t) for t in h1_texts):
                return last
            # "Headline - Section - Site" with "Section - Site" as the logo <h1>: a tail of two
            # parts or more that the <h1> repeats is the site's, whatever its length.
            for start in range(1, len(parts) - 1):
                tail = sep.join(parts[start:])
                if any(_same(tail, t) for t in h1_texts):
                    return tail
    return None


def _logo_names(root: Element, host: str) -> list[str]:
    """The site's name as its logo gives it: the ``alt`` of an image in a link to the home page
    ("<a href='/'><img alt='The Millbrook Courier'>"), or the text of a home link marked as the
    logo or brand; among the page's first links."""
    names: list[str] = []
    for link in islice(root.iter("a"), _MAX_LOGO_LINKS):
        href = (link.get("href") or "").strip()
        parts = urlsplit(href)
        if not href or href.startswith("#") or parts.path not in ("", "/") or parts.query:
            continue
        if parts.netloc and (parts.hostname or "").removeprefix("www.") != host.removeprefix(
            "www."
        ):
            continue
        for img in link.iter("img"):
            alt = normalize_space(img.get("alt") or "")
            if alt and len(alt) <= _MAX_SITE_NAME_CHARS and not _GENERIC_TITLE.match(alt):
                names.append(alt)
            break
        else:
            text = " ".join(element_text(link))
            if (
                text
                and len(text) <= _MAX_SITE_NAME_CHARS
                and _SITE_HEADING_HINT.search(attr_hint(link))
                and not _GENERIC_TITLE.match(text)
            ):
                names.append(text)
    return names


def _same(a: str, b: str) -> bool:
    return normalize_space(a).casefold() == normalize_space(b).casefold()


def _title(seg: Segmentation, meta: PageMetadata, host: str) -> str:
    """The headline as the page shows it, cross-checked with the declared titles.

    The declared titles (JSON-LD headline, og:title, twitter:title, ``<title>``) lose their
    site-name parts; the page's ``<h1>`` (not the site logo's, without a kicker) wins when it
    agrees with one of them; a declared title that the ``<h1>`` only prefixes with a kicker
    wins over it; on pages whose ``<h1>`` is the site name, the ``<h2>``/``<h3>`` that shows a
    declared title is the headline.
    """
    article = meta.article or {}
    sites = {n.casefold() for n in meta.site_names}
    candidates = [
        _jsonld_str(article.get("headline"), keep_ideographic=True)
        or _jsonld_str(article.get("name"), keep_ideographic=True),
        meta.prop("og:title"),
        meta.prop("twitter:title"),
        meta.title_tag,
    ]
    site_names = [*meta.site_names, *_logo_names(seg.root, host)]
    sites.update(name.casefold() for name in site_names)
    h1s = [(h1, _heading_text(h1)) for h1 in islice(seg.root.iter("h1"), _MAX_TITLE_HEADINGS)]
    shown_site = _site_part(meta.title_tag, [text for _, text in h1s])
    if shown_site:
        # "Section - Site" as the logo: each part is the site's, not the headline's.
        for name in dict.fromkeys([shown_site, *_TITLE_PARTS.split(shown_site)]):
            site_names.append(name)
            sites.add(name.casefold())
    headings: list[str] = []
    for h1, shown in h1s:
        text = strip_title_suffix(shown, site_names, host, guess=False) if shown else ""
        if text and not _is_site_heading(h1, sites, text):
            headings.append(text)
        elif text and text.casefold() not in sites and len(text) <= _MAX_SITE_NAME_CHARS:
            # The logo's text is the site's name ("Headline : Blog name | Slogan" in <title>).
            site_names.append(text)
            sites.add(text.casefold())
    # The declared titles are often one text given three or four times: strip each once.
    stripped = {c: strip_title_suffix(c, site_names, host) for c in dict.fromkeys(candidates) if c}
    declared = [stripped[c] for c in candidates if c]
    declared = [d for d in declared if d and not _GENERIC_TITLE.match(d)]
    for heading in headings:
        if any(_same(heading, d) for d in declared):
            return heading
    h1_text = headings[0] if headings else ""
    if h1_text and (not declared or any(_similar(h1_text, c) for c in declared)):
        for d in declared:
            # "Kicker Headline" in the <h1> with the kicker unmarked, the headline declared.
            if (
                len(d.split()) >= 3
                and len(d) < len(h1_text)
                and _same(h1_text[-len(d) :], d)
                # A quotation before the headline is part of it ("„Pure Leere“: …"), no label.
                and not h1_text.startswith(_QUOTES)
            ):
                return d
        return h1_text
    if len(headings) == 1 and len(h1_text.split()) >= _MIN_SHOWN_HEADLINE_WORDS:
        # The page's one headline <h1> is what its reader sees, when the declared titles say
        # something else: a search-engine title ("Günstiger Autokredit im Mai >> Angebote
        # vergleichen"), a menu label ("About Us"), an earlier wording of the headline.
        return h1_text
    if declared:
        for count, el in enumerate(seg.root.iter("h2", "h3")):
            if count >= _MAX_TITLE_HEADINGS:
                break
            text = _heading_text(el)
            if text and any(_same(text, d) or _last_part(text, d) for d in declared):
                return text
        return declared[0]
    return h1_text


def _last_part(heading: str, title: str) -> bool:
    """Whether a shown heading of three or more words is the last part of a declared title
    ("Club e.V. - Neuigkeiten » Die Events der letzten Zeit"): the site's and section's names
    before it, the headline at the end."""
    words = len(heading.split())
    if words < _MIN_SHOWN_HEADLINE_WORDS:
        return False
    for sep in _TITLE_SEPARATORS:
        head, found, last = title.rpartition(sep)
        if found and _same(last, heading):
            # The names before it are shorter than the headline (else it is a subtitle).
            return all(len(part.split()) < words for part in _TITLE_PARTS.split(head))
    return False


def _lead(seg: Segmentation, meta: PageMetadata) -> tuple[str | None, Element | None]:
    """The standfirst shown with the article: an element hinted as one (``standfirst``,
    ``lead``, ``summary``, ``sommario`` …) in the main container's parent; else above the main
    container, up to the story's ``<article>`` or ``<main>`` (its ``<header>`` included: a
    header inside the story is the story's, not the site's)."""
    main = seg.main
    if main is None or main.getparent() is None:
        return _lead_in(seg, seg.root, None)
    scope = main.getparent()
    assert scope is not None
    found = _lead_in(seg, scope, None)
    for _level in range(_LEAD_LEVELS):
        if found[1] is not None or scope.tag in {"article", "main"}:
            break
        parent = scope.getparent()
        if parent is None or parent.tag in {"body", "html"}:
            break
        scope = parent
        found = _lead_in(seg, scope, main)
    if found[1] is None:
        # Unhinted, a standfirst shows itself by repeating the page's declared description
        # (TYPO3's "teaser", a plain <p> in the story's <header>). The description alone is no
        # lead: it is usually the body's first sentence or a summary shown nowhere.
        found = _shown_description(seg, meta, main)
    return found


def _shown_description(
    seg: Segmentation, meta: PageMetadata, main: Element
) -> tuple[str | None, Element | None]:
    """The element before the main container that shows the page's declared description
    (most of its words, and few others), outside navigation, footers and headline blocks."""
    descriptions = [
        d for d in {meta.prop("og:description"), meta.name("description")} if d and d.strip()
    ]
    if not descriptions:
        return None, None
    sizes = [len(normalize_space(d)) for d in descriptions]
    low, high = min(sizes) // 2, 2 * max(sizes)
    ancestors = set(main.iterancestors())
    walker = etree.iterwalk(seg.root, events=("start",))
    for _event, el in walker:
        if el is main:
            break
        if not isinstance(el.tag, str):
            continue
        if (
            el in seg.block_containers
            or el.tag in _NEVER_LEAD_TAGS
            # The site's header and its tagline (often the description of every page) are
            # no story's; a <header> inside the story is the story's.
            or (el.tag == "header" and not any(a.tag in _STORY_TAGS for a in el.iterancestors()))
            or (el.tag not in {"html", "body"} and _SITE_TEXT_HINT.search(attr_hint(el)))
        ):
            walker.skip_subtree()
            continue
        size = seg.text_len.get(el, 0)
        if (
            el.tag not in _LEAD_TAGS
            or el in ancestors
            or not (max(low, _LEAD_CHARS[0]) <= size <= min(high, _LEAD_CHARS[1]))
            or seg.link_density(el) >= _MAX_LEAD_LINK_DENSITY
        ):
            continue
        if _SUBTITLE_HINT.search(attr_hint(el)) or next(el.iter(*HEADING_TAGS), None) is not None:
            # A subtitle set as a heading ("sub-head", an <h2> under the headline) is the
            # headline's second part, not the story's first paragraph.
            continue
        text = clean_text(" ".join(element_text(el)))
        if any(_repeats(text, d) for d in descriptions):
            return text, el
    return None, None


def _repeats(text: str, description: str) -> bool:
    """Whether ``text`` and ``description`` share most of their words both ways."""
    shown = description_agreement(description, text)
    back = description_agreement(text, description)
    return (
        shown is not None
        and back is not None
        and shown >= _DESCRIPTION_SHOWN
        and back >= _DESCRIPTION_SHOWN
    )


def _lead_in(
    seg: Segmentation, scope: Element, stop: Element | None
) -> tuple[str | None, Element | None]:
    """The first lead-hinted element of ``scope`` outside boilerplate and headline blocks (a
    story's ``<header>`` aside), before ``stop`` when given."""
    story = any(node.tag in {"article", "main"} for node in (scope, *scope.iterancestors()))
    walker = etree.iterwalk(scope, events=("start",))
    for _event, el in walker:
        if el is stop:
            break
        if not isinstance(el.tag, str):
            continue
        if (
            stop is not None
            and el is not scope
            and seg.is_excluded(el)
            # Above the main container: nothing inside boilerplate or a headline block, but a
            # story's own <header>.
            and not (story and el.tag == "header")
        ):
            walker.skip_subtree()
            continue
        if el.tag not in _LEAD_TAGS or el.get("class") is None or seg.is_excluded(el):
            continue
        if not _LEAD_HINT.search(attr_hint(el)):
            continue
        size = seg.text_len.get(el, 0)
        if _LEAD_CHARS[0] <= size <= _LEAD_CHARS[1] and seg.link_density(el) < 0.3:
            return clean_text(" ".join(element_text(el))), el
    return None, None


def _split_attached_and(name: str) -> list[str]:
    """ "منى عادل وكريم حسن" -> two names, where each side of the attached "و" has two words."""
    for match in _ATTACHED_AND.finditer(name):
        left, right = name[: match.start()], name[match.end() - 1 :].removeprefix("و")
        if len(left.split()) >= 2 and len(right.split()) >= 2:
            return [*_split_attached_and(left), right]
    return [name]


def _pieces(name: str) -> list[str]:
    """A byline's pieces: split at conjunctions and separators; a one-word place after a slash
    ("Ayşe Yılmaz / İzmir", "Redacción / Madrid") dropped when the names have two words."""
    pieces = [p for p in _AUTHOR_SPLIT.split(name) for p in _split_attached_and(p.strip())]
    if "/" in name and len(pieces) > 1:
        last = pieces[-1].strip(" .,:")
        if len(last.split()) == 1 and all(len(p.split()) >= 2 for p in pieces[:-1]):
            pieces = pieces[:-1]
    return pieces


def _clean_author(name: str) -> list[str]:
    """Names in one byline string: prefixes, roles, labels and decoration dropped."""
    name = normalize_space(name)
    bracketed = _BRACKETED.match(name)
    if bracketed:
        name = bracketed["inner"].strip()
    name = _AUTHOR_DATE_TAIL.sub("", _AUTHOR_PREFIX.sub("", name))
    name = _CREDIT_TAIL.sub("", name)
    joined = _AFTER_JOINED_NAMES.match(name)
    if joined:
        name = joined["names"]
    if not name or name.startswith(("http://", "https://")):
        return []
    if _AGENCY_CODES.match(name):
        # "det/dpa", "APA/AP", "red/AFP": an editor's and agencies' codes, one credit as given.
        return [name.strip(" .,:")]
    out: list[str] = []
    for piece in _pieces(name):
        written = _AUTHOR_TAIL.sub("", _AUTHOR_PREFIX.sub("", piece.strip(" .,:")))
        if len(written) > _MAX_NAME_CHARS:
            continue  # a sentence or a whole box of text, with its e-mail address or not
        if len(written.split()) > _MAX_NAME_WORDS:
            # A sentence ("#Krótko o przepisach prawa w Nowej Zelandii i Polsce"): what a
            # conjunction in it splits off is no name either.
            return []
        part = normalize_space(_EMAIL.sub(" ", written))
        part = _ROLE_SUFFIX.sub("", part.strip(" .,:")).strip(" .,:")
        if (
            not part
            or _JOB_WORDS.search(part)
            or _NOT_A_NAME.search(part)
            or not 2 < len(part) <= _MAX_NAME_CHARS  # initials are no name
            or (any(c.isdigit() for c in part) and not _HANDLE.match(part))
            or (len(part.split()) == 1 and is_relative_label(part))  # "Today, 09:12 | By …"
        ):
            continue
        out.append(part)
    whole = _AUTHOR_TAIL.sub("", name).strip(" .,:")
    if (
        len(out) > 1
        and all(_ORGANISATION.search(part) for part in out)
        and len(whole) <= _MAX_NAME_CHARS
    ):
        # "Staff and news service reports", "Redaktion und dpa": an organisation byline
        # is kept as given, not cut into pieces that name nobody.
        return [whole]
    return out


def _person_first(names: list[str], site_names: list[str]) -> list[str]:
    """Drop agency, organisation and site names when a person is named beside them."""
    sites = {n.casefold() for n in site_names}
    people = [n for n in names if n.casefold() not in sites and not _ORGANISATION.search(n)]
    return people or names


def _inside(el: Element, stop: set[Element], pattern: re.Pattern[str]) -> bool:
    """Whether ``el`` or an ancestor is in ``stop`` or has a class/id matching ``pattern``."""
    node: Element | None = el
    while node is not None:
        if node in stop or node.tag == "form" or pattern.search(attr_hint(node)):
            return True
        node = node.getparent()
    return False


def _same_site_href(href: str, host: str) -> bool:
    """A relative link or one to the page's own site (not a social network profile)."""
    link_host = urlsplit(href).hostname or ""
    return not link_host or link_host.removeprefix("www.") == host.removeprefix("www.")


def _in_menu(el: Element, wrappers: set[Element]) -> bool:
    """Whether ``el`` sits in the site's navigation (``<nav>``, a menu or breadcrumb box); a
    wrapper of the main text (``wrappers``) is none, whatever its classes say
    ("nav-below-header" on ``<body>``)."""
    for node in (el, *el.iterancestors()):
        if node in wrappers:
            return False
        if node.tag == "nav" or _MENU_HINT.search(attr_hint(node)):
            return True
    return False


def _section_link(href: str, path: str) -> bool:
    """A link into a section the page itself sits under: "/people/real-life/" or
    "/people/news/other-story" on "/people/real-life/story-123", where "people" names a
    section of the site, not its authors' directory."""
    link_path = urlsplit(href).path.rstrip("/")
    if not link_path:
        return False
    if path.startswith(f"{link_path}/"):
        return True
    match = _AUTHOR_HREF.search(link_path)
    if match is None:
        return False
    directory = link_path[: match.start()] + "/" + match.group(0).split("/")[1] + "/"
    return path.startswith(directory)


def _visible_authors(seg: Segmentation, meta: PageMetadata, host: str, path: str = "") -> list[str]:
    """The byline as the page shows it: the first author link, ``itemprop=author`` or byline
    element outside comments, forms, menus and headline blocks (co-authors: the author links
    beside the first one, under the same parent); a link to a section the page sits under is
    no author link."""
    found: list[str] = []
    byline: Element | None = None
    wrappers: set[Element] | None = None
    for count, el in enumerate(seg.root.iter(*_BYLINE_TAGS)):
        if count > _MAX_BYLINE_SCAN:
            break
        hint = attr_hint(el)
        size = seg.text_len.get(el, 0)
        if not size or size > _MAX_BYLINE_CHARS:
            continue
        href = el.get("href") or ""
        author_link = el.tag == "a" and (
            "author" in (el.get("rel") or "")
            or (
                _AUTHOR_HREF.search(href) is not None
                and _same_site_href(href, host)
                and not _section_link(href, path)
            )
        )
        itemprop = "author" in (el.get("itemprop") or "")
        hinted = bool(hint) and _BYLINE_HINT.search(hint) is not None
        if not (author_link or itemprop or hinted):
            continue
        if _inside(el, seg.block_containers, _COMMENT_HINT):
            continue
        names = _clean_author(" ".join(element_text(el)))
        if names or found:
            if wrappers is None:
                wrappers = set(seg.main.iterancestors()) if seg.main is not None else set()
            if _in_menu(el, wrappers):
                continue
        if names:
            if author_link or itemprop:
                # One link per author: gather the byline's other author links beside it.
                if byline is None:
                    byline = el.getparent()
                elif el.getparent() is not byline:
                    break
                found.extend(names)
                continue
            return found or names
        if found:
            break
    if found:
        return found
    shown = _body_byline(seg)
    if shown:
        return shown
    label = meta.name("twitter:label1") or ""
    data = meta.name("twitter:data1")
    if data and _AUTHOR_LABEL.search(label):
        return _clean_author(data)
    return []


def _body_byline(seg: Segmentation) -> list[str]:
    """Names of a byline written as a short line of the story itself (first such line in the
    story's ``<article>`` or the body container's parent), outside boilerplate."""
    main = seg.main
    if main is None:
        return []
    scope = _article_scope(main)
    if scope is main:
        # No <article>: the body container's wrapper and its wrapper (the byline sits in a
        # sibling box of the text, "div.media" beside "div.media").
        for _level in range(2):
            parent = scope.getparent()
            if parent is None or parent.tag in {"body", "html"}:
                break
            scope = parent
    found = _byline_line(seg, scope, labelled_only=False)
    if found or scope.getparent() is None:
        return found
    # "Autorin: Uta Staschewski, …" below the story, beside a body container chosen too
    # narrowly: a labelled line is a byline anywhere outside boilerplate.
    return _byline_line(seg, seg.root, labelled_only=True)


def _byline_line(seg: Segmentation, scope: Element, *, labelled_only: bool) -> list[str]:
    """The names of the first byline line in ``scope`` (only "Autor: …" lines when
    ``labelled_only``)."""
    for count, el in enumerate(scope.iter(*_BODY_BYLINE_TAGS)):
        if count > _MAX_BYLINE_SCAN:
            break
        size = seg.text_len.get(el, 0)
        if not size or size > _MAX_BODY_BYLINE_CHARS or el in seg.has_block:
            continue
        line = normalize_space(" ".join(element_text(el)))
        match = _BODY_BYLINE.match(line)
        if match is None or _NOT_BYLINE.search(match.group("lead") or ""):
            continue
        if el.tag in _INLINE_BYLINE_TAGS and not _starts_line(el, line):
            continue  # "… des Diktators <strong>von Nordkorea</strong> …": a phrase, no line
        if labelled_only and (
            not match.group("labelled") or _inside(el, seg.block_containers, _COMMENT_HINT)
        ):
            continue
        if _inside_excluded(el, scope, seg):
            continue
        # "Von Jonas Weber · Heute, 15:42 · Lesezeit 3 min": the names end at a separator.
        names_part = _BYLINE_END.split(match.group("names") or match.group("labelled"))[0]
        names = _clean_author(names_part)
        names = [n for n in names if n[0].isupper() and not _NOT_BYLINE.search(n)]
        if names:
            return names
    return []


def _starts_line(el: Element, line: str) -> bool:
    """Whether an inline element's text begins the text of its parent (a byline is a line of
    its own or the start of one, "<p><strong>Von Max Muster</strong> Berlin – …")."""
    parent = el.getparent()
    if parent is None:
        return True
    return normalize_space(" ".join(element_text(parent))).startswith(line)


def _site_labels(seg: Segmentation, meta: PageMetadata, host: str) -> list[str]:
    """Names a byline may add that are the site's, not a person's: the declared site names, the
    logo's name and the labels of the site's menu (its sections and regions, "São Paulo")."""
    labels = [*meta.site_names, *_logo_names(seg.root, host)]
    for nav in islice(seg.root.iter("nav"), _MAX_NAVS):
        for link in islice(nav.iter("a"), _MAX_LOGO_LINKS):
            text = normalize_space(" ".join(element_text(link)))
            if text and len(text) <= _MAX_SITE_NAME_CHARS:
                labels.append(text)
    return labels


def _authors(seg: Segmentation, meta: PageMetadata, host: str, path: str = "") -> list[str]:
    names = _declared_or_shown_authors(seg, meta, host, path)
    if len(names) > 1:
        # "Por Camila Rocha, São Paulo", "Por Roberto Siqueira, Portal Paulista": a menu label
        # or the logo's name beside a person is no author.
        names = _person_first(names, _site_labels(seg, meta, host))
    return names


def jsonld_author_names(meta: PageMetadata) -> list[str]:
    """The names the article's JSON-LD ``author`` gives: strings, objects' ``name``s, and
    references to a node of the page's @graph (``{"@id": "https://…/#/schema/person/…"}``)."""
    names: list[str] = []
    for item in _as_list((meta.article or {}).get("author")):
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append(item["name"])
        elif isinstance(item, dict) and isinstance(item.get("@id"), str):
            named = meta.jsonld_names.get(item["@id"])
            if named:
                names.append(named)
    return names


def _declared_or_shown_authors(
    seg: Segmentation, meta: PageMetadata, host: str, path: str
) -> list[str]:
    raw = jsonld_author_names(meta)
    if not raw:
        raw = meta.names.get("author", []) + [
            a for a in meta.properties.get("article:author", []) if "://" not in a
        ]
    names = _cleaned(raw)
    sites = {n.casefold() for n in meta.site_names}

    def no_person(found: list[str]) -> bool:
        return all(n.casefold() in sites or _ORGANISATION.search(n) for n in found)

    if not names or no_person(names):
        secondary = _cleaned(
            [
                value
                for key in _SECONDARY_AUTHOR_META
                for value in (*meta.names.get(key, []), *meta.properties.get(key, []))
            ]
        )
        if secondary and not no_person(secondary):
            names = secondary
    if not names or no_person(names):
        # No declared person: the visible byline may name one (else the organisation stays).
        shown = _visible_authors(seg, meta, host, path)
        if shown and (not names or any(not _ORGANISATION.search(n) for n in shown)):
            names = list(dict.fromkeys(shown))
        return _person_first(names, meta.site_names)
    people = _person_first(names, meta.site_names)
    if all(" " not in n for n in people):
        # Declared as a login or a first name ("arianschlichenmayer", "gabor_munier", "Nils"),
        # beside the site's name or not: the byline that spells each of them in full wins.
        for shown in (_visible_authors(seg, meta, host, path), _body_byline(seg)):
            if len(shown) == len(people) and all(
                " " in full and _folded(full).startswith(_folded(short))
                for short, full in zip(people, shown, strict=True)
            ):
                names = shown
                break
    return _person_first(names, meta.site_names)


def _cleaned(raw: list[str]) -> list[str]:
    """The names in declared author strings, cleaned, each once, in order."""
    declared: dict[str, None] = {}
    for name in raw:
        for author in _clean_author(name):
            declared.setdefault(author)
    return list(declared)


def _folded(name: str) -> str:
    """A name's letters without case, accents, spaces or punctuation ("Gàbor Muniér" ->
    "gabormunier")."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def _date(values: list[str | None], context: DateContext, *, vote: bool = False) -> datetime | None:
    """The first value that parses; with ``vote``, the first of the day most values agree on.

    Sources disagree when one of them was rewritten by an update or a migration (a JSON-LD
    ``datePublished`` two days before ``article:published_time`` and ``<meta name=date>``): the
    day more sources give wins, the page's first source on a tie.
    """
    found: list[datetime] = []
    for value in values:
        if not value:
            continue
        parsed = parse_machine_date(value, context.tz)
        if parsed is None:
            parsed = resolve_displayed(value, context)
        if parsed is not None:
            if not vote:
                return parsed
            found.append(parsed)
    if not found:
        return None
    votes = Counter(value.date() for value in found)
    best = max(votes.values())
    if votes[found[0].date()] == best:
        return found[0]
    return next(value for value in found if votes[value.date()] == best)


def _language(meta: PageMetadata) -> str | None:
    inlang = _jsonld_str((meta.article or {}).get("inLanguage"))
    for value in (meta.lang, meta.prop("og:locale"), inlang):
        if value:
            parts = value.replace("_", "-").split("-")
            if parts[0].isalpha() and 2 <= len(parts[0]) <= 3:
                tag = [parts[0].lower()]
                for sub in parts[1:]:
                    tag.append(sub.upper() if len(sub) == 2 else sub)
                return "-".join(tag)
    return None


def _tags(meta: PageMetadata) -> list[str]:
    values = list(meta.properties.get("article:tag", []))
    if not values:
        keywords = (meta.article or {}).get("keywords")
        for item in _as_list(keywords):
            if isinstance(item, str):
                values.extend(item.split(","))
    if not values:
        for key in ("news_keywords", "keywords"):
            for item in meta.names.get(key, []):
                values.extend(item.split(","))
            if values:
                break
    seen: dict[str, None] = {}
    for value in values:
        tag = normalize_space(value)
        if tag:
            seen.setdefault(tag)
    return list(seen)


def _images(seg: Segmentation, meta: PageMetadata, resolve: UrlResolver) -> list[dict[str, Any]]:
    images: dict[str, dict[str, Any]] = {}
    declared: list[str | None] = [meta.prop("og:image"), meta.prop("twitter:image")]
    for item in _as_list((meta.article or {}).get("image")):
        if isinstance(item, str):
            declared.append(item)
        elif isinstance(item, dict):
            declared.append(item.get("url") or item.get("contentUrl"))
    for value in declared[:3]:
        url = resolve(value) if isinstance(value, str) else None
        if url and url not in images:
            images[url] = {"url": url, "caption": None, "alt": None}
    main = seg.main
    if main is not None:
        scope = _article_scope(main)
        for img in scope.iter("img"):
            if _inside_excluded(img, scope, seg):
                continue
            url = resolve(image_url(img))
            if not url:
                continue
            caption = None
            figure = next((a for a in img.iterancestors("figure")), None)
            if figure is not None:
                for cap in figure.iter("figcaption"):
                    caption = clean_text(" ".join(element_text(cap))) or None
                    break
            alt = normalize_space(img.get("alt") or "") or None
            entry = images.setdefault(url, {"url": url, "caption": None, "alt": None})
            entry["caption"] = entry["caption"] or caption
            entry["alt"] = entry["alt"] or alt
    return list(images.values())


def _article_scope(main: Element) -> Element:
    """The ``<article>`` around the main text (lead figures sit beside the body), else main."""
    node: Element | None = main
    for _level in range(4):
        if node is None:
            break
        if node.tag == "article":
            return node
        node = node.getparent()
    return main


def _inside_excluded(el: Element, stop: Element, seg: Segmentation) -> bool:
    node: Element | None = el
    while node is not None and node is not stop:
        if seg.is_excluded(node):
            return True
        node = node.getparent()
    return False


def read_article_fields(
    seg: Segmentation, meta: PageMetadata, resolve: UrlResolver, context: DateContext
) -> ArticleFields:
    """Everything about the article except its body."""
    article = meta.article or {}
    lead, lead_element = _lead(seg, meta)
    others = [
        _jsonld_str(article.get("datePublished")),
        meta.prop("article:published_time"),
        meta.name("datepublished"),
        meta.name("pubdate"),
        meta.name("publish-date"),
        meta.name("dc.date"),
        meta.name("parsely-pub-date"),
        *(_jsonld_str(p.get("datePublished")) for p in meta.jsonld_pages[:1]),
        _first_time(seg),
    ]
    page_date = meta.name("date")
    published = _date([*others[:5], page_date, *others[5:]], context, vote=True)
    if published is None or (page_date and _date(others, context) is None):
        # No date, or only <meta name=date>, where many CMSs write the page's last edit: the
        # date the byline area shows is the story's.
        published = _visible_date(seg, context) or published
    modified = _date(
        [
            _jsonld_str(article.get("dateModified")),
            meta.prop("article:modified_time"),
            meta.prop("og:updated_time"),
            meta.name("datemodified"),
        ],
        context,
    )
    section = meta.prop("article:section") or _jsonld_str(article.get("articleSection"))
    canonical = resolve(meta.canonical) or resolve(meta.prop("og:url"))
    og_type = (meta.prop("og:type") or "").lower()
    return ArticleFields(
        title=_title(seg, meta, urlsplit(resolve.base).hostname or ""),
        lead=lead,
        lead_element=lead_element,
        authors=_authors(
            seg, meta, urlsplit(resolve.base).hostname or "", urlsplit(resolve.base).path
        ),
        published_at=published,
        modified_at=modified,
        language=_language(meta),
        section=section,
        tags=_tags(meta),
        images=_images(seg, meta, resolve),
        canonical_url=canonical,
        is_article_meta=og_type == "article" or bool(meta.jsonld_articles),
    )


_MONTHS = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli|"
    r"okt|dez|janv|févr|mars|avr|juil|déc|ene|abr|ago|dic|out|set|"
    r"январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр)[\w.]*"
)
# The clock after a date: "14:05", ", at 5:30 pm", " à 18h40", " · 18:40", " - 18:40",
# " alle 08:50", " 오후 6:40", " 4時45分", "18:40 م" (Arabic p.m.). Up to two short words join
# it to the date ("a las", "à", "às", "um").
_CLOCK = (
    r"(?:\s*[,·•|–—-]?\s*(?:[^\W\d_]{1,5}\.?\s+){0,2}"
    r"(?:\d{1,2}[:.h]\d{2}(?:\s*[ap]\.?m\.?|\s*[صم](?!\w))?|\d{1,2}\s*[時시]\s*\d{1,2}\s*[分분]))?"
)
# Zone abbreviations dateparser reads unambiguously (not AST: Atlantic or Arabia; not IST).
_ZONE = (
    r"(?:\s*(?:GMT|UTC|BST|CET|CEST|WET|WEST|EET|EEST|MSK|EST|EDT|CST|CDT|MST|MDT|PST|PDT|"
    r"AKST|AKDT|HST|JST|KST|HKT|SGT|AEST|AEDT|ACST|AWST|NZST|NZDT|SAST|CAT|EAT|WAT)"
    r"(?:[+-]\d{1,2})?\b)?"
)
# A date (with its time, if any) inside a line of visible text ("Filed 4 Dec 2025 14:05 GMT by",
# "2 de diciembre de 2026 · 18:40", "입력 2026.12.02. 오후 6:40", "2026年12月5日 4時45分"). The
# month may be any word: dateparser, in the page's language, decides whether it is one.
_VISIBLE_DATE = re.compile(
    rf"\b\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}})?"
    rf"|\b\d{{4}}\.\s?\d{{1,2}}\.\s?\d{{1,2}}\b\.?{_CLOCK}{_ZONE}"
    rf"|\d{{4}}\s*[年년]\s*\d{{1,2}}\s*[月월]\s*\d{{1,2}}\s*[日일]{_CLOCK}"
    rf"|\b\d{{1,2}}(?:\.\s?\d{{1,2}}\.\s?|/\d{{1,2}}/)\d{{4}}{_CLOCK}{_ZONE}"
    rf"|\b\d{{1,2}}\.?\s+(?:de\s+)?{_MONTHS},?\s+(?:de\s+)?\d{{4}}{_CLOCK}{_ZONE}"
    rf"|\b{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}{_CLOCK}{_ZONE}"
    rf"|\b\d{{1,2}}\.?\s+(?:de\s+)?[^\W\d_]{{3,}}\.?,?\s+(?:de\s+)?\d{{4}}{_CLOCK}{_ZONE}",
    re.IGNORECASE,
)
_SPACED_DOTS = re.compile(r"(?<=\d\.)\s(?=\d)")
_DATE_HINT = re.compile(
    r"date|time|meta|info|byline|posted|filed|publish|dateline|stamp|datum|fecha|zeit|heure"
)
# "Heute, 18:14 Uhr", "Today 09:12", "вчера в 23:59", "2 hours ago": a label that needs the
# capture time (a relative word: "Jan 04" or a clock time alone is no such label). Read only
# where the element (or its parent) is marked as the date or byline area, and only when the
# line is the label alone: its first part before " · " / " | ".
_NOT_BYLINE_AREA = re.compile(
    r"comment|sidebar|related|popular|most-?read|trending|teaser|widget|foot|nav|menu|promo"
)
_LABEL_SPLIT = re.compile(r"\s+[·|•]\s+|\s*\|\s*")
_MAX_LABEL_CHARS = 40
_MAX_DATE_LINE_CHARS = 160
_MAX_DATE_SCAN = 300


def _visible_date(seg: Segmentation, context: DateContext) -> datetime | None:
    """The first date shown near the article (no machine-readable one exists), if any.

    Short text elements of the article's surroundings are scanned in document order, those
    whose class or id hints at a date first; the first date-shaped substring that parses wins.
    """
    scope = seg.main.getparent() if seg.main is not None else None
    if scope is None:
        scope = seg.root
    elif seg.main is not None and (article := _article_scope(seg.main)).tag == "article":
        # The byline sits beside the text inside the story's <article> ("p.post-byline" above
        # "div.entry"), often more than one level above the main text container.
        scope = article if article is not seg.main else scope
    hinted: list[str] = []
    plain: list[str] = []
    labels: list[str] = []
    walker = etree.iterwalk(scope, events=("start",))
    for count, (_event, el) in enumerate(walker):
        if count > _MAX_DATE_SCAN * 10 or len(hinted) + len(plain) > _MAX_DATE_SCAN:
            break
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "a"):
            continue
        hint = attr_hint(el)
        if (
            seg.is_excluded(el)
            and not _byline_area(el, seg, hint)
            # A <header> inside the story's <article> is the story's (headline, date line).
            and not (el.tag == "header" and scope.tag == "article")
        ):
            walker.skip_subtree()
            continue
        own = " ".join(t for t in (el.text, *(c.tail for c in el)) if t and t.strip())
        if not own or len(own) > _MAX_DATE_LINE_CHARS:
            continue
        marked = _DATE_HINT.search(hint) is not None
        (hinted if marked else plain).append(own)
        parent = el.getparent()
        if marked or (parent is not None and _DATE_HINT.search(attr_hint(parent))):
            labels.append(own)
    for line in (*hinted, *plain):
        match = _VISIBLE_DATE.search(ascii_digits(line))
        if match is None:
            continue
        # "4. 2. 2022": German typography spaces the parts of a numeric date.
        parsed = resolve_displayed(_SPACED_DOTS.sub("", match.group(0)), context)
        if parsed is not None:
            return parsed
    return _date_label(labels, context)


def _byline_area(el: Element, seg: Segmentation, hint: str) -> bool:
    """Whether a boilerplate element is the story's byline or date line ("byline", "meta",
    "dateline" are boilerplate to the body), not a comment's, a teaser's or a sidebar's."""
    return (
        el not in seg.block_containers
        and _DATE_HINT.search(hint) is not None
        and _NOT_BYLINE_AREA.search(hint) is None
    )


def _date_label(lines: list[str], context: DateContext) -> datetime | None:
    """The first relative date label of the byline area, resolved against the capture time."""
    for line in lines:
        label = _LABEL_SPLIT.split(line.strip(), maxsplit=1)[0].strip()
        if not label or len(label) > _MAX_LABEL_CHARS:
            continue
        if not is_relative_label(label, context.languages):
            continue
        parsed = resolve_displayed(label, context)
        if parsed is not None and parsed <= context.fetched_at:
            return parsed
    return None


_MIN_TEASER_LINK_CHARS = 20


def _first_time(seg: Segmentation) -> str | None:
    scope = seg.main.getparent() if seg.main is not None else None
    if seg.main is not None:
        # The story's <main> or <article> holds its date line, often in a banner above the
        # text container ("div.title-holder" beside the kicker), more than a level up.
        scope = next(seg.main.iterancestors("main", "article"), scope)
    top = scope if scope is not None else seg.root
    for el in top.iter("time"):
        value = el.get("datetime")
        if value and not seg.is_excluded(el) and not _teaser_time(el, top):
            return value
    return None


def _teaser_time(el: Element, top: Element) -> bool:
    """Whether a ``<time>`` is a comment's (its box marked as one) or a list item's beside a
    headline link ("More press releases": each ``<li>`` a date and a story's title): another
    text's time, not the article's."""
    for node in el.iterancestors():
        if node is top:
            break
        if _COMMENT_HINT.search(attr_hint(node)):
            return True
    item = next(el.iterancestors("li"), None)
    return item is not None and any(
        len(normalize_space(str(raw_string(a)))) >= _MIN_TEASER_LINK_CHARS for a in item.iter("a")
    )
