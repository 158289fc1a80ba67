"""Bad input never raises and stays bounded (crawler/extract/page.py).

"Bounded" is checked without wall-clock thresholds: each case has a generous pytest-timeout
(a hang guard, far above any normal run on a loaded machine), and the last test runs every case
under hard memory and CPU-time limits of the process. How long the cases take, beside the cost of
parsing the same HTML with lxml, is measured by ``bench/bad_input.py``.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.extract import (
    PageInput,
    decode_html,
    decode_html_counted,
    extract_page,
    replacements,
)
from crawler.extract.types import PageResult

FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
URL = "https://example.com/news/1.html"
_PARAGRAPH = "<p>" + "Word " * 60 + ", with commas, and more text.</p>"
ARTICLE = (
    "<html lang='en'><head><title>A headline here | Example</title></head><body>"
    "<nav><a href='/'>Home</a></nav><article><h1>A headline here</h1>"
    + "".join(_PARAGRAPH.replace("Word", f"Word{n}") for n in range(5))
    + "</article><footer>© Example</footer></body></html>"
)


def _extract(html: str) -> object:
    return extract_page(PageInput(url=URL, html=html, fetched_at=FETCHED))


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n\t ",
        "\x00\x00\x00",
        "<html><body>\x00<p>nul\x00 bytes</p></body></html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        "<<<>>>&&&;;",
        "<html><head><script>var a = '<p>';</script>",
        "<html><body><div><div><p>unclosed",
        "<svg><svg><svg>" * 100,
    ],
)
def test_odd_documents(html: str) -> None:
    result = _extract(html)
    assert result.page_type == "other"  # type: ignore[attr-defined]
    assert result.article is None  # type: ignore[attr-defined]
    assert result.reason  # type: ignore[attr-defined]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("seed", range(12))
def test_binary_garbage(seed: int) -> None:
    body = random.Random(seed).randbytes(200_000)
    result = _extract(decode_html(body, "text/html"))
    assert result.page_type == "other"  # type: ignore[attr-defined]


@pytest.mark.timeout(60)
def test_deep_nesting() -> None:
    html = "<html><body>" + "<div>" * 10_000 + _PARAGRAPH + "</div>" * 10_000 + "</body></html>"
    result = _extract(html)
    # The paragraph sits below libxml2's 256 levels: not read, and the reason says why.
    assert result.article is None  # type: ignore[attr-defined]
    assert "nested deeper" in result.reason  # type: ignore[attr-defined]


@pytest.mark.timeout(120)
def test_ten_megabyte_page() -> None:
    html = ARTICLE.replace("</article>", _PARAGRAPH * 30_000 + "</article>")
    assert len(html) > 10_000_000
    result = _extract(html)
    assert result.page_type in {"article", "other"}  # type: ignore[attr-defined]
    if result.article is not None:  # type: ignore[attr-defined]
        assert "html_truncated" in result.article.flags  # type: ignore[attr-defined]


@pytest.mark.timeout(60)
def test_truncated_page_still_extracts() -> None:
    truncated = ARTICLE[: ARTICLE.index("</article>") - 100]
    result = _extract(truncated)
    assert result.page_type == "article"  # type: ignore[attr-defined]
    assert result.article.title == "A headline here"  # type: ignore[attr-defined]


@pytest.mark.timeout(60)
def test_unknown_timezone_is_flagged() -> None:
    result = _extract(ARTICLE)
    assert result.article is not None  # type: ignore[attr-defined]
    assert "timezone_assumed_utc" in result.article.flags  # type: ignore[attr-defined]
    assert result.article.extraction["method"] == "auto"  # type: ignore[attr-defined]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "html",
    [
        "<html><body>" + "<p>word, " * 200_000 + "</body></html>",
        "<html><body>" + "<div><a href='/x'>link</a></div>" * 60_000 + "</body></html>",
        "<html><body>" + "<div>" * 5_000 + "<p>short</p>" + "</div>" * 5_000 + "</body></html>",
    ],
    ids=["many-tiny-paragraphs", "many-links", "nested"],
)
def test_article_like_url_with_little_text_is_bounded(html: str) -> None:
    # An article-shaped URL and almost no text: the case that triggers the second pass.
    url = "https://example.com/2025/12/04/a-long-article-slug-here"
    result = extract_page(PageInput(url=url, html=html, fetched_at=FETCHED))
    assert result.article is None


# --- bounded in memory and CPU time, checked with process limits rather than timings --------

_LIMITED_CASES = r"""
import json, random, sys
from datetime import UTC, datetime
from crawler.extract import PageInput, decode_html, extract_page

