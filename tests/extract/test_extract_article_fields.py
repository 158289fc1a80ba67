"""Article title, authors, published date and the body's second opinion, on small pages written
for each rule (issue 14), plus the real-page harness's own metric helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bench.realpages import Page as BenchPage
from bench.realpages import author_f1, half_of, snippet_counts, title_match, truth_day
from crawler.extract import PageInput, extract_page
from crawler.extract.dates import url_day
from crawler.extract.fallback import (
    FLAG_DAY_ONLY,
    description_agreement,
    second_opinion_wins,
)
from crawler.extract.text import strip_title_suffix

FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
URL_WITHOUT_DATE = "https://news.example.org/politics/bridge-vote-story"
BODY = "".join(
    f"<p>Paragraph {i} of the story tells, at some length and with commas, what the council "
    f"decided about the new bridge over the river, and why it matters to residents.</p>"
    for i in range(6)
)


def _page(head: str = "", before: str = "", after: str = "") -> str:
    return (
        f"<html><head>{head}</head><body><header><a href='/'>Home</a></header>"
        f"<main><article>{before}<div class='story-body'>{BODY}</div>{after}</article></main>"
        "<footer>Imprint</footer></body></html>"
    )


def _article(
    html: str, url: str = "https://news.example.org/2024/05/06/bridge-vote-story"
) -> object:
    result = extract_page(PageInput(url=url, html=html, fetched_at=FETCHED))
    assert result.article is not None, result.reason
    return result.article


# --- title --------------------------------------------------------------------------------


def test_title_drops_a_marked_kicker_inside_the_h1() -> None:
    html = _page(
        "<title>Climate: Drilling until it gets hot | Example News</title>",
        "<h1><span class='article-kicker'>Climate</span><span class='visually-hidden'>: </span>"
        "<span class='headline'>Drilling until it gets hot</span></h1>",
    )
    assert _article(html).title == "Drilling until it gets hot"


def test_title_drops_a_small_kicker_inside_the_h1() -> None:
    html = _page(
        "<meta property='og:title' content='Big tasks for the new government'>",
        "<h1><small>Tunisia</small><br> Big tasks for the new government</h1>",
    )
    assert _article(html).title == "Big tasks for the new government"


def test_title_prefers_the_declared_headline_when_the_h1_prefixes_an_unmarked_kicker() -> None:
    html = _page(
        "<meta property='og:title' content='Drinks delivered by boat to the centre'>",
        "<h1>Olympic Games Drinks delivered by boat to the centre</h1>",
    )
    assert _article(html).title == "Drinks delivered by boat to the centre"


@pytest.mark.parametrize("quote", ['"Pure Leere": ', "„Pure Leere“: ", "«Pure Leere» – "])
def test_title_keeps_a_quotation_before_the_declared_headline(quote: str) -> None:
    # A quotation that opens the <h1> is part of the headline, not a kicker label.
    html = _page(
        "<meta property='og:title' content='Drinks delivered by boat to the centre'>",
        f"<h1>{quote}Drinks delivered by boat to the centre</h1>",
    )
    assert _article(html).title == f"{quote}Drinks delivered by boat to the centre"


def test_title_is_the_one_headline_h1_when_the_declared_titles_say_something_else() -> None:
    html = _page(
        "<title>Cheap car loans in May &gt;&gt; compare offers</title>"
        "<meta property='og:title' content='Cheap car loans in May &gt;&gt; compare offers'>",
        "<h1>Find the cheapest car loan for your next car</h1>",
    )
    assert _article(html).title == "Find the cheapest car loan for your next car"


def test_title_keeps_the_declared_title_over_a_label_h1() -> None:
    html = _page(
        "<meta property='og:title' content='Council approves the new bridge over the river'>",
        "<h1>Local news</h1>",
    )
    assert _article(html).title == "Council approves the new bridge over the river"


def test_title_skips_the_site_logo_h1_and_takes_the_entry_heading() -> None:
    html = _page(
        "<title>What became of Six Sigma? | quietblog</title>",
        "<h1 id='site-title'><a href='https://quietblog.example.net/'>quietblog</a></h1>"
        "<h2 class='entry-title'>What became of Six Sigma?</h2>",
    )
    assert _article(html, "https://quietblog.example.net/2019/12/10/six-sigma/").title == (
        "What became of Six Sigma?"
    )


def test_title_site_name_learnt_from_a_logo_h1_without_hints() -> None:
    html = _page(
        "<title>Liver stew with apple and onion | Love goes through the stomach</title>",
        "<h1>Love goes through the stomach</h1>",
    )
    assert _article(html, "https://recipes.example.net/liver-stew-apple-onion").title == (
        "Liver stew with apple and onion"
    )


def test_title_h1_loses_a_known_site_name_suffix() -> None:
    html = _page(
        "<meta property='og:site_name' content='Federal Agency'>"
        "<title>Nuclear power is not sustainable | Federal Agency</title>",
        "<h1>Nuclear power is not sustainable | Federal Agency</h1>",
    )
    assert _article(html).title == "Nuclear power is not sustainable"


def test_title_drops_hidden_and_subtitle_spans_inside_the_h1() -> None:
    html = _page(
        "<title>Bridge vote passes | Example News</title>",
        "<h1 class='title'>Bridge vote passes<span class='element-invisible'> | Old Name</span>"
        "</h1>",
    )
    assert _article(html).title == "Bridge vote passes"
    html = _page(
        before="<h1><span class='story-subtitle'>Olympic Games in Paris</span> Drinks delivered "
        "by boat</h1>"
    )
    assert _article(html).title == "Drinks delivered by boat"


def test_title_h1_marked_as_the_headline_is_not_a_logo() -> None:
    # "blogtitle" in a class would say logo; entry-title and itemprop=headline say otherwise.
    html = _page(
        "<meta property='og:title' content='Alcohol on the boat – Learn more about the risks'>",
        "<h1 class='post_title entry-title myblogtitle' itemprop='headline'>Alcohol on the boat"
        "</h1>",
    )
    assert _article(html).title == "Alcohol on the boat"


def test_title_that_names_a_page_of_the_site_is_no_headline() -> None:
    html = _page("<title>Home</title>", "<h1>Time to say goodbye.</h1>")
    assert _article(html).title == "Time to say goodbye."


def test_title_is_the_shown_heading_that_ends_the_declared_title() -> None:
    # "Site - Section » Headline" in <title>, the headline shown as the story's <h2>.
    html = _page(
        "<title>Bridgeport Rowing Club e.V. - Neuigkeiten » Die Events der letzten Zeit</title>",
        "<h2>Die Events der letzten Zeit</h2>",
    )
    assert _article(html).title == "Die Events der letzten Zeit"
    # A longer first part is the headline, and the heading at the end its subtitle.
    subtitle = _page(
        "<title>Digital data collection as a challenge for media education - How do we"
        " discuss it?</title>",
        "<h2>How do we discuss it?</h2>",
    )
    assert _article(subtitle).title == (
        "Digital data collection as a challenge for media education - How do we discuss it?"
    )


def test_title_ends_at_the_site_name_shown_by_the_logo() -> None:
    html = _page(
        "<title>A strange music video : Crime Blog Archive | Investigating a genre | Since 2005"
        " | Year 6</title>",
        "<h1 class='vcard'><a href='https://crime.example.net/'>Crime Blog Archive</a></h1>",
    )
    assert _article(html, "https://crime.example.net/?p=2895").title == "A strange music video"


def test_strip_title_suffix_recognises_the_host_name() -> None:
    assert strip_title_suffix("Worm box DIY | selbst.de", [], "www.selbst.de") == "Worm box DIY"
    assert (
        strip_title_suffix("Fair ends early - Diveinside News", [], "diveinside.de")
        == "Fair ends early"
    )
    assert strip_title_suffix("Drilling on: a story", [], "zeit.de") == "Drilling on: a story"
    assert strip_title_suffix("Children and work » Example e.V.", [], "") == "Children and work"
    assert (
        strip_title_suffix("Headline in words : Blog | Slogan | Since 2005", ["Blog"], "")
        == "Headline in words"
    )
    # Without a guess, an unknown short tail stays.
    assert strip_title_suffix("Three word headline - Politics", [], "", guess=False) == (
        "Three word headline - Politics"
    )


# --- authors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe, John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe | Staff", ["Jane Doe"]),
        ("Von: Erika Mustermann", ["Erika Mustermann"]),
        ("Geschrieben vonErika Mustermann", ["Erika Mustermann"]),
        ("Jane Doe, Senior Correspondent", ["Jane Doe"]),
        ("Jane Doe @janedoe -", ["Jane Doe"]),
        ("Jane Doe / dpa", ["Jane Doe"]),
        # The byline's date ends the names.
        ("Author: Jane Doe am 29.12.2010, 13:36 Uhr", ["Jane Doe"]),
        ("By Jane Doe and John Roe on 4/12/2025", ["Jane Doe", "John Roe"]),
        ("Jane Doe, 2025-12-04 14:05", ["Jane Doe"]),
        ("Gespeichert von Jane Doe am 24. Juli 2017 - 18:55", ["Jane Doe"]),
        ("Submitted by Jane Doe on December 4, 2006", ["Jane Doe"]),
        # An agency story's credit codes are one credit, as given.
        ("det/dpa", ["det/dpa"]),
        ("Von APA/AP", ["APA/AP"]),
        ("Jane Doe / John Roe", ["Jane Doe", "John Roe"]),
        # The agency's part of the story after a name is no part of the name.
        ("Par Thierry Mounier (avec AFP)", ["Thierry Mounier"]),
        ("Von Jane Doe (mit dpa)", ["Jane Doe"]),
    ],
)
def test_visible_byline_is_split_into_names(byline: str, expected: list[str]) -> None:
    html = _page(before=f"<h1>Bridge vote passes</h1><p class='byline'>{byline}</p>")
    assert _article(html).authors == expected


def test_labels_and_form_fields_are_not_names() -> None:
    html = _page(
        before="<h1>Bridge vote passes</h1><span class='author'>E-Mail</span>",
        after="<form class='comment-form'><label class='author'>Name *</label></form>",
    )
    assert _article(html).authors == []


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("<span class='author vcard'>freeman1984</span>", ["freeman1984"]),
        (
            "<div class='author'>Author: <a href='?u=58'><b>Bo2man</b></a> am 29.12.2010</div>",
            ["Bo2man"],
        ),
        ("<span class='author'>25. Oktober 2023</span>", []),
        ("<small class='redakteur author'>von Jane Doe</small>", ["Jane Doe"]),
        ("<h4 class='vcard author'>vom Krimiblogger</h4>", ["Krimiblogger"]),
        ("<span class='author'>Abmelden</span>", []),
        ("<span class='author'>Wer ist online?</span>", []),
        ("<span class='author'>wordpressadmin</span>", []),
    ],
)
def test_visible_byline_forms(byline: str, expected: list[str]) -> None:
    html = _page(before=f"<h1>Bridge vote passes</h1>{byline}")
    assert _article(html).authors == expected


def test_a_user_link_in_the_site_menu_is_no_byline() -> None:
    # The logged-in user's (or a featured user's) page in a header dropdown comes first in
    # the document; the story's own user box names the author.
    menu = (
        "<div class='site-header-menu-dropdown-item'><a href='/user/barkeeper'>BarKeeper</a></div>"
    )
    html = (
        f"<html><head></head><body><header>{menu}</header><main><article>"
        "<h1>Bridge vote passes</h1><div class='tip-userbox'>"
        "<a href='/user/Marianne1.html'>Marianne1</a></div>"
        f"<div class='story-body'>{BODY}</div></article></main></body></html>"
    )
    assert _article(html).authors == ["Marianne1"]
    # A page wrapper with a menu word in its classes ("nav-below-header" on <body>) holds the
    # story, and is no menu.
    wrapped = html.replace("<body>", "<body class='single nav-below-header'>").replace(menu, "")
    assert _article(wrapped).authors == ["Marianne1"]


def test_a_link_to_the_section_the_page_sits_under_is_no_author_link() -> None:
    html = _page(
        before="<h1>Bridge vote passes</h1><a href='/people/real-life/'>Real Life</a>"
        "<div class='author'>Von Ulrike</div>"
    )
    url = "https://news.example.org/people/real-life/bridge-vote-story-6227"
    assert _article(html, url).authors == ["Ulrike"]
    # Nor a link to another story of the section ("/people/" names a section here).
    gallery = html.replace(
        "<div class='author'>",
        "<a href='/people/news/stars-of-2019-55610.html'>Zur kompletten Fotostrecke</a>"
        "<div class='author'>",
    )
    assert _article(gallery, url).authors == ["Ulrike"]
    # The same path under another page is an author's page.
    assert _article(html, URL_WITHOUT_DATE).authors == ["Real Life"]


def test_declared_login_name_gives_way_to_the_byline_spelling_it_in_full() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bridge vote '
        'passes", "author": {"@type": "Person", "name": "janedoe"}}</script>'
    )
    byline = "<div class='post-header_author'>von Jane Doé</div>"
    assert _article(_page(head, f"<h1>Bridge vote passes</h1>{byline}")).authors == ["Jane Doé"]
    # A byline naming someone else does not replace the declared name.
    other = "<div class='post-header_author'>von John Roe</div>"
    assert _article(_page(head, f"<h1>Bridge vote passes</h1>{other}")).authors == ["janedoe"]


def test_declared_login_beside_the_site_name_gives_way_to_the_byline() -> None:
    head = (
        "<meta property='og:site_name' content='Bridgeport Courier'>"
        "<meta name='author' content='Bridgeport Courier'>"
        "<meta property='article:author' content='jane_doe'>"
    )
    byline = "<div class='post-header_author'>von Jane Doé</div>"
    assert _article(_page(head, f"<h1>Bridge vote passes</h1>{byline}")).authors == ["Jane Doé"]


def test_vendor_author_tag_names_the_person_behind_an_organisation() -> None:
    head = (
        "<meta name='author' content='Example Zeitung'>"
        "<meta property='cXenseParse:author' content='Jane Doe'>"
    )
    assert _article(_page(head, "<h1>Bridge vote passes</h1>")).authors == ["Jane Doe"]


def test_organisation_byline_is_kept_when_no_person_is_named() -> None:
    html = _page("<meta name='author' content='Reuters'>", "<h1>Bridge vote passes</h1>")
    assert _article(html).authors == ["Reuters"]


def test_agency_dropped_beside_a_person() -> None:
    html = _page("<meta name='author' content='Jane Doe, dpa'>", "<h1>Bridge vote passes</h1>")
    assert _article(html).authors == ["Jane Doe"]


def test_visible_author_links_win_over_a_declared_site_name() -> None:
    head = (
        "<meta property='og:site_name' content='Example Times'>"
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bridge vote '
        'passes", "author": {"@type": "Organization", "name": "Example Times"}}</script>'
    )
    before = (
        "<h1>Bridge vote passes</h1><div class='meta'>"
        "<a href='/author/jane-doe'>Jane Doe</a> <a href='/author/john-roe'>John Roe</a></div>"
    )
    assert _article(_page(head, before)).authors == ["Jane Doe", "John Roe"]


def test_comment_and_social_author_links_are_not_the_byline() -> None:
    after = (
        "<div class='comments'><a href='/author/troll'>Some Troll</a></div>"
        "<a href='https://video.example.com/user/channel-name'>Channel Name</a>"
    )
    html = _page(before="<h1>Bridge vote passes</h1>", after=after)
    assert _article(html).authors == []


# --- published date -----------------------------------------------------------------------


def test_date_from_htmldate_when_the_page_declares_none() -> None:
    html = _page(before="<h1>Bridge vote passes</h1>")
    article = _article(html, "https://news.example.org/2021/03/15/bridge-vote-story")
    assert article.published_at is not None and article.published_at.startswith("2021-03-15")
    assert FLAG_DAY_ONLY in article.flags


def test_htmldate_never_returns_a_day_after_the_capture() -> None:
    html = _page(before="<h1>Bridge vote passes</h1>")
    article = _article(html, "https://news.example.org/2031/01/02/bridge-vote-story")
    assert article.published_at is None
    assert FLAG_DAY_ONLY not in article.flags


def test_declared_date_is_not_replaced() -> None:
    head = "<meta property='article:published_time' content='2024-05-06T08:30:00+02:00'>"
    article = _article(_page(head, "<h1>Bridge vote passes</h1>"))
    assert article.published_at == "2024-05-06T08:30:00+02:00"
    assert FLAG_DAY_ONLY not in article.flags


def test_url_day_wins_over_a_declared_date_far_from_it() -> None:
    # The path keeps the day of first publication; the metadata was rewritten by a migration.
    head = "<meta property='article:published_time' content='2019-06-17T18:28:00+02:00'>"
    article = _article(
        _page(head, "<h1>Bridge vote passes</h1>"),
        "https://blog.example.org/home/2017/7/12/bridge-vote-story",
    )
    assert article.published_at == "2017-07-12T00:00:00+02:00"
    assert FLAG_DAY_ONLY in article.flags


def test_declared_date_a_zone_away_from_the_url_day_is_kept() -> None:
    # A late-evening story stamped in UTC falls on the next day: the same publication.
    head = "<meta property='article:published_time' content='2024-05-07T03:30:00+00:00'>"
    article = _article(_page(head, "<h1>Bridge vote passes</h1>"))
    assert article.published_at == "2024-05-07T03:30:00+00:00"
    assert FLAG_DAY_ONLY not in article.flags


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example.org/2023/11/08/mayor-elected/", date(2023, 11, 8)),
        ("https://blog.example.org/home/2017/7/12/montauk", date(2017, 7, 12)),
        ("https://news.example.org/archive/2021-10-29/meeting.html", date(2021, 10, 29)),
        ("https://news.example.org/2019/43/climate-banks", None),  # issue 43, not a day
        ("https://news.example.org/2023/02/30/no-such-day", None),
        ("https://news.example.org/story?date=2023/11/08", None),  # the query is no path
        ("https://web.archive.org/web/20120216182711/http://news.example.org/a", None),
    ],
)
def test_url_day(url: str, expected: date | None) -> None:
    assert url_day(url) == expected


def test_declared_dates_that_disagree_are_outvoted() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bridge vote '
        'passes", "datePublished": "2022-01-04T07:29:00Z"}</script>'
        "<meta property='article:published_time' content='2022-01-06T08:29:34+01:00'>"
        "<meta name='date' content='2022-01-06'>"
    )
    article = _article(_page(head, "<h1>Bridge vote passes</h1>"), URL_WITHOUT_DATE)
    assert article.published_at == "2022-01-06T08:29:34+01:00"


def test_declared_dates_on_a_tie_keep_the_first_source() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bridge vote '
        'passes", "datePublished": "2022-01-04T07:29:00+01:00"}</script>'
        "<meta property='article:published_time' content='2022-01-06T08:29:34+01:00'>"
    )
    article = _article(_page(head, "<h1>Bridge vote passes</h1>"), URL_WITHOUT_DATE)
    assert article.published_at == "2022-01-04T07:29:00+01:00"


def test_date_of_the_declared_web_page_when_no_article_is_declared() -> None:
    head = (
        '<script type="application/ld+json">{"@graph": [{"@type": "WebSite", "name": "Deals"},'
        ' {"@type": "WebPage", "datePublished": "2019-10-18T13:07:38+00:00"}]}</script>'
    )
    before = "<h1>Bridge vote passes</h1><p>Offer valid: 21.10.2019 – 27.10.2019</p>"
    article = _article(_page(head, before), URL_WITHOUT_DATE)
    assert article.published_at == "2019-10-18T13:07:38+00:00"


def test_byline_date_beside_the_text_inside_the_article_element() -> None:
    # The byline is two levels above the text container; the body mentions another date.
    html = (
        "<html lang='de'><body><main><article class='post'><h1>Bridge vote passes</h1>"
        "<p class='post-byline'>by Jane Doe · <span class='published'>31. Oktober 2023</span></p>"
        "<div class='post-inner'><div class='entry'><p>Am 9. Oktober 2023 wurde gewählt.</p>"
        f"{BODY}</div></div></article></main></body></html>"
    )
    article = _article(html, URL_WITHOUT_DATE)
    assert article.published_at is not None and article.published_at.startswith("2023-10-31")


def test_shown_date_wins_over_a_lone_meta_name_date() -> None:
    # <meta name=date> alone is often the page's last edit; the byline shows the story's day.
    head = "<meta name='date' content='2021-12-20T09:00:00+01:00'>"
    before = "<h1>Bridge vote passes</h1><span class='news-date'>27.01.2022</span>"
    html = _page(head, before).replace("<html>", "<html lang='de'>")
    article = _article(html, URL_WITHOUT_DATE)
    assert article.published_at is not None and article.published_at.startswith("2022-01-27")


def test_lone_meta_name_date_is_kept_when_the_page_shows_none() -> None:
    html = _page("<meta name='date' content='2021-12-20T09:00:00+01:00'>", "<h1>Bridge vote</h1>")
    article = _article(html, URL_WITHOUT_DATE)
    assert article.published_at is not None and article.published_at.startswith("2021-12-20")


def test_meta_name_date_beside_a_declared_date_is_voted_not_replaced() -> None:
    head = (
        "<meta property='article:published_time' content='2021-12-20T09:00:00+01:00'>"
        "<meta name='date' content='2021-12-20T09:00:00+01:00'>"
    )
    before = "<h1>Bridge vote passes</h1><span class='news-date'>27.01.2022</span>"
    article = _article(_page(head, before), URL_WITHOUT_DATE)
    assert article.published_at == "2021-12-20T09:00:00+01:00"


def test_numeric_date_with_spaced_parts() -> None:
    before = "<h1>Bridge vote passes</h1><div class='publish-date'>4.\u20092.\u20092022.</div>"
    html = _page(before=before).replace("<html>", "<html lang='de'>")
    article = _article(html, URL_WITHOUT_DATE)
    assert article.published_at is not None and article.published_at.startswith("2022-02-04")


def test_date_in_free_text_outside_the_article_from_htmldate() -> None:
    # Nothing declared, nothing dated near the text: htmldate's free-text search finds it.
    html = _page(before="<h1>Bridge vote passes</h1>").replace(
        "<footer>Imprint</footer>",
        "<aside><p>Written on October 29th, 2021 by the team</p></aside>",
    )
    article = _article(html, URL_WITHOUT_DATE)
    assert article.published_at == "2021-10-29T00:00:00+00:00"
    assert FLAG_DAY_ONLY in article.flags


# --- the body's second opinion ------------------------------------------------------------


def test_description_agreement() -> None:
    description = "The council voted on Monday to build a new bridge over the river"
    assert description_agreement(description, description.upper()) == 1.0
    assert description_agreement(description, "Nothing related here at all") == 0.0
    assert description_agreement("Too short", "Too short") is None
    assert description_agreement(None, "text") is None


def test_second_opinion_wins_by_agreement_not_length_alone() -> None:
    description = "The council voted on Monday to build a new bridge over the river"
    sidebar = "Most read: celebrity gossip and football results from the weekend " * 20
    story = "On Monday the council voted to build a new bridge over the river."
    assert second_opinion_wins(description, sidebar, story, 200, 13)
    assert not second_opinion_wins(description, story, sidebar, 13, 200)
    assert second_opinion_wins(description, story, story + " More.", 13, 14)


def test_wrong_container_is_replaced_by_the_second_opinion() -> None:
    story = "".join(
        f"<p>The council voted on Monday to build a new bridge over the river, part {i}, "
        "after years of debate about traffic and costs in the old town.</p>"
        for i in range(3)
    )
    promo = "".join(
        f"<p>Our shop offers garden furniture, lamps, rugs and many other things, offer {i}, "
        "with free delivery, discounts, vouchers, coupons and a loyalty programme.</p>"
        for i in range(12)
    )
    html = (
        "<html><head><meta property='og:description' content='The council voted on Monday to "
        "build a new bridge over the river after years of debate'></head><body>"
        f"<h1>Bridge vote passes</h1><div class='post'>{story}</div>"
        f"<div class='content'>{promo}</div></body></html>"
    )
    article = _article(html)
    assert "council voted on Monday" in article.text
    assert article.extraction.get("engine") == "trafilatura"


def test_a_description_that_repeats_the_lead_asks_for_no_second_opinion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lead (standfirst) is part of the article as found, though not of its body: a
    description repeating it agrees with the first pass, and trafilatura is not run."""
    import crawler.extract.page as page_module

    calls: list[str] = []
    real_second_pass = page_module.second_pass

    def recording(html: str, url: str, elements: int) -> list[str]:
        calls.append(url)
        return real_second_pass(html, url, elements)

    monkeypatch.setattr(page_module, "second_pass", recording)
    lead = "The council voted on Monday to build a new bridge over the river after years of debate"
    body = "".join(
        f"<p>Engineers expect construction to start next spring, part {i}, and traffic in "
        "the old town should ease once the crossing opens to cars and cyclists.</p>"
        for i in range(6)
    )
    html = (
        f"<html><head><meta property='og:description' content='{lead}'></head><body>"
        f"<article><h1>Bridge vote passes</h1><p class='standfirst'>{lead}</p>{body}"
        "</article></body></html>"
    )
    article = _article(html)
    assert article.lead == lead
    assert calls == []
    # The same page without its standfirst: the description agrees with nothing found.
    _article(html.replace(f"<p class='standfirst'>{lead}</p>", ""))
    assert len(calls) == 1


