"""One site of a ``newsarc run``, in its own process: ``python -m crawler.run.site SPEC RESULT``.

The runner writes the site's spec (a JSON file: the :class:`~crawler.crawl.CrawlOptions` of its
crawl) and starts this module in a new session, so that a terminal's Ctrl-C reaches the runner
only, and the runner decides what each site gets: Scrapy's own signal handling does the rest
(first SIGTERM: close the crawl gracefully, files closed and verified, ledger and state
checkpointed; second: stop at once, files left for recovery). Each site has its own Twisted
reactor, memory and crash: one site's failure never takes another with it.

The outcome goes to RESULT (JSON): the crawl id and directory, why it failed (if it did), the
final stats, the first failed fetches and the process's peak resident memory (``ru_maxrss``:
the true peak, where Scrapy's ``memusage/max`` is sampled once a minute). Exit status:
0 success, 1 the crawl failed, 2 configuration error, 4 the store could not be written.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path
from typing import Any

from crawler.crawl import CrawlOptions, run_crawl
from crawler.exceptions import ConfigError, CrawlFailed, OutOfSpace, StoreError

__all__ = ["main"]


def _json_safe(stats: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in stats.items():
        if isinstance(value, bool | int | float | str) or value is None:
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = [str(v) for v in value]
        else:
            out[key] = str(value)
    return out


def _peak_rss() -> int:
    """This process's peak resident set size in bytes (Linux reports kilobytes)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _write(path: Path, result: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    spec_path, result_path = (Path(p) for p in (argv if argv is not None else sys.argv[1:]))
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    options = CrawlOptions(
        start_urls=list(spec["start_urls"]),
        store_uri=spec["store"],
        max_pages=int(spec.get("max_pages") or 0),
        profile=spec.get("profile"),
        settings_module=spec.get("settings_module") or "settings.local",
        overrides={str(k): str(v) for k, v in spec.get("overrides", {}).items()},
        name=spec["name"],
        render=spec.get("render"),
        verbose=bool(spec.get("verbose")),
        resumable=False,
    )
    try:
        report = run_crawl(options)
    except ConfigError as exc:
        _write(result_path, {"status": "config_error", "error": str(exc)})
        return 2
    except (StoreError, OutOfSpace) as exc:  # a disk below its free-space reserve: storage
        _write(result_path, {"status": "storage", "error": str(exc)})
        return 4
    except CrawlFailed as exc:
        _write(result_path, {"status": "failed", "error": str(exc)})
        return 1
    _write(
        result_path,
        {
            "status": "failed" if report.failure else "ok",
            "error": report.failure,
            "crawl_id": report.crawl_id,
            "work_dir": str(report.work_dir),
            "stats": _json_safe(report.stats),
            "failures": [list(f) for f in report.failures[:20]],
            "peak_rss_bytes": _peak_rss(),
        },
    )
    return 1 if report.failure else 0


if __name__ == "__main__":
    sys.exit(main())
