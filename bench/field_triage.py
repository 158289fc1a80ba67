"""Why newsarc's title, published date and authors are wrong on the eval-dev pages: a triage.

For every page of ``../shared/benchmarks/trafilatura-eval-dev`` whose truth has the field and
whose newsarc value is wrong (as :mod:`bench.realpages` scores it), the first cause that holds:

* **absent** (the ceiling): the truth is nowhere in the page. Title: its normalised text (NFC,
  entities, JSON ``\\u`` escapes, whitespace, case) is in no text node or attribute value and
  not in the URL (``absent, loose`` when it is there only once punctuation is dropped: the
  annotation writes other quotes or dashes than the page). Date: the truth's day is written in
  no format the page could use (ISO, numeric in any order and separator, month names of the
  CLDR locales in :data:`LOCALES`, CJK, compact ``YYYYMMDD`` / ``DDMMYYYY``, a Unix
  timestamp of that day in some zone). Authors: no truth name (as the harness normalises names)
  is in the page (``partly absent`` when some are, which caps the page's F1).
* **no article**: the page yields no article (its page type and reason).
* **none found** (date, authors): newsarc gives nothing although the truth is on the page.
* **normalisation**: newsarc's title is the truth but for punctuation, a site name or kicker
  left on (``suffix left``, ``prefix left``) or a part cut off (``cut``); authors that are the
  truth but for the split or extra words.
* **day shift**: newsarc's day is one off the truth's, and a source gives the truth's day in its
  own offset (a timezone conversion), or none does (``day shift, no source``).
* **wrong candidate**: a source newsarc reads gives the truth, another won (``won → right``).
* **other**: the truth is on the page but in no source newsarc reads.

Then the ceiling per field: the share of pages whose truth is on the page at all (authors: the
mean of each page's best F1 when every name on the page is found and no other), the highest
score any extractor can reach on these pages::

    uv run python bench/field_triage.py [--half tune|held|both] [--list]

``--sources`` prints instead, per field, how often each candidate source is right on the
pages where it gives a value (the structural byline kinds one by one), to choose sources by
measured reliability::

    uv run python bench/field_triage.py --half tune --sources
"""

from __future__ import annotations

import argparse
import html as html_lib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bench.realpages import (
    EVAL_SET,
    FETCHED,
    SHARED,
    Page,
    _name,
    author_f1,
    half_of,
    load_set,
    normalize,
    title_match,
)
from crawler.extract import PageInput, extract_page
from crawler.extract import article as article_mod
from crawler.extract import page as page_mod
from crawler.extract.dates import DateContext, parse_machine_date, resolve_displayed, url_day
from crawler.extract.dom import attr_hint, element_text
from crawler.extract.fallback import second_pass_date
from crawler.extract.links import UrlResolver
from crawler.extract.metadata import read_metadata
from crawler.extract.segment import segment
from crawler.extract.text import normalize_space, strip_title_suffix

#: CLDR locales whose month names a date may be written in (the set's languages and more).
LOCALES = (
    "en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "uk", "cs", "sk", "sl", "hr", "sr",
    "bg", "ro", "hu", "fi", "sv", "da", "nb", "el", "tr", "ca", "eu", "gl", "lt", "lv", "et",
    "ar", "he", "fa", "hi", "id", "vi", "ja", "zh", "ko",
)  # fmt: skip
FIELDS = ("title", "date", "authors")
_LOOSE = re.compile(r"[\W_]+")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_EPOCH = re.compile(r"(?<!\d)(1\d{9})(\d{3})?(?!\d)")
_ISO_TIME = re.compile(
    r"(?<!\d)(\d{4}-\d{2}-\d{2})[t ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(z|[+-]\d{2}:?\d{2})?"
)
_ZONES = [timedelta(hours=h) for h in range(-12, 15)]


def loose(text: str) -> str:
    """Letters and digits only, single-spaced, case-folded."""
    return _LOOSE.sub(" ", normalize(text).casefold()).strip()


# --- the page as text --------------------------------------------------------------------------


