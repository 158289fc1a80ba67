"""An Argentine national daily: "hace 3 horas", "ayer, 23:59", "1.234 visualizaciones", "12,3 mil".

Modelled on the Buenos Aires national dailies and their portals: a header with the date and the
weather, a strip of "Últimas noticias" links, a home page of cards (a volanta, the kicker, above
each headline; "Hace 5 minutos" / "Hace 3 horas" within six hours, "Hoy, 14:05", "ayer, 23:59",
else "30 de noviembre, 08:15"; and the views: "1.234 visualizaciones", "12,3 mil visualizaciones",
"1,5 millones de visualizaciones": dots for thousands, a comma for the decimal); section pages of
a list with "02/12/2026 18:40" dates; on every page a side column with "Lo más visto" (ranks and
views, no times) and "Últimas noticias" (clock times "18:40", "ayer, 23:59", "30/11 08:15").
Articles: the volanta, the headline, the bajada (a standfirst as a subtitle, not body text),
"Por María Laura Fernández" / "Por Juan Pablo Ríos y Sofía Quiroga", the dateline "2 de
diciembre de 2026 · 18:40" (text only) or a ``<time datetime>`` "02/12/2026 18:40" with JSON-LD
on every other article, a photo with its credit, paragraphs with a "Mirá también" box and a
newsletter box inside the text, tags and comments. Buenos Aires time (-03:00, no summer time).
"""

from __future__ import annotations

import random
from datetime import datetime
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
    ("sociedad", "Paro de colectivos: qué líneas funcionan y cuáles no este miércoles"),
    ("politica", "El Concejo Deliberante aprobó el nuevo código de edificación"),
    ("economia", "El dólar volvió a subir y cerró en su valor más alto del mes"),
    ("deportes", "Con un gol en el último minuto, Atlético Barracas se quedó con el clásico"),
    ("sociedad", "Ola de calor: rige una alerta amarilla para el conurbano"),
    ("economia", "Cuánto aumentan las tarifas de luz y gas desde enero"),
    ("politica", "La Legislatura debate el presupuesto 2027 en una sesión maratónica"),
    ("deportes", "Los Pumitas cerraron la gira con una victoria en San Isidro"),
]
_AUTHORS = [["María Laura Fernández"], ["Juan Pablo Ríos", "Sofía Quiroga"], ["Ezequiel Martínez"],
            ["Florencia Gómez Paz"]]  # fmt: skip
_SECTIONS = {"sociedad": "Sociedad", "politica": "Política", "economia": "Economía",
             "deportes": "Deportes"}  # fmt: skip
_VOLANTAS = {"sociedad": "Área Metropolitana", "politica": "Ciudad", "economia": "Mercados",
             "deportes": "Fútbol y rugby"}  # fmt: skip
_MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"]  # fmt: skip
_NAME = "El Diario del Plata"


def _ago(n: int, unit: str) -> str:
    if unit == "min":
        return "Hace 1 minuto" if n == 1 else f"Hace {n} minutos"
    return "Hace 1 hora" if n == 1 else f"Hace {n} horas"


def _card_time(site: Site, story: Story) -> Shown:
    return recent_or_dated(
        site, story.published, _ago, within=6 * 3600,
        today=lambda t: f"Hoy, {t:%H:%M}", yesterday=lambda t: f"ayer, {t:%H:%M}",
        dated=lambda t: f"{t.day} de {_MONTHS[t.month - 1]}, {t:%H:%M}",
    )  # fmt: skip


def _latest_time(site: Site, story: Story) -> Shown:
    return clock_or_dated(
        site, story.published,
        today=lambda t: f"{t:%H:%M}", yesterday=lambda t: f"ayer, {t:%H:%M}",
        dated=lambda t: f"{t:%d/%m %H:%M}",
    )  # fmt: skip


def _dateline(when: datetime) -> str:
    return f"{when.day} de {_MONTHS[when.month - 1]} de {when.year} · {when:%H:%M}"


def _views(n: int) -> tuple[str, int]:
    text, value = abbreviated(n, decimal=",", units=("mil", "millones de"), space=" ",
                              thousands_from=10_000, small=lambda n: group(n, "."))  # fmt: skip
    return f"{text} visualizaciones", value


