"""Tests of crawler/health.py: page health classes, decided before extraction."""

from __future__ import annotations

import pytest

from crawler.health import classify_page

_TEXT = "<p>" + "The council approved the budget after a long debate. " * 20 + "</p>"


def _page(title: str, body: str) -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("status", "html", "expected"),
    [
        (200, _page("Council approves budget", f"<h1>Budget</h1>{_TEXT}"), "ok"),
        (200, _page("Just a moment...", "<div>Checking your browser</div>"), "blocked"),
        (
            200,
            _page("News", "<script src='/cdn-cgi/challenge-platform/h/b/x.js'></script>" + _TEXT),
            "blocked",
        ),
        (202, _page("Please wait", "<p>One moment.</p>"), "blocked"),
        (
            200,
            _page("Attention Required! | Cloudflare", "<p>Sorry, you have been blocked</p>"),
            "blocked",
        ),
        (
            200,
            _page("Page not found", "<h1>Sorry, this page does not exist</h1>" + _TEXT),
            "soft_404",
        ),
        (200, _page("News", "<div id='app'></div><script>" + "x=1;" * 500 + "</script>"), "empty"),
        (200, "   ", "empty"),
    ],
)
def test_classes(status: int, html: str, expected: str) -> None:
    assert classify_page(status, html) == expected


def test_an_article_that_mentions_a_captcha_in_its_text_is_ok() -> None:
    body = "<h1>Banks drop the captcha</h1>" + _TEXT * 5
    assert classify_page(200, _page("Banks drop the captcha", body)) == "ok"


def test_an_article_with_a_captcha_comment_form_or_a_sad_headline_is_ok() -> None:
    form = "<form><div class='g-recaptcha' data-sitekey='x'></div></form>"
    assert classify_page(200, _page("Council", "<h1>Council</h1>" + _TEXT + form)) == "ok"
    wall = _page("Verify", "<p>Please solve the captcha.</p>" + form)
    assert classify_page(200, wall) == "blocked"
    assert classify_page(200, _page("Body not found after search", _TEXT)) == "ok"
    assert classify_page(404, _page("404 Not Found", "<h1>Not Found</h1>")) == "soft_404"