@dataclass
class Haystack:
    """Everything the page writes: text nodes (scripts included), attribute values, the URL."""

    text: str
    loose: str
    names: str

    @classmethod
    def of(cls, page: Page) -> Haystack:
        root = page_mod._parse(page.html)
        parts: list[str] = [page.url, unquote(page.url)]
        if root is not None:
            for el in root.iter():
                if isinstance(el.tag, str):
                    parts.extend(str(v) for v in el.attrib.values() if v)
            texts = [str(t) for t in root.itertext()]
            parts.append("".join(texts))
            parts.append(" ".join(texts))
        raw = "\n".join(parts)
        raw = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw).replace("\\/", "/")
        text = normalize(html_lib.unescape(raw)).casefold()
        return cls(text, loose(text), _name(text))


@lru_cache(maxsize=16)
def _month_names(month: int) -> tuple[str, ...]:
    from babel import Locale  # noqa: PLC0415

    names: set[str] = set()
    for code in LOCALES:
        months = Locale.parse(code).months
        for context in months.values():
            for width in ("wide", "abbreviated"):
                name = context.get(width, {}).get(month)
                if name:
                    names.add(name.casefold())
                    names.add(name.casefold().rstrip("."))
    return tuple(n for n in names if len(n) >= 3)


def day_forms(day: date, hay: str) -> Iterable[str]:
    """The ways a page may write ``day`` (only the month names that occur in ``hay``)."""
    y, m, d = day.year, day.month, day.day
    years = (f"{y}", f"{y % 100:02d}")
    months = {f"{m}", f"{m:02d}"}
    days = {f"{d}", f"{d:02d}"}
    for mm in months:
        for dd in days:
            for sep in ("-", "/", ".", ". ", " ", "_"):
                yield f"{y}{sep}{mm}{sep}{dd}"
                for yy in years:
                    yield f"{dd}{sep}{mm}{sep}{yy}"
                    yield f"{mm}{sep}{dd}{sep}{yy}"
    yield f"{y}{m:02d}{d:02d}"
    yield f"{d:02d}{m:02d}{y}"
    yield f"{y}年{m}月{d}日"
    yield f"{y}年{m:02d}月{d:02d}日"
    yield f"{y}년 {m}월 {d}일"
    for name in _month_names(m):
        if name not in hay:
            continue
        for dd in days:
            for ordinal in ("", "st", "nd", "rd", "th", "."):
                yield f"{dd}{ordinal} {name} {y}"
                yield f"{dd}{ordinal} {name}, {y}"
                yield f"{dd}{ordinal} of {name} {y}"
                yield f"{name} {dd}{ordinal}, {y}"
                yield f"{name} {dd}{ordinal} {y}"
            yield f"{dd} de {name} de {y}"
            yield f"{dd} de {name} {y}"
            yield f"{dd}-{name}-{y}"
            yield f"{dd} {name}. {y}"
            yield f"{name}. {dd}, {y}"


def day_on_page(day: date, hay: Haystack) -> bool:
    """Whether the page writes ``day`` in any format (see the module docstring)."""
    for form in day_forms(day, hay.text):
        start = hay.text.find(form)
        while start >= 0:
            before = hay.text[start - 1] if start else " "
            end = start + len(form)
            after = hay.text[end] if end < len(hay.text) else " "
            if not before.isalnum() and not (
                after.isdigit() or (after.isalpha() and form[-1].isalpha())
            ):
                return True
            start = hay.text.find(form, start + 1)
    # A timestamp of the evening before or the morning after is that day in some zone.
    instants = [datetime.fromtimestamp(int(m.group(1)), UTC) for m in _EPOCH.finditer(hay.text)]
    for match in _ISO_TIME.finditer(hay.text):
        parsed = parse_machine_date(f"{match.group(1)}T{match.group(2)}{match.group(3) or ''}")
        if parsed is not None:
            instants.append(parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    return any((instant + zone).date() == day for instant in instants for zone in _ZONES)


def name_on_page(name: str, hay: Haystack) -> bool:
    folded = _name(name)
    return bool(folded) and re.search(rf"(?<!\w){re.escape(folded)}(?!\w)", hay.names) is not None


def title_on_page(title: str, hay: Haystack) -> str | None:
    """``"exact"``, ``"loose"`` (only once punctuation is dropped) or ``None``."""
    if normalize(title).casefold() in hay.text:
        return "exact"
    folded = loose(title)
    if folded and folded in hay.loose:
        return "loose"
    return None


# --- the sources newsarc reads -----------------------------------------------------------------


@dataclass
class Sources:
    """Each source's value for a field, by the source's name."""

    titles: dict[str, str] = field(default_factory=dict)
    dates: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)
    """(day in the site's zone as newsarc reads it, day in the value's own offset)."""
    authors: dict[str, list[str]] = field(default_factory=dict)