def _side(site: Site) -> tuple[str, list[dict[str, Any]]]:
    most = site.most_read()
    rows, items = [], []
    for rank, s in enumerate(most, start=1):
        text, value = _views(s.views)
        rows.append(
            f'<li class="mas-visto__item"><span class="mas-visto__numero">{rank}</span><div>'
            f'<a href="{s.path}" class="mas-visto__titulo">{E(s.title)}</a><span class="mas-visto'
            f'__vistas">{E(text)}</span></div></li>'
        )
        items.append(item(site, "Lo más visto", rank, s, views=value, views_shown=text))
    latest = site.newest()
    lrows = []
    for pos, s in enumerate(latest, start=1):
        when = _latest_time(site, s)
        lrows.append(
            f'<li><span class="ultimas__hora">{E(when.text)}</span> <a href="{s.path}">'
            f"{E(s.title)}</a></li>"
        )
        items.append(item(site, "Últimas noticias", pos, s, when=when))
    html = (
        '<aside class="columna-lateral"><section class="mas-visto"><h3 class="lateral__titulo">Lo '
        f'más visto</h3><ol>{"".join(rows)}</ol></section><div class="publicidad">Publicidad</div>'
        '<section class="ultimas"><h3 class="lateral__titulo">Últimas noticias</h3><ul>'
        f"{''.join(lrows)}</ul></section></aside>"
    )
    return html, items


