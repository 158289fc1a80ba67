"""Extraction time on pathological pages, beside parsing the same HTML and beside trafilatura.

The unit tests in ``tests/extract/test_extract_bad_input.py`` check that bad input never raises
and stays bounded (hang guards, process limits), never how long it takes: on a shared 2-core
machine a timing there fails for reasons that are not the extractor's. This script measures it
side by side, in one process, systems interleaved case by case:

- ``lxml``: ``lxml.html.document_fromstring`` of the same string, the floor any extractor pays;
- ``newsarc``: ``extract_page`` (segmentation, and the trafilatura second pass where it runs);
- ``trafilatura``: ``trafilatura.extract`` of the same string, a real extractor's cost.

The cases are the tests' own (deep nesting, a 10 MB article, article-shaped URLs with almost no
text). Times are the median wall time of ``--repeat`` runs; ratios are newsarc over each
baseline, so "x lxml" reads as "how many parses of the page one extraction costs".

    uv run python bench/bad_input.py [--repeat 3] [--cases nested,ten-megabytes]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import lxml.html
import trafilatura

from crawler.extract import PageInput, extract_page

FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
_PARAGRAPH = "<p>" + "Word " * 60 + ", with commas, and more text.</p>"
_ARTICLE = (
    "<html lang='en'><head><title>A headline here | Example</title></head><body>"
    "<nav><a href='/'>Home</a></nav><article><h1>A headline here</h1>"
    + "".join(_PARAGRAPH.replace("Word", f"Word{n}") for n in range(5))
    + "</article><footer>© Example</footer></body></html>"
)
_PLAIN_URL = "https://example.com/news/1.html"
# An article-shaped URL with almost no text: the case that triggers the second pass.
_ARTICLE_URL = "https://example.com/2025/12/04/a-long-article-slug-here"

# name -> (URL, HTML)
CASES: dict[str, tuple[str, str]] = {
    "deep-nesting": (
        _PLAIN_URL,
        "<html><body>" + "<div>" * 10_000 + _PARAGRAPH + "</div>" * 10_000 + "</body></html>",
    ),
    "ten-megabytes": (
        _PLAIN_URL,
        _ARTICLE.replace("</article>", _PARAGRAPH * 30_000 + "</article>"),
    ),
    "many-tiny-paragraphs": (
        _ARTICLE_URL,
        "<html><body>" + "<p>word, " * 200_000 + "</body></html>",
    ),
    "many-links": (
        _ARTICLE_URL,
        "<html><body>" + "<div><a href='/x'>link</a></div>" * 60_000 + "</body></html>",
    ),
    "nested": (
        _ARTICLE_URL,
        "<html><body>" + "<div>" * 5_000 + "<p>short</p>" + "</div>" * 5_000 + "</body></html>",
    ),
}


def _systems(url: str, html: str) -> dict[str, Callable[[], object]]:
    return {
        "lxml": lambda: lxml.html.document_fromstring(html),
        "newsarc": lambda: extract_page(PageInput(url=url, html=html, fetched_at=FETCHED)),
        "trafilatura": lambda: trafilatura.extract(html, url=url),
    }


def measure(names: Sequence[str], repeat: int) -> dict[str, dict[str, float]]:
    """Median seconds per system and case, systems interleaved within each repetition."""
    medians: dict[str, dict[str, float]] = {}
    for name in names:
        url, html = CASES[name]
        systems = _systems(url, html)
        times: dict[str, list[float]] = {system: [] for system in systems}
        for _ in range(repeat):
            for system, call in systems.items():
                start = time.perf_counter()
                call()
                times[system].append(time.perf_counter() - start)
        medians[name] = {system: statistics.median(t) for system, t in times.items()}
    return medians


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per system and case")
    parser.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated, of: {', '.join(CASES)}"
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.cases.split(",") if name.strip()]
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    results = measure(names, args.repeat)
    print(f"median of {args.repeat} run(s), seconds")
    print(
        f"{'case':22} {'MB':>6} {'lxml':>8} {'newsarc':>8} {'trafilat.':>9}"
        f" {'x lxml':>7} {'x trafil.':>9}"
    )
    for name, medians in results.items():
        size = len(CASES[name][1].encode()) / 1e6
        ours = medians["newsarc"]
        print(
            f"{name:22} {size:6.1f} {medians['lxml']:8.3f} {ours:8.3f}"
            f" {medians['trafilatura']:9.3f} {ours / medians['lxml']:7.1f}"
            f" {ours / medians['trafilatura']:9.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