def _day_pair(value: str | None, context: DateContext) -> tuple[date | None, date | None]:
    if not value:
        return None, None
    parsed = parse_machine_date(value, context.tz)
    own = parse_machine_date(value)
    if parsed is None:
        parsed = resolve_displayed(value, context)
        own = parsed
    return (parsed.date() if parsed else None, own.date() if own else None)


def read_sources(page: Page) -> Sources:
    """The candidates newsarc's title, date and author code choose from, read as it reads them."""
    out = Sources()
    root = page_mod._parse(page.html)
    if root is None:
        return out
    meta = read_metadata(root)
    resolve = UrlResolver(page.url, root)
    host = urlsplit(page.url).hostname or ""
    tz = page_mod._site_tz(None, meta, root, host) or UTC
    context = DateContext(
        fetched_at=FETCHED, tz=tz, languages=page_mod._languages(None, meta), date_order=None
    )
    seg = segment(root, resolve, page.url)
    article: dict[str, Any] = meta.article or {}
    declared = {
        "jsonld headline": article_mod._jsonld_str(article.get("headline")),
        "jsonld name": article_mod._jsonld_str(article.get("name")),
        "og:title": meta.prop("og:title"),
        "twitter:title": meta.prop("twitter:title"),
        "<title>": meta.title_tag,
    }
    for name, value in declared.items():
        if value:
            out.titles[name] = value
            out.titles[f"{name} stripped"] = strip_title_suffix(value, meta.site_names, host)
    for index, h1 in enumerate(root.iter("h1")):
        if index >= 5:
            break
        out.titles[f"h1[{index}]"] = article_mod._heading_text(h1)
    for index, heading in enumerate(root.iter("h2", "h3")):
        if index >= 30:
            break
        out.titles.setdefault(f"h2/h3[{index}]", article_mod._heading_text(heading))
    times = [el.get("datetime") for el in root.iter("time") if el.get("datetime")]
    date_values = {
        "jsonld datePublished": article_mod._jsonld_str(article.get("datePublished")),
        "article:published_time": meta.prop("article:published_time"),
        "meta datepublished": meta.name("datepublished"),
        "meta pubdate": meta.name("pubdate"),
        "meta publish-date": meta.name("publish-date"),
        "meta date": meta.name("date"),
        "meta dc.date": meta.name("dc.date"),
        "meta parsely-pub-date": meta.name("parsely-pub-date"),
        "jsonld page datePublished": next(
            (article_mod._jsonld_str(p.get("datePublished")) for p in meta.jsonld_pages[:1]),
            None,
        ),
        "first main <time>": article_mod._first_time(seg),
        "jsonld dateModified": article_mod._jsonld_str(article.get("dateModified")),
        "article:modified_time": meta.prop("article:modified_time"),
        "meta dc.date.issued": meta.name("dc.date.issued") or meta.name("dcterms.issued"),
        "meta og:published_time": meta.prop("og:published_time") or meta.prop("og:pubdate"),
        **{f"<time>[{i}]": v for i, v in enumerate(times[:10])},
    }
    for name, value in date_values.items():
        pair = _day_pair(value, context)
        if pair[0] is not None:
            out.dates[name] = pair
    visible = article_mod._visible_date(seg, context)
    if visible is not None:
        out.dates["visible date"] = (visible.date(), visible.date())
    from_url = url_day(page.url)
    if from_url is not None:
        out.dates["URL"] = (from_url, from_url)
    found = second_pass_date(page.html, page.url, FETCHED, tz)
    if found is not None:
        out.dates["htmldate"] = (found.date(), found.date())
    raw_jsonld = article_mod.jsonld_author_names(meta)
    author_values = {
        "jsonld author": raw_jsonld,
        "meta author": meta.names.get("author", []),
        "article:author": [a for a in meta.properties.get("article:author", []) if "://" not in a],
        **{
            f"meta {key}": [*meta.names.get(key, []), *meta.properties.get(key, [])]
            for key in article_mod._SECONDARY_AUTHOR_META
        },
    }
    for name, values in author_values.items():
        cleaned = article_mod._cleaned(values)
        if cleaned:
            out.authors[name] = cleaned
    shown = article_mod._visible_authors(seg, meta, host)
    if shown:
        out.authors["visible byline"] = shown
    body = article_mod._body_byline(seg)
    if body:
        out.authors["byline in the story"] = body
    out.authors.update(_byline_elements(seg, meta, host))
    return out