def _page(site: Site, title: str, main: str, side: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    today = site.local_now
    weekdays = ["Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado", "Domingo"]
    date = f"{weekdays[today.weekday()]} {today.day} de {_MONTHS[today.month - 1]} de {today.year}"
    newest = site.newest()[:3]
    strip = "".join(f'<a href="{s.path}">{E(s.title)}</a>' for s in newest)
    return (
        f'<!DOCTYPE html><html lang="es-AR"><head><meta charset="utf-8"><title>{E(title)}</title>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'{head}</head><body><header class="cabecera"><div class="cabecera__fecha">{date}</div>'
        '<div class="cabecera__clima">Buenos Aires 27°</div><a class="cabecera__logo" href="/">'
        f'{_NAME}</a><a class="btn-suscribite" href="/suscripciones/">Suscribite</a><nav '
        f'class="menu"><ul>{nav}</ul></nav></header><div class="tira-ultimas"><strong>Últimas '
        f'noticias:</strong> {strip}</div><div class="contenedor"><main>{main}</main>{side}</div>'
        '<footer class="pie"><a href="/institucional/">Institucional</a> · <a href="/terminos/">'
        'Términos y condiciones</a> · <a href="/suscripciones/">Suscripciones</a><p>Copyright '
        f"2026 {_NAME} S.A. Todos los derechos reservados. Registro DNDA en trámite.</p></footer>"
        "<script>window.dataLayer = window.dataLayer || [];</script></body></html>"
    )


def _strip_items(site: Site) -> list[dict[str, Any]]:
    newest = site.newest()[:3]
    return [item(site, "Últimas noticias:", i, s, optional=True) for i, s in enumerate(newest, 1)]


def _by(names: list[str]) -> str:
    return "Por " + (
        " y ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " y " + names[-1]
    )


def _article(site: Site, rng: random.Random, story: Story, machine: bool) -> None:
    local = story.published.astimezone(site.tz)
    if machine:
        text = f"{local:%d/%m/%Y %H:%M}"
        date_html = f'<time datetime="{story.published.isoformat()}">{text}</time>'
    else:
        text = _dateline(local)
        date_html = f'<span class="nota__fecha">{E(text)}</span>'
    when = shown(site, story.published, text, "dated")
    others = [s for s in site.stories if s is not story]
    also = others[rng.randrange(len(others))]
    texts = [f"<p>{E(t)}</p>" for t in story.paragraphs]
    texts.insert(
        2,
        f'<div class="mira-tambien"><span>Mirá también</span><a href="{also.path}">{E(also.title)}'
        "</a></div>",
    )
    texts.insert(
        5,
        '<div class="newsletter-box"><h4>Newsletter del Diario</h4><p>Recibí todas las mañanas '
        'las noticias más importantes.</p><a href="/suscripciones/">Quiero recibirlo</a></div>',
    )
    main = (
        f'<article class="nota"><p class="nota__volanta">{E(_VOLANTAS[story.section])}</p><h1 '
        f'class="nota__titulo">{E(story.title)}</h1><h2 class="nota__bajada">{E(story.lead)}</h2>'
        f'<div class="nota__autor">{E(_by(story.authors))}</div><div class="nota__meta">{date_html}'
        '</div><div class="compartir"><a href="https://facebook.example/sharer">Facebook</a> <a href'
        '="https://x.example/intent">X</a> <a href="https://wa.example/send">WhatsApp</a></div>'
        f'<figure><img src="{story.image}" alt=""><figcaption>Foto: Archivo / {E(_NAME)}'
        f'</figcaption></figure><div class="nota__cuerpo">{"".join(texts)}</div><div class="nota__'
        f'temas">Temas: <a href="/{story.section}/">{_SECTIONS[story.section]}</a></div><section '
        'class="comentarios"><h3>Comentarios</h3><p>Para comentar, iniciá sesión.</p></section>'
        "</article>"
    )
    side, items = _side(site)
    items += [*_strip_items(site), item(site, "Mirá también", 1, also, optional=True)]
    head = news_article_ld(site, story) if machine else ""
    site.add(story.path, _page(site, f"{story.title} - {_NAME}", main, side, head), "article",
             items, story=story, published_shown_zone=False, published_if_utc=when.if_utc)  # fmt: skip


def _home(site: Site) -> None:
    stories = site.newest()
    cards, items = [], []
    for pos, s in enumerate(stories, start=1):
        when = _card_time(site, s)
        text, value = _views(s.views)
        cls = "tarjeta tarjeta--apertura" if pos == 1 else "tarjeta"
        cards.append(
            f'<article class="{cls}"><a href="{s.path}"><img src="{s.image}" alt=""><p class="'
            f'tarjeta__volanta">{E(_VOLANTAS[s.section])}</p><h2 class="tarjeta__titulo">'
            f'{E(s.title)}</h2></a><div class="tarjeta__datos"><span class="tarjeta__hora">'
            f'{E(when.text)}</span> | <span class="tarjeta__vistas">{E(text)}</span></div></article>'
        )
        items.append(item(site, "Portada", pos, s, views=value, views_shown=text, when=when))
    main = f'<section class="portada"><h2 class="oculto">Portada</h2>{"".join(cards)}</section>'
    side, side_items = _side(site)
    site.add("/", _page(site, f"{_NAME} - Noticias de la Argentina y el mundo", main, side),
             "listing", items + side_items + _strip_items(site))  # fmt: skip


def _section(site: Site, key: str, label: str) -> None:
    stories = site.newest(key)
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        local = s.published.astimezone(site.tz)
        when = shown(site, s.published, f"{local:%d/%m/%Y %H:%M}", "dated")
        rows.append(
            f'<li class="listado__item"><a href="{s.path}"><h3>{E(s.title)}</h3></a><p>{E(s.lead)}'
            f'</p><span class="listado__fecha">{when.text}</span></li>'
        )
        items.append(item(site, label, pos, s, when=when))
    main = f'<h1 class="seccion__titulo">{label}</h1><ul class="listado">{"".join(rows)}</ul>'
    side, side_items = _side(site)
    site.add(f"/{key}/", _page(site, f"{label} - {_NAME}", main, side), "listing",
             items + side_items + _strip_items(site))  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, p: f"/{s}/{p:%Y/%m/%d}/{slug(_TITLES[i][1])}/",
        minutes_ago=(14, 130, 290, 610, 1390, 1710, 2950, 4400),
        views=(1234, 987, 12345, 1_530_000, 156_789, 4420, 23, 67_100),
    )  # fmt: skip
    for index, story in enumerate(site.stories):
        _article(site, rng, story, machine=index % 2 == 0)
    _home(site)
    for key, label in _SECTIONS.items():
        _section(site, key, label)
    for path, title in (("/institucional/", "Institucional"), ("/terminos/", "Términos y "
                        "condiciones"), ("/suscripciones/", "Suscripciones")):  # fmt: skip
        side, items = _side(site)
        main = (f"<h1>{title}</h1><p>{_NAME} se publica en Buenos Aires desde 1921. Atención al "
                "suscriptor de lunes a viernes de 9 a 18.</p>")  # fmt: skip
        site.add(path, _page(site, f"{title} - {_NAME}", main, side), "other",
                 items + _strip_items(site))  # fmt: skip
