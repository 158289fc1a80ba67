"""Unit tests of crawler/discovery.py's checks on sitemap bodies (feed and sitemap metadata:
tests/test_incremental.py)."""

from __future__ import annotations

import gzip
import zlib

from crawler.discovery import declares_entities, gzip_truncated


def test_a_gzip_stream_cut_short_is_told_from_a_whole_one() -> None:
    whole = gzip.compress(b"<urlset>" + b"<url><loc>http://x/a</loc></url>" * 5000 + b"</urlset>")
    assert not gzip_truncated(whole)
    assert gzip_truncated(whole[: len(whole) // 2])
    assert gzip_truncated(whole[:-4])  # the trailer's size field missing
    assert gzip_truncated(b"\x1f\x8b\x08\x00garbage")
    # Large output is decompressed a megabyte at a time, and still read to its end.
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    big = b"".join(packer.compress(b" " * (1 << 20)) for _ in range(20)) + packer.flush()
    assert not gzip_truncated(big)


def test_entity_declarations_are_found_in_the_prolog() -> None:
    assert declares_entities(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aa">]><urlset/>')
    assert declares_entities(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r/>')
    assert not declares_entities(b'<?xml version="1.0"?><urlset><url><loc>http://x/</loc></url>')
