"""A French regional daily: "Il y a 5 min", "Hier à 23h59", "1 234 vues", "Publié le … à 18h40".

Modelled on the French regional dailies: a consent banner, a header with the édition (town)
picker, a home page "À la une" of teasers with a kicker ("Bordeaux", "Faits divers"), times in
the French style with an "h" between hours and minutes ("Il y a 5 min", "Il y a 3 h" within a
day, "Hier à 23h59", "Le 30/11 à 08h15") and view counts grouped by a narrow no-break space
("1 234 vues", "156 789 vues"); section pages with "02/12/2026 18h40"; on every page a side
column with Les plus lus (ranks; counts abbreviated "4,4 k vues", "12,3 k vues", "1,5 M vues")
and En continu (clock times "18h40", "Hier, 23h59", "30/11, 08h15"). Articles: the kicker,
the headline, the chapô (a standfirst, not body text), "Par Sandrine Lefort et Julien Barreau"
or "Thierry Mounier (avec AFP)" (the agency is not an author), "Publié le 2 décembre 2026 à 18h40,
mis à jour à 19h05" as text on some articles and a ``<time datetime>`` with JSON-LD on the others,
a photo with its credit, paragraphs with a "Lire aussi :" link and a subscription box among
them, and a comment count. Paris time (+01:00 in December).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
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
    ("bordeaux", "Tram : la ligne D coupée tout le week-end entre Cenon et Bègles"),
    ("faits-divers", "Incendie dans un entrepôt de Mérignac, une centaine de pompiers mobilisés"),
    ("economie", "Le port de Bordeaux retrouve ses volumes d'avant-crise"),
    ("bordeaux", "Pessac : le marché de Noël s'installe place de la Ve République"),
    ("sport", "Rugby : l'UBB s'impose dans les dernières minutes face à Toulon"),
    ("economie", "Vendanges 2026 : une récolte en baisse mais de grande qualité"),
    ("faits-divers", "Talence : un automobiliste contrôlé à 180 km/h sur la rocade"),
    ("sport", "Football : les Girondins reprennent l'entraînement sous la pluie"),
]
_AUTHORS = [["Sandrine Lefort", "Julien Barreau"], ["Thierry Mounier"], ["Claire Vasseur"]]
#: Stories whose byline adds an agency ("(avec AFP)"): the agency is not an author.
_WITH_AGENCY = {1, 4}
_SECTIONS = {"bordeaux": "Bordeaux", "faits-divers": "Faits divers", "economie": "Économie",
             "sport": "Sport"}  # fmt: skip
_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"]  # fmt: skip
_NAME = "L'Écho de la Gironde"
_NNBSP = "\u202f"


def _hm(when: datetime) -> str:
    return f"{when:%H}h{when:%M}"


def _ago(n: int, unit: str) -> str:
    return f"Il y a {n} min" if unit == "min" else f"Il y a {n} h"


def _teaser_time(site: Site, story: Story) -> Shown:
    return recent_or_dated(
        site, story.published, _ago,
        yesterday=lambda t: f"Hier à {_hm(t)}", dated=lambda t: f"Le {t:%d/%m} à {_hm(t)}",
    )  # fmt: skip


def _live_time(site: Site, story: Story) -> Shown:
    return clock_or_dated(
        site, story.published,
        today=_hm, yesterday=lambda t: f"Hier, {_hm(t)}", dated=lambda t: f"{t:%d/%m}, {_hm(t)}",
    )  # fmt: skip


def _short_views(n: int) -> tuple[str, int]:
    """``4,4 k vues``, ``12,3 k vues``, ``1,5 M vues`` (one decimal), ``987 vues``."""
    text, value = abbreviated(n, decimal=",", units=("k", "M"), space=" ")
    return f"{text} vues", value


def _side(site: Site) -> tuple[str, list[dict[str, Any]]]:
    most = site.most_read()
    rows, items = [], []
    for rank, s in enumerate(most, start=1):
        text, value = _short_views(s.views)
        rows.append(
            f'<li class="top-lus__item"><span class="top-lus__rang">{rank}</span><a href="{s.path}">'
            f'{E(s.title)}</a><span class="top-lus__vues">{E(text)}</span></li>'
        )
        items.append(item(site, "Les plus lus", rank, s, views=value, views_shown=text))
    latest = site.newest()
    lrows = []
    for pos, s in enumerate(latest, start=1):
        when = _live_time(site, s)
        lrows.append(
            f'<li><span class="continu__heure">{E(when.text)}</span> <a href="{s.path}">'
            f"{E(s.title)}</a></li>"
        )
        items.append(item(site, "En continu", pos, s, when=when))
    html = (
        '<aside class="colonne"><section class="top-lus"><h2>Les plus lus</h2><ol>'
        f'{"".join(rows)}</ol></section><div class="pub">Publicité</div><section class="continu">'
        f"<h2>En continu</h2><ul>{''.join(lrows)}</ul></section></aside>"
    )
    return html, items


def _page(site: Site, title: str, main: str, side: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{E(title)}</title>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'{head}</head><body><div class="didomi-notice"><p>Avec votre accord, nous et nos '
        "partenaires utilisons des cookies ou technologies similaires pour stocker et accéder à "
        "des informations personnelles.</p><button>Accepter &amp; Fermer</button><button>Refuser"
        '</button></div><header class="entete"><a class="logo" href="/">'
        f'{E(_NAME)}</a><div class="edition">Mon édition : <b>Bordeaux</b></div><a class="'
        'abonnement" href="/abonnement/">Je m\'abonne</a><nav><ul>'
        f'{nav}</ul></nav></header><div class="page"><main>{main}</main>{side}</div><footer>'
        '<a href="/mentions-legales/">Mentions légales</a> · <a href="/abonnement/">Abonnement'
        f"</a><p>© {E(_NAME)} 2026 — Tous droits réservés</p></footer>"
        "<script>window.didomiConfig = {};</script></body></html>"
    )


def _by(index: int, story: Story) -> str:
    names = story.authors
    text = "Par " + (" et ".join(names) if len(names) < 3 else ", ".join(names))
    return f"{text} (avec AFP)" if index in _WITH_AGENCY else text


def _article(site: Site, rng: random.Random, index: int, story: Story, machine: bool) -> None:
    local = story.published.astimezone(site.tz)
    text = f"Publié le {local.day} {_MONTHS[local.month - 1]} {local.year} à {_hm(local)}"
    updated = (story.published + timedelta(minutes=rng.randint(15, 80))).astimezone(site.tz)
    more = (
        f", mis à jour à {_hm(updated)}"
        if updated < site.now and updated.date() == local.date()
        else ""
    )
    if machine:
        date_html = f'<time datetime="{story.published.isoformat()}">{E(text)}</time>{more}'
    else:
        date_html = f"<span>{E(text)}{more}</span>"
    when = shown(site, story.published, text, "dated")
    others = [s for s in site.stories if s is not story]
    also = others[rng.randrange(len(others))]
    texts = [f"<p>{E(t)}</p>" for t in story.paragraphs]
    texts.insert(
        2, f'<p class="lire-aussi">Lire aussi : <a href="{also.path}">{E(also.title)}</a></p>'
    )
    texts.insert(
        4,
        '<div class="encart-abo"><p>Profitez de notre offre : 1 € le premier mois.</p><a href="'
        "/abonnement/\">Je m'abonne</a></div>",
    )
    main = (
        f'<article class="article"><p class="surtitre">{E(_SECTIONS[story.section])}</p><h1>'
        f'{E(story.title)}</h1><p class="chapo">{E(story.lead)}</p><div class="signature">'
        f'{E(_by(index, story))}</div><div class="dates">{date_html}</div><figure><img src="'
        f'{story.image}" alt=""><figcaption>Photo d\'archives {E(_NAME)}</figcaption></figure>'
        f'<div class="article__texte">{"".join(texts)}</div><div class="commentaires"><a href="'
        f'#commentaires">{rng.randint(2, 90)} commentaires</a></div></article>'
    )
    side, items = _side(site)
    items.append(item(site, "Lire aussi :", 1, also, optional=True))
    head = news_article_ld(site, story) if machine else ""
    site.add(story.path, _page(site, f"{story.title} | {_NAME}", main, side, head), "article",
             items, story=story, published_shown_zone=False, published_if_utc=when.if_utc)  # fmt: skip


def _home(site: Site) -> None:
    stories = site.newest()
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        when = _teaser_time(site, s)
        views_text = f"{group(s.views, _NNBSP)} vues"
        rows.append(
            f'<div class="teaser{" teaser--une" if pos == 1 else ""}"><a href="{s.path}"><span '
            f'class="teaser__surtitre">{E(_SECTIONS[s.section])}</span><h2>{E(s.title)}</h2></a>'
            f'<div class="teaser__infos"><span>{E(when.text)}</span> · <span>{E(views_text)}</span>'
            "</div></div>"
        )
        items.append(
            item(site, "À la une", pos, s, views=s.views, views_shown=views_text, when=when)
        )
    main = f'<section class="une"><h2 class="titre-bloc">À la une</h2>{"".join(rows)}</section>'
    side, side_items = _side(site)
    site.add("/", _page(site, f"{_NAME} : actualités de Bordeaux et de la Gironde", main, side),
             "listing", items + side_items)  # fmt: skip


def _section(site: Site, key: str, label: str) -> None:
    stories = site.newest(key)
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        local = s.published.astimezone(site.tz)
        when = shown(site, s.published, f"{local:%d/%m/%Y} {_hm(local)}", "dated")
        rows.append(
            f'<li><a href="{s.path}">{E(s.title)}</a><p>{E(s.lead)}</p><span class="date">'
            f"{when.text}</span></li>"
        )
        items.append(item(site, label, pos, s, when=when))
    main = f'<h1 class="rubrique">{E(label)}</h1><ul class="liste">{"".join(rows)}</ul>'
    side, side_items = _side(site)
    site.add(f"/{key}/", _page(site, f"{label} | {_NAME}", main, side), "listing",
             items + side_items)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, p: f"/{s}/{slug(_TITLES[i][1])}-{p:%Y%m%d}_{8830 + 11 * i}.php",
        minutes_ago=(14, 130, 290, 610, 1390, 1710, 2950, 4400),
        views=(1234, 12345, 987, 1_530_000, 156_789, 4420, 67_100, 23),
    )  # fmt: skip
    for index, story in enumerate(site.stories):
        _article(site, rng, index, story, machine=index % 2 == 1)
    _home(site)
    for key, label in _SECTIONS.items():
        _section(site, key, label)
    for path, title in (("/mentions-legales/", "Mentions légales"), ("/abonnement/", "Abonnement")):
        side, items = _side(site)
        main = (f"<h1>{title}</h1><p>{E(_NAME)} est édité à Bordeaux. Service abonnés du lundi au "
                "vendredi de 8h30 à 18h.</p>")  # fmt: skip
        site.add(path, _page(site, f"{title} | {_NAME}", main, side), "other", items)
