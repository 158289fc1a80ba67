"""WACZ packaging: one ``<crawl_id>.wacz`` per crawl, on request (``newsarc crawl --wacz``).

The package is built by webrecorder's ``wacz`` tool (py-wacz), run as a separate command
(``WACZ_COMMAND``; ``make wacz-tool`` installs it into ``.tools/wacz``, outside the project's
environment, like pywb would need). We give it the crawl's WARC files and a ``pages.jsonl`` we
write ourselves from the archived HTML responses (``--detect-pages`` only finds pages that are
some record's ``Referer``). The JSON Lines item files are then added as ``items/…`` resources
(datapackage.json and datapackage-digest.json rewritten with their SHA-256), and the result
must pass ``wacz validate`` before it is renamed into place.

:class:`WaczExtension` does this at ``spider_closed`` (after the last WARC and JSON Lines files
are closed), off the reactor thread, before the manifest is written (so it lists the WACZ).

Settings read: ``WACZ_ENABLED``, ``WACZ_COMMAND``, ``NEWSARC_CRAWL_ID``, ``NEWSARC_STORE_URI``.

Stats written: ``wacz/written``, ``wacz/failed``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import threads
from warcio.archiveiterator import ArchiveIterator

from crawler.crawlinfo import CrawlInfo
from crawler.exceptions import StoreError
from crawler.store.base import sha256_file
from crawler.store.local import fsync_dir

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from twisted.internet.defer import Deferred

__all__ = ["WaczExtension", "build_wacz", "write_pages"]

logger = logging.getLogger(__name__)

_TIMEOUT = 1800  # seconds for one wacz command


def write_pages(warcs: list[Path], target: Path) -> int:
    """Write ``pages.jsonl`` (json-pages-1.0): every archived HTML 200 response; return count."""
    pages: list[dict[str, str]] = []
    seen: set[str] = set()
    for warc in warcs:
        with warc.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type not in ("response", "revisit") or record.http_headers is None:
                    continue
                if record.http_headers.get_statuscode() != "200":
                    continue
                ctype = record.http_headers.get_header("Content-Type") or ""
                url = record.rec_headers.get_header("WARC-Target-URI")
                if "html" not in ctype.lower() or url in seen:
                    continue
                seen.add(url)
                pages.append({"url": url, "ts": record.rec_headers.get_header("WARC-Date")})
    with target.open("w", encoding="utf-8") as fh:
        header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
        fh.write(json.dumps(header) + "\n")
        for page in pages:
            fh.write(json.dumps(page) + "\n")
    return len(pages)


def _add_items(wacz: Path, items: list[Path], out: Path) -> None:
    """Copy ``wacz`` to ``out`` with ``items/<name>`` added and the datapackage rewritten."""
    with zipfile.ZipFile(wacz) as src, zipfile.ZipFile(out, "w") as dst:
        package = json.loads(src.read("datapackage.json"))
        for info in src.infolist():
            if info.filename not in ("datapackage.json", "datapackage-digest.json"):
                dst.writestr(info, src.read(info.filename))
        for path in items:
            name = f"items/{path.name}"
            dst.write(path, name, compress_type=zipfile.ZIP_STORED)  # already gzip
            package["resources"].append(
                {
                    "name": path.name,
                    "path": name,
                    "hash": "sha256:" + sha256_file(path)[1],
                    "bytes": path.stat().st_size,
                }
            )
        data = json.dumps(package, indent=2).encode("utf-8")
        dst.writestr(zipfile.ZipInfo("datapackage.json"), data, zipfile.ZIP_DEFLATED)
        digest = {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        }
        dst.writestr(
            zipfile.ZipInfo("datapackage-digest.json"),
            json.dumps(digest, indent=2),
            zipfile.ZIP_DEFLATED,
        )


def _run(command: list[str], what: str) -> None:
    try:
        proc = subprocess.run(  # a configured tool, no shell
            command, capture_output=True, text=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StoreError(f"cannot run {command[0]!r} to {what}: {exc}") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise StoreError(f"{what} failed (exit {proc.returncode}): {tail[0]}")


def build_wacz(work_dir: Path, crawl_id: str, command: str) -> Path:
    """Package the crawl in ``work_dir`` as ``<work_dir>/<crawl_id>.wacz``; return its path."""
    warcs = sorted(work_dir.glob("warc/*.warc.gz"))
    if not warcs:
        raise StoreError(f"no closed WARC file in {work_dir} to package")
    items = sorted(work_dir.glob("items/*.jsonl.gz"))
    target = work_dir / f"{crawl_id}.wacz"
    with tempfile.TemporaryDirectory(prefix=".wacz-", dir=work_dir) as tmp:
        staging = Path(tmp)
        pages = staging / "pages.jsonl"
        write_pages(warcs, pages)
        bare = staging / "bare.wacz"
        _run(
            [command, "create", "-o", str(bare), "-p", str(pages), *map(str, warcs)],
            "wacz create",
        )
        full = staging / "full.wacz"
        _add_items(bare, items, full)
        _run([command, "validate", "-f", str(full)], "wacz validate")
        with full.open("rb") as fh:
            os.fsync(fh.fileno())
        shutil.move(full, target)
    fsync_dir(work_dir)
    return target


class WaczExtension:
    """Builds the crawl's WACZ when the spider closes, before the manifest is written."""

    def __init__(self, work_dir: Path, crawl_id: str, command: str, stats: StatsCollector):
        self.work_dir = work_dir
        self.crawl_id = crawl_id
        self.command = command
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("WACZ_ENABLED"):
            raise NotConfigured("WACZ_ENABLED is False: no WACZ package")
        info = CrawlInfo.from_crawler(crawler)
        command = str(crawler.settings.get("WACZ_COMMAND") or "")
        resolved = (shutil.which(command) if command else None) or shutil.which("wacz")
        if resolved is None:
            raise ValueError(
                f"WACZ_COMMAND {command!r} is not an executable: install py-wacz with "
                "`make wacz-tool` (or point WACZ_COMMAND at a wacz command)"
            )
        assert crawler.stats is not None
        ext = cls(info.work_dir, info.crawl_id, resolved, crawler.stats)
        # spider_closed: the WARC extension (connected earlier) has closed the last WARC file
        # and the pipelines their JSON Lines files; engine_stopped handlers (the manifest) run
        # only after this Deferred fires.
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self) -> Deferred[Any]:
        d = threads.deferToThread(build_wacz, self.work_dir, self.crawl_id, self.command)
        d.addCallbacks(self._done, self._failed)
        return d

    def _done(self, path: Path) -> None:
        logger.info("Wrote and validated %s", path)
        self.stats.inc_value("wacz/written")

    def _failed(self, failure: Any) -> None:
        logger.error("Could not build the WACZ package: %s", failure.getErrorMessage())
        self.stats.inc_value("wacz/failed")
        with contextlib.suppress(OSError):
            (self.work_dir / f"{self.crawl_id}.wacz").unlink()