# --- the harness's metric helpers ---------------------------------------------------------


def test_harness_helpers() -> None:
    page = BenchPage("set", "id", "", "", "de", with_=["a b", "c d"], without=["x y"])
    assert snippet_counts("a  b and x y", page) == (1, 1, 1)
    assert title_match("  Héllo   World ", "héllo world")
    assert author_f1(["Jane Doe", "John Roe"], "Jane Doe; Other") == pytest.approx(0.5)
    assert author_f1([], "Jane Doe") == 0.0
    assert truth_day("2022-29-11") == "2022-11-29"
    assert truth_day("2022-11-29") == "2022-11-29"
    assert truth_day("2022-11-1") == "2022-11-01"  # compared as a string with newsarc's day
    assert half_of("001f43cb87b4416b") == half_of("001f43cb87b4416b")
    assert {half_of(f"page-{i}") for i in range(20)} == {"tune", "held"}


def test_field_triage_finds_the_truth_in_any_form_the_page_writes() -> None:
    from bench.field_triage import Haystack, day_on_page, name_on_page, title_on_page

    html = (
        "<html><head><title>Bridge &amp; tunnel vote | Courier</title>"
        '<script>{"author": "J\\u00f6rg Staff", "t": 1700000000}</script></head>'
        "<body><p>Am 24. Juli 2017 schrieb <b>Jane</b> Doe.</p><p>Posted 2023-11-08T23:30:00Z</p>"
        "</body></html>"
    )
    hay = Haystack.of(BenchPage("set", "id", "https://x.example/2019/12/12/a", html, "de"))
    assert title_on_page("bridge & TUNNEL vote", hay) == "exact"
    assert title_on_page("Bridge – tunnel vote", hay) == "loose"
    assert title_on_page("Bridge vote fails", hay) is None
    assert day_on_page(date(2017, 7, 24), hay)  # German month name
    assert day_on_page(date(2019, 12, 12), hay)  # the URL
    assert day_on_page(date(2023, 11, 9), hay)  # 23:30 UTC is the 9th east of Greenwich
    assert day_on_page(date(2023, 11, 14), hay)  # the Unix timestamp
    assert not day_on_page(date(2017, 7, 25), hay)
    assert name_on_page("Jane Doe", hay) and name_on_page("Jörg Staff", hay)
    assert not name_on_page("John Roe", hay)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("<p><em>Von <span>Cosima Künzel</span></em></p>", ["Cosima Künzel"]),
        ("<p><strong>Eine Kolumne von Nils Pickert</strong></p>", ["Nils Pickert"]),
        (
            "<p><strong>Autorin: Uta Staschewski, Projektleiterin in Tunis.</strong></p>",
            ["Uta Staschewski"],
        ),
        ("<p>Foto von Jane Doe</p>", []),
        ("<p>Text: Jane Doe</p>", ["Jane Doe"]),
    ],
)
def test_byline_written_as_a_line_of_the_story(line: str, expected: list[str]) -> None:
    """No declared author and no hinted byline element: a short line of the story that is a
    byline names the authors (a picture credit does not)."""
    html = _page(before="<h1>Bridge vote passes</h1>", after=line)
    assert _article(html).authors == expected


