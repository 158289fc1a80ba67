"""Reading a ``.warc.gz`` file member by member: the one scanner behind verification, crash
repair and the manifest's record counts (verification also reads its records from the bytes it
decompresses, :func:`iter_inflated`, so the file is decompressed once).

newsarc writes every WARC record as its own gzip member, so a file is sound when every member
decompresses completely (its CRC checked by zlib) and starts a WARC record. ``warcio check``
misses a file cut inside its last member (warcio#138); this scanner does not.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.store.base import CHUNK_SIZE

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["CorruptMember", "Member", "TruncatedMember", "iter_inflated", "iter_members"]

_GZIP_WBITS = zlib.MAX_WBITS | 16
_WARC_MAGIC = b"WARC/"


@dataclass(frozen=True)
class Member:
    """One complete gzip member: its byte range and whether it holds a WARC record."""

    start: int
    end: int
    holds_warc: bool


class CorruptMember(zlib.error):
    """The member starting at ``start`` does not decompress (bad data or CRC)."""

    def __init__(self, start: int, detail: str) -> None:
        super().__init__(detail)
        self.start = start


class TruncatedMember(Exception):
    """The file ends inside the member starting at ``start``."""

    def __init__(self, start: int) -> None:
        super().__init__(f"truncated gzip member at offset {start}")
        self.start = start


def iter_members(path: Path) -> Iterator[Member]:
    """Every complete gzip member of ``path`` in order; then :class:`CorruptMember` or
    :class:`TruncatedMember` if the file does not end on a member boundary. ``OSError`` from
    reading the file is not caught."""
    for piece in iter_inflated(path):
        if isinstance(piece, Member):
            yield piece


def iter_inflated(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes | Member]:
    """:func:`iter_members` with the decompressed bytes: each member's bytes (in one piece or
    more) come before its :class:`Member`, so a reader of the pieces sees the file's records
    as one uncompressed stream and knows where each member starts in it (verification reads
    the file once this way). The same errors end it.

    ``start`` and ``end`` (a member boundary each; ``None``: the end of the file) limit the scan
    to the members between them, as the writer checks a file while it is still being written;
    offsets stay those of the file."""
    offset = start  # bytes of the file consumed by complete members and the current one
    decomp = zlib.decompressobj(_GZIP_WBITS)
    head = b""
    with path.open("rb") as fh:
        fh.seek(start)
        remaining = None if end is None else end - start  # bytes still to read
        while remaining is None or remaining > 0:
            chunk = fh.read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            if remaining is not None:
                remaining -= len(chunk)
            data = chunk
            while data:
                try:
                    out = decomp.decompress(data)
                except zlib.error as exc:
                    raise CorruptMember(start, str(exc)) from exc
                if out:
                    if len(head) < len(_WARC_MAGIC):
                        head += out[: len(_WARC_MAGIC) - len(head)]
                    yield out
                if not decomp.eof:
                    offset += len(data)
                    break
                offset += len(data) - len(decomp.unused_data)
                yield Member(start, offset, head == _WARC_MAGIC)
                start = offset
                data = decomp.unused_data
                decomp = zlib.decompressobj(_GZIP_WBITS)
                head = b""
    if offset != start:
        raise TruncatedMember(start)
