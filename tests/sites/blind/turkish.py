"""A Turkish national news portal: "5 dakika önce", "Dün 23:59", "12 B okunma", "1,5 Mn okunma".

Modelled on the big Istanbul news portals: a red SON DAKİKA (breaking) strip, a header with the
date and prayer-time and currency widgets, a manşet (lead) slider with numbered pages (no
heading: its four stories are a headline block of their own), then cards with relative times
("5 dakika önce", "3 saat önce") within a day, else "30 Kasım 2026, 08:15", and read counts
written out ("12.345 okunma"); section pages with "02.12.2026 - 18:40"; on every page a side
column with Çok Okunanlar (ranks and abbreviated counts as video sites show them: "4,4 B
okunma" with one decimal below ten thousand, "12 B okunma" and "156 B okunma" cut to whole
thousands above, "1,5 Mn okunma"; B is bin, a thousand) and Son Dakika (clock times "18:40",
"Dün 23:59", "30.11.2026 08:15"). Articles: breadcrumbs, the headline, the spot (a standfirst,
not body text), "Giriş: 02.12.2026 - 18:40 | Güncelleme: 02.12.2026 - 19:05"
on some articles and a ``<time datetime>`` "02 Aralık 2026 Çarşamba 18:40" with JSON-LD on the
others, the reporters with the city ("Mehmet Demir, Elif Koç / Ankara"), a photo, paragraphs
with an İLGİLİ HABER box and an ad between them, tags and comments. Istanbul time (+03:00).
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
    ("gundem", "İstanbul'da sağanak: Bazı ilçelerde su baskınları yaşandı"),
    ("ekonomi", "Merkez Bankası faiz kararını açıkladı"),
    ("spor", "Karşıyaka son dakikada güldü: 2-1"),
    ("gundem", "Kadıköy'de yeni metro hattı için ilk kazma vuruldu"),
    ("ekonomi", "Asgari ücret görüşmelerinde ikinci toplantı sona erdi"),
    ("dunya", "Balkan ülkeleri enerji anlaşması imzaladı"),
    ("spor", "Milli takımın aday kadrosu belli oldu"),
    ("gundem", "Bornova'da okul servisleri için yeni düzenleme"),
]
_AUTHORS = [["Ayşe Yılmaz"], ["Mehmet Demir", "Elif Koç"], ["Can Aksoy"]]
_CITIES = ["İzmir", "Ankara", "İstanbul"]
_SECTIONS = {"gundem": "Gündem", "ekonomi": "Ekonomi", "spor": "Spor", "dunya": "Dünya"}
_MONTHS = ["Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül",
           "Ekim", "Kasım", "Aralık"]  # fmt: skip
_WEEKDAYS = ["Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar"]
_NAME = "Körfez Haber"
_ASCII_TR = str.maketrans({"ı": "i", "İ": "i", "ş": "s", "Ş": "s", "ğ": "g", "Ğ": "g", "ç": "c",
                           "Ç": "c", "ö": "o", "Ö": "o", "ü": "u", "Ü": "u", "'": ""})  # fmt: skip


def _ago(n: int, unit: str) -> str:
    return f"{n} dakika önce" if unit == "min" else f"{n} saat önce"


def _card_time(site: Site, story: Story) -> Shown:
    return recent_or_dated(
        site, story.published, _ago,
        dated=lambda t: f"{t.day} {_MONTHS[t.month - 1]} {t.year}, {t:%H:%M}",
    )  # fmt: skip


def _latest_time(site: Site, story: Story) -> Shown:
    return clock_or_dated(
        site, story.published,
        today=lambda t: f"{t:%H:%M}", yesterday=lambda t: f"Dün {t:%H:%M}",
        dated=lambda t: f"{t:%d.%m.%Y %H:%M}",
    )  # fmt: skip


def _short_views(n: int) -> tuple[str, int]:
    """As video sites abbreviate: ``4,4 B``, ``12 B``, ``156 B`` (whole thousands, cut), ``1,5 Mn``."""
    if n >= 1_000_000:
        tenths = n // 100_000
        whole, frac = divmod(tenths, 10)
        return (f"{whole},{frac} Mn" if frac else f"{whole} Mn"), tenths * 100_000
    if n >= 10_000:
        return f"{n // 1000} B", n // 1000 * 1000
    if n >= 1000:
        tenths = n // 100
        whole, frac = divmod(tenths, 10)
        return (f"{whole},{frac} B" if frac else f"{whole} B"), tenths * 100
    return str(n), n


def _side(site: Site) -> tuple[str, list[dict[str, Any]]]:
    most = site.most_read()
    rows, items = [], []
    for rank, s in enumerate(most, start=1):
        short, value = _short_views(s.views)
        text = f"{short} okunma"
        rows.append(
            f'<li class="cok-okunan"><span class="sira">{rank}</span><a href="{s.path}">'
            f'<img src="{s.image}" alt=""><span class="baslik">{E(s.title)}</span></a><span '
            f'class="okunma">{E(text)}</span></li>'
        )
        items.append(item(site, "Çok Okunanlar", rank, s, views=value, views_shown=text))
    latest = site.newest()
    lrows = []
    for pos, s in enumerate(latest, start=1):
        when = _latest_time(site, s)
        lrows.append(
            f'<li><span class="saat">{E(when.text)}</span><a href="{s.path}">{E(s.title)}</a></li>'
        )
        items.append(item(site, "Son Dakika", pos, s, when=when))
    html = (
        '<aside class="sag-kolon"><div class="kutu"><div class="kutu-baslik">Çok Okunanlar</div>'
        f'<ol>{"".join(rows)}</ol></div><div class="reklam">Reklam</div><div class="kutu">'
        f'<div class="kutu-baslik">Son Dakika</div><ul class="son-dakika-liste">{"".join(lrows)}'
        '</ul></div><div class="namaz"><b>İstanbul</b> İmsak 06:41 · Öğle 12:59 · Akşam 16:37</div>'
        "</aside>"
    )
    return html, items


def _breaking(site: Site) -> tuple[str, list[dict[str, Any]]]:
    newest = site.newest()[:2]
    links = "".join(f'<a href="{s.path}">{E(s.title)}</a>' for s in newest)
    html = f'<div class="son-dakika-serit"><strong>SON DAKİKA</strong>{links}</div>'
    return html, [item(site, "SON DAKİKA", i, s, optional=True) for i, s in enumerate(newest, 1)]


def _page(site: Site, title: str, main: str, side: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    today = site.local_now
    strip, _ = _breaking(site)
    date = f"{today.day} {_MONTHS[today.month - 1]} {today.year} {_WEEKDAYS[today.weekday()]}"
    return (
        f'<!DOCTYPE html><html lang="tr"><head><meta charset="utf-8"><title>{E(title)}</title>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'{head}</head><body>{strip}<header class="ust"><div class="tarih">{date}</div><div '
        'class="doviz">Dolar 34,82 · Euro 36,71 · Altın 2.985</div><a class="logo" href="/">'
        f'{_NAME}</a><nav><ul><li><a href="/">Anasayfa</a></li>{nav}</ul></nav></header>'
        f'<div class="kapsayici"><main class="sol-kolon">{main}</main>{side}</div><footer>'
        '<a href="/kunye/">Künye</a> · <a href="/iletisim/">İletişim</a> · <a href="/kvkk/">KVKK'
        f"</a><p>© 2026 {_NAME}. Tüm hakları saklıdır. Haberlerin izinsiz kullanılması yasaktır."
        "</p></footer><script>window.adsQueue = window.adsQueue || [];</script></body></html>"
    )


def _article(site: Site, rng: random.Random, index: int, story: Story, machine: bool) -> None:
    local = story.published.astimezone(site.tz)
    if machine:
        text = (f"{local:%d} {_MONTHS[local.month - 1]} {local.year} {_WEEKDAYS[local.weekday()]}"
                f" {local:%H:%M}")  # fmt: skip
        dates = f'<time datetime="{story.published.isoformat()}">{E(text)}</time>'
    else:
        text = f"{local:%d.%m.%Y - %H:%M}"
        dates = f'<span class="giris">Giriş: {text}</span>'
        updated = (story.published + timedelta(minutes=rng.randint(15, 80))).astimezone(site.tz)
        if updated < site.now:
            dates += f' | <span class="guncelleme">Güncelleme: {updated:%d.%m.%Y - %H:%M}</span>'
    when = shown(site, story.published, text, "dated")
    others = [s for s in site.stories if s is not story]
    related = others[rng.randrange(len(others))]
    texts = [f"<p>{E(t)}</p>" for t in story.paragraphs]
    texts.insert(
        2,
        f'<div class="ilgili-haber"><span>İLGİLİ HABER</span><a href="{related.path}">'
        f"{E(related.title)}</a></div>",
    )
    texts.insert(4, '<div class="reklam-ic">Reklam</div>')
    byline = f"{', '.join(story.authors)} / {_CITIES[index % len(_CITIES)]}"
    section = _SECTIONS[story.section]
    main = (
        f'<div class="breadcrumb"><a href="/">Anasayfa</a> › <a href="/{story.section}/">{section}'
        f'</a></div><article class="haber"><h1 class="haber-baslik">{E(story.title)}</h1><h2 class="'
        f'spot">{E(story.lead)}</h2><div class="haber-bilgi">{dates}</div><div class="muhabir">'
        f'{E(byline)}</div><div class="paylas"><a href="https://facebook.example/share">Paylaş</a>'
        f' <a href="https://x.example/share">Tweetle</a></div><img class="haber-gorsel" src="'
        f'{story.image}" alt="{E(story.title)}"><div class="haber-metin">{"".join(texts)}</div>'
        f'<div class="etiketler">Etiketler: <a href="/{story.section}/">{section}</a></div><div '
        f'class="yorumlar"><h3>Yorumlar ({rng.randint(0, 40)})</h3><p>Yorum yazmak için giriş '
        "yapın.</p></div></article>"
    )
    side, items = _side(site)
    _, strip_items = _breaking(site)
    items += [*strip_items, item(site, "İLGİLİ HABER", 1, related, optional=True)]
    head = news_article_ld(site, story) if machine else ""
    site.add(story.path, _page(site, f"{story.title} - {_NAME}", main, side, head), "article",
             items, story=story, published_shown_zone=False, published_if_utc=when.if_utc)  # fmt: skip


def _home(site: Site) -> None:
    stories = site.newest()
    slider = "".join(
        f'<div class="manset-item"><a href="{s.path}"><img src="{s.image}" alt=""><span>'
        f"{E(s.title)}</span></a></div>"
        for s in stories[:4]
    )
    pages = "".join(f'<span class="manset-no">{i}</span>' for i in range(1, 5))
    cards, items = [], []
    for pos, s in enumerate(stories, start=1):
        when = _card_time(site, s)
        text = f"{group(s.views, '.')} okunma"
        cards.append(
            f'<div class="kart"><a href="{s.path}"><img src="{s.image}" alt=""><h3>{E(s.title)}'
            f'</h3></a><div class="kart-alt"><span class="zaman">{E(when.text)}</span> <span '
            f'class="okunma">{E(text)}</span></div></div>'
        )
        items.append(item(site, "Öne Çıkanlar", pos, s, views=s.views, views_shown=text, when=when))
    # The slider has no heading on the page, but it is a list of headlines a reader sees first.
    items = [item(site, "Manşet", i, s) for i, s in enumerate(stories[:4], 1)] + items
    main = (
        f'<div class="manset">{slider}<div class="manset-sayfa">{pages}</div></div><section '
        f'class="one-cikanlar"><h2>Öne Çıkanlar</h2><div class="kartlar">{"".join(cards)}</div>'
        "</section>"
    )
    side, side_items = _side(site)
    _, strip_items = _breaking(site)
    site.add("/", _page(site, f"{_NAME} - Son Dakika Haberler", main, side), "listing",
             items + side_items + strip_items)  # fmt: skip


def _section(site: Site, key: str, label: str) -> None:
    stories = site.newest(key)
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        local = s.published.astimezone(site.tz)
        when = shown(site, s.published, f"{local:%d.%m.%Y - %H:%M}", "dated")
        rows.append(
            f'<div class="liste-haber"><a href="{s.path}"><h3>{E(s.title)}</h3></a><p>{E(s.lead)}'
            f'</p><span class="tarih">{when.text}</span></div>'
        )
        items.append(item(site, f"{label} Haberleri", pos, s, when=when))
    main = f'<h1 class="kategori">{label} Haberleri</h1>{"".join(rows)}'
    side, side_items = _side(site)
    _, strip_items = _breaking(site)
    site.add(f"/{key}/", _page(site, f"{label} Haberleri - {_NAME}", main, side), "listing",
             items + side_items + strip_items)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, _p: f"/{s}/{slug(_TITLES[i][1].translate(_ASCII_TR))}-{1548200 + 3 * i}",
        minutes_ago=(14, 130, 290, 610, 1390, 1710, 2950, 4400),
        views=(4420, 12345, 987, 156_789, 1_530_000, 1234, 67_100, 23),
    )  # fmt: skip
    for index, story in enumerate(site.stories):
        _article(site, rng, index, story, machine=index % 2 == 1)
    _home(site)
    for key, label in _SECTIONS.items():
        _section(site, key, label)
    for path, title in (("/kunye/", "Künye"), ("/iletisim/", "İletişim"), ("/kvkk/", "KVKK")):
        side, items = _side(site)
        _, strip_items = _breaking(site)
        main = (f"<h1>{title}</h1><p>{_NAME} 1996 yılından bu yana İzmir'den yayın yapmaktadır. "
                "Okur temsilcisine e-posta ile ulaşabilirsiniz.</p>")  # fmt: skip
        site.add(path, _page(site, f"{title} - {_NAME}", main, side), "other",
                 items + strip_items)  # fmt: skip
