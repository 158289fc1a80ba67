"""The crawl's seen-sets: what it has met, kept as 64-bit fingerprints, not as strings.

A crawl remembers every URL it met (the spider's links, Scrapy's duplicate filter) and every
item it kept (the dedupe pipeline). A Python ``set`` of URL strings costs about 200 bytes per
URL (the string object and the set's slot), so memory grew with the crawl: ~1 KB per page
across the holders, 205 MB of RSS at 100,000 pages (docs/reliability.md, L1/L2).
:class:`SeenSet` keeps each key as one 64-bit fingerprint in flat ``array('q')`` tables: 12 to
24 bytes per key (8 bytes a slot, the table between a third and two thirds full), and no
object per key. The strings themselves are on disk where they matter: the frontier's ledger
(or Redis) holds every URL the crawl queued, and a resumed crawl rebuilds its seen-set from it.

**Fingerprint.** Python's own ``hash()`` of the key (str or bytes): SipHash with a per-process
random key, computed in C and cached on the string object, so the spider's "in, then add" pays
for it once. The fingerprints live only as long as the process (a resume re-reads the URLs), so
that they differ from one process to the next does not matter.

**False positives.** Two different keys with the same 64-bit fingerprint would make the second
look seen. With ``n`` keys held, a lookup of a new key is a false positive with probability
``n / 2**64`` (:meth:`SeenSet.false_positive_rate`): 5.4e-13 at 10 million, far below the 1e-6
design rate of L2; ``bench/seen_set.py`` measures it (10 million new keys looked up against 10
million held). What a seen-set refuses is counted where it is refused (``seen/duplicates`` for
the spider's links, ``dupefilter/filtered``, ``items/duplicate/*``), so a false one would be
within those counts.

**Layout.** 1,024 shards, chosen by the fingerprint's low bits, each an open-addressing table
(linear probing) that doubles when it is two thirds full. Growing rehashes one shard, about a
thousandth of the keys, so the reactor never stalls for a whole-table rehash (about 1 ms for a
shard at 10 million keys).

:class:`SeenDupeFilter` is Scrapy's ``RFPDupeFilter`` (same fingerprints of canonical URL,
method and body; ``dupefilter/filtered``; ``JOBDIR``'s ``requests.seen``) over a
:class:`SeenSet` instead of a set of 20-byte digests; ``DUPEFILTER_CLASS`` names it.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any

from scrapy.dupefilters import RFPDupeFilter

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy.http import Request

__all__ = ["SeenDupeFilter", "SeenSet"]

_SHARD_BITS = 10
_SHARDS = 1 << _SHARD_BITS
_SHARD_MASK = _SHARDS - 1
#: Slots of a new shard (a power of two): 1,024 shards of 8 slots are 64 KiB.
_FIRST_SLOTS = 8


def _empty(slots: int) -> array[int]:
    return array("q", bytes(8 * slots))


class SeenSet:
    """A set of str or bytes keys kept as 64-bit fingerprints (see the module docstring).

    ``key in seen``, :meth:`add` (True when the key was new), :meth:`update` and ``len()``;
    the keys themselves are not kept, so a seen-set cannot be iterated. Keep one type of key
    in a set: ``hash()`` gives an ASCII str and its bytes the same fingerprint.
    """

    __slots__ = ("_counts", "_len", "_tables")

    def __init__(self, keys: Iterable[str | bytes] = ()) -> None:
        self._tables: list[array[int]] = [_empty(_FIRST_SLOTS) for _ in range(_SHARDS)]
        self._counts = [0] * _SHARDS
        self._len = 0
        self.update(keys)

    def __len__(self) -> int:
        return self._len

    def __contains__(self, key: object) -> bool:
        fp = hash(key) or 1  # 0 marks an empty slot
        table = self._tables[fp & _SHARD_MASK]
        mask = len(table) - 1
        i = (fp >> _SHARD_BITS) & mask
        while True:
            slot = table[i]
            if slot == fp:
                return True
            if not slot:
                return False
            i = (i + 1) & mask

    def add(self, key: str | bytes) -> bool:
        """Add ``key``; True when it was not in the set."""
        fp = hash(key) or 1
        shard = fp & _SHARD_MASK
        table = self._tables[shard]
        mask = len(table) - 1
        i = (fp >> _SHARD_BITS) & mask
        while True:
            slot = table[i]
            if slot == fp:
                return False
            if not slot:
                break
            i = (i + 1) & mask
        table[i] = fp
        count = self._counts[shard] = self._counts[shard] + 1
        self._len += 1
        if 3 * count > 2 * len(table):  # two thirds full: double this shard
            self._tables[shard] = _rehash(table, 2 * len(table))
        return True

    def update(self, keys: Iterable[str | bytes]) -> None:
        add = self.add
        for key in keys:
            add(key)

    @property
    def nbytes(self) -> int:
        """Bytes of the tables (what the fingerprints take; the objects are a fixed ~70 KiB)."""
        return sum(len(table) for table in self._tables) * 8

    def false_positive_rate(self) -> float:
        """The chance that a key not in the set is found in it now: ``len / 2**64``."""
        return self._len / 2.0**64


def _rehash(table: array[int], slots: int) -> array[int]:
    new = _empty(slots)
    mask = slots - 1
    for fp in table:
        if fp:
            i = (fp >> _SHARD_BITS) & mask
            while new[i]:
                i = (i + 1) & mask
            new[i] = fp
    return new


class SeenDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter over a :class:`SeenSet` of its request fingerprints.

    Same requests filtered as ``RFPDupeFilter`` (SHA-1 of canonical URL, method and body, from
    the crawler's request fingerprinter), same ``JOBDIR`` file and stats; 12 to 24 bytes a
    request instead of about 110.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # JOBDIR's requests.seen, if any, was read into the plain set: folded in, then dropped.
        self.seen = SeenSet(self._fingerprints)
        self._fingerprints = set()

    def request_seen(self, request: Request) -> bool:
        fp = self._fingerprint(request)
        if not self.seen.add(fp):
            return True
        if self.file:
            self.file.write(len(fp).to_bytes(2, "big") + fp)
        return False
