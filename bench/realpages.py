"""Every field on every real page set, newsarc beside trafilatura and readability, in one run.

Reads the sets in ``../shared/benchmarks/`` (never copied into the repository; a missing
directory is skipped with one line on stderr):

* ``article-extraction`` (181 pages, body only): the benchmark's word 4-gram metric (see
  :mod:`bench.extraction`), corpus P/R/F1, ± the std of F1 over bootstrap resamples of pages.
* ``trafilatura-eval-dev`` (482 pages): body as trafilatura's evaluation scores it (each
  ``with`` snippet found is a TP, else an FN; each ``without`` snippet found an FP; P/R/F1 over
  all snippets, ± by resampling pages); title exact after NFC/whitespace/case normalisation;
  published date on the same calendar day; authors as the mean per-page set F1 of normalised
  names, on the pages whose truth has a title / date / authors.

**Held-out split**: a page belongs to the *tune* half when the first byte of
``sha256(page_id)`` is even, else to the *held* half (fixed, deterministic, about half each).
Rules are tuned on ``--half tune`` only; both halves are reported.

    uv run python bench/realpages.py [--half tune|held|all] [--systems …] [--worst N]
    uv run python bench/realpages.py --diff PAGE_ID     # missed / extra text of one page

Systems: ``newsarc`` (``extract_page``: the article item's text, title, published_at,
authors), trafilatura 2.3.1 ``bare_extraction`` with metadata in its modes ``default``,
``favor_precision`` and ``fast``, and readability-lxml (body and ``short_title``) when it is
installed (``uv sync --group bench``). newsarc's body is the item's ``lead`` before its
``text`` (the article as the item holds it: a standfirst is kept in ``lead``, as Fundus keeps a
summary, and the sets' truths count it as body); a ``newsarc text only`` row beside it scores
the ``text`` field alone.
Times are the median wall time of the extraction call per page, systems interleaved page by
page in this process. ``--cache DIR`` keeps the other systems' outputs (and times) between
runs, so tuning newsarc re-runs only newsarc.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.extraction import corpus_f1, precision_recall, shingles
from crawler.extract import PageInput, decode_html, extract_page

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"
AE_SET = "article-extraction"
EVAL_SET = "trafilatura-eval-dev"
FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_NAME_CHARS = re.compile(r"[^\w\s'-]")


# --- pages and the split ----------------------------------------------------------------------


@dataclass
class Page:
    dataset: str
    page_id: str
    url: str
    html: str
    lang: str
    body: str = ""
    """article-extraction: the true body."""
    with_: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)
    title: str = ""
    author: str = ""
    date: str = ""


def half_of(page_id: str) -> str:
    """``"tune"`` when the first byte of sha256(page_id) is even, else ``"held"``."""
    return "tune" if hashlib.sha256(page_id.encode()).digest()[0] % 2 == 0 else "held"


def truth_day(value: str) -> str:
    """An annotated ``YYYY-MM-DD``; the few written ``YYYY-DD-MM`` (month > 12) are swapped,
    and one written without a leading zero (``2022-11-1``) is padded."""
    parts = value.split("-")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return value
    year, month, day = (int(part) for part in parts)
    if month > 12:
        month, day = day, month
    return f"{year:04d}-{month:02d}-{day:02d}"


def page_language(html: str) -> str:
    """Primary subtag of ``<html lang>`` (the page's own word), else ``"?"``."""
    match = _LANG.search(html[:20000])
    return match.group(1).lower() if match else "?"


def load_set(name: str, base: Path = SHARED) -> list[Page]:
    directory = base / name
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((directory / "html").glob("*.html.gz")):
        page_id = path.name.split(".")[0]
        if page_id not in truth:
            continue
        html = decode_html(gzip.decompress(path.read_bytes()), None)
        entry = truth[page_id]
        page = Page(name, page_id, entry.get("url") or "", html, page_language(html))
        if name == AE_SET:
            page.body = entry["articleBody"]
        else:
            page.with_ = list(entry.get("with") or [])
            page.without = list(entry.get("without") or [])
            page.title = entry.get("title") or ""
            author = entry.get("author") or ""
            page.author = "; ".join(author) if isinstance(author, list) else author
            page.date = truth_day(entry.get("date") or "")
        pages.append(page)
    return pages


# --- systems ----------------------------------------------------------------------------------


@dataclass
class Output:
    text: str = ""
    title: str = ""
    date: str = ""
    """``YYYY-MM-DD`` (the calendar day in the date's own offset), or empty."""
    authors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lead: str = ""
    """newsarc only: the item's ``lead`` (kept out of its ``text``)."""


#: A row derived from newsarc's run: the item's ``text`` field alone, without its ``lead``.
#: The ``newsarc`` row is the article as the item holds it, lead and text: a standfirst is kept in
#: ``lead`` (never moved into ``text``: the fixture truths keep the dek out of the body), and the
#: sets' truths count it as body, as trafilatura's output does.
TEXT_ONLY = "newsarc text only"


def with_lead(outputs: dict[str, Output]) -> dict[str, Output]:
    """newsarc's outputs with the lead (when found and not already there) before the text."""
    joined = {}
    for key, out in outputs.items():
        joined[key] = _joined(out)
    return joined


def _joined(out: Output) -> Output:
    text = out.text
    if out.lead and normalize(out.lead) not in normalize(text):
        text = f"{out.lead}\n\n{text}" if text else out.lead
    return Output(text, out.title, out.date, list(out.authors), out.seconds, out.lead)


def newsarc_system() -> Callable[[Page], Output]:
    def run(page: Page) -> Output:
        result = extract_page(PageInput(url=page.url, html=page.html, fetched_at=FETCHED))
        article = result.article
        if article is None:
            return Output()
        return Output(
            text=article.text,
            title=article.title or "",
            date=(article.published_at or "")[:10],
            authors=list(article.authors),
            lead=article.lead or "",
        )

    return run


def trafilatura_system(mode: str) -> Callable[[Page], Output]:
    import trafilatura  # noqa: PLC0415  # the bench group only

    options: dict[str, bool] = {
        "default": {},
        "fast": {"fast": True},
        "favor_precision": {"favor_precision": True},
    }[mode]

    def run(page: Page) -> Output:
        doc = trafilatura.bare_extraction(
            page.html,
            url=page.url or None,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            **options,
        )
        if doc is None:
            return Output()
        authors = [a.strip() for a in (getattr(doc, "author", None) or "").split(";")]
        return Output(
            text=getattr(doc, "text", None) or "",
            title=getattr(doc, "title", None) or "",
            date=(getattr(doc, "date", None) or "")[:10],
            authors=[a for a in authors if a],
        )

    return run


def readability_system() -> Callable[[Page], Output]:
    from lxml import html as lxml_html  # noqa: PLC0415
    from readability import Document  # noqa: PLC0415  # the bench group only

    def run(page: Page) -> Output:
        try:
            doc = Document(page.html, url=page.url or None)
            summary = doc.summary(html_partial=True)
            text = "\n".join(
                t.strip() for t in lxml_html.fromstring(summary).itertext() if t.strip()
            )
            return Output(text=text, title=doc.short_title() or "")
        except Exception:  # noqa: BLE001 - a third-party parser: a failure scores as empty
            return Output()

    return run


def available_systems() -> dict[str, Callable[[], Callable[[Page], Output]]]:
    systems: dict[str, Callable[[], Callable[[Page], Output]]] = {"newsarc": newsarc_system}
    try:
        import trafilatura  # noqa: F401, PLC0415
    except ImportError:
        pass
    else:
        for mode in ("default", "favor_precision", "fast"):
            systems[f"trafilatura {mode}"] = lambda mode=mode: trafilatura_system(mode)
    try:
        import readability  # noqa: F401, PLC0415
    except ImportError:
        pass
    else:
        systems["readability-lxml"] = readability_system
    return systems


#: Fields a system does not extract (scored as "–", not as zero).
UNSUPPORTED = {"readability-lxml": frozenset({"date", "authors"})}


def run_systems(
    pages: Sequence[Page], names: Sequence[str], cache: Path | None
) -> dict[str, dict[str, Output]]:
    """Outputs per system per page id; cached systems (all but newsarc) are read from ``cache``."""
    factories = available_systems()
    results: dict[str, dict[str, Output]] = {}
    live: list[tuple[str, Callable[[Page], Output]]] = []
    for name in names:
        cached = _read_cache(cache, name) if name != "newsarc" else None
        if cached is not None and all(f"{p.dataset}/{p.page_id}" in cached for p in pages):
            results[name] = cached
        else:
            results[name] = {}
            live.append((name, factories[name]()))
    for _, run in live:  # warm up (imports, caches)
        run(pages[0])
    for page in pages:
        key = f"{page.dataset}/{page.page_id}"
        for name, run in live:
            start = time.perf_counter()
            out = run(page)
            out.seconds = time.perf_counter() - start
            results[name][key] = out
    for name, _ in live:
        if name != "newsarc":
            _write_cache(cache, name, results[name])
    if "newsarc" in results:
        results[TEXT_ONLY] = results["newsarc"]
        results["newsarc"] = with_lead(results["newsarc"])
    return results


def _cache_file(cache: Path, name: str) -> Path:
    return cache / f"{name.replace(' ', '_')}.json"


def _read_cache(cache: Path | None, name: str) -> dict[str, Output] | None:
    if cache is None or not _cache_file(cache, name).exists():
        return None
    data = json.loads(_cache_file(cache, name).read_text(encoding="utf-8"))
    return {key: Output(**value) for key, value in data.items()}


def _write_cache(cache: Path | None, name: str, outputs: dict[str, Output]) -> None:
    if cache is None:
        return
    cache.mkdir(parents=True, exist_ok=True)
    previous = _read_cache(cache, name) or {}
    previous.update(outputs)
    data = {key: asdict(value) for key, value in previous.items()}
    _cache_file(cache, name).write_text(json.dumps(data), encoding="utf-8")


# --- metrics ----------------------------------------------------------------------------------


def normalize(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def snippet_counts(text: str, page: Page) -> tuple[int, int, int]:
    """(tp, fp, fn) of one page's snippets, as trafilatura's evaluation counts them."""
    body = normalize(text)
    tp = sum(1 for s in page.with_ if normalize(s) in body)
    fn = len(page.with_) - tp
    fp = sum(1 for s in page.without if normalize(s) in body)
    return tp, fp, fn


def snippet_prf(counts: Sequence[tuple[int, int, int]]) -> tuple[float, float, float]:
    tp = sum(c[0] for c in counts)
    fp = sum(c[1] for c in counts)
    fn = sum(c[2] for c in counts)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def title_match(predicted: str, truth: str) -> bool:
    return normalize(predicted).casefold() == normalize(truth).casefold()


def _name(text: str) -> str:
    return normalize(_NAME_CHARS.sub(" ", unicodedata.normalize("NFKC", text))).casefold()


def author_f1(predicted: Sequence[str], truth: str) -> float:
    """Set F1 of normalised names (truth is ``;``-separated)."""
    true = {_name(a) for a in truth.split(";") if _name(a)}
    pred = {_name(a) for a in predicted if _name(a)}
    if not true and not pred:
        return 1.0
    hits = len(true & pred)
    if not hits:
        return 0.0
    precision, recall = hits / len(pred), hits / len(true)
    return 2 * precision * recall / (precision + recall)


def bootstrap(values: Sequence[Any], score: Callable[[Sequence[Any]], float], rounds: int) -> float:
    """Std of ``score`` over ``rounds`` resamples of ``values`` with replacement (seed 0)."""
    if rounds <= 1 or len(values) < 2:
        return 0.0
    rng = random.Random(0)
    n = len(values)
    return statistics.stdev(
        score([values[rng.randrange(n)] for _ in range(n)]) for _ in range(rounds)
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


@dataclass
class Scores:
    """One system's scores on one set of pages."""

    n: int
    body_f1: float
    body_std: float
    body_p: float
    body_r: float
    title: float | None = None
    title_n: int = 0
    date: float | None = None
    date_n: int = 0
    authors: float | None = None
    authors_n: int = 0
    median_ms: float = 0.0


def score(pages: Sequence[Page], outputs: dict[str, Output], rounds: int) -> Scores:
    keyed = [(p, outputs[f"{p.dataset}/{p.page_id}"]) for p in pages]
    median_ms = statistics.median(o.seconds for _, o in keyed) * 1000 if keyed else 0.0
    if pages and pages[0].dataset == AE_SET:
        pairs = [precision_recall(o.text, p.body) for p, o in keyed]
        f1, precision, recall = corpus_f1(pairs)
        std = bootstrap(pairs, lambda s: corpus_f1(s)[0], rounds)
        return Scores(len(pages), f1, std, precision, recall, median_ms=median_ms)
    counts = [snippet_counts(o.text, p) for p, o in keyed]
    f1, precision, recall = snippet_prf(counts)
    std = bootstrap(counts, lambda s: snippet_prf(s)[0], rounds)
    titles = [title_match(o.title, p.title) for p, o in keyed if p.title]
    dates = [o.date == p.date for p, o in keyed if p.date]
    authors = [author_f1(o.authors, p.author) for p, o in keyed if p.author]
    return Scores(
        len(pages),
        f1,
        std,
        precision,
        recall,
        title=_mean(titles),
        title_n=len(titles),
        date=_mean(dates),
        date_n=len(dates),
        authors=_mean(authors),
        authors_n=len(authors),
        median_ms=median_ms,
    )


def _page_body_score(page: Page, out: Output) -> float:
    if page.dataset == AE_SET:
        p, r = precision_recall(out.text, page.body)
        p, r = p or 0.0, r or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0
    return snippet_prf([snippet_counts(out.text, page)])[0]


# --- reports ----------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def table(
    set_name: str, half: str, pages: Sequence[Page], results: dict[str, Any], rounds: int
) -> str:
    chosen = [p for p in pages if half == "all" or half_of(p.page_id) == half]
    if not chosen:
        return ""
    scored = {name: score(chosen, outputs, rounds) for name, outputs in results.items()}
    first = next(iter(scored.values()))
    head = f"### {set_name}, {half} half: {len(chosen)} pages"
    if set_name == AE_SET:
        lines = [
            head,
            "",
            "| system | body F1 | ± | P | R | median ms |",
            "|---|---|---|---|---|---|",
        ]
        for name, s in sorted(scored.items(), key=lambda kv: -kv[1].body_f1):
            lines.append(
                f"| {name} | {s.body_f1:.3f} | {s.body_std:.3f} | {s.body_p:.3f} "
                f"| {s.body_r:.3f} | {s.median_ms:.1f} |"
            )
        return "\n".join(lines)
    lines = [
        head + f" (title {first.title_n}, date {first.date_n}, authors {first.authors_n})",
        "",
        "| system | body F1 | ± | P | R | title exact | date same day | authors F1 | median ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in sorted(scored.items(), key=lambda kv: -kv[1].body_f1):
        missing = UNSUPPORTED.get(name, frozenset())
        if "date" in missing:
            s.date = None
        if "authors" in missing:
            s.authors = None
        lines.append(
            f"| {name} | {s.body_f1:.3f} | {s.body_std:.3f} | {s.body_p:.3f} | {s.body_r:.3f} "
            f"| {_fmt(s.title)} | {_fmt(s.date)} | {_fmt(s.authors)} | {s.median_ms:.1f} |"
        )
    return "\n".join(lines)


def languages(pages: Sequence[Page], results: dict[str, dict[str, Output]], half: str) -> str:
    """Body score per language (≥ 5 pages): newsarc beside the best trafilatura mode."""
    chosen = [p for p in pages if half == "all" or half_of(p.page_id) == half]
    by_lang: dict[str, list[Page]] = defaultdict(list)
    for page in chosen:
        by_lang[page.lang].append(page)
    others = [n for n in results if n.startswith("trafilatura")]
    lines = [
        "| lang | pages | newsarc body | best trafilatura body | newsarc title |",
        "|---|---|---|---|---|",
    ]
    for lang, group in sorted(by_lang.items(), key=lambda kv: -len(kv[1])):
        if len(group) < 5:
            continue
        ours = score(group, results["newsarc"], 0)
        best = max((score(group, results[n], 0).body_f1 for n in others), default=0.0)
        lines.append(
            f"| {lang} | {len(group)} | {ours.body_f1:.3f} | {best:.3f} | {_fmt(ours.title)} |"
        )
    return "\n".join(lines)


def worst(pages: Sequence[Page], results: dict[str, dict[str, Output]], half: str, n: int) -> str:
    chosen = [p for p in pages if half == "all" or half_of(p.page_id) == half]
    ours = results["newsarc"]
    rows = []
    for page in chosen:
        out = ours[f"{page.dataset}/{page.page_id}"]
        problems = []
        if page.title and not title_match(out.title, page.title):
            problems.append("title")
        if page.date and out.date != page.date:
            problems.append("date")
        if page.author and author_f1(out.authors, page.author) < 1:
            problems.append("authors")
        rows.append((_page_body_score(page, out), page, problems))
    rows.sort(key=lambda row: (row[0], -len(row[2])))
    return "\n".join(
        f"{page.page_id} body={body:.2f} {','.join(problems) or '-'} {page.url}"
        for body, page, problems in rows[:n]
    )


def diff(page: Page, runs: dict[str, Callable[[Page], Output]]) -> str:
    """Missed and extra paragraphs (article-extraction) or snippets (eval-dev), and the fields."""
    lines = [f"{page.dataset}/{page.page_id} ({half_of(page.page_id)} half) {page.url}"]
    for name, run in runs.items():
        out = run(page)
        lines.append(f"\n== {name}: body {_page_body_score(page, out):.3f}")
        if page.dataset == AE_SET:
            predicted = shingles(out.text)
            truth = shingles(page.body)
            for para in (p for p in page.body.split("\n") if p.strip()):
                grams = shingles(para)
                found = sum((grams & predicted).values()) / max(sum(grams.values()), 1)
                if found < 0.5:
                    lines.append(f"  MISSED {para[:160]}")
            for para in (p for p in out.text.split("\n") if p.strip()):
                grams = shingles(para)
                found = sum((grams & truth).values()) / max(sum(grams.values()), 1)
                if found < 0.5:
                    lines.append(f"  EXTRA  {para[:160]}")
            continue
        body = normalize(out.text)
        lines.extend(f"  MISSED {s}" for s in page.with_ if normalize(s) not in body)
        lines.extend(f"  EXTRA  {s}" for s in page.without if normalize(s) in body)
        lines.append(f"  title  {out.title!r} (truth {page.title!r})")
        lines.append(f"  date   {out.date!r} (truth {page.date!r})")
        lines.append(f"  author {out.authors!r} (truth {page.author!r})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED, help="the benchmarks directory")
    parser.add_argument("--sets", default=f"{AE_SET},{EVAL_SET}", help="comma-separated sets")
    parser.add_argument("--half", choices=("tune", "held", "all", "both"), default="both")
    parser.add_argument("--systems", default="", help="comma-separated (default: all available)")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap rounds")
    parser.add_argument("--worst", type=int, default=10, help="list newsarc's N worst pages")
    parser.add_argument("--cache", type=Path, help="keep the other systems' outputs here")
    parser.add_argument("--diff", metavar="PAGE_ID", help="show one page's missed / extra text")
    parser.add_argument("--no-languages", action="store_true", help="skip per-language tables")
    args = parser.parse_args(argv)
    known = available_systems()
    names = [n.strip() for n in args.systems.split(",") if n.strip()] or list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown or unavailable system(s) {unknown}; known: {', '.join(known)}")
    if "newsarc" not in names:
        names.insert(0, "newsarc")
    sets: dict[str, list[Page]] = {}
    for name in (s.strip() for s in args.sets.split(",") if s.strip()):
        if not (args.data / name / "ground-truth.json").exists():
            print(f"skipped {name}: no benchmark data at {args.data / name}", file=sys.stderr)
            continue
        sets[name] = load_set(name, args.data)
    if not sets:
        print(f"no benchmark data under {args.data}", file=sys.stderr)
        return 2
    if args.diff:
        page = next(
            (p for pages in sets.values() for p in pages if p.page_id.startswith(args.diff)), None
        )
        if page is None:
            print(f"no page {args.diff!r} in {', '.join(sets)}", file=sys.stderr)
            return 2
        runs = {name: known[name]() for name in names}
        text_only = runs["newsarc"]
        runs["newsarc"] = lambda page: _joined(text_only(page))
        print(diff(page, runs))
        return 0
    halves = ("tune", "held") if args.half == "both" else (args.half,)
    for set_name, pages in sets.items():
        results = run_systems(pages, names, args.cache)
        for half in halves:
            print(table(set_name, half, pages, results, args.bootstrap), end="\n\n")
            if not args.no_languages:
                print(f"Per language ({set_name}, {half}; <html lang>, ≥ 5 pages):\n")
                print(languages(pages, results, half), end="\n\n")
            if args.worst:
                print(f"newsarc's {args.worst} worst pages ({set_name}, {half}):\n")
                print(worst(pages, results, half, args.worst), end="\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