_BY_PREFIX = re.compile(r"^(?:by|von|par|por|di|door|przez|автор:?)\s+\S", re.IGNORECASE)


def _byline_elements(seg: Any, meta: Any, host: str) -> dict[str, list[str]]:
    """The structural byline candidates one by one (the first element of each kind outside
    comments and headline blocks, names cleaned as newsarc cleans them), to measure each."""
    found: dict[str, list[str]] = {}

    def first(name: str, names: list[str]) -> None:
        if names and name not in found:
            found[name] = names

    for count, el in enumerate(seg.root.iter(*article_mod._BYLINE_TAGS)):
        if count > article_mod._MAX_BYLINE_SCAN:
            break
        size = seg.text_len.get(el, 0)
        if not size or size > article_mod._MAX_BYLINE_CHARS:
            continue
        if article_mod._inside(el, seg.block_containers, article_mod._COMMENT_HINT):
            continue
        text = " ".join(element_text(el))
        href = el.get("href") or ""
        hint = attr_hint(el)
        if el.tag == "a" and "author" in (el.get("rel") or ""):
            first("rel=author link", article_mod._clean_author(text))
        if (
            el.tag == "a"
            and article_mod._AUTHOR_HREF.search(href)
            and article_mod._same_site_href(href, host)
        ):
            first("author-path link", article_mod._clean_author(text))
        if "author" in (el.get("itemprop") or ""):
            first("itemprop=author", article_mod._clean_author(text))
        if "byline" in hint:
            first("byline class", article_mod._clean_author(text))
        elif "author" in hint:
            first("author class", article_mod._clean_author(text))
        if el.tag != "a" and el not in seg.has_block and _BY_PREFIX.match(normalize_space(text)):
            first("By/Von/Par … line", article_mod._clean_author(text))
    label, data = meta.name("twitter:label1") or "", meta.name("twitter:data1")
    if data and article_mod._AUTHOR_LABEL.search(label):
        first("twitter:data1", article_mod._clean_author(data))
    return found


def source_table(pages: Sequence[Page], half: str) -> str:
    """How often each candidate source is right where it gives a value (the reliability the
    title, date and author code should choose by)."""
    rows: dict[str, dict[str, dict[str, float]]] = {name: {} for name in FIELDS}
    counts = dict.fromkeys(FIELDS, 0)
    for page in pages:
        if not (page.title or page.date or page.author):
            continue
        sources = read_sources(page)
        if page.title:
            counts["title"] += 1
            for name, value in sources.titles.items():
                kind = _kind([name])
                hit = float(title_match(value, page.title))
                _best(rows["title"], kind, page.page_id, hit)
        if page.date:
            counts["date"] += 1
            truth = date.fromisoformat(page.date)
            for name, (day, _own) in sources.dates.items():
                _best(rows["date"], _kind([name]), page.page_id, float(day == truth))
        if page.author:
            counts["authors"] += 1
            for name, names in sources.authors.items():
                _best(rows["authors"], name, page.page_id, author_f1(names, page.author))
    lines = [f"### eval-dev, {half} half: each source where it gives a value", ""]
    for name in FIELDS:
        lines += [
            f"{name} ({counts[name]} pages with a truth)",
            "",
            "| source | pages with a value | right | share right | mean score |",
            "|---|---|---|---|---|",
        ]
        table = sorted(rows[name].items(), key=lambda kv: -sum(kv[1].values()))
        for source, by_page in table:
            values = list(by_page.values())
            right = sum(1 for v in values if v >= 1.0)
            lines.append(
                f"| {source} | {len(values)} | {right} | {right / len(values):.3f} "
                f"| {sum(values) / len(values):.3f} |"
            )
        lines.append("")
    return "\n".join(lines)


def _best(rows: dict[str, dict[str, float]], kind: str, page_id: str, score: float) -> None:
    """A source kind's score on a page: the best of its instances (``h1[0]``, ``h1[1]`` …)."""
    by_page = rows.setdefault(kind, {})
    by_page[page_id] = max(by_page.get(page_id, 0.0), score)