fetched = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
prose = "".join(
    f"<p>Paragraph {i} says word{i} and more, with commas, and text that goes on a while.</p>"
    for i in range(80_000)
)
article = "<html><body><h1>A headline here</h1>" + prose[:600]
cases = {
    "empty": b"",
    "whitespace": b"  \n\t  ",
    "binary": random.Random(3).randbytes(2_000_000),
    "gzip-as-html": b"\x1f\x8b\x08\x00" + random.Random(4).randbytes(500_000),
    "truncated": ("<html><body><h1>A headline here</h1>" + prose[:30_000]).encode(),
    "ten-megabytes": ("<html><body><article><h1>A headline here</h1>" + prose).encode(),
    "nested-divs": (article + "<div>" * 100_000 + "<p>deep</p>" + "</div>" * 100_000).encode(),
    "unclosed-fonts": (
        "<html><body><h1>A headline here</h1>"
        + "".join(f"<p><font face=arial>Paragraph {i} " + "word " * 20 for i in range(3000))
    ).encode(),
    "utf16-undeclared": ("<html><body><h1>Título</h1>" + prose[:20_000]).encode("utf-16-le"),
    "cp1252-declared-utf8": (
        "<html><head><meta charset=utf-8></head><body><h1>Café crème</h1>" + prose[:20_000]
    ).encode("cp1252"),
    "nul-bytes": ("<html><body>\x00" * 1000 + prose[:20_000]).encode(),
}
out = {}
for name, body in cases.items():
    html = decode_html(body, "text/html")
    url = "https://example.com/2025/12/04/a-long-slug-here"
    result = extract_page(PageInput(url=url, html=html, fetched_at=fetched))
    out[name] = {
        "page_type": result.page_type,
        "article": result.article is not None,
        "flags": result.article.flags if result.article else [],
        "reason": result.reason,
        "reason_code": result.reason_code,
    }
print(json.dumps(out))
"""


def _limit_resources() -> None:
    memory = 768 * 2**20  # address space, not resident memory: lxml trees of 10 MB fit well
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (90, 90))


@pytest.mark.timeout(300)
def test_bad_input_within_memory_and_cpu_limits() -> None:
    """Every kind of bad input gives an item or a named reason, under 768 MB and 90 s of CPU."""
    run = subprocess.run(
        [sys.executable, "-c", _LIMITED_CASES],
        cwd=Path(__file__).resolve().parents[2],
        preexec_fn=_limit_resources,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(run.stdout)
    for name, result in results.items():
        assert result["article"] or result["reason_code"], (name, result)
    assert results["empty"]["reason_code"] == "empty_document"
    assert results["whitespace"]["reason_code"] == "empty_document"
    assert results["binary"]["reason_code"] == "binary_content"
    assert results["gzip-as-html"]["reason_code"] == "binary_content"
    assert results["utf16-undeclared"]["reason_code"] == "undeclared_utf_16_text"
    for name in ("truncated", "ten-megabytes", "unclosed-fonts", "cp1252-declared-utf8"):
        assert results[name]["article"], (name, results[name])
    assert "html_truncated" in results["ten-megabytes"]["flags"]
    # libxml2 keeps 256 levels: the article before the nesting is read, and the page says it
    # was cut; 3,000 unclosed <font> tags nest as deep.
    assert results["nested-divs"]["article"]
    assert "html_truncated" in results["nested-divs"]["flags"]
    assert "html_truncated" in results["unclosed-fonts"]["flags"]


def test_reason_codes_are_short_names() -> None:
    codes = {
        "listing page (teaser blocks, no article text)": "listing_page",
        "extraction failed (RecursionError)": "extraction_failed",
        "binary content, not HTML": "binary_content",
        "no article text found": "no_article_text_found",
    }
    for reason, code in codes.items():
        assert PageResult(page_type="other", reason=reason).reason_code == code
    assert PageResult(page_type="article").reason_code is None


def test_decoding_counts_only_the_replacement_characters_it_introduced() -> None:
    """RELIABILITY.md B2: U+FFFD for bytes the charset cannot decode are counted; one the page
    holds (properly encoded) is not; a body that decodes cleanly counts 0."""
    genuine = "a real \ufffd here".encode()
    assert decode_html_counted(genuine, "text/html; charset=utf-8") == ("a real \ufffd here", 0)
    broken = genuine + b" caf\xe9 \xff\xfe"
    text, replaced = decode_html_counted(broken, "text/html; charset=utf-8")
    assert text.count("\ufffd") == 4 and replaced == 3
    assert replacements(broken, text, "utf-8") == 3
    assert decode_html_counted("café".encode("latin-1"), "text/html; charset=iso-8859-1")[1] == 0
    assert replacements(b"x", "x", "no-such-codec") == 0
