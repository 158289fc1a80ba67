"""A Korean daily: "3시간 전", "입력 2026.12.02. 오후 6:40", "조회 1.2만", "이서연·박지호 기자".

Modelled on the Seoul dailies and the way portals show their articles: a header with a ticker
of 속보 (breaking) links, a home page of 주요뉴스 (top stories) with dotted dates
("2026.12.02 18:40") and view counts ("조회 1,234", "조회 1.2만", "조회 153만": 만 is ten
thousand); section pages with relative times ("5분 전", "3시간 전") within a day and dotted
dates after; on every page a side column with 많이 본 뉴스 (ranks and counts, no times) and
최신 뉴스 ("5분 전", "3시간 전", "어제 오후 11:59", "11.30 오전 8:15": a twelve-hour clock with
오전/오후 before it). Articles: the section, the headline, a subtitle, "입력 2026.12.02 18:40"
with a ``<time datetime>`` and JSON-LD on every other article, "입력 2026.12.02. 오후 6:40 수정
2026.12.02. 오후 7:05" on the others (the 입력 time is the published one), a photo with its
caption, paragraphs, a "관련기사" box, the reporters after the text with the role and an email
("김민준 기자 minjun.kim@hanbit.example", two names joined by a middle dot: "이서연·박지호 기자"),
the copyright line ("ⓒ 한빛일보, 무단전재 및 재배포 금지") and reaction buttons. Seoul time
(+09:00).
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
    news_article_ld,
    relative,
    shown,
)

_TITLES = [
    ("society", "해운대 해수욕장 인근 도로 침수…차량 통행 통제"),
    ("politics", "시의회, 버스 준공영제 개편안 본회의 통과"),
    ("economy", "코스피 2,800선 회복…외국인 사흘째 순매수"),
    ("society", "분당 초등학교 통폐합 논란…학부모 반발 확산"),
    ("sports", "송도FC, 연장 끝 역전승…1부 리그 잔류 확정"),
    ("economy", "겨울철 전기요금 동결…가계 부담 덜어"),
    ("politics", "교육청, 내년 예산 3% 증액 편성"),
    ("society", "광산구 전통시장에 청년 상점 20곳 문 연다"),
]
_AUTHORS = [["김민준"], ["이서연", "박지호"], ["최유진"]]
_EMAILS = {"김민준": "minjun.kim", "이서연": "seoyeon", "박지호": "jiho.park", "최유진": "yujin"}
_SECTIONS = {"society": "사회", "politics": "정치", "economy": "경제", "sports": "스포츠"}
_NAME = "한빛일보"


def _clock12(when: datetime) -> str:
    """``오후 6:40`` (오전 before noon; 오후 12:05 is five past noon)."""
    hour = when.hour % 12 or 12
    return f"{'오전' if when.hour < 12 else '오후'} {hour}:{when.minute:02d}"


def _ago(n: int, unit: str) -> str:
    return f"{n}분 전" if unit == "min" else f"{n}시간 전"


def _dotted(site: Site, when: datetime) -> str:
    return f"{when.astimezone(site.tz):%Y.%m.%d %H:%M}"


def _relative_or_dotted(site: Site, story: Story) -> Shown:
    rel = relative(site, story.published, _ago)
    if rel.ago is not None and rel.ago < 24 * 3600:
        return rel
    return shown(site, story.published, _dotted(site, story.published), "dated")


def _latest_time(site: Site, story: Story) -> Shown:
    rel = relative(site, story.published, _ago)
    if rel.ago is not None and rel.ago < 24 * 3600:
        return rel
    local = story.published.astimezone(site.tz)
    if day_of(site, story.published) == "yesterday":
        return shown(site, story.published, f"어제 {_clock12(local)}", "yesterday")
    return shown(site, story.published, f"{local:%m.%d} {_clock12(local)}", "dated")


def _views(story: Story) -> tuple[str, int]:
    text, value = myriad(story.views, "만")
    return f"조회 {text}", value


def _side(site: Site) -> tuple[str, list[dict[str, Any]]]:
    most = site.most_read()
    rows, items = [], []
    for rank, s in enumerate(most, start=1):
        text, value = _views(s)
        rows.append(
            f'<li><em class="rank">{rank}</em><a href="{s.path}"><strong>{E(s.title)}</strong>'
            f'</a><span class="hit">{E(text)}</span></li>'
        )
        items.append(item(site, "많이 본 뉴스", rank, s, views=value, views_shown=text))
    latest = site.newest()
    lrows = []
    for pos, s in enumerate(latest, start=1):
        when = _latest_time(site, s)
        lrows.append(
            f'<li><a href="{s.path}">{E(s.title)}</a><span class="date">{E(when.text)}</span></li>'
        )
        items.append(item(site, "최신 뉴스", pos, s, when=when))
    html = (
        '<aside class="aside"><div class="aside-box best"><h3 class="aside-tit">많이 본 뉴스</h3>'
        f'<div class="tab"><span class="on">전체</span><span>사회</span></div><ol>{"".join(rows)}'
        '</ol></div><div class="ad-box">AD</div><div class="aside-box latest"><h3 class="aside-'
        f'tit">최신 뉴스</h3><ul>{"".join(lrows)}</ul></div></aside>'
    )
    return html, items


def _ticker(site: Site) -> tuple[str, list[dict[str, Any]]]:
    newest = site.newest()[:2]
    links = "".join(f'<li><a href="{s.path}">{E(s.title)}</a></li>' for s in newest)
    items = [item(site, "속보", i, s, optional=True) for i, s in enumerate(newest, 1)]
    return f'<div class="breaking"><strong>속보</strong><ul>{links}</ul></div>', items


def _page(site: Site, title: str, main: str, side: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/news/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    ticker, _ = _ticker(site)
    today = site.local_now
    weekdays = "월화수목금토일"
    return (
        f'<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>{E(title)}</title>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'{head}</head><body><div id="wrap"><header id="header"><div class="top-util"><span '
        f'class="today">{today:%Y.%m.%d} ({weekdays[today.weekday()]})</span><a href="/login/">'
        f'로그인</a> <a href="/join/">회원가입</a></div><h1 class="logo"><a href="/">{_NAME}</a>'
        f'</h1><nav class="gnb"><ul>{nav}</ul></nav></header>{ticker}<div id="container"><div '
        f'class="content">{main}</div>{side}</div><footer id="footer"><ul><li><a href="/company/">'
        '회사소개</a></li><li><a href="/privacy/">개인정보처리방침</a></li><li><a href="/youth/">'
        "청소년보호정책</a></li></ul><address>서울특별시 중구 세종대로 00 | 등록번호 서울 아00000 | "
        f"발행인·편집인 홍길동</address><p>Copyright © {_NAME}. All rights reserved.</p></footer>"
        "</div><script>var _gaq = _gaq || [];</script></body></html>"
    )


def _byline(names: list[str]) -> str:
    emails = " ".join(f"{_EMAILS[n]}@hanbit.example" for n in names)
    return f"{'·'.join(names)} 기자 {emails}"


def _article(site: Site, rng: random.Random, story: Story, machine: bool) -> None:
    local = story.published.astimezone(site.tz)
    if machine:
        text = _dotted(site, story.published)
        date_html = f'<span class="input">입력 <time datetime="{story.published.isoformat()}">{text}</time></span>'
    else:
        text = f"{local:%Y.%m.%d.} {_clock12(local)}"
        date_html = f'<span class="input">입력 {E(text)}</span>'
        modified = (story.published + timedelta(minutes=rng.randint(15, 80))).astimezone(site.tz)
        if modified < site.now:
            date_html += (
                f' <span class="modify">수정 {modified:%Y.%m.%d.} {_clock12(modified)}</span>'
            )
    when = shown(site, story.published, text, "dated")
    others = [s for s in site.stories if s is not story]
    related = [s for s in others if s.section == story.section][:2] or others[:2]
    rel_html = "".join(f'<li><a href="{s.path}">{E(s.title)}</a></li>' for s in related)
    texts = [f"<p>{E(t)}</p>" for t in story.paragraphs]
    texts.insert(3, f'<div class="related-box"><strong>관련기사</strong><ul>{rel_html}</ul></div>')
    main = (
        f'<div class="article-head"><p class="section"><a href="/news/{story.section}/">'
        f'{_SECTIONS[story.section]}</a></p><h2 class="article-title">{E(story.title)}</h2><p '
        f'class="sub-title">{E(story.lead)}</p><div class="info">{date_html}</div><div class="'
        'util"><button>글자크기</button><button>인쇄</button><a href="https://share.example/'
        'kakao">카카오톡</a></div></div><div class="article-body" itemprop="articleBody"><figure>'
        f'<img src="{story.image}" alt=""><figcaption>{E(story.title)} / 사진={_NAME} DB'
        f'</figcaption></figure>{"".join(texts)}<p class="byline">{E(_byline(story.authors))}</p>'
        f'<p class="copyright">ⓒ {_NAME}, 무단전재 및 재배포 금지</p></div><div class="reaction">'
        "<button>좋아요 12</button><button>슬퍼요 0</button><button>화나요 3</button></div>"
    )
    side, items = _side(site)
    _, ticker_items = _ticker(site)
    items += ticker_items + [
        item(site, "관련기사", i, s, optional=True) for i, s in enumerate(related, 1)
    ]
    head = news_article_ld(site, story) if machine else ""
    site.add(story.path, _page(site, f"{story.title} - {_NAME}", main, side, head), "article",
             items, story=story, published_shown_zone=False, published_if_utc=when.if_utc)  # fmt: skip


def _listing(site: Site, path: str, label: str, stories: list[Story], home: bool) -> None:
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        if home:
            when = shown(site, s.published, _dotted(site, s.published), "dated")
            text, value = _views(s)
            meta = f'<span class="date">{when.text}</span> <span class="hit">{E(text)}</span>'
            entry = item(site, label, pos, s, views=value, views_shown=text, when=when)
        else:
            when = _relative_or_dotted(site, s)
            meta = f'<span class="date">{E(when.text)}</span>'
            entry = item(site, label, pos, s, when=when)
        rows.append(
            f'<li><a href="{s.path}" class="thumb"><img src="{s.image}" alt=""></a><div class="txt">'
            f'<a href="{s.path}" class="tit">{E(s.title)}</a><p class="lead">{E(s.lead)}</p>'
            f"{meta}</div></li>"
        )
        items.append(entry)
    main = (
        f'<div class="list-wrap"><h2 class="list-tit">{E(label)}</h2><ul>{"".join(rows)}</ul></div>'
    )
    side, side_items = _side(site)
    _, ticker_items = _ticker(site)
    site.add(path, _page(site, f"{label} - {_NAME}", main, side), "listing",
             items + side_items + ticker_items)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, _s, p: f"/news/articleView.html?idxno={304512 + 7 * i}",
        minutes_ago=(14, 130, 290, 610, 1390, 1710, 2950, 4400),
        views=(987, 12345, 1234, 67_100, 1_530_000, 4420, 156_789, 23),
    )  # fmt: skip
    for index, story in enumerate(site.stories):
        _article(site, rng, story, machine=index % 2 == 0)
    newest = site.newest()
    _listing(site, "/", "주요뉴스", newest, home=True)
    for key, label in _SECTIONS.items():
        _listing(site, f"/news/{key}/", label, [s for s in newest if s.section == key], home=False)
    for path, title in (("/company/", "회사소개"), ("/privacy/", "개인정보처리방침"),
                        ("/youth/", "청소년보호정책"), ("/login/", "로그인"),
                        ("/join/", "회원가입")):  # fmt: skip
        side, items = _side(site)
        _, ticker_items = _ticker(site)
        main = (f"<h2>{title}</h2><p>{_NAME}은 1988년 창간한 종합일간지입니다. 독자 여러분의 제보를 "
                "기다립니다.</p>")  # fmt: skip
        site.add(path, _page(site, f"{title} - {_NAME}", main, side), "other",
                 items + ticker_items)  # fmt: skip
