"""Site profile selectors: validation on load, field-by-field precedence, named headline blocks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.exceptions import ProfileError
from crawler.extract import PageInput, extract_page
from crawler.profile import load_profile
from tests.conftest import run_newsarc

FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
URL = "https://news.example/politik/2025/12/04/haushalt"

PAGE = """<!doctype html><html lang="de"><head><title>Haushalt beschlossen | Example</title>
<meta property="og:type" content="article"></head><body>
<nav><a href="/">Start</a> <a href="/politik">Politik</a> <a href="/sport">Sport</a></nav>
<div class="story">
  <h1 class="hl">Haushalt beschlossen</h1>
  <div class="kicker">Politik</div>
  <p class="teaser">Der Bundestag hat den Haushalt für das kommende Jahr beschlossen.</p>
  <span class="stamp">04.12.2025, 11:30 Uhr</span>
  <div class="autor">Von <b>Anna Schmidt</b></div>
  <div class="txt">
    <p>Nach langen Verhandlungen hat der Bundestag am Donnerstag den Haushalt für das kommende
    Jahr mit den Stimmen der Koalition beschlossen, wie die Präsidentin mitteilte.</p>
    <p>Die Opposition kritisierte die geplanten Ausgaben als zu hoch und kündigte an, gegen
    einzelne Posten vor dem Verfassungsgericht zu klagen, sobald das Gesetz in Kraft tritt.</p>
    <p>Der Finanzminister verteidigte den Entwurf und sprach von einem soliden Kompromiss, der
    Investitionen in Schienen, Schulen und die Digitalisierung der Verwaltung sichere.</p>
  </div>
</div>
<div id="meistgelesen"><h3>Meistgelesen</h3><ol>
  <li><a href="/a/1">Erster Artikel mit langer Überschrift hier</a>
      <em>1,2 Tsd.</em><i>vor 5 Stunden</i></li>
  <li><a href="/a/2">Zweiter Artikel mit langer Überschrift hier</a>
      <em>950</em><i>Gestern, 14:30</i></li>
  <li><a href="/a/3">Dritter Artikel mit langer Überschrift hier</a>
      <em>12</em><i>04.12.2025, 09:15 Uhr</i></li>
</ol></div>
</body></html>"""

PROFILE = """name: example-de
timezone: Europe/Berlin
languages: [de]
date_order: DMY
date_formats: ["%d.%m.%Y, %H:%M Uhr"]
article_selector: "div.story"
article:
  title: "h1.hl"
  lead: "p.teaser"
  body: "div.txt"
  authors: "div.autor b"
  published: "span.stamp"
  section: ".kicker"
headline_blocks:
  - name: Meistgelesen
    container: "#meistgelesen"
    item: "li"
    views: "em"
    time: "i"
"""


def _profile(tmp_path: Path, text: str = PROFILE) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_profile_selectors_win_field_by_field(tmp_path: Path) -> None:
    profile = load_profile(str(_profile(tmp_path)))
    result = extract_page(PageInput(url=URL, html=PAGE, fetched_at=FETCHED, profile=profile))
    article = result.article
    assert article is not None
    assert article.extraction["method"] == "profile"
    assert article.title == "Haushalt beschlossen"
    assert article.lead == "Der Bundestag hat den Haushalt für das kommende Jahr beschlossen."
    assert article.authors == ["Anna Schmidt"]
    assert article.section == "Politik"
    assert article.published_at == "2025-12-04T11:30:00+01:00"
    assert article.text.count("\n\n") == 2 and article.text.startswith("Nach langen")
    items = [h for h in result.headlines if h.block == "Meistgelesen"]
    assert [(h.position, h.views) for h in items] == [(1, 1200), (2, 950), (3, 12)]
    assert items[0].url == "https://news.example/a/1"
    assert items[0].published_at == "2025-12-04T11:00:00+01:00"  # 15:00 UTC is 16:00 in Berlin
    assert items[1].published_at == "2025-12-03T14:30:00+01:00"
    assert items[2].published_at == "2025-12-04T09:15:00+01:00"


def test_article_selector_decides_article_pages(tmp_path: Path) -> None:
    profile = load_profile(str(_profile(tmp_path)))
    page = PAGE.replace('class="story"', 'class="teasers"')
    result = extract_page(PageInput(url=URL, html=page, fetched_at=FETCHED, profile=profile))
    assert result.article is None
    assert "article_selector" in (result.reason or "")


def test_a_profile_without_selectors_is_auto(tmp_path: Path) -> None:
    profile = load_profile(str(_profile(tmp_path, "name: plain\ntimezone: Europe/Berlin\n")))
    result = extract_page(PageInput(url=URL, html=PAGE, fetched_at=FETCHED, profile=profile))
    assert result.article is not None
    assert result.article.extraction["method"] == "auto"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("name: x\narticle:\n  title: 'h1['\n", ":3: article.title: invalid CSS"),
        ("name: x\narticle:\n  body: '//p[@'\n", ":3: article.body: invalid XPath"),
        ("name: x\narticle:\n  headline: 'h1'\n", ":3: article.headline: unknown field"),
        ("name: x\narticle: h1\n", ":2: article: expected a mapping"),
        (
            "name: x\nheadline_blocks:\n  - name: Top\n    container: '#top'\n",
            ":3: headline_blocks[0].item: missing required key",
        ),
        (
            "name: x\nheadline_blocks:\n  - name: Top\n    container: '#top'\n    item: li\n"
            "    rank: b\n",
            ":6: headline_blocks[0].rank: unknown field",
        ),
        ("name: x\ndate_formats: [yesterday]\n", ":2: date_formats: every entry"),
        ("name: x\narticle_selector: 'div..x'\n", ":2: article_selector: invalid CSS"),
    ],
)
def test_bad_selectors_name_file_line_and_key(tmp_path: Path, text: str, where: str) -> None:
    path = _profile(tmp_path, text)
    with pytest.raises(ProfileError) as info:
        load_profile(str(path))
    assert str(info.value).startswith(f"{path}{where}"), str(info.value)


def test_profile_check_shows_what_each_selector_finds(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    run = run_newsarc(
        "profile",
        "check",
        str(page),
        "--profile",
        str(_profile(tmp_path)),
        "--url",
        URL,
        "--fetched-at",
        "2025-12-04T15:00:00Z",
    )
    assert run.returncode == 0, run.stderr
    assert "article.title" in run.stdout and "'Haushalt beschlossen'" in run.stdout
    assert "method           profile" in run.stdout
    assert "[Meistgelesen] 1. Erster Artikel" in run.stdout and "views=1200" in run.stdout
    bad = run_newsarc("profile", "check", str(page), "--profile", str(tmp_path / "nope.yaml"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