def test_declared_first_name_gives_way_to_a_byline_line_spelling_it_in_full() -> None:
    head = "<meta name='author' content='Nils'>"
    html = _page(
        head,
        "<h1>Bridge vote passes</h1><a href='/author/nils/'>Nils</a>",
        "<p><strong>Eine Kolumne von Nils Pickert</strong></p>",
    )
    assert _article(html).authors == ["Nils Pickert"]


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("STAFF AND NEWS SERVICE REPORTS", ["STAFF AND NEWS SERVICE REPORTS"]),
        ("Redaktion und dpa", ["Redaktion und dpa"]),
        ("Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
    ],
)
def test_organisation_byline_is_kept_as_given(declared: str, expected: list[str]) -> None:
    html = _page(f"<meta name='author' content='{declared}'>", "<h1>Bridge vote passes</h1>")
    assert _article(html).authors == expected


def test_author_link_under_a_compound_authors_path() -> None:
    byline = (
        "<li class='submitted'>Author: <a href='/autoren-und-redaktion/gabor-munier'>"
        "Gàbor Muniér</a></li><a href='/user-dashboard/register/'>Subscribe</a>"
    )
    html = _page(before=f"<h1>Bridge vote passes</h1><ul>{byline}</ul>")
    assert _article(html).authors == ["Gàbor Muniér"]


