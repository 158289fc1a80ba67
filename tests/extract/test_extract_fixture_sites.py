"""The extractor on the eight fixture sites (tests/sites/), scored against their ground truth.

Thresholds are the issue's: without a profile, article-page detection P/R >= 0.98, body F1
>= 0.95, published time >= 0.95, headline items P/R >= 0.95 and their views/time/rank >= 0.97;
with the sites' profiles (tests/sites/profiles/) >= 0.99 on all of them.
"""

from __future__ import annotations

import pytest

from crawler.extract import decode_html
from tests.sites.news_templates import TEMPLATES, all_pages, build_site
from tests.sites.scoring import Score, extract, profile_for, score_all

NO_PROFILE = {
    "detection_precision": 0.98,
    "detection_recall": 0.98,
    "body_f1": 0.95,
    "published": 0.95,
    "headline_precision": 0.95,
    "headline_recall": 0.95,
    "headline_fields": 0.97,
}


def _check(score: Score, thresholds: dict[str, float]) -> None:
    figures = score.figures()
    low = {k: round(v, 3) for k, v in figures.items() if v < thresholds[k]}
    assert not low, f"below threshold: {low}; problems: {score.problems[:10]}"


def test_fixture_sites_without_profiles() -> None:
    _check(score_all(with_profiles=False), NO_PROFILE)


def test_fixture_sites_with_profiles() -> None:
    _check(score_all(with_profiles=True), dict.fromkeys(NO_PROFILE, 0.99))


def test_eight_templates_with_articles_and_listings() -> None:
    pages = all_pages()
    assert len(TEMPLATES) >= 8
    assert {p.site for p in pages} == set(TEMPLATES)
    for site in TEMPLATES:
        kinds = {p.truth["is_article"] for p in pages if p.site == site}
        assert kinds == {True, False}, site


@pytest.mark.parametrize("site", TEMPLATES)
def test_profiles_are_used_on_article_pages(site: str) -> None:
    profile = profile_for(site)
    assert profile is not None
    for page in build_site(site):
        result = extract(page, profile)
        if page.truth["is_article"]:
            assert result.article is not None
            assert result.article.extraction["method"] == "profile"
        assert {h.block for h in result.headlines} <= {b.name for b in profile.headline_blocks} | {
            None,
            *(h.block for h in extract(page, None).headlines),
        }


def test_legacy_charset_comes_from_the_meta_tag() -> None:
    home = build_site("legacy")[0]
    assert home.content_type == "text/html"  # no charset in the header
    assert "Últimas notícias".encode("cp1252") in home.body
    assert "Últimas notícias" in decode_html(home.body, home.content_type)
    article = extract(build_site("legacy")[1], None).article
    assert article is not None and "Ã" not in article.text