# --- causes ------------------------------------------------------------------------------------


@dataclass
class Verdict:
    page: Page
    field: str
    ok: bool
    findable: float
    """1/0 for title and date; the best reachable F1 for authors."""
    score: float = 0.0
    """The page's score as the harness counts it (1/0; authors: set F1)."""
    cause: str = ""
    detail: str = ""


def _no_article(result: Any) -> str:
    return f"no article ({result.page_type}: {result.reason})"


def title_verdict(page: Page, result: Any, hay: Haystack, sources: Sources) -> Verdict:
    out = result.article.title if result.article is not None else ""
    on_page = title_on_page(page.title, hay)
    ok = title_match(out, page.title)
    verdict = Verdict(page, "title", ok, 1.0 if on_page == "exact" else 0.0, float(ok))
    if verdict.ok:
        return verdict
    verdict.detail = f"{out!r} (truth {page.title!r})"
    if on_page is None:
        verdict.cause = "absent"
    elif on_page == "loose":
        verdict.cause = "absent, loose"
    elif result.article is None:
        verdict.cause = _no_article(result)
    elif loose(out) == loose(page.title):
        verdict.cause = "normalisation: punctuation"
    elif loose(page.title) and loose(out).startswith(loose(page.title)):
        verdict.cause = "normalisation: suffix left"
    elif loose(page.title) and loose(out).endswith(loose(page.title)):
        verdict.cause = "normalisation: prefix left"
    elif loose(out) and loose(out) in loose(page.title):
        verdict.cause = "normalisation: cut"
    else:
        right = [n for n, v in sources.titles.items() if title_match(v, page.title)]
        won = [n for n, v in sources.titles.items() if title_match(v, out)]
        if right:
            verdict.cause = f"wrong candidate: {_kind(won) or 'none'} → {_kind(right)}"
        else:
            verdict.cause = "other (on the page, in no source)"
    return verdict


def _kind(names: list[str]) -> str:
    """A source list as a short label: the first name, indices dropped."""
    if not names:
        return ""
    return re.sub(r"\[\d+\]", "", names[0])


def date_verdict(page: Page, result: Any, hay: Haystack, sources: Sources) -> Verdict:
    truth = date.fromisoformat(page.date)  # padded by realpages.truth_day
    out_text = result.article.published_at if result.article is not None else None
    out = datetime.fromisoformat(out_text).date() if out_text else None
    findable = day_on_page(truth, hay)
    verdict = Verdict(page, "date", out == truth, 1.0 if findable else 0.0, float(out == truth))
    if verdict.ok:
        return verdict
    verdict.detail = f"{out} (truth {truth})"
    right = [n for n, (day, _own) in sources.dates.items() if day == truth]
    own_right = [n for n, (_day, own) in sources.dates.items() if own == truth]
    won = [n for n, (day, _own) in sources.dates.items() if day == out]
    if not findable:
        verdict.cause = "absent"
    elif result.article is None:
        verdict.cause = _no_article(result)
    elif out is None:
        verdict.cause = f"none found ({_kind(right) or 'in no source'} right)"
    elif abs((out - truth).days) == 1 and not right:
        verdict.cause = (
            f"day shift: {_kind(own_right)} in its own offset"
            if own_right
            else "day shift, no source"
        )
    elif right:
        verdict.cause = f"wrong candidate: {_kind(won) or 'none'} → {_kind(right)}"
    else:
        verdict.cause = "other (on the page, in no source)"
    return verdict


def authors_verdict(page: Page, result: Any, hay: Haystack, sources: Sources) -> Verdict:
    truth = [a.strip() for a in page.author.split(";") if _name(a)]
    out = list(result.article.authors) if result.article is not None else []
    present = sum(1 for name in truth if name_on_page(name, hay))
    recall = present / len(truth) if truth else 1.0
    findable = 2 * recall / (1 + recall) if recall else 0.0
    f1 = author_f1(out, page.author)
    verdict = Verdict(page, "authors", f1 >= 1.0, findable, f1)
    if verdict.ok:
        return verdict
    verdict.detail = f"{out!r} (truth {page.author!r})"
    right = [n for n, names in sources.authors.items() if author_f1(names, page.author) >= 1.0]
    won = [n for n, names in sources.authors.items() if out and names == out]
    joined_out, joined_truth = loose(" ".join(out)), loose(" ".join(truth))
    if present == 0:
        verdict.cause = "absent"
    elif result.article is None:
        verdict.cause = _no_article(result)
    elif not out:
        verdict.cause = f"none found ({_kind(right) or 'in no source'} right)"
    elif joined_out == joined_truth or sorted(joined_out.split()) == sorted(joined_truth.split()):
        verdict.cause = "normalisation: split"
    elif f1 > 0 and present < len(truth) and not right:
        verdict.cause = "partly absent"
    elif all(any(loose(t) in loose(o) for o in out) for t in truth):
        verdict.cause = "normalisation: extra words"
    elif right:
        verdict.cause = f"wrong candidate: {_kind(won) or 'none'} → {_kind(right)}"
    else:
        verdict.cause = "other (on the page, in no source)"
    return verdict


