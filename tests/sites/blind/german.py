"""A German regional paper: "Heute, 09:12 Uhr", "Gestern, 17:36", "vor 12 Min.", "1.234 Aufrufe".

The regional layout of :mod:`tests.sites.blind.regional` in German: "Meistgelesen" with ranks
and view counts grouped with dots ("1.234 Aufrufe", "156.789 Aufrufe", "1,5 Mio. Aufrufe"), a
"Nachrichten-Ticker" of times, datelines as a reader sees them ("02.12.2026, 23:47 Uhr"); a
``<time datetime>`` and JSON-LD on every other article only. Berlin time (+01:00 in December).
"""

from __future__ import annotations

import random
from typing import Any

from tests.sites.blind.common import Site, group
from tests.sites.blind.regional import Locale, build_regional


def _views(n: int) -> tuple[str, int]:
    if n >= 1_000_000:
        tenths = round(n / 100_000)
        whole, frac = divmod(tenths, 10)
        return f"{whole},{frac} Mio. Aufrufe" if frac else f"{whole} Mio. Aufrufe", tenths * 100_000
    return f"{group(n, '.')} Aufrufe", n


def _dated(when: Any) -> str:
    return f"{when:%d.%m.%Y, %H:%M} Uhr"


def _by(names: list[str]) -> str:
    return "Von " + " und ".join(names)


LOCALE = Locale(
    lang="de",
    site_title="Rheintaler Kurier",
    sections={"region": "Region", "politik": "Politik", "sport": "Sport"},
    titles=[
        ("region", "Neue Rheinbrücke: Bauarbeiten verzögern sich bis zum Sommer"),
        ("politik", "Kreistag streitet über höhere Gebühren für die Müllabfuhr"),
        ("region", "Weihnachtsmarkt in Oberlinden öffnet mit neuem Eisstock-Platz"),
        ("sport", "FV Talheim holt in letzter Minute einen Punkt beim Spitzenreiter"),
        ("region", "Hochwasserschutz: Anwohner in Kirchbrunn sollen mitreden"),
        ("politik", "Bürgermeisterwahl in Steinach: Drei Kandidaten stellen sich vor"),
    ],
    authors=[["Anna Schneider"], ["Jonas Krüger", "Miriam Kessler"], ["Tobias Rauch"]],
    by=_by,
    words={
        "accept": "Alle akzeptieren", "imprint": "Impressum", "privacy": "Datenschutz",
        "most_read": "Meistgelesen", "feed": "Nachrichten-Ticker", "ad": "Anzeige",
        "read_also": "Lesen Sie auch:", "comments": "Kommentare", "tag1": "Oberlinden",
        "tag2": "Verkehr", "share": "Teilen", "home": "Nachrichten aus der Region",
        "about": "Rheintaler Kurier GmbH, Marktplatz 3. Leserservice montags bis freitags.",
    },
    cls={
        "consent": "cmp-layer", "header": "kopf", "nav": "hauptnavigation", "wrap": "seite",
        "footer": "fuss", "side": "randspalte", "box": "kasten", "box_title": "kasten-titel",
        "most_item": "meistgelesen-eintrag", "rank": "platz", "most_link": "eintrag-link",
        "most_meta": "eintrag-info", "date": "datum", "views": "aufrufe",
        "feed_item": "ticker-eintrag", "feed_time": "ticker-zeit", "ad": "anzeige",
        "also": "lesetipp", "content": "inhalt", "article": "artikel", "kicker": "dachzeile",
        "title": "ueberschrift", "meta": "artikel-info", "comments": "kommentare",
        "lead": "vorspann", "author": "autor", "text": "artikeltext", "tags": "schlagworte",
        "share": "teilen", "teaser_big": "aufmacher", "teaser": "teaser",
        "teaser_title": "teaser-titel", "teaser_text": "teaser-text",
    },
    today=lambda clock: f"Heute, {clock} Uhr",
    yesterday=lambda clock: f"Gestern, {clock}",
    minutes_ago=lambda n: f"vor {n} Min.",
    hours_ago=lambda n: "vor 1 Stunde" if n == 1 else f"vor {n} Stunden",
    dated=_dated,
    views=_views,
    consent="Wir und unsere Partner verwenden Cookies, um Inhalte und Anzeigen zu personalisieren "
    "und die Nutzung unserer Seiten zu analysieren.",
    header_extra='<div class="wetter">Oberlinden 3 °C, bewölkt</div>',
)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    build_regional(site, rng, LOCALE)
