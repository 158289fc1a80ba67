"""When to render: the ``auto`` detector, the per-site memory, the mode and the profile key."""

from __future__ import annotations

import pytest

from crawler.demo.site import DemoSite
from crawler.exceptions import ProfileError
from crawler.profile import profile_from_dict
from crawler.render.policy import RenderMode, RenderPolicy, needs_rendering, parse_render_mode
from tests.sites.js_site import js_article_html, plain_article_html

_FILLER = "<p>" + "Plain server-rendered text of a real article. " * 10 + "</p>"


def test_js_article_needs_rendering() -> None:
    reason = needs_rendering(js_article_html(), found_article=False, found_headlines=False)
    assert reason is not None and "empty" in reason


def test_plain_pages_do_not_need_rendering() -> None:
    assert needs_rendering(plain_article_html(), found_article=True) is None
    site = DemoSite(7)
    seed = site.render(site.seed_article.path, "http://x")
    assert seed is not None
    assert needs_rendering(seed.body.decode(), found_article=True, found_headlines=True) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<div id="root"></div>', "app shell: empty mount point #root"),
        ("<p>Loading…</p>", "app shell: almost no visible text"),
        (
            f'{_FILLER}<section class="most-read"><ul class="most-read__list"></ul></section>',
            "empty headline container ul.most-read__list left for scripts to fill",
        ),
        (
            f'<div class="article-body"></div><aside>{_FILLER}</aside>',
            "empty article container div.article-body left for scripts to fill",
        ),
    ],
)
def test_signs_of_a_page_built_by_scripts(body: str, expected: str) -> None:
    page = f"<html><body>{body}<script src='/app.js'></script></body></html>"
    assert needs_rendering(page) == expected


def test_no_scripts_means_no_rendering() -> None:
    assert needs_rendering('<html><body><div id="root"></div></body></html>') is None


def test_empty_ad_and_widget_slots_are_ignored() -> None:
    page = (
        f"<html><body>{_FILLER}<div class='ad-container'></div><div id='taboola-feed'></div>"
        "<div class='MostPopular-headerDivider'></div><script>x()</script></body></html>"
    )
    assert needs_rendering(page) is None


def test_what_plain_http_already_found_is_not_rendered_again() -> None:
    page = f"<html><body>{_FILLER}<ul id='most-read'></ul><script>x()</script></body></html>"
    assert needs_rendering(page, found_headlines=False) is not None
    assert needs_rendering(page, found_article=True, found_headlines=True) is None


def test_auto_remembers_per_site() -> None:
    policy = RenderPolicy(RenderMode.AUTO)
    assert not policy.render_first("news.example")
    assert policy.check_plain(
        "news.example", js_article_html(), found_article=False, found_headlines=False
    )
    assert policy.render_first("news.example")
    assert not policy.render_first("other.example")
    # Once known, the site is not judged again.
    assert (
        policy.check_plain(
            "news.example", "<html></html>", found_article=True, found_headlines=True
        )
        is None
    )


def test_never_and_always() -> None:
    never, always = RenderPolicy(RenderMode.NEVER), RenderPolicy(RenderMode.ALWAYS)
    assert not never.render_first("a.example")
    assert (
        never.check_plain(
            "a.example", js_article_html(), found_article=False, found_headlines=False
        )
        is None
    )
    assert always.render_first("a.example")


def test_parse_render_mode() -> None:
    assert parse_render_mode(" Auto ") is RenderMode.AUTO
    with pytest.raises(ValueError, match="never, always, auto"):
        parse_render_mode("sometimes")


def test_profile_render_key_is_validated() -> None:
    assert profile_from_dict({"name": "x", "render": "auto"}).render == "auto"
    assert profile_from_dict({"name": "x"}).render is None
    with pytest.raises(ProfileError, match="render"):
        profile_from_dict({"name": "x", "render": "sometimes"}, source="x.yaml")
