"""A regional paper whose articles also have AMP versions (amp-img, amp-carousel, amp-ad).

Modelled on a city paper of the kind that adopted AMP for search carousels and kept it: every
canonical article page declares ``<link rel="amphtml">`` and its footer links "AMP version";
the AMP page is ``<html ⚡>`` with the AMP runtime script, ``<style amp-boilerplate>``, an
``amp-sidebar`` menu, ``amp-img`` for the lead photo, an ``amp-carousel`` of photos with
captions inside the story, ``amp-ad`` slots between paragraphs, ``amp-social-share`` buttons,
an ``amp-accordion`` of related stories and ``amp-analytics`` configuration; both versions carry
``NewsArticle`` JSON-LD and point at the canonical URL. The home page's "Quick reads" strip
links straight to AMP pages (as the paper's app and partner feeds do), the rest to canonical
pages. An AMP page and its canonical page are one story (``truth["story"]``): a crawl keeps one
article for both. Times are in Sydney (+11:00 in December).
"""

from __future__ import annotations

import random

from tests.sites.blind.common import (
    E,
    Site,
    Story,
    clock12,
    item,
    make_stories,
    news_article_ld,
    paragraphs,
    prose,
    shown,
    slug,
)

_TITLES = [
    ("news", "Ferry timetable shake-up leaves Manly commuters waiting longer"),
    ("news", "Harbour pool reopens after six-month rebuild of its sea wall"),
    ("sport", "Swans sign Tasmanian midfielder on two-year deal"),
    ("news", "Council wants answers after third water main burst in a month"),
    ("lifestyle", "The bakery queue that stretches around the block every Saturday"),
]
_AUTHORS = [["Kate Mulvaney"], ["Ravi Anand", "Jess Tran"], ["Ollie Barker"]]
_SECTIONS = {"news": "News", "sport": "Sport", "lifestyle": "Lifestyle"}
_AMP_BOILERPLATE = (
    "<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "animation:-amp-start 8s steps(1,end) 0s 1 normal both}@keyframes -amp-start{from{visibility:"
    "hidden}to{visibility:visible}}</style><noscript><style amp-boilerplate>body{-webkit-"
    "animation:none;animation:none}</style></noscript>"
)


def _amp_path(story: Story) -> str:
    return "/amp" + story.path


def _dateline(story: Story) -> str:
    when = story.published
    return f"{when:%B} {when.day}, {when:%Y} — {clock12(when)}"


def _trending(site: Site) -> list[Story]:
    return [site.stories[i] for i in (3, 0, 4, 1)]


def _trending_html(site: Site) -> str:
    rows = "".join(
        f'<li><span class="num">{r}</span><a href="{s.path}">{E(s.title)}</a></li>'
        for r, s in enumerate(_trending(site), start=1)
    )
    return f'<aside class="rail"><div class="rail-box"><h3>Trending now</h3><ol>{rows}</ol></div></aside>'


def _trending_truth(site: Site) -> list[dict[str, object]]:
    return [item(site, "Trending now", r, s) for r, s in enumerate(_trending(site), start=1)]


def _page(site: Site, title: str, main: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    return (
        f'<!doctype html><html lang="en-AU"><head><meta charset="utf-8"><title>{E(title)}</title>'
        f"{head}</head><body><header class=\"top\"><a class=\"brand\" href=\"/\">The Harbour "
        f'Herald</a><nav><ul>{nav}</ul></nav><a class="sub" href="/subscribe/">Subscribe</a>'
        '</header><div class="consent-bar">This site uses cookies. <a href="/privacy/">Learn '
        f"more</a> <button>OK</button></div><div class=\"wrap\">{main}{_trending_html(site)}</div>"
        '<footer><p><a href="/privacy/">Privacy</a> · <a href="/subscribe/">Subscribe</a> · '
        '<a href="/contact/">Contact</a></p><p>© Harbour Herald Pty Ltd 2026</p></footer>'
        "</body></html>"
    )


def _carousel(rng: random.Random, story: Story) -> tuple[str, list[str]]:
    captions = [prose(rng, "en", 1) for _ in range(3)]
    slides = "".join(
        f'<figure><amp-img src="{story.image[:-4]}-{i}.jpg" width="1200" height="800" '
        f'layout="responsive" alt="Photo {i}"></amp-img><figcaption>{E(cap)}</figcaption></figure>'
        for i, cap in enumerate(captions, start=1)
    )
    return (
        f'<amp-carousel type="slides" layout="responsive" width="1200" height="900" controls>'
        f"{slides}</amp-carousel>"
    ), captions


def _canonical(site: Site, story: Story, photo_captions: list[str]) -> None:
    body = story.paragraphs
    figures = "".join(
        f'<figure class="inline"><img src="{story.image[:-4]}-{i}.jpg" alt="Photo {i}">'
        f"<figcaption>{E(cap)}</figcaption></figure>"
        for i, cap in enumerate(photo_captions, start=1)
    )
    main = (
        f'<main class="story"><article><p class="section"><a href="/{story.section}/">'
        f"{_SECTIONS[story.section]}</a></p><h1>{E(story.title)}</h1><p class=\"standfirst\">"
        f'{E(story.lead)}</p><div class="byline">By {" and ".join(map(E, story.authors))}'
        f'</div><p class="date"><time datetime="{story.published.isoformat()}">'
        f"{_dateline(story)}</time></p><figure class=\"lead\"><img src=\"{story.image}\" alt=\"\">"
        "</figure><div class=\"story-body\">"
        + paragraphs(body[:3])
        + '<div class="gallery-inline">' + figures + "</div>"
        + '<div class="ad-unit">Advertisement</div>'
        + paragraphs(body[3:])
        + f'</div></article><p class="amp-link"><a href="{_amp_path(story)}">AMP version</a></p>'
        "</main>"
    )  # fmt: skip
    head = (
        f'<link rel="canonical" href="{site.url(story.path)}">'
        f'<link rel="amphtml" href="{site.url(_amp_path(story))}">'
        + news_article_ld(site, story)
    )
    site.add(story.path, _page(site, f"{story.title} | The Harbour Herald", main, head),
             "article", _trending_truth(site), story=story, extra={"story": story.key})  # fmt: skip


def _amp(site: Site, rng: random.Random, story: Story) -> list[str]:
    carousel, captions = _carousel(rng, story)
    body = story.paragraphs
    related = [s for s in site.stories if s is not story][:3]
    related_html = "".join(f'<li><a href="{_amp_path(s)}">{E(s.title)}</a></li>' for s in related)
    share = "".join(f'<amp-social-share type="{t}" width="36" height="36"></amp-social-share>'
                    for t in ("facebook", "twitter", "email"))  # fmt: skip
    nav = "".join(f'<li><a href="/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    ad = ('<amp-ad width="300" height="250" type="doubleclick" data-slot="/1234/herald/article">'
          '<div placeholder>Advertisement</div></amp-ad>')  # fmt: skip
    document = (
        '<!doctype html><html ⚡ lang="en-AU"><head><meta charset="utf-8">'
        '<script async src="https://cdn.ampproject.org/v0.js"></script>'
        '<script async custom-element="amp-carousel" '
        'src="https://cdn.ampproject.org/v0/amp-carousel-0.2.js"></script>'
        f"<title>{E(story.title)} | The Harbour Herald</title>"
        f'<link rel="canonical" href="{site.url(story.path)}">'
        '<meta name="viewport" content="width=device-width">'
        f"{_AMP_BOILERPLATE}<style amp-custom>body{{font-family:Georgia,serif}}.byline{{color:#555}}"
        f"</style>{news_article_ld(site, story)}</head><body>"
        f'<amp-sidebar id="menu" layout="nodisplay" side="left"><ul>{nav}'
        '<li><a href="/">Home</a></li></ul></amp-sidebar>'
        '<header class="amp-head"><button on="tap:menu.toggle">Menu</button>'
        '<a href="/">The Harbour Herald</a></header>'
        f'<div class="amp-story"><h1>{E(story.title)}</h1><p class="standfirst">{E(story.lead)}</p>'
        f'<div class="byline">By {" and ".join(map(E, story.authors))} · '
        f'<time datetime="{story.published.isoformat()}">{_dateline(story)}</time></div>'
        f'<amp-img src="{story.image}" width="1200" height="675" layout="responsive" alt="">'
        f'</amp-img><div class="share">{share}</div>'
        + paragraphs(body[:3]) + carousel + ad + paragraphs(body[3:])
        + '</div><amp-accordion><section><h4>More from the Herald</h4><ul>'
        + related_html
        + '</ul></section></amp-accordion><amp-analytics type="googleanalytics"><script '
        'type="application/json">{"vars":{"account":"UA-0000-1"},"triggers":{"view":{"on":'
        '"visible","request":"pageview"}}}</script></amp-analytics>'
        '<footer><a href="/privacy/">Privacy</a> © Harbour Herald Pty Ltd 2026</footer>'
        "</body></html>"
    )  # fmt: skip
    items = [item(site, "More from the Herald", i, s, optional=True, url=site.url(_amp_path(s)))
             for i, s in enumerate(related, start=1)]  # fmt: skip
    site.add(_amp_path(story), document, "article", items, story=story,
             extra={"story": story.key})  # fmt: skip
    return captions


def _listing(site: Site, path: str, label: str, stories: list[Story], quick: list[Story]) -> None:
    cards = "".join(
        f'<div class="teaser"><a href="{s.path}"><img src="{s.image}" alt=""><h3>{E(s.title)}</h3>'
        f'</a><p>{E(s.lead)}</p><span class="when">{_dateline(s)}</span></div>'
        for s in stories
    )
    quick_html = "".join(f'<li><a href="{_amp_path(s)}">{E(s.title)}</a></li>' for s in quick)
    main = (
        f'<main class="front"><h2 class="label">{E(label)}</h2><div class="teasers">{cards}</div>'
        + (f'<div class="quick"><h2>Quick reads</h2><ul>{quick_html}</ul></div>' if quick else "")
        + "</main>"
    )
    # The teaser's date names no zone: without a machine-readable time on the page a reader
    # takes the wall clock as UTC.
    items = [
        item(site, label, i, s, when=shown(site, s.published, _dateline(s), "dated"))
        for i, s in enumerate(stories, start=1)
    ]
    items += [item(site, "Quick reads", i, s, url=site.url(_amp_path(s)))
              for i, s in enumerate(quick, start=1)]  # fmt: skip
    site.add(path, _page(site, f"{label} | The Harbour Herald", main), "listing",
             items + _trending_truth(site))  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    stories = make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, p: f"/{s}/{p:%Y/%m/%d}/{slug(_TITLES[i][1])}/",
        minutes_ago=(50, 240, 700, 1500, 2600),
    )  # fmt: skip
    _listing(site, "/", "Top stories", stories[:3], stories[3:])
    for key, label in _SECTIONS.items():
        _listing(site, f"/{key}/", label, [s for s in stories if s.section == key], [])
    for story in stories:
        captions = _amp(site, rng, story)
        _canonical(site, story, captions)
    for path, title in (("/privacy/", "Privacy"), ("/subscribe/", "Subscribe"),
                        ("/contact/", "Contact")):  # fmt: skip
        main = (f"<main><h1>{title}</h1><p>The Harbour Herald, 1 Wharf Lane. Subscriptions from "
                "$4 a week.</p></main>")  # fmt: skip
        site.add(path, _page(site, f"{title} | The Harbour Herald", main), "other",
                 _trending_truth(site))  # fmt: skip
