"""Feeds and pages by Content-Type: the one rule of the spider and ``newsarc extract``."""

from __future__ import annotations

import pytest

from crawler.contenttypes import is_feed, is_html, sniff_root

XHTML = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
    b'"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">\n'
    b"<!-- a comment mentioning <rss> -->\n"
    b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head></html>'
)
SITEMAP = b'<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel>'
ATOM = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
RDF = b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'


@pytest.mark.parametrize(
    ("content_type", "head", "feed", "html"),
    [
        ("text/html; charset=utf-8", None, False, True),
        ("TEXT/HTML", None, False, True),
        (None, None, False, True),  # no Content-Type: taken as a page
        ("", None, False, True),
        # XHTML: "xml" in the name, but a page (it was taken for a feed and never extracted).
        ("application/xhtml+xml", None, False, True),
        ("application/xhtml+xml; charset=utf-8", XHTML, False, True),
        ("APPLICATION/XHTML+XML", None, False, True),
        ("application/vnd.wap.xhtml+xml", None, False, True),
        # Feeds say so, whatever the body.
        ("application/rss+xml", None, True, False),
        ("application/rss+xml", RSS, True, False),
        ("application/atom+xml; charset=utf-8", ATOM, True, False),
        ("application/rdf+xml", RDF, True, False),
        # Generic XML: the root element decides; without a body, a feed or sitemap as before.
        ("text/xml", None, True, False),
        ("application/xml", None, True, False),
        ("application/xml", SITEMAP, True, False),
        ("text/xml; charset=utf-8", RSS, True, False),
        ("application/xml", ATOM, True, False),
        ("application/xml", RDF, True, False),
        ("application/xml", b"", True, False),
        ("application/xml", XHTML, False, True),
        ("text/xml", b"\n  <html><body><p>hi</p></body></html>", False, True),
        ("application/json", None, False, False),
        ("image/png", None, False, False),
        ("image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>", True, False),
    ],
)
def test_content_type_classification(
    content_type: str | None, head: bytes | None, feed: bool, html: bool
) -> None:
    assert is_feed(content_type, head) is feed
    assert is_html(content_type, head) is html


@pytest.mark.parametrize(
    ("head", "root"),
    [
        (XHTML, "html"),
        (SITEMAP, "urlset"),
        (b"<sitemapindex>", "sitemapindex"),
        (RSS, "rss"),
        (ATOM, "feed"),
        (RDF, "rdf"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><HTML>", "html"),
        (b"<?xml version='1.0'?>", None),
        (b"not xml at all", None),
    ],
)
def test_sniff_root(head: bytes, root: str | None) -> None:
    assert sniff_root(head) == root
