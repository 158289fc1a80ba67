"""When to render a page in a browser: the render mode and the ``auto`` detector.

A page is rendered only when plain HTTP cannot give its items. The mode comes from the command
line (``--render``, setting ``RENDER_MODE`` at command-line priority), else the site profile's
``render`` key, else ``RENDER_MODE``:

``never``
    Plain HTTP only (the default).
``always``
    Every page of the crawl goes through the browser.
``auto``
    Pages are fetched plainly; when a plain page looks like it needs scripts
    (:func:`needs_rendering`: an application shell, or article/sidebar containers left empty
    for scripts to fill) it is fetched again in the browser, and from then on every page of that
    site is rendered directly (:class:`RenderPolicy` remembers it per site).

Pure functions and plain state: no Scrapy, no settings, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from lxml import etree, html
from scrapy.settings import SETTINGS_PRIORITIES

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from crawler.profile import SiteProfile

__all__ = [
    "RENDER_MODES",
    "RENDER_TOO_LARGE_FLAG",
    "RenderMode",
    "RenderPolicy",
    "effective_render_mode",
    "needs_rendering",
    "parse_render_mode",
]


class RenderMode(StrEnum):
    """Whether pages go through the browser."""

    NEVER = "never"
    ALWAYS = "always"
    AUTO = "auto"


RENDER_MODES = tuple(mode.value for mode in RenderMode)

#: Response flag of a page fetched without the browser because its document was over
#: ``RENDER_MAXSIZE`` (set by the render handler; such a page is not sent to be rendered again).
RENDER_TOO_LARGE_FLAG = "render_too_large"


def parse_render_mode(value: object) -> RenderMode:
    """``"never" | "always" | "auto"`` (any case) → :class:`RenderMode`; ValueError otherwise."""
    text = str(value).strip().lower() if value is not None else ""
    try:
        return RenderMode(text)
    except ValueError:
        raise ValueError(
            f"render mode must be one of {', '.join(RENDER_MODES)}, got {value!r}"
        ) from None


# Mount points of single-page applications.
_SHELL_ROOT = re.compile(r"^(root|app|__next|__nuxt|main-app|app-root|svelte)$", re.IGNORECASE)
# Containers that scripts fill with the article text or with sidebar headline lists. Ads,
# recommendation widgets and sign-up boxes are also often empty: they never count.
_ARTICLE_SLOT = re.compile(
    r"(article[-_]?(body|content|text)|story[-_]?(body|content|text)|post[-_]?(body|content))",
    re.IGNORECASE,
)
_SIDEBAR_SLOT = re.compile(
    r"(most[-_]?(read|popular|viewed)|mostread|popular|trending|top[-_]?stories|headlines)",
    re.IGNORECASE,
)
_NOT_CONTENT = re.compile(
    r"(^|[-_ ])(ad|ads|gpt|dfp|banner|sponsor|promo|taboola|outbrain|zergnet|newsletter|"
    r"signup|login|search|cart|video|comments?)([-_ ]|$)",
    re.IGNORECASE,
)
_DECORATION = re.compile(r"divider|spacer|separator", re.IGNORECASE)
_CONTAINER_TAGS = ("div", "section", "aside", "ul", "ol", "main", "article")
_SHELL_TEXT_LIMIT = 200  # characters: a body with less visible text is an app shell
_NOSCRIPT_HINT = re.compile(
    r"enable javascript|requires javascript|javascript (is )?required", re.I
)


def _visible_text_length(body: etree._Element) -> int:
    total = 0
    for text in body.itertext():
        total += len(text.strip())
    for el in body.iter("script", "style", "noscript", "template"):
        total -= len(_text(el).strip())
    return total


def _text(el: etree._Element) -> str:
    return "".join(str(text) for text in el.itertext())


def _is_empty(el: etree._Element) -> bool:
    return len(el) == 0 and not (el.text or "").strip()


def needs_rendering(
    page_html: str, *, found_article: bool = False, found_headlines: bool = False
) -> str | None:
    """Why a plainly fetched page needs a browser, or ``None`` when plain HTTP will do.

    Only pages with scripts qualify. Signs: an application shell (an empty ``#root``/``#app``
    mount point, or almost no visible text); or, where the plain page gave no article
    (``found_article``), an empty article-body container; or, where it gave no headlines
    (``found_headlines``), an empty "most read"/"trending" container. Empty ad, widget and
    sign-up slots are ignored: real news pages are full of them.
    """
    try:
        doc = html.document_fromstring(page_html)
    except (etree.ParserError, ValueError):
        return None
    has_script = any(
        (el.get("type") or "text/javascript").lower()
        in {"text/javascript", "module", "application/javascript"}
        for el in doc.iter("script")
    )
    if not has_script:
        return None
    body = doc.find("body")
    if body is None:
        return "app shell: no <body> in a page with scripts"
    for el in body.iter(*_CONTAINER_TAGS):
        ident = el.get("id") or ""
        if ident and _SHELL_ROOT.match(ident) and _is_empty(el):
            return f"app shell: empty mount point #{ident}"
    if _visible_text_length(body) < _SHELL_TEXT_LIMIT:
        for el in body.iter("noscript"):
            if _NOSCRIPT_HINT.search(_text(el)):
                return "app shell: <noscript> asks for JavaScript"
        return "app shell: almost no visible text"
    if found_article and found_headlines:
        return None
    for el in body.iter(*_CONTAINER_TAGS):
        if not _is_empty(el):
            continue
        names = " ".join(filter(None, (el.get("id"), el.get("class"))))
        if not names or _NOT_CONTENT.search(names) or _DECORATION.search(names):
            continue
        label = f"{el.tag}#{el.get('id')}" if el.get("id") else f"{el.tag}.{names.split()[0]}"
        if not found_article and _ARTICLE_SLOT.search(names):
            return f"empty article container {label} left for scripts to fill"
        if not found_headlines and _SIDEBAR_SLOT.search(names):
            return f"empty headline container {label} left for scripts to fill"
    return None


@dataclass
class RenderPolicy:
    """Per-crawl render decisions; in ``auto`` mode, remembers which sites need the browser."""

    mode: RenderMode
    rendered_sites: dict[str, str] = field(default_factory=dict)
    """Site → the reason the first page of that site needed rendering."""

    def render_first(self, site: str) -> bool:
        """Should a new request to ``site`` go straight to the browser?"""
        if self.mode is RenderMode.ALWAYS:
            return True
        return self.mode is RenderMode.AUTO and site in self.rendered_sites

    def check_plain(
        self, site: str, page_html: str, *, found_article: bool, found_headlines: bool
    ) -> str | None:
        """In ``auto`` mode, judge a plain page; on a positive, remember the site. → reason."""
        if self.mode is not RenderMode.AUTO or site in self.rendered_sites:
            return None
        reason = needs_rendering(
            page_html, found_article=found_article, found_headlines=found_headlines
        )
        if reason is not None:
            self.rendered_sites[site] = reason
        return reason


def effective_render_mode(settings: BaseSettings, profile: SiteProfile | None) -> RenderMode:
    """``--render``/``-s RENDER_MODE`` if given, else the profile's ``render``, else the setting.

    The one precedence rule, used by the command line (to skip the browser machinery when
    nothing will be rendered) and by the spider.
    """
    from_cmdline = (settings.getpriority("RENDER_MODE") or 0) >= SETTINGS_PRIORITIES["cmdline"]
    value = str(settings.get("RENDER_MODE", "never"))
    if not from_cmdline and profile is not None and profile.render:
        value = profile.render
    return parse_render_mode(value)