def test_author_named_by_a_reference_into_the_jsonld_graph() -> None:
    """Yoast's ``@graph``: the article's author is ``{"@id": …}``, the person a node of its own."""
    head = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "Article", "headline": "Bridge vote passes",'
        ' "author": {"@id": "https://news.example.org/#/schema/person/1"}},'
        '{"@type": "Person", "@id": "https://news.example.org/#/schema/person/1",'
        ' "name": "Doris Schuppe"}]}</script>'
    )
    assert _article(_page(head, "<h1>Bridge vote passes</h1>")).authors == ["Doris Schuppe"]


# --- byline-area dates, logo site names, plural byline prefixes ---------------------------


def _story(lang: str, byline: str, head: str = "") -> str:
    return (
        f"<html lang='{lang}'><head>{head}</head><body><header><a href='/'>Home</a></header>"
        f"<main><article><h1>Bridge vote passes</h1>{byline}"
        f"<div class='story-body'>{BODY}</div></article></main></body></html>"
    )


@pytest.mark.parametrize(
    ("lang", "byline", "expected"),
    [
        ("de", "<div class='artikel-info'><span class='datum'>Heute, 14:05 Uhr</span> · "
         "<span>Kommentare (4)</span></div>", "2025-12-04T14:05:00+00:00"),
        ("de", "<span class='datum'>Gestern, 23:59</span>", "2025-12-03T23:59:00+00:00"),
        ("ru", "<div class='meta'><span>сегодня в 03:14</span></div>",
         "2025-12-04T03:14:00+00:00"),
        ("en", "<p class='byline'>Today, 09:12 | By Jane Doe</p>", "2025-12-04T09:12:00+00:00"),
        ("en", "<span class='posted-on'>2 hours ago</span>", "2025-12-04T13:00:00+00:00"),
        # Not marked as the date or byline area: a line of the story is not its date.
        ("en", "<p>Today, 09:12</p>", None),
        # A later time than the capture is no publication time.
        ("en", "<span class='date'>Tomorrow, 09:12</span>", None),
    ],
)  # fmt: skip
def test_a_relative_date_label_in_the_byline_area_is_the_published_time(
    lang: str, byline: str, expected: str | None
) -> None:
    article = _article(_story(lang, byline), URL_WITHOUT_DATE)
    assert article.published_at == expected


