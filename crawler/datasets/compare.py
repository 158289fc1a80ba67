"""How re-extracted items differ from a crawl's own: counts and changed fields.

``newsarc extract`` over a crawl directory (one with ``manifest.json`` and ``items/``) collects
a fingerprint of every item it writes (:class:`ItemDigests`) and compares it with the items the
crawl wrote. Items are matched by crawl, WARC record and, for headlines, block, position and URL;
for matched pairs the fields whose values differ are counted by name.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.manifest import MANIFEST_NAME

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

__all__ = ["Comparison", "ItemDigests", "compare", "crawl_dirs_among", "crawl_profile"]

Key = tuple[Any, ...]


def _key(item: dict[str, Any]) -> Key:
    warc = item.get("warc") or {}
    base = (item.get("type"), item.get("crawl_id"), warc.get("record_id") or item.get("url"))
    if item.get("type") == "headline":
        return (*base, item.get("block"), item.get("position"), item.get("url"))
    return base


def _fingerprint(item: dict[str, Any]) -> dict[str, str]:
    return {
        name: hashlib.sha1(
            json.dumps(value, sort_keys=True, default=str).encode(), usedforsecurity=False
        ).hexdigest()
        for name, value in item.items()
    }


class ItemDigests:
    """Per-field digests of items, keyed by what identifies an item (memory: ~1 KB each)."""

    def __init__(self) -> None:
        self.items: dict[Key, dict[str, str]] = {}

    def add(self, item: dict[str, Any]) -> None:
        self.items[_key(item)] = _fingerprint(item)

    def wrap(self, write: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        """A ``write`` callback that also records each item."""

        def both(item: dict[str, Any]) -> None:
            self.add(item)
            write(item)

        return both


def crawl_dirs_among(paths: Iterable[Path]) -> list[Path]:
    """The paths given that are crawl directories (``manifest.json`` and ``items/``)."""
    return [p for p in paths if (p / MANIFEST_NAME).is_file() and (p / "items").is_dir()]


def crawl_profile(crawl_dirs: Iterable[Path]) -> str | None:
    """The site profile the crawls were made with, when they all name the same one."""
    names = set()
    for crawl_dir in crawl_dirs:
        try:
            with (crawl_dir / MANIFEST_NAME).open(encoding="utf-8") as fh:
                config = json.load(fh).get("config") or {}
        except (OSError, ValueError, AttributeError):
            return None
        names.add(config.get("NEWSARC_PROFILE") or config.get("profile"))
    return names.pop() if len(names) == 1 and None not in names else None


@dataclass
class Comparison:
    """Counts by item type (crawl, now, only before, only now) and changed fields."""

    before: Counter[str] = field(default_factory=Counter)
    now: Counter[str] = field(default_factory=Counter)
    only_before: Counter[str] = field(default_factory=Counter)
    only_now: Counter[str] = field(default_factory=Counter)
    changed_items: Counter[str] = field(default_factory=Counter)
    changed_fields: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for kind in ("article", "headline"):
            out.append(
                f"  {kind + 's':<10} crawl {self.before[kind]}, now {self.now[kind]} "
                f"({self.only_before[kind]} only in the crawl, {self.only_now[kind]} new, "
                f"{self.changed_items[kind]} changed)"
            )
        if self.changed_fields:
            fields = ", ".join(f"{n} {c}" for n, c in self.changed_fields.most_common())
            out.append(f"  changed fields: {fields}")
        return out


def compare(crawl_dirs: Iterable[Path], new: ItemDigests) -> Comparison:
    """Compare the items of ``crawl_dirs`` with the re-extracted ``new`` ones."""
    result = Comparison()
    old: dict[Key, dict[str, str]] = {}
    crawl_ids = set()
    for crawl_dir in crawl_dirs:
        for path in sorted(crawl_dir.glob("items/*.jsonl.gz")):
            try:
                with gzip.open(path, "rt", encoding="utf-8") as fh:
                    for line in fh:
                        item = json.loads(line)
                        old[_key(item)] = _fingerprint(item)
                        crawl_ids.add(item.get("crawl_id"))
            except (OSError, EOFError, zlib.error, ValueError) as exc:
                result.problems.append(f"{path}: cannot read the crawl's items: {exc}")
    mine = {k: v for k, v in new.items.items() if k[1] in crawl_ids}
    for key in old:
        result.before[key[0]] += 1
    for key, digests in mine.items():
        kind = key[0]
        result.now[kind] += 1
        before = old.get(key)
        if before is None:
            result.only_now[kind] += 1
            continue
        changed = sorted(n for n in set(before) | set(digests) if before.get(n) != digests.get(n))
        if changed:
            result.changed_items[kind] += 1
            result.changed_fields.update(changed)
    for key in old.keys() - mine.keys():
        result.only_before[key[0]] += 1
    return result
