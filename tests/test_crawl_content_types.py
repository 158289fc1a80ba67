"""Content-Type lies in a whole crawl (RELIABILITY.md §3, B3): what newsarc archives and extracts
when a server says one thing and sends another.

The policy (``crawler/contenttypes.py``, the extractor's own checks): every response is archived
as received; the declared type decides whether a body is a page to extract (no type counts as
HTML), and a body declared HTML that is binary (a PDF, an image) yields no item and is counted by
its reason. The crawl goes on and ends cleanly.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import Route, SiteServer
from tests.conftest import crawl_items, run_newsarc
from tests.render.conftest import crawl_stats

ROBOTS = Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")
_STORY = (
    "<!doctype html><html lang=en><head><title>{title}</title></head><body><article>"
    "<h1>{title}</h1>"
    + "".join(
        f"<p>On day {n} of {{title}} the council of {town} debated the budget again, and "
        f"{n + 3} members asked for {word} before the vote on the new library and the school.</p>"
        for n, (town, word) in enumerate(
            zip(
                ("Arden", "Bree", "Calder", "Dunmore", "Elston", "Fairholt", "Glenn", "Hale"),
                ("figures", "time", "changes", "a recount", "answers", "a delay", "more", "less"),
                strict=True,
            )
        )
    )
    + "</article></body></html>"
)
_PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Length 4096>>\nstream\n"
    + bytes(range(256)) * 16
    + b"\nendstream\nendobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)
_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
_GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(range(256)) * 2


def _served() -> dict[str, tuple[str | None, bytes]]:
    """Path → (declared Content-Type, body)."""
    base = "/news/2026/12/01"
    return {
        f"{base}/pdf-as-html.html": ("text/html; charset=utf-8", _PDF),
        f"{base}/png-as-html.html": ("text/html", _PNG),
        f"{base}/gif-as-html": ("text/html; charset=iso-8859-1", _GIF),
        f"{base}/html-as-octets.html": (
            "application/octet-stream",
            _STORY.format(title="Octet story").encode(),
        ),
        f"{base}/html-untyped.html": (None, _STORY.format(title="Untyped story").encode()),
        f"{base}/html-typed.html": (
            "text/html; charset=utf-8",
            _STORY.format(title="Honest story").encode(),
        ),
    }


def _payloads(crawl_dir: Path) -> dict[str, bytes]:
    """URL path → the payload of its WARC response record, content-decoded."""
    found = {}
    for path in (crawl_dir / "warc").glob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    target = record.rec_headers.get_header("WARC-Target-URI")
                    body = record.content_stream().read()
                    found[urlsplit(target).path] = body
    return found


def test_bodies_that_lie_about_their_type_are_archived_as_sent_and_never_extracted_as_pages(
    tmp_path: Path,
) -> None:
    served = _served()
    links = " ".join(f'<a href="{path}">{path}</a>' for path in served)
    routes = {
        "/robots.txt": ROBOTS,
        "/": Route.html(f"<html><body><h1>Front page</h1>{links}</body></html>"),
    }
    for path, (content_type, body) in served.items():
        headers = {"Content-Type": content_type} if content_type else {}
        routes[path] = Route(200, headers, body)
    with SiteServer(routes) as site:
        run = run_newsarc("crawl", site.url("/"), "--out", str(tmp_path))
        requested = [p for _, p, _ in site.requests]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "failed fetches 0" in run.stdout, run.stdout
    assert all(requested.count(path) == 1 for path in served), requested
    crawl_dir = run.crawl_dir(tmp_path)

    # Archived as received: every body, whatever it claimed to be, byte for byte.
    payloads = _payloads(crawl_dir)
    for path, (_, body) in served.items():
        assert payloads.get(path) == body, path

    # Extracted: the honest page and the untyped one (no type counts as HTML); not the HTML
    # declared as octets (the declared type decides), nor any binary body declared HTML.
    articles, _ = crawl_items(crawl_dir)
    assert sorted(urlsplit(a["url"]).path.rsplit("/", 1)[-1] for a in articles) == [
        "html-typed.html",
        "html-untyped.html",
    ], [a["url"] for a in articles]
    assert {a["title"] for a in articles} == {"Honest story", "Untyped story"}
    with sqlite3.connect(crawl_dir / ".frontier.sqlite") as db:
        states = {urlsplit(u).path: s for u, s in db.execute("SELECT url, state FROM urls")}
    assert all(states[path] == "done" for path in served), states

    # Counted by reason: one non-HTML type, three binary bodies declared HTML.
    log = (crawl_dir / "logs" / "crawl.log").read_text(encoding="utf-8")
    assert "'newsarc/non_html': 1," in log
    binary = sum(
        int(line.rsplit(":", 1)[1].strip(" ,"))
        for line in log.splitlines()
        if "extract/news/no_article/binary_content" in line
        or "extract/news/no_article/undeclared_utf_16_text" in line
    )
    assert binary == 3, [line for line in log.splitlines() if "no_article" in line]
    # No item anywhere carries the binary bodies' bytes.
    for path in (crawl_dir / "items").glob("*.jsonl.gz"):
        text = gzip.decompress(path.read_bytes())
        assert b"PDF-1.4" not in text and b"IHDR" not in text, path


def _charset_pages() -> dict[str, tuple[str, bytes]]:
    """Path → (declared Content-Type, body): charsets that lie, in every way B2 lists."""

    def story(title: str, extra: str = "") -> str:
        return _STORY.format(title=title).replace("<article>", f"<article><p>{extra}</p>", 1)

    base = "/news/2026/12/02"
    return {
        # Declared UTF-8, sent as Latin-1 (é as one byte 0xE9: invalid UTF-8).
        f"{base}/latin1-as-utf8.html": (
            "text/html; charset=utf-8",
            story("Latin story", "Café déjà vu").encode("latin-1"),
        ),
        # Declared UTF-8, with invalid sequences in the middle.
        f"{base}/invalid-utf8.html": (
            "text/html; charset=utf-8",
            story("Broken bytes story", "before \xff\xfe\x80 after")
            .encode("utf-8")
            .replace(b"\xc3\xbf\xc3\xbe\xc2\x80", b"\xff\xfe\x80"),
        ),
        # A UTF-8 BOM where the header says Latin-1 (the BOM wins, as browsers read it).
        f"{base}/bom-vs-header.html": (
            "text/html; charset=iso-8859-1",
            b"\xef\xbb\xbf" + story("Bom story", "Grüße aus Köln").encode("utf-8"),
        ),
        # <meta charset> saying windows-1252 where the header says UTF-8.
        f"{base}/meta-vs-header.html": (
            "text/html; charset=utf-8",
            story("Meta story", "\u201cquoted\u201d")
            .replace("<head>", '<head><meta charset="windows-1252">', 1)
            .encode("cp1252"),
        ),
        # UTF-16 without a BOM or any charset.
        f"{base}/utf16-no-bom.html": ("text/html", story("Wide story").encode("utf-16-le")),
    }


def test_lying_charsets_give_valid_utf8_items_and_archive_the_bytes_served(tmp_path: Path) -> None:
    """RELIABILITY.md B2: every JSON Lines line is valid UTF-8 JSON whatever the page's charset
    claims, the WARC holds the bytes served, and the BOM is believed over the header."""
    served = _charset_pages()
    links = " ".join(f'<a href="{path}">{path}</a>' for path in served)
    routes = {
        "/robots.txt": ROBOTS,
        "/": Route.html(f"<html><body><h1>Front page</h1>{links}</body></html>"),
    }
    for path, (content_type, body) in served.items():
        routes[path] = Route(200, {"Content-Type": content_type}, body)
    with SiteServer(routes) as site:
        run = run_newsarc("crawl", site.url("/"), "--out", str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    crawl_dir = run.crawl_dir(tmp_path)
    payloads = _payloads(crawl_dir)
    for path, (_, body) in served.items():
        assert payloads.get(path) == body, path
    for path in (crawl_dir / "items").glob("*.jsonl.gz"):
        for line in gzip.decompress(path.read_bytes()).splitlines():
            json.loads(line.decode("utf-8"))  # strict: raises on any invalid byte
    articles, _ = crawl_items(crawl_dir)
    by_name = {a["url"].rsplit("/", 1)[-1]: a for a in articles}
    # The text pages give articles; the BOM's UTF-8 is read as UTF-8.
    assert {"latin1-as-utf8.html", "invalid-utf8.html", "bom-vs-header.html"} <= set(by_name)
    assert "Grüße aus Köln" in by_name["bom-vs-header.html"]["text"]
    # Each byte the declared charset cannot decode became one U+FFFD, and that is reported: per
    # page in the log, as a flag on the page's items, and in the crawl's stats.
    log = (crawl_dir / "logs" / "crawl.log").read_text(encoding="utf-8")
    assert "\ufffd" in by_name["latin1-as-utf8.html"]["text"]
    replaced = {"latin1-as-utf8.html": 3, "invalid-utf8.html": 3, "meta-vs-header.html": 2}
    for name, count in replaced.items():
        assert "undecodable_bytes" in by_name[name]["flags"], (name, by_name[name]["flags"])
        assert f"{name} as utf-8 replaced {count} undecodable byte" in log, name
    flagged = {n for n, a in by_name.items() if "undecodable_bytes" in a["flags"]}
    assert flagged == set(replaced), flagged  # the BOM page and UTF-16 decode cleanly
    stats = crawl_stats(crawl_dir)
    assert stats["newsarc/decoding/pages_with_replacements"] == len(replaced), stats
    assert stats["newsarc/decoding/replacement_chars"] == sum(replaced.values()), stats