@pytest.mark.parametrize(
    ("lang", "byline", "expected"),
    [
        ("es", "<div class='nota__meta'><span>4 de diciembre de 2026 · 17:35</span></div>",
         "2026-12-04T17:35"),
        ("fr", "<div class='dates'><span>Publié le 4 décembre 2026 à 23h31</span></div>",
         "2026-12-04T23:31"),
        ("fr", "<div class='dates'><span>4 décembre 2026 - 23h31</span></div>",
         "2026-12-04T23:31"),
        ("it", "<div class='data'>4 dicembre 2026 alle 23:31</div>", "2026-12-04T23:31"),
    ],
)  # fmt: skip
def test_a_visible_date_with_de_and_a_connector_keeps_its_clock_time(
    lang: str, byline: str, expected: str
) -> None:
    # "de" between day, month and year, and "à" / "·" / "alle" before the time.
    article = _article(_story(lang, byline), URL_WITHOUT_DATE)
    assert (article.published_at or "")[:16] == expected


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("Posted: Thursday, December 4, 2025 8:29 AM CST", "2025-12-04T14:29:00+00:00"),
        ("Posted: December 4, 2025 8:29 AM MDT", "2025-12-04T14:29:00+00:00"),
        ("Filed 4 December 2025 08:29 AEDT", "2025-12-03T21:29:00+00:00"),
    ],
)
def test_a_visible_date_keeps_its_zone_abbreviation(shown: str, expected: str) -> None:
    byline = f"<font size='1'>{shown}</font>"
    assert _article(_story("en", byline), URL_WITHOUT_DATE).published_at == expected


