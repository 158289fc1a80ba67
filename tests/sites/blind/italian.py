"""A Neapolitan regional daily: "5 minuti fa", "ieri alle 23:59", "12,3 mila visualizzazioni".

Modelled on the regional dailies of southern Italy: a cookie banner, a header with the date and
the "Abbonati" button, a home page "Primo piano" of teasers with an occhiello (kicker) and times
("5 minuti fa", "1 ora fa", "2 ore fa" within a day, "ieri alle 23:59", else "30/11/2026 alle
08:15") and view counts grouped by dots ("1.234 visualizzazioni"); section pages with
"02/12/2026 18:40"; on every page a side column with I più letti (ranks; "987
visualizzazioni", "4.420 visualizzazioni", "12,3 mila visualizzazioni", "1,5 milioni di
visualizzazioni") and Ultim'ora (clock times "18:40", "ieri 23:59", "30/11 08:15").
Articles: the occhiello, the headline, the sommario (a standfirst, not body text), "di Giulia
Ferri e Marco Bellini" (a lower-case "di"), a dateline with the weekday and a capitalised month
("Mercoledì 2 Dicembre 2026, 18:40 - Ultimo agg. 19:05") as text on some articles and a
``<time datetime>`` with JSON-LD on the others, a photo, paragraphs with a "LEGGI ANCHE" link
and a newsletter box among them, and "© RIPRODUZIONE RISERVATA" after the text. Rome time
(+01:00 in December).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from tests.sites.blind.common import (
    E,
    Shown,
    Site,
    Story,
    abbreviated,
    clock_or_dated,
    group,
    item,
    make_stories,
    news_article_ld,
    recent_or_dated,
    shown,
    slug,
)

_TITLES = [
    ("napoli", "Metro Linea 1, chiusa la stazione Toledo per lavori fino a lunedì"),
    ("cronaca", "Incendio in un deposito a Pozzuoli, evacuate tre palazzine"),
    ("economia", "Porto di Napoli, traffico merci in crescita del 6 per cento"),
    ("sport", "Il Napoli vince al 90' e torna in testa alla classifica"),
    ("napoli", "Vomero, riapre la funicolare dopo tre mesi di stop"),
    ("cronaca", "Maltempo, allerta arancione su tutta la Campania"),
    ("economia", "Caro affitti, gli studenti in piazza davanti all'università"),
    ("sport", "Pallanuoto, la Canottieri conquista la Coppa Italia"),
]
_AUTHORS = [["Giulia Ferri", "Marco Bellini"], ["Davide Esposito"], ["Sara Romano"]]
_SECTIONS = {"napoli": "Napoli", "cronaca": "Cronaca", "economia": "Economia", "sport": "Sport"}
_MONTHS = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"]  # fmt: skip
_WEEKDAYS = ["Lunedì", "Martedì", "Mercoledì", "Giovedì", "Venerdì", "Sabato", "Domenica"]
_NAME = "Il Corriere del Golfo"


def _ago(n: int, unit: str) -> str:
    if unit == "min":
        return "1 minuto fa" if n == 1 else f"{n} minuti fa"
    return "1 ora fa" if n == 1 else f"{n} ore fa"


def _teaser_time(site: Site, story: Story) -> Shown:
    return recent_or_dated(
        site, story.published, _ago,
        yesterday=lambda t: f"ieri alle {t:%H:%M}", dated=lambda t: f"{t:%d/%m/%Y} alle {t:%H:%M}",
    )  # fmt: skip


def _latest_time(site: Site, story: Story) -> Shown:
    return clock_or_dated(
        site, story.published,
        today=lambda t: f"{t:%H:%M}", yesterday=lambda t: f"ieri {t:%H:%M}",
        dated=lambda t: f"{t:%d/%m %H:%M}",
    )  # fmt: skip


def _views(n: int) -> tuple[str, int]:
    text, value = abbreviated(n, decimal=",", units=("mila", "milioni di"), space=" ",
                              thousands_from=10_000, small=lambda n: group(n, "."))  # fmt: skip
    return f"{text} visualizzazioni", value


def _side(site: Site) -> tuple[str, list[dict[str, Any]]]:
    most = site.most_read()
    rows, items = [], []
    for rank, s in enumerate(most, start=1):
        text, value = _views(s.views)
        rows.append(
            f'<li><span class="piu-letti__num">{rank}</span><a href="{s.path}">{E(s.title)}</a>'
            f'<span class="piu-letti__vis">{E(text)}</span></li>'
        )
        items.append(item(site, "I più letti", rank, s, views=value, views_shown=text))
    latest = site.newest()
    lrows = []
    for pos, s in enumerate(latest, start=1):
        when = _latest_time(site, s)
        lrows.append(
            f'<li><span class="ora">{E(when.text)}</span> <a href="{s.path}">{E(s.title)}</a></li>'
        )
        items.append(item(site, "Ultim'ora", pos, s, when=when))
    html = (
        '<aside class="colonna-destra"><div class="box piu-letti"><h3>I più letti</h3><ol>'
        f'{"".join(rows)}</ol></div><div class="adv">Pubblicità</div><div class="box ultimora">'
        f"<h3>Ultim'ora</h3><ul>{''.join(lrows)}</ul></div></aside>"
    )
    return html, items


def _page(site: Site, title: str, main: str, side: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    today = site.local_now
    date = f"{_WEEKDAYS[today.weekday()]} {today.day} {_MONTHS[today.month - 1]} {today.year}"
    return (
        f'<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>{E(title)}</title>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'{head}</head><body><div class="cookie-bar"><p>Questo sito utilizza cookie tecnici e, '
        "previo consenso, cookie di profilazione.</p><button>Accetta</button></div><header "
        f'class="testata"><span class="data-oggi">{date}</span><a class="logo" href="/">{_NAME}'
        '</a><a class="abbonati" href="/abbonamenti/">Abbonati</a><nav><ul>'
        f'{nav}</ul></nav></header><div class="contenitore"><main>{main}</main>{side}</div>'
        '<footer><a href="/redazione/">Redazione</a> · <a href="/privacy/">Privacy</a><p>© 2026 '
        f"{_NAME} — P.IVA 00000000000</p></footer><script>var _iub = _iub || [];</script>"
        "</body></html>"
    )


def _article(site: Site, rng: random.Random, story: Story, machine: bool) -> None:
    local = story.published.astimezone(site.tz)
    text = (
        f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1].capitalize()} "
        f"{local.year}, {local:%H:%M}"
    )
    if machine:
        date_html = f'<time datetime="{story.published.isoformat()}">{E(text)}</time>'
    else:
        date_html = f'<span class="data">{E(text)}</span>'
        updated = (story.published + timedelta(minutes=rng.randint(15, 80))).astimezone(site.tz)
        if updated < site.now:
            date_html += f' - <span class="agg">Ultimo agg. {updated:%H:%M}</span>'
    when = shown(site, story.published, text, "dated")
    others = [s for s in site.stories if s is not story]
    also = others[rng.randrange(len(others))]
    texts = [f"<p>{E(t)}</p>" for t in story.paragraphs]
    texts.insert(
        2, f'<p class="leggi-anche">LEGGI ANCHE <a href="{also.path}">{E(also.title)}</a></p>'
    )
    texts.insert(
        4,
        '<div class="box-newsletter"><p>Iscriviti alla newsletter del mattino</p><a href="'
        '/abbonamenti/">Iscriviti</a></div>',
    )
    by = "di " + " e ".join(story.authors)
    main = (
        f'<article class="articolo"><p class="occhiello">{E(_SECTIONS[story.section])}</p><h1>'
        f'{E(story.title)}</h1><h2 class="sommario">{E(story.lead)}</h2><div class="firma">'
        f'{E(by)}</div><div class="data-articolo">{date_html}</div><figure><img src="'
        f'{story.image}" alt=""></figure><div class="testo">{"".join(texts)}</div><p class="'
        'riproduzione">© RIPRODUZIONE RISERVATA</p></article>'
    )
    side, items = _side(site)
    items.append(item(site, "LEGGI ANCHE", 1, also, optional=True))
    head = news_article_ld(site, story) if machine else ""
    site.add(story.path, _page(site, f"{story.title} | {_NAME}", main, side, head), "article",
             items, story=story, published_shown_zone=False, published_if_utc=when.if_utc)  # fmt: skip


def _home(site: Site) -> None:
    stories = site.newest()
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        when = _teaser_time(site, s)
        views_text = f"{group(s.views, '.')} visualizzazioni"
        rows.append(
            f'<div class="notizia"><span class="occhiello">{E(_SECTIONS[s.section])}</span><a '
            f'href="{s.path}"><h2>{E(s.title)}</h2></a><p>{E(s.lead)}</p><span class="meta">'
            f"{E(when.text)} · {E(views_text)}</span></div>"
        )
        items.append(
            item(site, "Primo piano", pos, s, views=s.views, views_shown=views_text, when=when)
        )
    main = f'<section class="primo-piano"><h2>Primo piano</h2>{"".join(rows)}</section>'
    side, side_items = _side(site)
    site.add("/", _page(site, f"{_NAME}: notizie di Napoli e della Campania", main, side),
             "listing", items + side_items)  # fmt: skip


def _section(site: Site, key: str, label: str) -> None:
    stories = site.newest(key)
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        local = s.published.astimezone(site.tz)
        when = shown(site, s.published, f"{local:%d/%m/%Y %H:%M}", "dated")
        rows.append(
            f'<li><a href="{s.path}">{E(s.title)}</a><span class="data">{when.text}</span></li>'
        )
        items.append(item(site, label, pos, s, when=when))
    main = f'<h1 class="sezione">{E(label)}</h1><ul class="elenco">{"".join(rows)}</ul>'
    side, side_items = _side(site)
    site.add(f"/{key}/", _page(site, f"{label} | {_NAME}", main, side), "listing",
             items + side_items)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, _p: f"/{s}/{slug(_TITLES[i][1])}-{9120340 + 17 * i}.html",
        minutes_ago=(14, 130, 290, 610, 1390, 1710, 2950, 4400),
        views=(987, 12345, 1234, 156_789, 4420, 1_530_000, 67_100, 23),
    )  # fmt: skip
    for index, story in enumerate(site.stories):
        _article(site, rng, story, machine=index % 2 == 0)
    _home(site)
    for key, label in _SECTIONS.items():
        _section(site, key, label)
    for path, title in (("/redazione/", "Redazione"), ("/privacy/", "Privacy"),
                        ("/abbonamenti/", "Abbonamenti")):  # fmt: skip
        side, items = _side(site)
        main = (f"<h1>{title}</h1><p>{_NAME} è edito a Napoli. La redazione risponde ai lettori "
                "dal lunedì al venerdì.</p>")  # fmt: skip
        site.add(path, _page(site, f"{title} | {_NAME}", main, side), "other", items)
