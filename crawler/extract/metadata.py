"""Page metadata: JSON-LD articles, OpenGraph / ``article:*`` and named ``<meta>`` tags, the
document language, the canonical link and the title tag.

Read in one pass over ``<meta>``, ``<link>``, ``<script type="application/ld+json">`` and
``<title>`` elements, before the segmenter strips scripts from the tree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.extract.text import normalize_space

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

__all__ = ["ARTICLE_TYPES", "PAGE_TYPES", "PageMetadata", "read_metadata"]

#: schema.org types treated as an article.
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "ScholarlyArticle",
        "TechArticle",
        "SocialMediaPosting",
    }
)
#: schema.org types of a page as a whole (its ``datePublished`` is the article's when the page
#: declares no article object).
PAGE_TYPES = frozenset({"WebPage", "ItemPage", "AboutPage", "CollectionPage", "ProfilePage"})
_JSON_DEPTH = 6
_MAX_JSONLD_CHARS = 1_000_000
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")


@dataclass
class PageMetadata:
    """Metadata declared by the page itself."""

    lang: str | None = None
    """``<html lang>``."""
    canonical: str | None = None
    """``<link rel=canonical href>`` as written (relative URLs are resolved by the caller)."""
    title_tag: str | None = None
    properties: dict[str, list[str]] = field(default_factory=dict)
    """``<meta property=…>`` values (OpenGraph, ``article:*``), keys lowercased, in page order."""
    names: dict[str, list[str]] = field(default_factory=dict)
    """``<meta name=…>`` / ``itemprop`` values, keys lowercased, in page order."""
    jsonld_articles: list[dict[str, Any]] = field(default_factory=list)
    """JSON-LD objects whose ``@type`` is an article type, in page order."""
    jsonld_pages: list[dict[str, Any]] = field(default_factory=list)
    """JSON-LD objects whose ``@type`` is a web page type (:data:`PAGE_TYPES`), in page order."""
    jsonld_types: set[str] = field(default_factory=set)
    """Every ``@type`` seen in JSON-LD."""
    site_names: list[str] = field(default_factory=list)
    """``og:site_name``, ``application-name`` and JSON-LD publisher names."""
    jsonld_names: dict[str, str] = field(default_factory=dict)
    """``@id`` -> ``name`` of the JSON-LD nodes that have both (a Yoast ``@graph`` names the
    article's author as ``{"@id": "…#author"}`` and the person in a node of its own)."""

    def prop(self, key: str) -> str | None:
        """First value of a ``<meta property>`` (or, failing that, ``<meta name>``) tag."""
        values = self.properties.get(key) or self.names.get(key)
        return values[0] if values else None

    def name(self, key: str) -> str | None:
        """First value of a ``<meta name>`` tag."""
        values = self.names.get(key)
        return values[0] if values else None

    @property
    def article(self) -> dict[str, Any] | None:
        """The first JSON-LD article object, if any."""
        return self.jsonld_articles[0] if self.jsonld_articles else None


def _types(obj: dict[str, Any]) -> list[str]:
    value = obj.get("@type")
    if isinstance(value, str):
        return [value.rsplit("/", 1)[-1]]
    if isinstance(value, list):
        return [v.rsplit("/", 1)[-1] for v in value if isinstance(v, str)]
    return []


def _walk_jsonld(data: Any, meta: PageMetadata, depth: int = 0) -> None:
    if depth > _JSON_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            _walk_jsonld(item, meta, depth + 1)
        return
    if not isinstance(data, dict):
        return
    types = _types(data)
    meta.jsonld_types.update(types)
    node_id, name = data.get("@id"), data.get("name")
    if isinstance(node_id, str) and isinstance(name, str) and name.strip():
        meta.jsonld_names.setdefault(node_id, name)
    if any(t in ARTICLE_TYPES for t in types):
        meta.jsonld_articles.append(data)
        publisher = data.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            meta.site_names.append(publisher["name"])
    elif any(t in PAGE_TYPES for t in types):
        meta.jsonld_pages.append(data)
    elif "WebSite" in types and isinstance(data.get("name"), str):
        meta.site_names.append(data["name"])
    for key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart"):
        child = data.get(key)
        if isinstance(child, (dict, list)):
            _walk_jsonld(child, meta, depth + 1)


def _load_jsonld(text: str) -> Any:
    text = _CDATA.sub("", text.strip())
    if not text or len(text) > _MAX_JSONLD_CHARS:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    # Some CMSs leave raw newlines/tabs inside strings; the strict=False decoder accepts them.
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None


# Values kept as written but for collapsed runs of spaces (titles keep their U+3000).
_TITLE_KEYS = frozenset({"og:title", "twitter:title"})


def _add(mapping: dict[str, list[str]], key: str, value: str | None) -> None:
    if value is None:
        return
    value = normalize_space(value, keep_ideographic=key.strip().lower() in _TITLE_KEYS)
    if value:
        mapping.setdefault(key.strip().lower(), []).append(value)


def read_metadata(root: Element) -> PageMetadata:
    """Read the metadata of a parsed page (call before scripts are stripped)."""
    meta = PageMetadata()
    meta.lang = (root.get("lang") or root.get("xml:lang") or "").strip() or None
    for el in root.iter("meta", "link", "script", "title"):
        tag = el.tag
        if tag == "meta":
            content = el.get("content")
            prop = el.get("property")
            if prop:
                for key in prop.split():
                    _add(meta.properties, key, content)
            name = el.get("name") or el.get("itemprop")
            if name:
                _add(meta.names, name, content)
            elif el.get("http-equiv", "").lower() == "content-language" and not meta.lang:
                meta.lang = (content or "").split(",")[0].strip() or None
        elif tag == "link":
            rel = (el.get("rel") or "").lower().split()
            if "canonical" in rel and meta.canonical is None:
                meta.canonical = (el.get("href") or "").strip() or None
        elif tag == "script":
            if (el.get("type") or "").strip().lower() == "application/ld+json" and el.text:
                _walk_jsonld(_load_jsonld(el.text), meta)
        elif tag == "title" and meta.title_tag is None and el.text:
            meta.title_tag = normalize_space(el.text, keep_ideographic=True) or None
    for key in ("og:site_name", "application-name", "twitter:site"):
        value = meta.prop(key)
        if value:
            meta.site_names.append(value.lstrip("@"))
    return meta
