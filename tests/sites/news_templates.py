"""Fixture news sites: eight page templates in the styles of real publisher types, with truth.

Each template renders an article page and a home (listing) page from the same deterministic
content, with the distractors real pages have (navigation, cookie banner, share bar, newsletter
box, ads, related links, comment counts, "5 min read", prices, tag clouds, pagination, footer),
and returns the ground truth next to the HTML: whether the page is an article, its body
paragraphs, its published instant, and its headline items (block, rank, title, URL, views, time).
Items of lists that are arguably teaser lists and arguably not (related links inside an
article, "more from this section") are marked ``optional``: finding them is neither a hit nor an
error.

Templates: ``agency`` (wire service, JSON-LD, "Most read" with view counts and relative times),
``broadsheet`` (OpenGraph + ``<time>``, standfirst, figures, "Most viewed"), ``wordpress`` (a
blog: entry-content, comments, "Popular posts" widget, tag cloud), ``russian`` ("Вчера, 13:13",
"2 декабря, 23:47", "1,2 тыс."), ``german`` ("vor 5 Stunden", "Gestern, 14:30", "1,2 Tsd."),
``legacy`` (a table layout in windows-1252 whose charset is only in a ``<meta http-equiv>``),
``cards`` (a card grid with images), ``plain`` (no JSON-LD, no OpenGraph, no ``<time>``).

The capture time is fixed (:data:`FETCHED`); every displayed time is rendered from the true
instant relative to it, in the site's timezone. Pages are built with :func:`build_site`.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
TEMPLATES = ("agency", "broadsheet", "wordpress", "russian", "german", "legacy", "cards", "plain")

_EN = [
    "The ministry said the figures would be revised once the final count was complete",
    "Officials declined to say how long the review would take or who would lead it",
    "Residents in the affected districts were told to expect delays for several weeks",
    "Analysts had expected a smaller change and warned that the numbers could still move",
    "The company said it would keep its guidance for the year unchanged despite the setback",
    "Talks between the two sides are due to resume next week in the capital",
    "Critics argued that the plan did little to address the underlying shortage of housing",
    "A spokesperson for the council said the decision had been taken after a long consultation",
    "The report found that spending on maintenance had fallen for the third year in a row",
    "Union leaders said their members would vote on the offer before the end of the month",
    "The regulator opened an inquiry into the pricing of the service earlier this year",
    "Several lawmakers called for an independent audit of the programme and its costs",
    "The museum expects visitor numbers to recover fully by the spring of next year",
    "Engineers found cracks in two of the supporting beams during a routine inspection",
    "The court will hear the appeal in January and is expected to rule within weeks",
    "Farmers in the region said the late frost had damaged much of the early harvest",
]
_RU = [
    "Министерство сообщило что данные будут уточнены после окончательного подсчета",
    "Чиновники отказались уточнить сколько продлится проверка и кто ее возглавит",
    "Жителей пострадавших районов предупредили о задержках в течение нескольких недель",
    "Аналитики ожидали меньших изменений и предупредили что цифры еще могут измениться",
    "В компании заявили что сохраняют прогноз на год несмотря на трудности",
    "Переговоры сторон возобновятся на следующей неделе в столице",
    "Критики считают что план почти не решает проблему нехватки жилья",
    "Представитель городского совета заявил что решение принято после долгих обсуждений",
    "В докладе говорится что расходы на ремонт сокращаются третий год подряд",
    "Профсоюз проведет голосование по предложению до конца месяца",
    "Регулятор начал проверку ценообразования на услугу в начале года",
    "Несколько депутатов призвали провести независимый аудит программы",
]
_DE = [
    "Das Ministerium teilte mit dass die Zahlen nach der endgültigen Auszählung korrigiert werden",
    "Die Behörden wollten nicht sagen wie lange die Prüfung dauern wird und wer sie leitet",
    "Anwohner der betroffenen Viertel müssen sich auf wochenlange Verzögerungen einstellen",
    "Fachleute hatten mit einer kleineren Veränderung gerechnet und warnten vor Schwankungen",
    "Das Unternehmen hält trotz des Rückschlags an seiner Prognose für das Jahr fest",
    "Die Gespräche zwischen beiden Seiten sollen kommende Woche in der Hauptstadt weitergehen",
    "Kritiker bemängeln dass der Plan den Mangel an Wohnungen kaum angeht",
    "Eine Sprecherin der Stadt sagte die Entscheidung sei nach langer Beratung gefallen",
    "Der Bericht zeigt dass die Ausgaben für die Instandhaltung das dritte Jahr in Folge sanken",
    "Die Gewerkschaft will bis Ende des Monats über das Angebot abstimmen lassen",
    "Die Aufsichtsbehörde hat Anfang des Jahres eine Untersuchung der Preise eingeleitet",
    "Mehrere Abgeordnete forderten eine unabhängige Prüfung des Programms und seiner Kosten",
]
_TITLE_WORDS = {
    "en": (
        ["Council", "Ministry", "Court", "Regulator", "Museum", "Union", "Airport", "Bank"],
        ["delays", "approves", "rejects", "reviews", "expands", "halts", "backs", "questions"],
        [
            "new housing plan for the riverside district",
            "spending on rail maintenance after audit",
            "merger of two regional energy suppliers",
            "late-night transport pilot in the city centre",
            "rules on short-term holiday rentals",
            "funding for rural schools next year",
        ],
    ),
    "ru": (
        ["Совет", "Министерство", "Суд", "Регулятор", "Музей", "Профсоюз", "Аэропорт", "Банк"],
        ["отложил", "одобрил", "отклонил", "пересмотрел", "расширил", "остановил"],
        [
            "план строительства жилья у реки",
            "расходы на ремонт железных дорог",
            "слияние двух энергетических компаний",
            "ночные маршруты общественного транспорта",
            "правила краткосрочной аренды жилья",
        ],
    ),
    "de": (
        ["Stadtrat", "Ministerium", "Gericht", "Aufsicht", "Museum", "Gewerkschaft", "Flughafen"],
        ["verschiebt", "billigt", "stoppt", "prüft", "erweitert", "kippt", "unterstützt"],
        [
            "neuen Wohnungsplan für das Hafenviertel",
            "Ausgaben für die Sanierung der Bahnstrecken",
            "Fusion zweier regionaler Energieversorger",
            "Nachtbusse in der Innenstadt",
            "Regeln für Ferienwohnungen",
        ],
    ),
}
_SECTIONS = {
    "en": ["World", "Business", "Politics", "Culture", "Science"],
    "ru": ["Политика", "Экономика", "Общество", "Культура", "Наука"],
    "de": ["Politik", "Wirtschaft", "Kultur", "Wissen", "Panorama"],
}
_AUTHORS = {
    "en": ["Jane Doe", "Tom Baker", "Priya Patel", "Luis Ortega"],
    "ru": ["Анна Смирнова", "Игорь Петров", "Мария Волкова"],
    "de": ["Anna Schmidt", "Jonas Weber", "Lena Fischer"],
}
_RU_MONTHS = [
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
    "октября", "ноября", "декабря",
]  # fmt: skip
_DE_MONTHS = [
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
]  # fmt: skip


@dataclass
class Story:
    """One article of a fixture site."""

    slug: str
    title: str
    section: str
    author: str
    published: datetime
    lead: str
    paragraphs: list[str]
    views: int
    image: str

    def path(self) -> str:
        day = self.published
        return f"/{self.section.lower()}/{day:%Y/%m/%d}/{self.slug}.html"


@dataclass
class Teaser:
    """One item of a headline block as shown, with its truth."""

    story: Story
    views_shown: str | None = None
    views: int | None = None
    time_shown: str | None = None
    time: datetime | None = None

    def utc_reading(self) -> datetime | None:
        """The instant the shown time means to a reader who assumes the site is on UTC.

        That is what the extractor must give when neither a profile nor the page's own
        machine-readable times tell the site's timezone (it then flags the item).
        """
        if self.time is None or self.time_shown is None:
            return None
        shown = self.time_shown
        if any(word in shown for word in ("ago", "назад", "vor ")):
            return self.time
        wall = self.time.astimezone(self.story.published.tzinfo).replace(tzinfo=None)
        if any(word in shown for word in ("Yesterday", "Вчера", "Gestern")):
            day = FETCHED.date() - timedelta(days=1)
            return datetime.combine(day, wall.time(), UTC)
        if (
            ":" in shown
            and not any(ch in shown for ch in "./")
            and not any(c.isalpha() for c in shown.replace("Heute", ""))
        ):
            result = datetime.combine(FETCHED.date(), wall.time(), UTC)
            return result - timedelta(days=1) if result > FETCHED else result
        return wall.replace(tzinfo=UTC)


@dataclass
class Page:
    """One rendered fixture page and its ground truth."""

    site: str
    case: str
    url: str
    body: bytes
    content_type: str
    truth: dict[str, Any]
    profile: str | None = None

    def meta(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "fetched_at": FETCHED.isoformat(),
            "content_type": self.content_type,
            "renderer": "http",
            "source": f"tests/sites/news_templates.py build_site({self.site!r})",
        }


@dataclass
class Site:
    """A fixture site: its template, language, timezone and stories."""

    template: str
    base: str
    lang: str
    tz: tzinfo
    stories: list[Story] = field(default_factory=list)

    def url(self, story_or_path: Story | str) -> str:
        path = story_or_path if isinstance(story_or_path, str) else story_or_path.path()
        return f"{self.base}{path}"


def _text_bank(lang: str) -> list[str]:
    return {"en": _EN, "ru": _RU, "de": _DE}[lang]


def _make_stories(rng: random.Random, lang: str, tz: tzinfo, count: int = 14) -> list[Story]:
    subjects, verbs, objects = _TITLE_WORDS[lang]
    bank = _text_bank(lang)
    stories: list[Story] = []
    now = FETCHED.astimezone(tz)
    titles: set[str] = set()
    offsets = [3, 17, 40, 95, 200, 330, 480, 700, 900, 1300, 1500, 1700, 2500, 3800]
    for index in range(count):
        while True:
            title = f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}"
            if title not in titles:
                titles.add(title)
                break
        published = now - timedelta(minutes=offsets[index % len(offsets)] + rng.randint(0, 2))
        published = published.replace(second=0, microsecond=0)
        paragraphs = []
        for _ in range(rng.randint(5, 8)):
            sentences = rng.sample(bank, 3)
            paragraphs.append(". ".join(sentences) + ".")
        stories.append(
            Story(
                slug=f"story-{index + 1:02d}",
                title=title,
                section=rng.choice(_SECTIONS[lang]),
                author=rng.choice(_AUTHORS[lang]),
                published=published,
                lead=rng.choice(bank) + ".",
                paragraphs=paragraphs,
                views=rng.choice([12, 139, 340, 950, 1200, 4800, 12304, 17100, 1500000]),
                image=f"/img/photo-{index + 1:02d}.jpg",
            )
        )
    return stories


# --- displayed times and counts, per language ---------------------------------------------------


def _en_time(when: datetime, style: str) -> str:
    now = FETCHED.astimezone(when.tzinfo)
    delta = now - when
    if style == "relative":
        minutes = int(delta.total_seconds() // 60)
        if minutes < 60:
            return f"{minutes} minutes ago" if minutes != 1 else "1 minute ago"
        if minutes < 24 * 60:
            hours = minutes // 60
            return f"{hours} hours ago" if hours != 1 else "1 hour ago"
        style = "long"
    if style == "clock":
        if when.date() == now.date():
            return f"{when:%H:%M}"
        if when.date() == now.date() - timedelta(days=1):
            return f"Yesterday, {when:%H:%M}"
        style = "dotted"
    if style == "dotted":
        return f"{when:%d.%m.%Y, %H:%M}"
    if style == "gmt":
        return f"{when.day} {when:%b %Y %H:%M} GMT"
    return f"{when:%B} {when.day}, {when:%Y} {when:%H:%M}"


def _ru_time(when: datetime, style: str) -> str:
    now = FETCHED.astimezone(when.tzinfo)
    if style == "relative" and now - when < timedelta(hours=1):
        return f"{int((now - when).total_seconds() // 60)} минут назад"
    if when.date() == now.date():
        return f"{when:%H:%M}"
    if when.date() == now.date() - timedelta(days=1):
        return f"Вчера, {when:%H:%M}"
    return f"{when.day} {_RU_MONTHS[when.month - 1]}, {when:%H:%M}"


def _de_time(when: datetime, style: str) -> str:
    now = FETCHED.astimezone(when.tzinfo)
    delta = now - when
    if style == "relative" and delta < timedelta(hours=12):
        minutes = int(delta.total_seconds() // 60)
        if minutes < 60:
            return f"vor {minutes} Minuten"
        hours = minutes // 60
        return f"vor {hours} Stunden" if hours != 1 else "vor 1 Stunde"
    if when.date() == now.date():
        return f"Heute, {when:%H:%M}"
    if when.date() == now.date() - timedelta(days=1):
        return f"Gestern, {when:%H:%M}"
    return f"{when:%d.%m.%Y, %H:%M}"


def _relative_is_exact(when: datetime, shown: str) -> datetime:
    """A relative time ("2 hours ago") means capture time minus whole units: the truth."""
    now = FETCHED.astimezone(when.tzinfo)
    number = int("".join(ch for ch in shown if ch.isdigit()) or "0")
    if any(word in shown for word in ("minute", "минут", "Minute")):
        return now - timedelta(minutes=number)
    if any(word in shown for word in ("hour", "Stunde")):
        return now - timedelta(hours=number)
    return when


def _count_en(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n:,} views"
    if n >= 1000:
        return f"{n / 1000:.1f}K"
    return str(n)


def _comma(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _count_ru(n: int) -> str:
    if n >= 1_000_000:
        return f"{_comma(n / 1_000_000)} млн"
    if n >= 1000:
        return f"{_comma(n / 1000)} тыс."
    return str(n)


def _count_de(n: int) -> str:
    if n >= 1_000_000:
        return f"{_comma(n / 1_000_000)} Mio."
    if n >= 1000:
        return f"{_comma(n / 1000)} Tsd."
    return str(n)


def _shown_count(n: int, lang: str) -> tuple[str, int]:
    shown = {"en": _count_en, "ru": _count_ru, "de": _count_de}[lang](n)
    # What the reader sees is the truth: "1.5M" means 1,500,000 whatever the exact count was.
    from crawler.extract.counts import parse_count

    value = parse_count(shown)
    assert value is not None, shown
    return shown, value


def _teasers(site: Site, stories: list[Story], *, views: bool, times: str | None) -> list[Teaser]:
    out = []
    time_of = {"en": _en_time, "ru": _ru_time, "de": _de_time}[site.lang]
    for story in stories:
        teaser = Teaser(story)
        if views:
            teaser.views_shown, teaser.views = _shown_count(story.views, site.lang)
        if times:
            shown = time_of(story.published, times)
            teaser.time_shown = shown
            teaser.time = _relative_is_exact(story.published, shown)
        out.append(teaser)
    return out


def _truth_items(
    site: Site, block: str, teasers: list[Teaser], *, optional: bool = False
) -> list[dict[str, Any]]:
    return [
        {
            "block": block,
            "position": index,
            "title": t.story.title,
            "url": site.url(t.story),
            "views": t.views,
            "published_at": t.time.isoformat() if t.time else None,
            "published_at_if_utc": (r := t.utc_reading()) and r.isoformat(),
            "optional": optional,
        }
        for index, t in enumerate(teasers, start=1)
    ]


# --- shared distractors --------------------------------------------------------------------------

E = html.escape


def _nav(site: Site) -> str:
    sections = _SECTIONS[site.lang]
    links = "".join(f'<li><a href="/{s.lower()}/">{E(s)}</a></li>' for s in sections)
    return f'<nav class="main-nav"><ul>{links}<li><a href="/search">Search</a></li></ul></nav>'


def _cookie_banner() -> str:
    return (
        '<div class="cookie-consent" role="dialog"><p>We use cookies to improve your '
        "experience, to measure our audience and to show you personalised advertising. By "
        "continuing to browse you accept our use of cookies.</p><button>Accept all</button>"
        "<button>Manage settings</button></div>"
    )


def _share_bar() -> str:
    return (
        '<div class="share-bar"><span>Share this article</span><a href="https://facebook.com/'
        'sharer">Facebook</a><a href="https://twitter.com/share">X</a><a href="mailto:?">Email'
        '</a><span class="share-count">1,204 shares</span></div>'
    )


def _newsletter() -> str:
    return (
        '<div class="newsletter-signup"><h3>Get the morning briefing</h3><p>Sign up for our '
        "newsletter and get the day's most important stories delivered to your inbox every "
        'morning before breakfast.</p><form><input type="email" placeholder="Your email">'
        "<button>Subscribe</button></form></div>"
    )


def _ad(n: int) -> str:
    return (
        f'<div class="ad-slot ad-{n}"><span>Advertisement</span><p>Winter sale: noise-cancelling '
        f"headphones now only $129.99, save 35% this week only</p></div>"
    )


def _footer(site: Site) -> str:
    return (
        '<footer class="site-footer"><ul><li><a href="/about">About us</a></li><li><a href="/'
        'contact">Contact</a></li><li><a href="/privacy">Privacy policy</a></li><li><a href="/'
        'terms">Terms of use</a></li><li><a href="/jobs">Jobs</a></li></ul><p>© 2025 '
        f"{E(site.base)} All rights reserved.</p></footer>"
    )


def _pagination() -> str:
    return (
        '<div class="pagination"><a href="?page=1">1</a><a href="?page=2">2</a>'
        '<a href="?page=3">3</a><a href="?page=2">Next »</a></div>'
    )


def _tag_cloud(words: list[str]) -> str:
    links = " ".join(f'<a href="/tag/{i}" class="tag">{E(w)}</a>' for i, w in enumerate(words))
    return f'<div class="tagcloud"><h3>Tags</h3>{links}</div>'


def _paragraphs(story: Story) -> str:
    return "".join(f"<p>{E(p)}</p>" for p in story.paragraphs)


def _jsonld(site: Site, story: Story) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": story.published.isoformat(),
        "author": {"@type": "Person", "name": story.author},
        "articleSection": story.section,
        "url": site.url(story),
    }
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def _doc(site: Site, title: str, head: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html lang="{site.lang}"><head><meta charset="{charset}">'
        f"<title>{E(title)}</title>{head}</head><body>{body}</body></html>"
    )


# --- the templates ------------------------------------------------------------------------------


def _agency(site: Site, story: Story | None, others: list[Story]) -> tuple[str, dict[str, Any]]:
    most = _teasers(site, others[:5], views=True, times="relative")
    latest = _teasers(site, others[5:10], views=False, times="clock")
    blocks = (
        '<aside class="sidebar"><section class="most-read"><h2>Most read</h2><ol>'
        + "".join(
            f'<li><span class="rank">{i}</span><a href="{t.story.path()}">{E(t.story.title)}</a>'
            f'<span class="meta"><span class="views">{E(t.views_shown or "")}</span> · '
            f'<span class="ago">{E(t.time_shown or "")}</span></span></li>'
            for i, t in enumerate(most, start=1)
        )
        + '</ol></section><section class="latest"><h2>Latest</h2><ul>'
        + "".join(
            f'<li><span class="time">{E(t.time_shown or "")}</span> '
            f'<a href="{t.story.path()}">{E(t.story.title)}</a></li>'
            for t in latest
        )
        + "</ul></section></aside>"
    )
    truth_items = _truth_items(site, "Most read", most) + _truth_items(site, "Latest", latest)
    if story is None:
        wire = _teasers(site, others[:10], views=False, times="clock")
        main = (
            '<main><h1 class="visually-hidden">Top news</h1><div class="wire">'
            + "".join(
                f'<div class="wire-item"><a href="{t.story.path()}"><h3>{E(t.story.title)}'
                f'</h3></a><p>{E(t.story.lead)}</p><span class="time">{E(t.time_shown or "")}'
                "</span></div>"
                for t in wire
            )
            + "</div>"
            + _pagination()
            + "</main>"
        )
        truth_items += _truth_items(site, "Top news", wire)
        body = _cookie_banner() + _nav(site) + main + blocks + _footer(site)
        return _doc(site, "Wire: top news", "", body), {"is_article": False, "items": truth_items}
    article = (
        f'<main><article class="story"><div class="kicker"><a href="/{story.section.lower()}/">'
        f"{E(story.section)}</a></div><h1>{E(story.title)}</h1>"
        f'<div class="byline">By <a href="/authors/x">{E(story.author)}</a>, Reuters '
        f'Correspondent</div><div class="dateline"><time datetime="{story.published.isoformat()}">'
        f"{E(_en_time(story.published, 'gmt'))}</time> · <span>5 min read</span></div>"
        + _share_bar()
        + f'<div class="article-body">{_paragraphs(story)[:-4]}</p>'
        + _ad(1)
        + "</div>"
        + '<p class="trust">Our Standards: The Thomson Trust Principles.</p>'
        + "</article></main>"
    )
    head = _jsonld(site, story) + f'<meta property="og:title" content="{E(story.title)}">'
    body = _cookie_banner() + _nav(site) + article + blocks + _newsletter() + _footer(site)
    return _doc(site, f"{story.title} | Wire", head, body), {
        "is_article": True,
        "items": truth_items,
    }


def _broadsheet(site: Site, story: Story | None, others: list[Story]) -> tuple[str, dict[str, Any]]:
    viewed = _teasers(site, others[:6], views=False, times=None)
    blocks = (
        '<aside class="onward"><div class="most-viewed"><h2>Most viewed</h2><ol>'
        + "".join(
            f'<li class="mv-item"><span class="mv-num">{i}</span><a href="{t.story.path()}">'
            f"<h3>{E(t.story.title)}</h3></a></li>"
            for i, t in enumerate(viewed, start=1)
        )
        + "</ol></div></aside>"
    )
    items = _truth_items(site, "Most viewed", viewed)
    if story is None:
        sections = []
        for name, chunk in (("Headlines", others[6:10]), ("Opinion", others[10:14])):
            teasers = _teasers(site, chunk, views=False, times=None)
            sections.append(
                f'<section class="fc-container"><h2>{name}</h2><ul>'
                + "".join(
                    f'<li class="fc-item"><a href="{t.story.path()}">{E(t.story.title)}</a>'
                    f'<div class="fc-standfirst">{E(t.story.lead)}</div></li>'
                    for t in teasers
                )
                + "</ul></section>"
            )
            items += _truth_items(site, name, teasers)
        body = _nav(site) + "<main>" + "".join(sections) + "</main>" + blocks + _footer(site)
        return _doc(site, "News, sport and opinion", "", body), {
            "is_article": False,
            "items": items,
        }
    related = _teasers(site, others[10:13], views=False, times=None)
    items += _truth_items(site, "Related", related, optional=True)
    article = (
        f"<main><article><header><h1>{E(story.title)}</h1>"
        f'<div class="standfirst"><p>{E(story.lead)}</p></div></header>'
        '<figure class="lead-image"><img src="/img/lead.jpg" alt="A view of the river">'
        "<figcaption>The riverside district, where the new homes would be built. Photograph: "
        "Staff</figcaption></figure>"
        f'<div class="meta"><address>{E(story.author)}</address> '
        f'<time datetime="{story.published.isoformat()}">{story.published:%a %d %b %Y %H.%M}'
        '</time> <a href="#comments" class="comment-count">12 comments</a></div>'
        f'<div class="article-body-commercial-selector">{_paragraphs(story)}'
        '<aside class="rich-link"><h4>Related</h4><ul>'
        + "".join(f'<li><a href="{t.story.path()}">{E(t.story.title)}</a></li>' for t in related)
        + "</ul></aside></div></article></main>"
    )
    head = (
        f'<meta property="og:type" content="article"><meta property="og:title" '
        f'content="{E(story.title)}"><meta property="article:published_time" '
        f'content="{story.published.isoformat()}">'
    )
    body = _nav(site) + _cookie_banner() + article + blocks + _ad(2) + _footer(site)
    return _doc(site, f"{story.title} | The Broadsheet", head, body), {
        "is_article": True,
        "items": items,
    }


def _wordpress(site: Site, story: Story | None, others: list[Story]) -> tuple[str, dict[str, Any]]:
    popular = _teasers(site, others[:5], views=False, times="long")
    widget = (
        '<div id="secondary" class="widget-area"><section class="widget widget_search"><form>'
        '<input name="s"></form></section><section class="widget popular-posts">'
        '<h2 class="widget-title">Popular Posts</h2><ul>'
        + "".join(
            f'<li><a href="{t.story.path()}"><img src="{t.story.image}" alt=""></a>'
            f'<a href="{t.story.path()}" class="wpp-post-title">{E(t.story.title)}</a>'
            f'<span class="wpp-date">posted on {E(t.time_shown or "")}</span></li>'
            for t in popular
        )
        + "</ul></section>"
        + _tag_cloud(["news", "city", "housing", "transport", "opinion", "weather", "sport"])
        + '<section class="widget widget_archive"><h2>Archives</h2><ul><li><a href="/2025/12/">'
        'December 2025</a></li><li><a href="/2025/11/">November 2025</a></li><li><a href="/'
        '2025/10/">October 2025</a></li></ul></section></div>'
    )
    items = [
        {**item, "image": site.url(t.story.image)}
        for item, t in zip(_truth_items(site, "Popular Posts", popular), popular, strict=True)
    ]
    if story is None:
        posts = _teasers(site, others[5:10], views=False, times=None)
        main = (
            '<main id="main" class="site-main">'
            + "".join(
                f'<article class="post"><header class="entry-header"><h2 class="entry-title">'
                f'<a href="{t.story.path()}">{E(t.story.title)}</a></h2></header>'
                f'<div class="entry-summary"><p>{E(t.story.lead)} […]</p></div>'
                f'<a class="more-link" href="{t.story.path()}">Continue reading</a></article>'
                for t in posts
            )
            + _pagination()
            + "</main>"
        )
        items += _truth_items(site, "Posts", posts, optional=True)
        body = '<div id="page">' + _nav(site) + main + widget + _footer(site) + "</div>"
        return _doc(site, "My City Blog", "", body), {"is_article": False, "items": items}
    comments = (
        '<div id="comments" class="comments-area"><h2 class="comments-title">3 thoughts on '
        f'&ldquo;{E(story.title)}&rdquo;</h2><ol class="comment-list">'
        + "".join(
            f'<li class="comment"><div class="comment-author">Reader {i}</div><div class="'
            f'comment-content"><p>I really disagree with this, the council never listens to '
            f"the people who actually live here and this is number {i}.</p></div></li>"
            for i in range(1, 4)
        )
        + "</ol></div>"
    )
    article = (
        f'<main id="main" class="site-main"><article class="post type-post hentry">'
        f'<header class="entry-header"><h1 class="entry-title">{E(story.title)}</h1>'
        f'<div class="entry-meta">Posted on <a href="{story.path()}"><time class="entry-date '
        f'published" datetime="{story.published.isoformat()}">{story.published:%B %d, %Y}'
        f'</time></a> by <span class="author vcard">{E(story.author)}</span></div></header>'
        f'<div class="entry-content">{_paragraphs(story)}</div>'
        '<footer class="entry-footer">Posted in <a href="/category/news">News</a> | Tagged '
        '<a href="/tag/city">city</a>, <a href="/tag/housing">housing</a></footer></article>'
        + comments
        + "</main>"
    )
    body = '<div id="page">' + _nav(site) + article + widget + _footer(site) + "</div>"
    head = f'<link rel="canonical" href="{site.url(story)}">'
    return _doc(site, f"{story.title} – My City Blog", head, body), {
        "is_article": True,
        "items": items,
    }


def _russian(site: Site, story: Story | None, others: list[Story]) -> tuple[str, dict[str, Any]]:
    popular = _teasers(site, others[:6], views=True, times="clock")
    news = _teasers(site, others[6:12], views=False, times="relative")
    side = (
        '<div class="sidebar"><div class="block-popular"><div class="block-title">Популярное'
        "</div>"
        + "".join(
            f'<div class="item"><a class="item-link" href="{t.story.path()}">'
            f'<span class="item-title">{E(t.story.title)}</span></a><div class="item-info">'
            f'<span class="item-date">{E(t.time_shown or "")}</span>'
            f'<span class="item-views"><i class="icon-eye"></i>{E(t.views_shown or "")}</span>'
            "</div></div>"
            for t in popular
        )
        + '</div><div class="block-news"><div class="block-title">Лента новостей</div>'
        + "".join(
            f'<div class="news-row"><span class="news-time">{E(t.time_shown or "")}</span>'
            f'<a href="{t.story.path()}">{E(t.story.title)}</a></div>'
            for t in news
        )
        + "</div></div>"
    )
    items = _truth_items(site, "Популярное", popular) + _truth_items(site, "Лента новостей", news)
    header = (
        '<header><div class="logo"><a href="/">Городские вести</a></div>'
        + _nav(site)
        + '<div class="weather">Москва −3°</div><div class="currency">USD 79,45 ₽ EUR 92,10 ₽'
        "</div></header>"
    )
    if story is None:
        body = header + '<div class="content"><h1>Главное</h1></div>' + side + _footer(site)
        return _doc(site, "Городские вести", "", body), {"is_article": False, "items": items}
    article = (
        f'<div class="content"><div class="article"><h1 class="article-title">{E(story.title)}'
        f'</h1><div class="article-meta"><span class="article-date">'
        f'{E(_ru_time(story.published, "clock"))}</span> <span class="article-views">'
        f'{E(_count_ru(story.views))}</span> <span class="comments">Комментарии: 8</span></div>'
        f'<div class="article-lead"><b>{E(story.lead)}</b></div>'
        f'<div class="article-text">{_paragraphs(story)}</div>'
        '<div class="article-tags"><a href="/tags/1">Москва</a> <a href="/tags/2">ЖКХ</a></div>'
        '<div class="share">Поделиться: <a href="https://vk.com/share">ВКонтакте</a> '
        '<a href="https://t.me/share">Telegram</a></div></div></div>'
    )
    head = _jsonld(site, story)
    body = header + article + side + _footer(site)
    return _doc(site, f"{story.title} — Городские вести", head, body), {
        "is_article": True,
        "items": items,
    }


def _german(site: Site, story: Story | None, others: list[Story]) -> tuple[str, dict[str, Any]]:
    newest = _teasers(site, others[:6], views=False, times="relative")
    most = _teasers(site, others[6:11], views=True, times="clock")
    side = (
        '<aside class="randspalte"><section class="neueste"><h3>Neueste Artikel</h3><ul>'
        + "".join(
            f'<li><a href="{t.story.path()}">{E(t.story.title)}</a>'
            f'<small class="zeit">{E(t.time_shown or "")}</small></li>'
            for t in newest
        )
        + '</ul></section><section class="meistgelesen"><h3>Meistgelesen</h3><ol>'
        + "".join(
            f'<li><a href="{t.story.path()}">{E(t.story.title)}</a>'
            f'<small class="zeit">{E(t.time_shown or "")}</small>'
            f'<small class="aufrufe">{E(t.views_shown or "")}</small></li>'
            for t in most
        )
        + "</ol></section></aside>"
    )
    items = _truth_items(site, "Neueste Artikel", newest) + _truth_items(site, "Meistgelesen", most)
    consent = (
        '<div id="consent-layer"><p>Wir verwenden Cookies und ähnliche Technologien, um '
        "Inhalte zu personalisieren und Werbung anzuzeigen. Mit Klick auf Zustimmen willigen "
        "Sie ein.</p><button>Zustimmen</button></div>"
    )
    if story is None:
        body = consent + _nav(site) + "<main><h1>Nachrichten</h1></main>" + side + _footer(site)
        return _doc(site, "Nachrichten aus der Stadt", "", body), {
            "is_article": False,
            "items": items,
        }
    article = (
        '<main><article class="artikel"><span class="dachzeile">'
        f"{E(story.section)}</span><h1>{E(story.title)}</h1>"
        f'<p class="vorspann"><strong>{E(story.lead)}</strong></p>'
        f'<div class="autorenzeile">Von {E(story.author)} · '
        f'<time datetime="{story.published.isoformat()}">{E(_de_time(story.published, "clock"))}'
        "</time> · Lesezeit: 4 Min.</div>"
        f'<div class="artikeltext">{_paragraphs(story)}</div>'
        '<div class="abo-box"><p>Jetzt 4 Wochen für 0,99 € testen und alle Artikel lesen.</p>'
        '<a href="/abo">Abo abschließen</a></div></article></main>'
    )
    body = consent + _nav(site) + article + side + _footer(site)
    return _doc(site, f"{story.title} | Stadtanzeiger", "", body), {
        "is_article": True,
        "items": items,
    }


def _legacy(site: Site, story: Story | None, others: list[Story]) -> tuple[str, dict[str, Any]]:
    last = _teasers(site, others[:6], views=False, times="dotted")
    left = (
        '<td width="180" valign="top" class="left"><table width="100%" cellpadding="2">'
        "<tr><td><b>Últimas notícias</b></td></tr>"
        + "".join(
            f'<tr><td><font size="1">{E(t.time_shown or "")}</font><br>'
            f'<a href="{t.story.path()}">{E(t.story.title)}</a></td></tr>'
            for t in last
        )
        + "</table></td>"
    )
    items = _truth_items(site, "Últimas notícias", last)
    menu = (
        '<tr><td colspan="3" bgcolor="#003366"><a href="/">Início</a> | <a href="/politica/">'
        'Política</a> | <a href="/economia/">Economia</a> | <a href="/desporto/">Desporto</a> | '
        '<a href="/contacto.html">Contacto</a></td></tr>'
    )
    head = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    if story is None:
        center = (
            '<td valign="top"><h2>Destaques</h2><p>Bem-vindo ao nosso jornal. Preços de '
            "assinatura: 9,90 € por mês.</p></td>"
        )
        doc = (
            f'<html><head>{head}<title>Jornal da Vila</title></head><body><table width="900">'
            f"{menu}<tr>{left}{center}</tr></table></body></html>"
        )
        return doc, {"is_article": False, "items": items}
    center = (
        f'<td valign="top"><font size="4"><b>{E(story.title)}</b></font><br>'
        f'<font size="1">Publicado: {story.published:%d.%m.%Y %H:%M} | Por {E(story.author)}'
        "</font><br><br>"
        + "".join(f"{E(p)}<br><br>" for p in story.paragraphs)
        + '<br><a href="javascript:window.print()">Imprimir</a> | <a href="/enviar">Enviar '
        "a um amigo</a></td>"
    )
    doc = (
        f"<html><head>{head}<title>{E(story.title)} - Jornal da Vila</title></head><body>"
        f'<table width="900">{menu}<tr>{left}{center}</tr><tr><td colspan="3"><font size="1">'
        "© 2003-2025 Jornal da Vila. Todos os direitos reservados.</font></td></tr></table>"
        "</body></html>"
    )
    return doc, {"is_article": True, "items": items}


def _cards(site: Site, story: Story | None, others: list[Story]) -> tuple[str, dict[str, Any]]:
    def grid(name: str, teasers: list[Teaser]) -> str:
        return (
            f'<section class="card-grid"><h2 class="grid-title">{E(name)}</h2><div class="grid">'
            + "".join(
                f'<div class="card"><a href="{t.story.path()}" class="card-link">'
                f'<img src="{t.story.image}" alt=""><span class="card-section">'
                f'{E(t.story.section)}</span><h3 class="card-title">{E(t.story.title)}</h3>'
                f'</a><div class="card-footer"><span class="card-time">{E(t.time_shown or "")}'
                f'</span><span class="card-views">{E(t.views_shown or "")}</span>'
                f'<span class="card-comments">{(i * 7) % 30} comments</span></div></div>'
                for i, t in enumerate(teasers, start=1)
            )
            + "</div></section>"
        )

    def truth(name: str, teasers: list[Teaser], optional: bool = False) -> list[dict[str, Any]]:
        return [
            {**item, "image": site.url(t.story.image)}
            for item, t in zip(
                _truth_items(site, name, teasers, optional=optional), teasers, strict=True
            )
        ]

    trending = _teasers(site, others[:4], views=True, times="relative")
    if story is None:
        top = _teasers(site, others[4:12], views=True, times="clock")
        body = (
            _nav(site)
            + "<main>"
            + grid("Top stories", top)
            + grid("Trending", trending)
            + "</main>"
            + _footer(site)
        )
        return _doc(site, "Cards News", "", body), {
            "is_article": False,
            "items": truth("Top stories", top) + truth("Trending", trending),
        }
    more = _teasers(site, others[4:10], views=True, times="clock")
    article = (
        f'<main><div class="article-page"><h1>{E(story.title)}</h1><p class="summary">'
        f'{E(story.lead)}</p><div class="byline">{E(story.author)} · '
        f'<time datetime="{story.published.isoformat()}">{E(_en_time(story.published, "long"))}'
        f'</time> · 6 min read</div><img src="{story.image}" alt="">'
        f'<div class="content">{_paragraphs(story)}</div>'
        + _share_bar()
        + "</div>"
        + grid(f"More in {story.section}", more)
        + grid("Trending", trending)
        + "</main>"
    )
    head = _jsonld(site, story)
    body = _nav(site) + _cookie_banner() + article + _newsletter() + _footer(site)
    return _doc(site, f"{story.title} - Cards News", head, body), {
        "is_article": True,
        "items": truth(f"More in {story.section}", more, optional=True)
        + truth("Trending", trending),
    }


def _plain(site: Site, story: Story | None, others: list[Story]) -> tuple[str, dict[str, Any]]:
    latest = _teasers(site, others[:6], views=False, times="gmt")
    side = (
        '<div id="right"><div class="box"><h4>Latest headlines</h4><ul class="headlines">'
        + "".join(
            f'<li><a href="{t.story.path()}">{E(t.story.title)}</a> <em>{E(t.time_shown or "")}'
            "</em></li>"
            for t in latest
        )
        + "</ul></div>"
        + '<div class="box shop"><h4>Shop</h4><ul><li>Umbrella $24.99</li><li>Mug $12.50</li>'
        "</ul></div></div>"
    )
    items = _truth_items(site, "Latest headlines", latest)
    if story is None:
        body = '<div id="top">' + _nav(site) + '</div><div id="left"><h2>Welcome</h2></div>' + side
        return _doc(site, "The Daily Plain", "", body), {"is_article": False, "items": items}
    article = (
        f'<div id="left"><div class="post"><h2 class="headline">{E(story.title)}</h2>'
        f'<p class="info">Filed {E(_en_time(story.published, "gmt"))} by {E(story.author)}</p>'
        f'<div class="storytext">{_paragraphs(story)}</div><p class="comments-link">'
        '<a href="#c">Read 27 comments</a></p></div></div>'
    )
    body = '<div id="top">' + _nav(site) + "</div>" + article + side + _footer(site)
    return _doc(site, f"{story.title} - The Daily Plain", "", body), {
        "is_article": True,
        "items": items,
    }


_RENDER = {
    "agency": _agency,
    "broadsheet": _broadsheet,
    "wordpress": _wordpress,
    "russian": _russian,
    "german": _german,
    "legacy": _legacy,
    "cards": _cards,
    "plain": _plain,
}
_SETUP: dict[str, tuple[str, tzinfo, str]] = {
    "agency": ("en", UTC, "utf-8"),
    "broadsheet": ("en", ZoneInfo("Europe/London"), "utf-8"),
    "wordpress": ("en", ZoneInfo("America/New_York"), "utf-8"),
    "russian": ("ru", ZoneInfo("Europe/Moscow"), "utf-8"),
    "german": ("de", ZoneInfo("Europe/Berlin"), "utf-8"),
    "legacy": ("en", ZoneInfo("Europe/Lisbon"), "windows-1252"),
    "cards": ("en", timezone(timedelta(hours=-5)), "utf-8"),
    "plain": ("en", UTC, "utf-8"),
}


def build_site(template: str, seed: int = 0) -> list[Page]:
    """The pages of one fixture site: its home page and three article pages, with truth."""
    lang, tz, charset = _SETUP[template]
    rng = random.Random(f"{template}-{seed}")
    site = Site(template, f"https://{template}.example", lang, tz)
    site.stories = _make_stories(rng, lang, tz)
    render = _RENDER[template]
    pages: list[Page] = []
    content_type = "text/html" if charset != "utf-8" else "text/html; charset=utf-8"
    cases: list[tuple[str, Story | None]] = [("home", None)]
    cases += [(f"article-{i}", site.stories[i]) for i in (1, 4, 8)]
    for case, story in cases:
        others = [s for s in site.stories if s is not story]
        document, truth = render(site, story, others)
        if story is not None:
            truth["body"] = story.paragraphs
            truth["published_at"] = story.published.isoformat()
            truth["title"] = story.title
        text = document.lower()
        truth["tz_on_page"] = any(
            marker in text for marker in ('datetime="', '"datepublished"', "published_time")
        )
        url = site.url(story) if story is not None else f"{site.base}/"
        pages.append(
            Page(
                site=template,
                case=case,
                url=url,
                body=document.encode(charset, "xmlcharrefreplace"),
                content_type=content_type,
                truth=truth,
            )
        )
    return pages


def all_pages(seed: int = 0) -> list[Page]:
    return [page for template in TEMPLATES for page in build_site(template, seed)]