def triage(pages: Sequence[Page]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for page in pages:
        if not (page.title or page.date or page.author):
            continue
        result = extract_page(PageInput(url=page.url, html=page.html, fetched_at=FETCHED))
        hay = Haystack.of(page)
        sources = read_sources(page)
        if page.title:
            verdicts.append(title_verdict(page, result, hay, sources))
        if page.date:
            verdicts.append(date_verdict(page, result, hay, sources))
        if page.author:
            verdicts.append(authors_verdict(page, result, hay, sources))
    return verdicts


# --- report ------------------------------------------------------------------------------------


def _group(cause: str) -> str:
    """A cause without its detail: "wrong candidate: og:title → h1" → "wrong candidate"."""
    if cause.startswith("no article"):
        return "no article"
    return re.split(r":| \(", cause, maxsplit=1)[0]


def report(verdicts: Sequence[Verdict], half: str, *, listing: bool) -> str:
    lines = [f"### eval-dev, {half} half", ""]
    lines += [
        "| field | pages | newsarc right | score | truth on the page (ceiling) | wrong | absent |"
        " no article | none found | normalisation | day shift | wrong candidate | other |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    details: list[str] = []
    for name in FIELDS:
        chosen = [v for v in verdicts if v.field == name]
        if not chosen:
            continue
        wrong = [v for v in chosen if not v.ok]
        groups = Counter(_group(v.cause) for v in wrong)
        right = sum(1 for v in chosen if v.ok)
        score = sum(v.score for v in chosen) / len(chosen)
        # A page newsarc gets right is reachable whatever the check says (it counts how often
        # the check missed the truth's form: "right, not found by the check").
        ceiling = sum(max(v.findable, v.score) for v in chosen) / len(chosen)
        missed = sum(1 for v in chosen if v.ok and v.findable < 1.0)
        absent = groups["absent"] + groups["absent, loose"] + groups["partly absent"]
        lines.append(
            f"| {name} | {len(chosen)} | {right} | {score:.3f} | {ceiling:.3f} | {len(wrong)} "
            f"| {absent} | {groups['no article']} | {groups['none found']} "
            f"| {groups['normalisation']} | {groups['day shift']} | {groups['wrong candidate']} "
            f"| {groups['other']} |"
        )
        details.append(
            f"\n{name}, causes in detail ({half}; {missed} right, not found by the check):"
        )
        for cause, count in Counter(v.cause for v in wrong).most_common():
            details.append(f"  {count:3} {cause}")
        if listing:
            for v in sorted(wrong, key=lambda v: v.cause):
                details.append(f"    {v.page.page_id} [{v.cause}] {v.detail} {v.page.url}")
    return "\n".join(lines + details)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED, help="the benchmarks directory")
    parser.add_argument("--half", choices=("tune", "held", "both"), default="both")
    parser.add_argument("--list", action="store_true", help="list every wrong page with its cause")
    parser.add_argument(
        "--sources", action="store_true", help="how often each candidate source is right"
    )
    args = parser.parse_args(argv)
    if not (args.data / EVAL_SET / "ground-truth.json").exists():
        print(f"no benchmark data at {args.data / EVAL_SET}")
        return 2
    pages = load_set(EVAL_SET, args.data)
    halves = ("tune", "held") if args.half == "both" else (args.half,)
    for half in halves:
        chosen = [p for p in pages if half_of(p.page_id) == half]
        if args.sources:
            print(source_table(chosen, half), end="\n\n")
            continue
        verdicts = triage(chosen)
        print(report(verdicts, half, listing=args.list), end="\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
