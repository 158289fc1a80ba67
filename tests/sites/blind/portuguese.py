"""A Brazilian portal: "Há 2 horas", "Ontem às 23h59", "02/12/2026 18h40", "12,3 mil visualizações".

Modelled on the São Paulo portals and dailies: a header with the state picker, a home page feed
("Últimas notícias") of cards with a kicker ("São Paulo", "Economia"), a summary and times as
the portals show them ("Há 5 minutos", "Há 2 horas" within a day, "Ontem às 23h59", "30/11/2026
às 08h15", hours and minutes joined by an "h"), section pages with "02/12/2026 18h40"; on every
page a side column with Mais lidas (ranks; "1.234 visualizações", "12,3 mil visualizações",
"1,5 mi visualizações": dots for thousands, a comma for the decimal, "mi" for million) and Agora
(clock times "18h40", "ontem, 23h59", "30/11, 08h15"). Articles: the kicker, the headline, the
linha fina (a standfirst, not body text), "Por Fernanda Ribeiro e Marcos Alves, TV Litoral" (the
team after the comma is not an author), "02/12/2026 18h40 Atualizado há 2 horas" as text on
some articles (the first time is the published one) and a ``<time datetime>`` "2.dez.2026 às
18h40" with JSON-LD on the others, a photo with its credit, paragraphs with a "LEIA TAMBÉM" box
and a video box among them, and "Veja também" links. São Paulo time (-03:00, no summer time).
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
    ("sp", "Chuva forte alaga ruas e derruba árvores na Zona Sul de São Paulo"),
    ("economia", "Dólar fecha em queda após dados de emprego nos EUA"),
    ("sp", "Metrô anuncia nova estação da Linha 2 em Vila Mariana"),
    ("esporte", "Palmeirense marca no fim e garante vaga na final da Copa"),
    ("economia", "Preço da gasolina cai pela terceira semana seguida nos postos"),
    ("politica", "Câmara aprova projeto que amplia a tarifa zero nos ônibus"),
    ("sp", "Feira de artesanato de Pinheiros volta a funcionar aos domingos"),
    ("esporte", "Seleção feminina divulga convocação para amistosos de janeiro"),
]
_AUTHORS = [["Fernanda Ribeiro", "Marcos Alves"], ["Roberto Siqueira"], ["Camila Rocha"]]
_TEAMS = ["TV Litoral", "Portal Paulista", "São Paulo"]
_SECTIONS = {"sp": "São Paulo", "economia": "Economia", "politica": "Política",
             "esporte": "Esporte"}  # fmt: skip
_MONTHS_SHORT = ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"]
_NAME = "Portal Paulista"


def _hm(when: datetime) -> str:
    return f"{when:%H}h{when:%M}"


def _ago(n: int, unit: str) -> str:
    if unit == "min":
        return "Há 1 minuto" if n == 1 else f"Há {n} minutos"
    return "Há 1 hora" if n == 1 else f"Há {n} horas"


def _card_time(site: Site, story: Story) -> Shown:
    return recent_or_dated(
        site, story.published, _ago,
        yesterday=lambda t: f"Ontem às {_hm(t)}", dated=lambda t: f"{t:%d/%m/%Y} às {_hm(t)}",
    )  # fmt: skip


def _now_time(site: Site, story: Story) -> Shown:
    return clock_or_dated(
        site, story.published,
        today=_hm, yesterday=lambda t: f"ontem, {_hm(t)}", dated=lambda t: f"{t:%d/%m}, {_hm(t)}",
    )  # fmt: skip


def _views(n: int) -> tuple[str, int]:
    text, value = abbreviated(n, decimal=",", units=("mil", "mi"), space=" ",
                              thousands_from=10_000, small=lambda n: group(n, "."))  # fmt: skip
    return f"{text} visualizações", value


def _side(site: Site) -> tuple[str, list[dict[str, Any]]]:
    most = site.most_read()
    rows, items = [], []
    for rank, s in enumerate(most, start=1):
        text, value = _views(s.views)
        rows.append(
            f'<li class="mais-lidas__item"><span class="mais-lidas__pos">{rank}º</span><a href="'
            f'{s.path}">{E(s.title)}</a><small>{E(text)}</small></li>'
        )
        items.append(item(site, "Mais lidas", rank, s, views=value, views_shown=text))
    latest = site.newest()
    lrows = []
    for pos, s in enumerate(latest, start=1):
        when = _now_time(site, s)
        lrows.append(f'<li><time>{E(when.text)}</time><a href="{s.path}">{E(s.title)}</a></li>')
        items.append(item(site, "Agora", pos, s, when=when))
    html = (
        '<aside class="lateral"><div class="widget mais-lidas"><h3>Mais lidas</h3><ol>'
        f'{"".join(rows)}</ol></div><div class="publicidade">Publicidade</div><div class="widget '
        f'agora"><h3>Agora</h3><ul>{"".join(lrows)}</ul></div></aside>'
    )
    return html, items


def _page(site: Site, title: str, main: str, side: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    return (
        f'<!DOCTYPE html><html lang="pt-BR"><head><meta charset="utf-8"><title>{E(title)}</title>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'{head}</head><body><header class="topo"><a class="logo" href="/">{_NAME}</a><div '
        'class="regiao">Sua região: <b>São Paulo</b></div><a href="/assine/">Assine</a><nav><ul>'
        f'{nav}</ul></nav></header><div class="conteudo"><main>{main}</main>{side}</div><footer>'
        '<a href="/sobre/">Quem somos</a> · <a href="/privacidade/">Privacidade</a> · <a href="'
        f'/assine/">Assine</a><p>© Copyright 2000-2026 {_NAME}. Todos os direitos reservados.</p>'
        "</footer><script>window.utag_data = {};</script></body></html>"
    )


def _by(index: int, story: Story) -> str:
    names = story.authors
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " e " + names[-1]
    return f"Por {joined}, {_TEAMS[index % len(_TEAMS)]}"


def _article(site: Site, rng: random.Random, index: int, story: Story, machine: bool) -> None:
    local = story.published.astimezone(site.tz)
    if machine:
        text = f"{local.day}.{_MONTHS_SHORT[local.month - 1]}.{local.year} às {_hm(local)}"
        date_html = f'<time datetime="{story.published.isoformat()}">{E(text)}</time>'
    else:
        text = f"{local:%d/%m/%Y} {_hm(local)}"
        date_html = f'<time class="data-publicacao">{E(text)}</time>'
        updated = story.published + timedelta(minutes=rng.randint(30, 200))
        if updated < site.now:
            ago = int((site.now - updated).total_seconds())
            label = (f"há {ago // 3600} hora{'s' if ago >= 7200 else ''}" if ago >= 3600
                     else f"há {max(ago // 60, 1)} minutos")  # fmt: skip
            date_html += f' <span class="atualizado">Atualizado {label}</span>'
    when = shown(site, story.published, text, "dated")
    others = [s for s in site.stories if s is not story]
    also = others[rng.randrange(len(others))]
    see = [s for s in others if s is not also][:3]
    texts = [f"<p>{E(t)}</p>" for t in story.paragraphs]
    texts.insert(
        2,
        f'<div class="leia-tambem"><strong>LEIA TAMBÉM</strong><a href="{also.path}">'
        f"{E(also.title)}</a></div>",
    )
    texts.insert(4, '<div class="video"><p>Vídeo: veja como ficou a região</p></div>')
    see_rows = "".join(f'<li><a href="{s.path}">{E(s.title)}</a></li>' for s in see)
    main = (
        f'<article class="materia"><p class="chapeu">{E(_SECTIONS[story.section])}</p><h1 class="'
        f'titulo">{E(story.title)}</h1><h2 class="linha-fina">{E(story.lead)}</h2><p class="autor">'
        f'{E(_by(index, story))}</p><p class="datas">{date_html}</p><figure><img src="'
        f'{story.image}" alt=""><figcaption>Foto: Divulgação</figcaption></figure><div class="'
        f'corpo">{"".join(texts)}</div><section class="veja"><h3>Veja também</h3><ul>{see_rows}'
        "</ul></section></article>"
    )
    side, items = _side(site)
    items.append(item(site, "LEIA TAMBÉM", 1, also, optional=True))
    items += [item(site, "Veja também", i, s, optional=True) for i, s in enumerate(see, 1)]
    head = news_article_ld(site, story) if machine else ""
    site.add(story.path, _page(site, f"{story.title} | {_NAME}", main, side, head), "article",
             items, story=story, published_shown_zone=False, published_if_utc=when.if_utc)  # fmt: skip


def _home(site: Site) -> None:
    stories = site.newest()
    cards, items = [], []
    for pos, s in enumerate(stories, start=1):
        when = _card_time(site, s)
        cards.append(
            f'<div class="feed-post"><span class="feed-post__chapeu">{E(_SECTIONS[s.section])}'
            f'</span><a class="feed-post__link" href="{s.path}"><h2>{E(s.title)}</h2></a><p>'
            f'{E(s.lead)}</p><span class="feed-post__meta">{E(when.text)} — Em '
            f"{E(_SECTIONS[s.section])}</span></div>"
        )
        items.append(item(site, "Últimas notícias", pos, s, when=when))
    main = f'<section class="feed"><h2>Últimas notícias</h2>{"".join(cards)}</section>'
    side, side_items = _side(site)
    site.add("/", _page(site, f"{_NAME} - Notícias de São Paulo e do Brasil", main, side),
             "listing", items + side_items)  # fmt: skip


def _section(site: Site, key: str, label: str) -> None:
    stories = site.newest(key)
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        local = s.published.astimezone(site.tz)
        when = shown(site, s.published, f"{local:%d/%m/%Y} {_hm(local)}", "dated")
        rows.append(
            f'<li><a href="{s.path}">{E(s.title)}</a><span class="data">{when.text}</span></li>'
        )
        items.append(item(site, label, pos, s, when=when))
    main = f'<h1 class="editoria">{E(label)}</h1><ul class="lista">{"".join(rows)}</ul>'
    side, side_items = _side(site)
    site.add(f"/{key}/", _page(site, f"{label} | {_NAME}", main, side), "listing",
             items + side_items)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, p: f"/{s}/noticia/{p:%Y/%m/%d}/{slug(_TITLES[i][1])}.ghtml",
        minutes_ago=(14, 130, 290, 610, 1390, 1710, 2950, 4400),
        views=(1234, 156_789, 987, 12345, 4420, 1_530_000, 23, 67_100),
    )  # fmt: skip
    for index, story in enumerate(site.stories):
        _article(site, rng, index, story, machine=index % 2 == 1)
    _home(site)
    for key, label in _SECTIONS.items():
        _section(site, key, label)
    for path, title in (("/sobre/", "Quem somos"), ("/privacidade/", "Privacidade"),
                        ("/assine/", "Assine")):  # fmt: skip
        side, items = _side(site)
        main = (f"<h1>{title}</h1><p>O {_NAME} é produzido em São Paulo. Fale com a redação pelo "
                "formulário de contato.</p>")  # fmt: skip
        site.add(path, _page(site, f"{title} | {_NAME}", main, side), "other", items)
