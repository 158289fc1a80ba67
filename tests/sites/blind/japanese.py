"""A Japanese national daily's web edition: 年月日 dates, 時分 clocks, "3時間前", counts in 万.

Modelled on the web editions of Japanese national and block papers and the news portals that
carry them: a header with a 速報 (breaking) strip, a top page of 主要ニュース (top stories) with
relative times ("5分前", "3時間前") within a day and otherwise "12/1(火) 23:59" (month/day, the
weekday in brackets, no year); section pages from an older CMS that write dates in full-width
digits ("１２月２日 １８時４０分"); on every page a right column with アクセスランキング (rank,
title, "12/2(水) 18:40", "閲覧数 1,234" below ten thousand and "閲覧数 1.2万" / "153万" above)
and 新着ニュース ("18:40" today, "昨日 23:59", "11/30(月) 8:15"). Headlines use the ideographic
space ("首都高で事故　3人けが"). Articles: breadcrumbs, the headline, the dateline
"2026年12月2日 18時40分" (with an "更新" time on some), a photo with its caption, paragraphs
(indented with a full-width space on the older articles), a 関連記事 box inside the text, the
reporters' names in brackets after the text ("【佐藤美咲、高橋健】"), "あわせて読みたい" links
and share buttons. JSON-LD and a ``<time datetime>`` on every other article only. Tokyo time
(+09:00): a reader's "today" there is often not UTC's.
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
    day_of,
    item,
    make_stories,
    myriad,
    native_digits,
    news_article_ld,
    relative,
    shown,
)

_TITLES = [
    ("society", "首都高で車5台が絡む事故　3人けが、一時通行止め"),
    ("politics", "市議会、水道料金の値上げ案を継続審議に"),
    ("economy", "地銀2行が経営統合へ　来年4月に持ち株会社"),
    ("society", "桜ケ丘の小学校統合案、保護者から反対の声"),
    ("sports", "港北FCが逆転勝ち、最終節でJ2残留決める"),
    ("economy", "冬のボーナス、平均3.1%増　民間調査"),
    ("politics", "知事選、現職が4選へ出馬表明"),
    ("society", "北浜の商店街に新しい市場、週末に開業"),
]
_AUTHORS = [["佐藤美咲"], ["高橋健", "伊藤彩"], ["渡辺翔太"]]
_SECTIONS = {"society": "社会", "politics": "政治", "economy": "経済", "sports": "スポーツ"}
_WEEKDAYS = "月火水木金土日"
_NAME = "東都新聞"


def _md(site: Site, when: datetime) -> str:
    """``12/2(水) 18:40``."""
    local = when.astimezone(site.tz)
    return f"{local.month}/{local.day}({_WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def _kanji(site: Site, when: datetime, *, year: bool = True) -> str:
    """``2026年12月2日 18時40分`` (``12月2日 9時05分`` without the year)."""
    local = when.astimezone(site.tz)
    day = f"{local.month}月{local.day}日 {local.hour}時{local.minute:02d}分"
    return f"{local.year}年{day}" if year else day


def _ago(n: int, unit: str) -> str:
    return f"{n}分前" if unit == "min" else f"{n}時間前"


def _top_time(site: Site, story: Story) -> Shown:
    """Top page: "5分前" / "3時間前" within a day, else "12/1(火) 23:59"."""
    rel = relative(site, story.published, _ago)
    if rel.ago is not None and rel.ago < 24 * 3600:
        return rel
    return shown(site, story.published, _md(site, story.published), "dated")


def _latest_time(site: Site, story: Story) -> Shown:
    kind = day_of(site, story.published)
    local = story.published.astimezone(site.tz)
    if kind == "today":
        return shown(site, story.published, f"{local:%H:%M}", "today")
    if kind == "yesterday":
        return shown(site, story.published, f"昨日 {local:%H:%M}", "yesterday")
    text = (
        f"{local.month}/{local.day}({_WEEKDAYS[local.weekday()]}) {local.hour}:{local.minute:02d}"
    )
    return shown(site, story.published, text, "dated")


def _views(story: Story) -> tuple[str, int]:
    text, value = myriad(story.views, "万")
    return f"閲覧数 {text}", value


def _side(site: Site) -> tuple[str, list[dict[str, Any]]]:
    ranking = site.most_read()
    rows, items = [], []
    for rank, s in enumerate(ranking, start=1):
        views_text, views = _views(s)
        when = shown(site, s.published, _md(site, s.published), "dated")
        rows.append(
            f'<li class="ranking-item"><span class="ranking-num rank{rank}">{rank}</span>'
            f'<div class="ranking-body"><a href="{s.path}">{E(s.title)}</a><p class="ranking-meta">'
            f'<span class="date">{E(when.text)}</span><span class="pv">{E(views_text)}</span></p>'
            "</div></li>"
        )
        items.append(item(site, "アクセスランキング", rank, s, views=views, views_shown=views_text,
                          when=when))  # fmt: skip
    latest = site.newest()
    lrows = []
    for pos, s in enumerate(latest, start=1):
        when = _latest_time(site, s)
        lrows.append(
            f'<li><a href="{s.path}"><span class="title">{E(s.title)}</span></a>'
            f'<span class="time">{E(when.text)}</span></li>'
        )
        items.append(item(site, "新着ニュース", pos, s, when=when))
    html = (
        '<aside class="sub-column"><div class="ad-rect">広告</div><section class="ranking">'
        '<h2 class="sub-title">アクセスランキング</h2><ul class="ranking-tab"><li class="is-active">'
        "総合</li><li>社会</li><li>経済</li></ul>"
        f'<ol class="ranking-list">{"".join(rows)}</ol><p class="ranking-note">集計期間：過去24時間'
        '</p></section><section class="newslist"><h2 class="sub-title">新着ニュース</h2>'
        f'<ul class="newslist-items">{"".join(lrows)}</ul></section><div class="app-banner">'
        "東都新聞アプリで速報をいち早く</div></aside>"
    )
    return html, items


def _page(site: Site, title: str, main: str, side: str, head: str = "") -> str:
    newest = max(site.stories, key=lambda s: s.published)
    nav = "".join(f'<li><a href="/news/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    today = site.local_now
    return (
        f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{E(title)}</title>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'{head}</head><body><header class="site-header"><div class="header-inner"><p class="today">'
        f"{today.year}年{today.month}月{today.day}日（{_WEEKDAYS[today.weekday()]}）</p>"
        f'<h1 class="logo"><a href="/">{_NAME}</a></h1><form class="search" action="/search">'
        '<input name="q" placeholder="キーワードを入力"><button>検索</button></form>'
        '<a class="btn-login" href="/login/">ログイン</a></div><nav class="gnav"><ul><li><a href="/">'
        f'トップ</a></li>{nav}</ul></nav></header><div class="sokuho"><span class="sokuho-label">'
        f'速報</span><a href="{newest.path}">{E(newest.title)}</a></div><div class="container">'
        f'<main class="main-column">{main}</main>{side}</div><footer class="site-footer"><ul>'
        '<li><a href="/about/">会社案内</a></li><li><a href="/privacy/">個人情報の取り扱い</a></li>'
        '<li><a href="/terms/">利用規約</a></li></ul><p class="copyright">Copyright © Toto Shimbun'
        " All rights reserved. 無断転載・複製を禁じます。</p></footer>"
        "<script>window.ttag=window.ttag||[];</script></body></html>"
    )


def _breaking(site: Site) -> dict[str, Any]:
    newest = max(site.stories, key=lambda s: s.published)
    return item(site, "速報", 1, newest, optional=True)


def _article(site: Site, rng: random.Random, story: Story, machine: bool) -> None:
    when = shown(site, story.published, _kanji(site, story.published), "dated")
    updated = story.published + timedelta(minutes=rng.randint(20, 90))
    update = (
        f'<span class="update">（更新 {E(_kanji(site, updated, year=False))}）</span>'
        if updated < site.now and not machine else ""
    )  # fmt: skip
    date_html = (
        f'<time datetime="{story.published.isoformat()}" class="date">{E(when.text)}</time>'
        if machine else f'<p class="date">{E(when.text)}</p>'
    )  # fmt: skip
    indent = "" if machine else "\u3000"
    others = [s for s in site.stories if s is not story]
    related = others[0]
    texts = [f"<p>{indent}{E(t)}</p>" for t in story.paragraphs]
    texts.insert(
        2,
        f'<div class="related-inline"><p class="related-label">関連記事</p><a href="{related.path}">'
        f"{E(related.title)}</a></div>",
    )
    also = [s for s in others if s.section == story.section][:3] or others[:3]
    also_rows = "".join(f'<li><a href="{s.path}">{E(s.title)}</a></li>' for s in also)
    section = _SECTIONS[story.section]
    main = (
        f'<div class="breadcrumb"><a href="/">トップ</a> &gt; <a href="/news/{story.section}/">'
        f'{section}</a> &gt; <span>記事</span></div><article class="article"><header class="article-'
        f'header"><p class="genre">{section}</p><h1 class="article-title">{E(story.title)}</h1>'
        f'<div class="date-area">{date_html}{update}</div><div class="sns-share"><a href="https://'
        'x.example/intent/post">ポスト</a><a href="https://line.example/share">LINEで送る</a>'
        '<span class="bookmark">保存</span></div></header><figure class="article-photo"><img src="'
        f'{story.image}" alt=""><figcaption>記者会見する関係者＝{story.published.month}月'
        f"{story.published.day}日（撮影・{E(story.authors[0])}）</figcaption></figure>"
        f'<div class="article-body">{"".join(texts)}</div><p class="article-author">'
        f'【{"、".join(story.authors)}】</p><section class="read-also"><h2>あわせて読みたい</h2>'
        f'<ul>{also_rows}</ul></section><div class="comment-link"><a href="#comments">この記事へのコメ'
        "ント（12件）</a></div></article>"
    )
    side, items = _side(site)
    items += [_breaking(site), item(site, "関連記事", 1, related, optional=True)]
    items += [item(site, "あわせて読みたい", i, s, optional=True) for i, s in enumerate(also, 1)]
    head = news_article_ld(site, story) if machine else ""
    site.add(story.path, _page(site, f"{story.title}：{_NAME}", main, side, head), "article",
             items, story=story, published_shown_zone=False, published_if_utc=when.if_utc)  # fmt: skip


def _top(site: Site) -> None:
    stories = site.newest()
    lead, rest = stories[0], stories[1:]
    rows, items = [], []
    when = _top_time(site, lead)
    rows.append(
        f'<div class="top-lead"><a href="{lead.path}"><img src="{lead.image}" alt=""><h2>'
        f'{E(lead.title)}</h2></a><p class="summary">{E(lead.lead)}</p><span class="time">'
        f"{E(when.text)}</span></div>"
    )
    items.append(item(site, "主要ニュース", 1, lead, when=when))
    lis = []
    for pos, s in enumerate(rest, start=2):
        when = _top_time(site, s)
        lis.append(
            f'<li><a href="{s.path}">{E(s.title)}</a><span class="genre-label">'
            f'{_SECTIONS[s.section]}</span><span class="time">{E(when.text)}</span></li>'
        )
        items.append(item(site, "主要ニュース", pos, s, when=when))
    rows.append(f'<ul class="top-list">{"".join(lis)}</ul>')
    main = f'<section class="top-news"><h2 class="section-title">主要ニュース</h2>{"".join(rows)}</section>'
    side, side_items = _side(site)
    site.add("/", _page(site, f"{_NAME}：ニュース速報", main, side), "listing",
             items + side_items + [_breaking(site)])  # fmt: skip


def _section(site: Site, key: str, label: str) -> None:
    """The older CMS: full-width digits in the dates."""
    stories = site.newest(key)
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        text = native_digits(_kanji(site, s.published, year=False), "０")
        when = shown(site, s.published, text, "dated")
        rows.append(
            f'<tr><td class="midashi"><a href="{s.path}">{E(s.title)}</a></td><td class="hiduke">'
            f"{E(when.text)}</td></tr>"
        )
        items.append(item(site, label, pos, s, when=when))
    main = (
        f'<div class="breadcrumb"><a href="/">トップ</a> &gt; <span>{label}</span></div>'
        f'<h2 class="section-title">{label}</h2><table class="kiji-ichiran">{"".join(rows)}</table>'
        '<p class="more">過去の記事は有料会員のみご覧いただけます</p>'
    )
    side, side_items = _side(site)
    site.add(f"/news/{key}/", _page(site, f"{label}：{_NAME}", main, side), "listing",
             items + side_items + [_breaking(site)])  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, p: f"/articles/{p:%Y%m%d}/{s}/{100231 + 37 * i}.html",
        minutes_ago=(14, 130, 290, 610, 1390, 1710, 2950, 4400),
        views=(1234, 12345, 987, 156_789, 4420, 1_530_000, 67_100, 23),
    )  # fmt: skip
    for index, story in enumerate(site.stories):
        _article(site, rng, story, machine=index % 2 == 0)
    _top(site)
    for key, label in _SECTIONS.items():
        _section(site, key, label)
    for path, title in (("/about/", "会社案内"), ("/privacy/", "個人情報の取り扱い"),
                        ("/terms/", "利用規約"), ("/login/", "ログイン")):  # fmt: skip
        side, items = _side(site)
        main = (f"<h1>{title}</h1><p>東都新聞社は1952年創刊の日刊紙です。ご意見・ご感想は読者セン"
                "ターまでお寄せください。</p>")  # fmt: skip
        site.add(path, _page(site, f"{title}：{_NAME}", main, side), "other",
                 [*items, _breaking(site)])  # fmt: skip
