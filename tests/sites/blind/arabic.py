"""An Egyptian news portal, right to left: Arabic month names, "منذ ساعتين", Arabic-Indic digits.

Modelled on the big Cairo news portals: ``dir="rtl"``, a top bar with the day's date and a
currency strip ("الدولار 49.35 جنيه"), a red عاجل (breaking) bar, a home page of أهم الأخبار
(top stories) whose teasers show relative times with Western digits ("منذ 5 دقائق", "منذ
ساعتين" with the dual, "منذ 3 ساعات", "منذ 11 ساعة") or a full date ("الثلاثاء 01 ديسمبر 2026
11:45 م", twelve-hour clock with ص/م), and views ("12.3 ألف مشاهدة"); section pages with "06:40 م",
"أمس 11:45 م" or "30/11/2026 08:15 ص"; on every page a side column with الأكثر قراءة (ranks and
view counts in Arabic-Indic digits with the Arabic thousands separator, "١٢٬٣٤٥ مشاهدة",
"١٫٥ مليون مشاهدة") and آخر الأخبار (relative times in Arabic-Indic digits, "منذ ٥ دقائق",
"أمس ١١:٤٥ م", "٣٠ نوفمبر ٠٨:١٥ ص"). Articles: breadcrumbs, the headline, "كتب: …" or "كتبت: …"
(two names joined by an attached و, "منى عادل وكريم حسن", or by " - "), a dateline with Western
digits and the weekday ("الأربعاء، 02 ديسمبر 2026 06:40 م") on the articles with JSON-LD and a
``<time datetime>``, in Arabic-Indic digits ("الأربعاء ٢ ديسمبر ٢٠٢٦ - ١٨:٤٠") on the others,
a photo with its caption, paragraphs, an "اقرأ أيضا" link inside the text, share buttons and a
comments box. Real portals often put the Arabic headline in the URL (percent-encoded); these
keep ASCII paths with a story number, so that URL encoding is not what is measured. Cairo time
(+02:00 in December).
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
    day_of,
    item,
    make_stories,
    native_digits,
    news_article_ld,
    relative,
    shown,
)

_TITLES = [
    ("egypt", "الحكومة تعلن خطة جديدة لتطوير خطوط مترو القاهرة"),
    ("economy", "البنك المركزي يثبت أسعار الفائدة للمرة الثالثة على التوالي"),
    ("egypt", "سكان المعادي يطالبون بحلول عاجلة لأزمة مياه الشرب"),
    ("sports", "النادي الأهلي يفوز بهدفين ويتصدر جدول الدوري"),
    ("economy", "ارتفاع أسعار الذهب في السوق المحلية مع بداية التعاملات"),
    ("world", "اجتماع وزاري عربي لبحث أزمة المياه في المنطقة"),
    ("egypt", "افتتاح أكبر حديقة عامة في مدينة نصر الشهر المقبل"),
    ("sports", "منتخب الشباب يتأهل إلى نهائي البطولة الأفريقية"),
]
_AUTHORS = [
    ["أحمد سمير"],
    ["منى عادل", "كريم حسن"],
    ["ياسمين فؤاد"],
    ["محمد عبد الله", "هبة مصطفى"],
]
_WOMEN = {"منى عادل", "ياسمين فؤاد", "هبة مصطفى"}
_SECTIONS = {"egypt": "أخبار مصر", "economy": "اقتصاد", "sports": "رياضة", "world": "عربي ودولي"}
_MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر"]  # fmt: skip
_WEEKDAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
_NAME = "بوابة النيل"
#: Arabic thousands and decimal separators (U+066C, U+066B).
_THOUSANDS, _DECIMAL = "\u066c", "\u066b"


def _indic(text: str) -> str:
    return native_digits(text, "٠")


def _clock12(when: datetime) -> str:
    """``06:40 م`` (ص before noon, م from noon on)."""
    hour = when.hour % 12 or 12
    return f"{hour:02d}:{when.minute:02d} {'ص' if when.hour < 12 else 'م'}"


def _ago(n: int, unit: str, *, indic: bool) -> str:
    """ "منذ دقيقة", "منذ ساعتين", "منذ 3 ساعات", "منذ 11 ساعة" (the number agrees with its noun)."""
    one, two, few, many = (
        ("دقيقة", "دقيقتين", "دقائق", "دقيقة") if unit == "min" else ("ساعة", "ساعتين", "ساعات", "ساعة")
    )  # fmt: skip
    if n == 1:
        return f"منذ {one}"
    if n == 2:
        return f"منذ {two}"
    number = _indic(str(n)) if indic else str(n)
    return f"منذ {number} {few if 3 <= n % 100 <= 10 else many}"


def _long_date(site: Site, when: datetime) -> str:
    """``الثلاثاء 01 ديسمبر 2026 11:45 م``."""
    local = when.astimezone(site.tz)
    return (
        f"{_WEEKDAYS[local.weekday()]} {local.day:02d} {_MONTHS[local.month - 1]} {local.year} "
        f"{_clock12(local)}"
    )


def _teaser_time(site: Site, story: Story) -> Shown:
    rel = relative(site, story.published, lambda n, u: _ago(n, u, indic=False))
    if rel.ago is not None and rel.ago < 24 * 3600:
        return rel
    return shown(site, story.published, _long_date(site, story.published), "dated")


def _section_time(site: Site, story: Story) -> Shown:
    local = story.published.astimezone(site.tz)
    kind = day_of(site, story.published)
    if kind == "today":
        return shown(site, story.published, _clock12(local), "today")
    if kind == "yesterday":
        return shown(site, story.published, f"أمس {_clock12(local)}", "yesterday")
    return shown(site, story.published, f"{local:%d/%m/%Y} {_clock12(local)}", "dated")


def _latest_time(site: Site, story: Story) -> Shown:
    rel = relative(site, story.published, lambda n, u: _ago(n, u, indic=True))
    if rel.ago is not None and rel.ago < 24 * 3600:
        return rel
    local = story.published.astimezone(site.tz)
    if day_of(site, story.published) == "yesterday":
        return shown(site, story.published, _indic(f"أمس {_clock12(local)}"), "yesterday")
    text = _indic(f"{local.day} {_MONTHS[local.month - 1]} {_clock12(local)}")
    return shown(site, story.published, text, "dated")


def _scaled(n: int, decimal: str) -> tuple[str, int]:
    """``12.3 ألف`` / ``1.5 مليون`` (one decimal), or the grouped number below ten thousand."""
    if n >= 1_000_000:
        tenths, word, scale = round(n / 100_000), "مليون", 100_000
    else:
        tenths, word, scale = round(n / 100), "ألف", 100
    whole, frac = divmod(tenths, 10)
    number = f"{whole}{decimal}{frac}" if frac else f"{whole}"
    return f"{number} {word}", tenths * scale


def _teaser_views(story: Story) -> tuple[str, int]:
    """Western digits: ``987 مشاهدة``, ``1,234 مشاهدة``, ``12.3 ألف مشاهدة``."""
    if story.views < 10_000:
        return f"{story.views:,} مشاهدة", story.views
    text, value = _scaled(story.views, ".")
    return f"{text} مشاهدة", value


def _side_views(story: Story) -> tuple[str, int]:
    """Arabic-Indic digits: ``١٢٬٣٤٥ مشاهدة`` below a million, ``١٫٥ مليون مشاهدة`` above."""
    if story.views < 1_000_000:
        return _indic(f"{story.views:,}".replace(",", _THOUSANDS)) + " مشاهدة", story.views
    text, value = _scaled(story.views, _DECIMAL)
    return f"{_indic(text)} مشاهدة", value


def _side(site: Site) -> tuple[str, list[dict[str, Any]]]:
    most = site.most_read()
    rows, items = [], []
    for rank, s in enumerate(most, start=1):
        views_text, views = _side_views(s)
        rows.append(
            f'<li class="most-item"><span class="most-num">{_indic(str(rank))}</span><a href="'
            f'{s.path}">{E(s.title)}</a><span class="most-views"><i class="icon-eye"></i> '
            f"{E(views_text)}</span></li>"
        )
        items.append(item(site, "الأكثر قراءة", rank, s, views=views, views_shown=views_text))
    latest = site.newest()
    lrows = []
    for pos, s in enumerate(latest, start=1):
        when = _latest_time(site, s)
        lrows.append(
            f'<li class="latest-item"><a href="{s.path}">{E(s.title)}</a><span class="latest-time">'
            f'<i class="icon-clock"></i> {E(when.text)}</span></li>'
        )
        items.append(item(site, "آخر الأخبار", pos, s, when=when))
    html = (
        '<aside class="side-col"><div class="side-box most-read"><div class="side-head"><h3>الأكثر '
        f'قراءة</h3></div><ul>{"".join(rows)}</ul></div><div class="side-ad">إعلان</div><div '
        'class="side-box latest"><div class="side-head"><h3>آخر الأخبار</h3></div><ul>'
        f'{"".join(lrows)}</ul></div><div class="side-box newsletter"><p>اشترك في النشرة '
        'البريدية ليصلك أهم الأخبار</p><input type="email" placeholder="البريد الإلكتروني"><button>'
        "اشترك</button></div></aside>"
    )
    return html, items


def _page(site: Site, title: str, main: str, side: str, head: str = "") -> str:
    newest = max(site.stories, key=lambda s: s.published)
    nav = "".join(f'<li><a href="/section/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    today = site.local_now
    date = f"{_WEEKDAYS[today.weekday()]}، {today.day} {_MONTHS[today.month - 1]} {today.year}"
    return (
        f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{E(title)}'
        '</title><meta name="viewport" content="width=device-width,initial-scale=1">'
        f'{head}</head><body class="rtl"><div class="top-bar"><span class="today-date">{date}'
        '</span><span class="rates">الدولار 49.35 جنيه | اليورو 52.10 جنيه | جرام الذهب عيار 21: '
        '3,780 جنيه</span></div><header class="main-header"><a class="logo" href="/">'
        f'{_NAME}</a><nav class="main-nav"><ul><li><a href="/">الرئيسية</a></li>{nav}</ul></nav>'
        '</header><div class="breaking"><span class="breaking-label">عاجل</span><a href="'
        f'{newest.path}">{E(newest.title)}</a></div><div class="wrapper"><main class="main-col">'
        f'{main}</main>{side}</div><footer class="main-footer"><ul><li><a href="/about/">من نحن'
        '</a></li><li><a href="/contact/">اتصل بنا</a></li><li><a href="/privacy/">سياسة الخصوصية'
        f"</a></li></ul><p>جميع الحقوق محفوظة © 2026 {_NAME}</p></footer>"
        "<script>var googletag = googletag || {};</script></body></html>"
    )


def _by(story: Story, index: int) -> str:
    names = story.authors
    if len(names) == 1:
        return ("كتبت: " if names[0] in _WOMEN else "كتب: ") + names[0]
    if index % 2:
        return f"كتب: {names[0]} و{names[1]}"
    return "كتب: " + " - ".join(names)


def _article(site: Site, rng: random.Random, index: int, story: Story, machine: bool) -> None:
    local = story.published.astimezone(site.tz)
    if machine:
        text = f"{_WEEKDAYS[local.weekday()]}، {_long_date(site, story.published).split(' ', 1)[1]}"
        date_html = f'<time datetime="{story.published.isoformat()}">{E(text)}</time>'
    else:
        text = _indic(
            f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year} - "
            f"{local:%H:%M}"
        )
        date_html = f'<span class="news-date">{E(text)}</span>'
    when = shown(site, story.published, text, "dated")
    others = [s for s in site.stories if s is not story]
    also = others[rng.randrange(len(others))]
    texts = [f"<p>{E(t)}</p>" for t in story.paragraphs]
    texts.insert(
        3,
        f'<p class="read-also"><strong>اقرأ أيضا:</strong> <a href="{also.path}">{E(also.title)}</a></p>',
    )
    section = _SECTIONS[story.section]
    main = (
        f'<div class="breadcrumbs"><a href="/">الرئيسية</a> » <a href="/section/{story.section}/">'
        f'{section}</a></div><article class="news-article"><h1 class="news-title">'
        f'{E(story.title)}</h1><div class="news-meta"><span class="writer">{E(_by(story, index))}'
        f'</span> {date_html}</div><div class="share"><a href="https://facebook.example/share">'
        'فيسبوك</a><a href="https://x.example/share">إكس</a><a href="https://wa.example/send">'
        f'واتساب</a></div><figure class="news-img"><img src="{story.image}" alt="{E(story.title)}">'
        f'<figcaption>{E(story.title)} - أرشيفية</figcaption></figure><div class="news-body">'
        f'{"".join(texts)}</div><div class="comments-box"><h3>التعليقات</h3><p>لا توجد تعليقات'
        " بعد. كن أول من يعلق.</p></div></article>"
    )
    side, items = _side(site)
    items += [_breaking(site), item(site, "اقرأ أيضا:", 1, also, optional=True)]
    head = news_article_ld(site, story) if machine else ""
    site.add(story.path, _page(site, f"{story.title} - {_NAME}", main, side, head), "article",
             items, story=story, published_shown_zone=False, published_if_utc=when.if_utc)  # fmt: skip


def _breaking(site: Site) -> dict[str, Any]:
    return item(site, "عاجل", 1, max(site.stories, key=lambda s: s.published), optional=True)


def _home(site: Site) -> None:
    stories = site.newest()
    cards, items = [], []
    for pos, s in enumerate(stories, start=1):
        when = _teaser_time(site, s)
        views_text, views = _teaser_views(s)
        big = pos == 1
        cards.append(
            f'<div class="{"main-story" if big else "news-card"}"><a href="{s.path}"><img src="'
            f'{s.image}" alt=""><h2 class="card-title">{E(s.title)}</h2></a>'
            + (f'<p class="card-brief">{E(s.lead)}</p>' if big else "")
            + f'<div class="card-info"><span class="card-time">{E(when.text)}</span> <span '
            f'class="card-views">{E(views_text)}</span></div></div>'
        )
        items.append(
            item(site, "أهم الأخبار", pos, s, views=views, views_shown=views_text, when=when)
        )
    main = f'<section class="top-stories"><h2 class="block-title">أهم الأخبار</h2>{"".join(cards)}</section>'
    side, side_items = _side(site)
    site.add("/", _page(site, f"{_NAME} - أخبار مصر والعالم", main, side), "listing",
             items + side_items + [_breaking(site)])  # fmt: skip


def _section(site: Site, key: str, label: str) -> None:
    stories = site.newest(key)
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        when = _section_time(site, s)
        rows.append(
            f'<div class="list-item"><a href="{s.path}"><img src="{s.image}" alt=""></a><div>'
            f'<a class="list-title" href="{s.path}">{E(s.title)}</a><p>{E(s.lead)}</p><span '
            f'class="list-time">{E(when.text)}</span></div></div>'
        )
        items.append(item(site, label, pos, s, when=when))
    main = (
        f'<div class="breadcrumbs"><a href="/">الرئيسية</a> » {label}</div><h1 class="section-'
        f'name">{label}</h1><div class="section-list">{"".join(rows)}</div><div class="pager">'
        "<span>الصفحة 1</span></div>"
    )
    side, side_items = _side(site)
    site.add(f"/section/{key}/", _page(site, f"{label} - {_NAME}", main, side), "listing",
             items + side_items + [_breaking(site)])  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, _s, p: f"/story/{p.year}/{p.month}/{p.day}/{7012340 + 13 * i}",
        minutes_ago=(14, 130, 290, 610, 1390, 1710, 2950, 4400),
        views=(12345, 987, 156_789, 1_530_000, 4420, 1234, 67_100, 23),
    )  # fmt: skip
    for index, story in enumerate(site.stories):
        _article(site, rng, index, story, machine=index % 2 == 0)
    _home(site)
    for key, label in _SECTIONS.items():
        _section(site, key, label)
    for path, title in (("/about/", "من نحن"), ("/contact/", "اتصل بنا"),
                        ("/privacy/", "سياسة الخصوصية")):  # fmt: skip
        side, items = _side(site)
        main = (f"<h1>{title}</h1><p>{_NAME} موقع إخباري مصري يعمل على مدار الساعة. للتواصل مع "
                "أسرة التحرير راسلونا عبر البريد الإلكتروني.</p>")  # fmt: skip
        site.add(path, _page(site, f"{title} - {_NAME}", main, side), "other",
                 [*items, _breaking(site)])  # fmt: skip
