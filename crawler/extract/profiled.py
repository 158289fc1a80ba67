"""Profile overrides: what a site profile's selectors extract, field by field.

:func:`apply_article_selectors` replaces each generic article field for which the profile has a
selector that finds something (a selector that finds nothing leaves the generic value, so a
template change degrades to the generic extractor rather than to empty fields).
:func:`read_profile_blocks` reads the profile's named headline blocks with their item
selectors. Displayed dates are tried against the profile's ``date_formats`` first (in the
site's timezone), then parsed like any other date.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crawler.extract.counts import parse_count
from crawler.extract.dates import parse_machine_date, resolve_displayed
from crawler.extract.dom import image_url
from crawler.extract.headlines import HeadlineFields
from crawler.extract.selectors import select, select_texts
from crawler.extract.text import clean_text

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

    from crawler.extract.article import ArticleFields
    from crawler.extract.dates import DateContext
    from crawler.extract.links import UrlResolver
    from crawler.profile import ArticleSelectors, HeadlineBlockSelectors, SiteProfile

__all__ = [
    "ProfiledArticle",
    "apply_article_selectors",
    "matches",
    "parse_profile_date",
    "read_profile_blocks",
]


@dataclasses.dataclass
class ProfiledArticle:
    """Article fields after the overrides, the body paragraphs if overridden, what was used."""

    fields: ArticleFields
    paragraphs: list[str] | None
    used: list[str]


def matches(root: Element, selector: str) -> bool:
    return bool(select(root, selector))


def parse_profile_date(
    raw: str, context: DateContext, date_formats: tuple[str, ...]
) -> datetime | None:
    """A date read by a profile selector: the profile's formats, then ISO, then displayed."""
    text = " ".join(raw.split())
    for fmt in date_formats:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=context.tz)
        return parsed
    return parse_machine_date(text, context.tz) or resolve_displayed(text, context)


def _date_of(value: Element | str, context: DateContext, formats: tuple[str, ...]) -> Any:
    if not isinstance(value, str):
        machine = value.get("datetime") or value.get("content")
        if machine:
            parsed = parse_machine_date(machine, context.tz)
            if parsed is not None:
                return parsed, machine
        texts = select_texts(value, ".")
        value = texts[0] if texts else ""
    return parse_profile_date(value, context, formats), value


def _image(value: Element | str, resolve: UrlResolver) -> str | None:
    if isinstance(value, str):
        return resolve(value)
    img = value if value.tag == "img" else next(value.iter("img"), None)
    return resolve(image_url(img)) if img is not None else None


def _caption(value: Element | str) -> dict[str, str | None]:
    if isinstance(value, str):
        return {"caption": None, "alt": None}
    img = value if value.tag == "img" else next(value.iter("img"), None)
    figure = next(value.iterancestors("figure"), None) if value.tag != "figure" else value
    caption = None
    if figure is not None:
        caption = next((clean_text(t) for t in select_texts(figure, "figcaption")), None)
    alt = " ".join((img.get("alt") or "").split()) if img is not None else ""
    return {"caption": caption or None, "alt": alt or None}


def apply_article_selectors(
    root: Element,
    selectors: ArticleSelectors,
    fields: ArticleFields,
    context: DateContext,
    resolve: UrlResolver,
    *,
    date_formats: tuple[str, ...] = (),
) -> ProfiledArticle:
    """The generic fields with every field the profile's selectors find replaced."""
    changes: dict[str, Any] = {}
    paragraphs: list[str] | None = None

    def texts(selector: str | None, **kwargs: bool) -> list[str]:
        return [clean_text(t) for t in select_texts(root, selector, **kwargs)] if selector else []

    if title := texts(selectors.title):
        changes["title"] = title[0]
    if lead := texts(selectors.lead):
        changes["lead"] = " ".join(lead)
        changes["lead_element"] = None
    if body := [t for t in texts(selectors.body, paragraphs=True) if t]:
        paragraphs = body
    if authors := texts(selectors.authors):
        changes["authors"] = list(dict.fromkeys(authors))
    for name, selector in (
        ("published_at", selectors.published),
        ("modified_at", selectors.modified),
    ):
        if selector:
            for value in select(root, selector):
                parsed, _raw = _date_of(value, context, date_formats)
                if parsed is not None:
                    changes[name] = parsed
                    break
    if section := texts(selectors.section):
        changes["section"] = section[0]
    if tags := texts(selectors.tags):
        changes["tags"] = list(dict.fromkeys(tags))
    if selectors.images:
        images: dict[str, dict[str, Any]] = {}
        for value in select(root, selectors.images):
            url = _image(value, resolve)
            if url and url not in images:
                images[url] = {"url": url, **_caption(value)}
        if images:
            changes["images"] = list(images.values())
    used = sorted(changes.keys() - {"lead_element"}) + (["body"] if paragraphs else [])
    return ProfiledArticle(dataclasses.replace(fields, **changes), paragraphs, used)


def _first(item: Element, selector: str | None) -> Element | str | None:
    if not selector:
        return None
    found = select(item, selector)
    return found[0] if found else None


def _read_block_item(
    item: Element,
    spec: HeadlineBlockSelectors,
    context: DateContext,
    resolve: UrlResolver,
    date_formats: tuple[str, ...],
) -> tuple[str, str | None, dict[str, Any]] | None:
    first_link = next((a for a in item.iter("a") if a.get("href")), None)
    link = _first(item, spec.link)
    href: str | None
    if isinstance(link, str):
        href = link
    elif link is not None:
        href = link.get("href")
    else:
        href = first_link.get("href") if first_link is not None else None
    url = resolve(href)
    if not url:
        return None
    title_texts = (
        select_texts(item, spec.title)
        if spec.title
        else (select_texts(first_link, ".") if first_link is not None else [])
    )
    title = clean_text(" ".join(title_texts[:1]))
    if not title:
        return None
    extra: dict[str, Any] = {"views": None, "views_raw": None}
    views = _first(item, spec.views)
    if views is not None:
        raw = views if isinstance(views, str) else " ".join(select_texts(views, "."))
        extra["views"], extra["views_raw"] = parse_count(raw, context.languages), raw or None
    extra["published_at"], extra["published_raw"] = None, None
    when = _first(item, spec.time)
    if when is not None:
        parsed, raw = _date_of(when, context, date_formats)
        extra["published_at"], extra["published_raw"] = parsed, raw or None
    image = _first(item, spec.image) if spec.image else next(item.iter("img"), None)
    extra["image"] = _image(image, resolve) if image is not None else None
    return title, url, extra


def read_profile_blocks(
    root: Element, profile: SiteProfile, context: DateContext, resolve: UrlResolver
) -> tuple[list[HeadlineFields], list[Element]]:
    """Items of the profile's headline blocks, and the containers they were found in."""
    out: list[HeadlineFields] = []
    containers: list[Element] = []
    for spec in profile.headline_blocks:
        position = 0
        for container in select(root, spec.container):
            if isinstance(container, str):
                continue
            containers.append(container)
            for item in select(container, spec.item):
                if isinstance(item, str) or item is container:
                    continue
                read = _read_block_item(item, spec, context, resolve, profile.date_formats)
                if read is None:
                    continue
                title, url, extra = read
                position += 1
                out.append(
                    HeadlineFields(
                        block=spec.name, position=position, title=title, url=url or "", **extra
                    )
                )
    return out, containers
