"""Article-body extraction: newsarc's extractor against trafilatura on real pages, in one run.

Reads the 181 pages of ``../shared/benchmarks/article-extraction`` (gzipped HTML and the
hand-checked body of each) and scores every system with the benchmark's metric: tokens are
``\\w+`` runs, each text a multiset of word 4-grams (a text of fewer than 4 tokens is one shorter
shingle); per page precision and recall over the multisets; corpus precision is the mean over
pages with a non-empty prediction, corpus recall the mean over pages with a non-empty truth;
F1 = 2PR/(P+R) of the two means; ± is the standard deviation of F1 over 1,000 bootstrap
resamples of pages. Time is the median wall time per page of the extraction call alone (the HTML
is decoded beforehand), measured in this process, systems interleaved page by page.

    uv run python bench/extraction.py [--systems newsarc,trafilatura] [--bootstrap 1000]

The metric helpers below are the one implementation; the benchmark test imports them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crawler.extract import PageInput, decode_html, extract_page

ROOT = Path(__file__).resolve().parent.parent
BENCHMARK = ROOT.parent / "shared" / "benchmarks" / "article-extraction"
FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
_WORD = re.compile(r"\w+")

PR = tuple[float | None, float | None]


# --- the metric -------------------------------------------------------------------------------


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Multiset of word 4-grams (a text of fewer than 4 words is one shorter shingle)."""
    tokens = _WORD.findall(text)
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def precision_recall(predicted: str, truth: str) -> PR:
    """Per-page precision and recall over shingle multisets (None when undefined)."""
    pred, true = shingles(predicted), shingles(truth)
    hits = sum((pred & true).values())
    precision = hits / sum(pred.values()) if pred else None
    recall = hits / sum(true.values()) if true else None
    return precision, recall


def corpus_f1(pairs: Sequence[PR]) -> tuple[float, float, float]:
    """F1 of mean precision (pages with a prediction) and mean recall (pages with a truth)."""
    precisions = [p for p, _ in pairs if p is not None]
    recalls = [r for _, r in pairs if r is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def bootstrap_std(pairs: Sequence[PR], rounds: int = 1000, seed: int = 0) -> float:
    """Standard deviation of corpus F1 over ``rounds`` resamples of pages (with replacement)."""
    if rounds <= 1 or not pairs:
        return 0.0
    rng = random.Random(seed)
    n = len(pairs)
    scores = [corpus_f1([pairs[rng.randrange(n)] for _ in range(n)])[0] for _ in range(rounds)]
    return statistics.stdev(scores)


# --- the systems ------------------------------------------------------------------------------


@dataclass
class Page:
    page_id: str
    url: str
    html: str
    truth: str


@dataclass
class SystemResult:
    name: str
    pairs: list[PR] = field(default_factory=list)
    times: list[float] = field(default_factory=list)


def load_pages(directory: Path = BENCHMARK) -> list[Page]:
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((directory / "html").glob("*.html.gz")):
        page_id = path.name.split(".")[0]
        html = decode_html(gzip.decompress(path.read_bytes()), None)
        pages.append(Page(page_id, truth[page_id]["url"], html, truth[page_id]["articleBody"]))
    return pages


def newsarc_system() -> Callable[[Page], str]:
    def run(page: Page) -> str:
        result = extract_page(PageInput(url=page.url, html=page.html, fetched_at=FETCHED))
        return result.article.text if result.article else ""

    return run


def trafilatura_system(mode: str) -> Callable[[Page], str]:
    import trafilatura  # noqa: PLC0415  # the bench group only; the test needs just the metric

    options = {
        "default": {},
        "fast": {"fast": True},
        "favor_precision": {"favor_precision": True},
        "favor_recall": {"favor_recall": True},
    }[mode]

    def run(page: Page) -> str:
        text = trafilatura.extract(
            page.html, url=page.url, include_comments=False, include_tables=True, **options
        )
        return text or ""

    return run


SYSTEMS: dict[str, Callable[[], Callable[[Page], str]]] = {
    "newsarc": newsarc_system,
    "trafilatura default": lambda: trafilatura_system("default"),
    "trafilatura fast": lambda: trafilatura_system("fast"),
    "trafilatura favor_precision": lambda: trafilatura_system("favor_precision"),
}


def run_benchmark(pages: Sequence[Page], names: Sequence[str]) -> list[SystemResult]:
    systems = [(SystemResult(name), SYSTEMS[name]()) for name in names]
    for _, run in systems:  # warm up (imports, caches) on the first page
        run(pages[0])
    for page in pages:
        for result, run in systems:
            start = time.perf_counter()
            text = run(page)
            result.times.append(time.perf_counter() - start)
            result.pairs.append(precision_recall(text, page.truth))
    return [result for result, _ in systems]


def table(results: Sequence[SystemResult], rounds: int) -> str:
    lines = [
        "| system | F1 | ± | precision | recall | median ms/page |",
        "|---|---|---|---|---|---|",
    ]
    for result in sorted(results, key=lambda r: -corpus_f1(r.pairs)[0]):
        f1, precision, recall = corpus_f1(result.pairs)
        std = bootstrap_std(result.pairs, rounds)
        median = statistics.median(result.times) * 1000
        lines.append(
            f"| {result.name} | {f1:.3f} | {std:.3f} | {precision:.3f} | {recall:.3f} "
            f"| {median:.1f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--systems",
        default=",".join(SYSTEMS),
        help=f"comma-separated systems (default: all of {', '.join(SYSTEMS)})",
    )
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap rounds")
    parser.add_argument("--data", type=Path, default=BENCHMARK, help="benchmark directory")
    parser.add_argument("--worst", type=int, default=0, help="list newsarc's N worst pages")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.systems.split(",") if n.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        parser.error(f"unknown system(s) {unknown}; known: {', '.join(SYSTEMS)}")
    if not (args.data / "ground-truth.json").exists():
        print(f"benchmark data not found at {args.data}", file=sys.stderr)
        return 2
    pages = load_pages(args.data)
    results = run_benchmark(pages, names)
    print(f"{len(pages)} pages, {args.bootstrap} bootstrap rounds\n")
    print(table(results, args.bootstrap))
    if args.worst:
        newsarc = next((r for r in results if r.name == "newsarc"), None)
        if newsarc is not None:
            scored = sorted(
                zip(pages, newsarc.pairs, strict=True),
                key=lambda pr: min(pr[1][0] or 0.0, pr[1][1] or 0.0),
            )
            print()
            for page, (p, r) in scored[: args.worst]:
                print(f"{page.page_id[:12]} P={p or 0:.2f} R={r or 0:.2f} {page.url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