def test_the_site_name_of_a_logo_image_is_not_part_of_the_title() -> None:
    html = (
        "<html><head><title>The Millbrook Courier - Bridge vote passes after a long night"
        "</title></head><body><table><tr><td><a href='/'><img src='/m.gif' "
        "alt='The Millbrook Courier'></a></td></tr><tr><td><font size='5'><b>Bridge vote "
        f"passes after a long night</b></font><br>{BODY}</td></tr></table></body></html>"
    )
    assert _article(html, URL_WITHOUT_DATE).title == "Bridge vote passes after a long night"


@pytest.mark.parametrize(
    ("lang", "byline", "expected"),
    [
        ("ru", "Авторы: Виктор Бажов, Ирина Ломова", ["Виктор Бажов", "Ирина Ломова"]),
        ("de", "Autoren: Jonas Krüger und Miriam Kessler", ["Jonas Krüger", "Miriam Kessler"]),
        ("en", "Authors: Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
    ],
)
def test_plural_byline_prefixes_are_not_part_of_a_name(
    lang: str, byline: str, expected: list[str]
) -> None:
    html = _story(lang, f"<div class='author'>{byline}</div>")
    assert _article(html, URL_WITHOUT_DATE).authors == expected


@pytest.mark.parametrize(
    ("lang", "byline", "expected"),
    [
        ("ja", "<p class='date'>2025年12月2日 4時45分</p>", "2025-12-02T04:45:00+00:00"),
        ("ar", "<span class='news-date'>الثلاثاء ٢ ديسمبر ٢٠٢٥ - ١٨:٤٠</span>",
         "2025-12-02T18:40:00+00:00"),
        ("es", "<span class='fecha'>2 de diciembre de 2025 · 18:40</span>",
         "2025-12-02T18:40:00+00:00"),
        # The first time is the published one; the second the last update.
        ("ko", "<div class='info'><span>입력 2025.12.02. 오후 6:40</span> "
         "<span>수정 2025.12.02. 오후 7:05</span></div>", "2025-12-02T18:40:00+00:00"),
        ("fr", "<div class='dates'><span>Publié le 2 décembre 2025 à 18h40</span></div>",
         "2025-12-02T18:40:00+00:00"),
        ("pt", "<p class='datas'>02/12/2025 18h40 Atualizado há 2 horas</p>",
         "2025-12-02T18:40:00+00:00"),
    ],
)  # fmt: skip
def test_a_dateline_shown_only_as_text_in_the_page_language(
    lang: str, byline: str, expected: str
) -> None:
    # No machine-readable time and no zone on the page: the wall clock, read as UTC.
    assert _article(_story(lang, byline), URL_WITHOUT_DATE).published_at == expected


def test_a_dateline_in_the_story_header_inside_the_article_element() -> None:
    html = (
        "<html lang='ja'><body><header class='site'><p>2025年12月4日（木）</p></header><main>"
        "<article><header class='article-header'><h1>Bridge vote passes</h1>"
        "<div class='area'><p>2025年12月2日 16時50分</p></div></header>"
        f"<div class='story-body'>{BODY}</div></article></main></body></html>"
    )
    assert _article(html, URL_WITHOUT_DATE).published_at == "2025-12-02T16:50:00+00:00"


@pytest.mark.parametrize(
    ("lang", "byline", "expected"),
    [
        ("ko", "<p class='byline'>김민준 기자 minjun.kim@example.kr</p>", ["김민준"]),
        ("ko", "<p class='byline'>이서연·박지호 기자 a@example.kr b@example.kr</p>",
         ["이서연", "박지호"]),
        ("ja", "<p class='article-author'>【高橋健、伊藤彩】</p>", ["高橋健", "伊藤彩"]),
        # The katakana middle dot joins the parts of one name.
        ("ja", "<p class='article-author'>【ジョン・スミス】</p>", ["ジョン・スミス"]),
        ("ar", "<span class='writer'>كتب: منى عادل وكريم حسن</span>", ["منى عادل", "كريم حسن"]),
        ("ar", "<span class='writer'>كتبت: أحمد وليد</span>", ["أحمد وليد"]),
        ("tr", "<div class='muhabir'>Ayşe Yılmaz / İzmir</div>", ["Ayşe Yılmaz"]),
        ("tr", "<div class='muhabir'>Mehmet Demir, Elif Koç / Ankara</div>",
         ["Mehmet Demir", "Elif Koç"]),
        ("it", "<div class='firma'>di Sara Romano</div>", ["Sara Romano"]),
        ("fr", "<div class='signature'>Par Thierry Mounier (avec AFP)</div>", ["Thierry Mounier"]),
        ("pt", "<p class='autor'>Por Fernanda Ribeiro e Marcos Alves, TV Litoral</p>",
         ["Fernanda Ribeiro", "Marcos Alves"]),
    ],
)  # fmt: skip
def test_bylines_in_the_locales_forms(lang: str, byline: str, expected: list[str]) -> None:
    assert _article(_story(lang, byline), URL_WITHOUT_DATE).authors == expected


def test_a_menu_label_beside_a_person_in_the_byline_is_no_author() -> None:
    html = _story("pt", "<p class='autor'>Por Camila Rocha, São Paulo</p>").replace(
        "<header><a href='/'>Home</a></header>",
        "<header><nav><a href='/sp/'>São Paulo</a><a href='/economia/'>Economia</a></nav></header>",
    )
    assert _article(html, URL_WITHOUT_DATE).authors == ["Camila Rocha"]


def test_a_cjk_title_keeps_its_ideographic_space_and_loses_a_full_width_site_suffix() -> None:
    html = (
        "<html lang='ja'><head><title>地銀2行が経営統合へ\u3000来年4月に：東都新聞</title></head>"
        "<body><header><h1 class='logo'><a href='/'>東都新聞</a></h1></header><main><article>"
        "<h1 class='article-title'>地銀2行が経営統合へ\u3000来年4月に</h1>"
        f"<div class='story-body'>{BODY}</div></article></main></body></html>"
    )
    assert _article(html, URL_WITHOUT_DATE).title == "地銀2行が経営統合へ\u3000来年4月に"


def test_strip_title_suffix_keeps_ideographic_spaces() -> None:
    title = "冬のボーナス、平均3.1%増\u3000民間調査：東都新聞"
    assert strip_title_suffix(title, ["東都新聞"]) == "冬のボーナス、平均3.1%増\u3000民間調査"
    assert strip_title_suffix("A\u3000 B  C") == "A B C"


def test_an_email_no_longer_shortens_a_box_of_text_into_a_name() -> None:
    byline = (
        "<span class='author'>Birgit Posselt Über Autorenseite von birgit.posselt@example.de</span>"
    )
    assert _article(_story("de", byline), URL_WITHOUT_DATE).authors == []


def test_what_a_conjunction_splits_off_a_sentence_is_no_name() -> None:
    byline = "<span class='autor'>#Krótko o przepisach prawa w Nowej Zelandii i Polsce</span>"
    assert _article(_story("pl", byline), URL_WITHOUT_DATE).authors == []


_PROSE = "".join(
    f"<p>Paragraph {n} of the release, with enough words, commas, and clauses to read as prose "
    "that a reader would take for the body of the article on this page.</p>"
    for n in range(6)
)


def _published(main: str) -> str | None:
    html = f"<html><head><title>Release</title></head><body>{main}</body></html>"
    article = extract_page(PageInput("https://example.org/news/release", html, FETCHED)).article
    assert article is not None
    return article.published_at


def test_the_date_in_the_banner_of_main_above_the_text_container_is_the_article() -> None:
    more = "".join(
        f'<li><time datetime="2022-0{n}-10 11:05">10.0{n}.2022</time>'
        f'<a href="/news/other-{n}"><strong>Another press release of the association</strong>'
        "</a></li>"
        for n in (8, 6)
    )
    main = (
        '<main><div class="title-holder"><div><span>Press release</span></div>'
        '<div><time datetime="2022-12-12 12:22">12.12.2022 12:22</time></div></div>'
        f'<div class="container"><div class="content"><h1>Release</h1>{_PROSE}'
        f"<div><h4>More press releases</h4><ul>{more}</ul></div></div></div></main>"
    )
    assert _published(main) == "2022-12-12T12:22:00+00:00"


def test_a_comment_time_is_not_the_article_date() -> None:
    main = (
        f'<div><div class="content"><h1>Release</h1>{_PROSE}</div>'
        '<div class="comment-box"><div class="comment-box-middle">'
        '<time datetime="2020-09-23T18:19:06+02:00">23.09.20</time> Reader</div></div></div>'
    )
    assert _published(main) != "2020-09-23T18:19:06+02:00"
