"""A Russian regional portal: "сегодня в 10:15", "вчера в 23:59", "1 234 просмотра", "12,3 тыс.".

The regional layout of :mod:`tests.sites.blind.regional` in Russian: "Самое читаемое" with
ranks and counts grouped by a no-break space below ten thousand ("1 234 просмотра") and
abbreviated above ("12,3 тыс.", "1,5 млн"), a "Лента новостей" of times ("5 минут назад",
"сегодня в 10:15", "вчера в 23:59", "02.12.2026, 23:47"); JSON-LD and a ``<time datetime>`` on
every other article only. Vladivostok time (+10:00): the site's day is often not UTC's.
"""

from __future__ import annotations

import random
from typing import Any

from tests.sites.blind.common import Site, group
from tests.sites.blind.regional import Locale, build_regional


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _views(n: int) -> tuple[str, int]:
    if n >= 1_000_000:
        tenths = round(n / 100_000)
        whole, frac = divmod(tenths, 10)
        return (f"{whole},{frac} млн" if frac else f"{whole} млн"), tenths * 100_000
    if n >= 10_000:
        tenths = round(n / 100)
        whole, frac = divmod(tenths, 10)
        return (f"{whole},{frac} тыс." if frac else f"{whole} тыс."), tenths * 100
    word = _plural(n, "просмотр", "просмотра", "просмотров")
    return f"{group(n, chr(0xA0))} {word}", n


def _dated(when: Any) -> str:
    return f"{when:%d.%m.%Y, %H:%M}"


def _by(names: list[str]) -> str:
    return ("Авторы: " if len(names) > 1 else "Автор: ") + ", ".join(names)


LOCALE = Locale(
    lang="ru",
    site_title="Приморский вестник",
    sections={"city": "Город", "economy": "Экономика", "sport": "Спорт"},
    titles=[
        ("city", "Ремонт моста на Русский остров продлится до конца весны"),
        ("economy", "Порт Владивостока за год нарастил перевалку контейнеров на 8%"),
        ("city", "В Садгороде откроют новую школу на тысячу учеников"),
        ("sport", "«Адмирал» вырвал победу в овертайме у лидера конференции"),
        ("city", "Жители Эгершельда требуют вернуть автобусный маршрут №31"),
        ("economy", "Цены на крабов на рыбном рынке выросли перед праздниками"),
    ],
    authors=[["Ольга Гребнева"], ["Виктор Бажов", "Ирина Ломова"], ["Наталья Кузьмина"]],
    by=_by,
    words={
        "accept": "Принять", "imprint": "Редакция", "privacy": "Политика конфиденциальности",
        "most_read": "Самое читаемое", "feed": "Лента новостей", "ad": "Реклама",
        "read_also": "Читайте также:", "comments": "Комментарии", "tag1": "Владивосток",
        "tag2": "Транспорт", "share": "Поделиться", "home": "Главные новости",
        "about": "Сетевое издание «Приморский вестник». Возрастная категория 16+.",
    },
    cls={
        "consent": "cookie-notice", "header": "header", "nav": "menu", "wrap": "layout",
        "footer": "footer", "side": "sidebar", "box": "widget", "box_title": "widget__title",
        "most_item": "top-news__item", "rank": "top-news__num", "most_link": "top-news__link",
        "most_meta": "top-news__info", "date": "news-date", "views": "news-views",
        "feed_item": "feed__item", "feed_time": "feed__time", "ad": "banner",
        "also": "read-also", "content": "content", "article": "article",
        "kicker": "article__rubric", "title": "article__title", "meta": "article__meta",
        "comments": "article__comments", "lead": "article__lead", "author": "article__author",
        "text": "article__text", "tags": "article__tags", "share": "article__share",
        "teaser_big": "main-news", "teaser": "news-item", "teaser_title": "news-item__title",
        "teaser_text": "news-item__text",
    },
    today=lambda clock: f"сегодня в {clock}",
    yesterday=lambda clock: f"вчера в {clock}",
    minutes_ago=lambda n: f"{n} {_plural(n, 'минуту', 'минуты', 'минут')} назад",
    hours_ago=lambda n: f"{n} {_plural(n, 'час', 'часа', 'часов')} назад",
    dated=_dated,
    views=_views,
    consent="Мы используем файлы cookie, чтобы сайт работал лучше. Оставаясь на сайте, вы "
    "соглашаетесь с условиями их использования.",
    header_extra='<div class="weather">Владивосток −9°</div><div class="rates">USD 79,45 ₽ '
    "EUR 92,10 ₽</div>",
)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    build_regional(site, rng, LOCALE)
