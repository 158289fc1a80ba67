"""Run ``newsarc`` with a wall clock stopped at a given instant: ``python -m tests.fixed_clock
2026-01-01T00:00:00+00:00 crawl URL …``.

For tests of what a crawl names after the time (crawl ids, WARC file names) when two crawls
start in the same second or the system clock was stepped back; no local server can set a
process's clock. Only ``datetime.datetime.now``/``utcnow`` are stopped (every name newsarc
derives from the time comes from them); ``time.time`` and the monotonic clock run on, so
Twisted's timers, timeouts and logs behave as usual.
"""

from __future__ import annotations

import datetime as _datetime
import sys

_REAL = _datetime.datetime


class _StoppedClock(_REAL):
    instant: _datetime.datetime

    @classmethod
    def now(cls, tz: _datetime.tzinfo | None = None) -> _StoppedClock:  # type: ignore[override]
        moment = cls.instant if tz is None else cls.instant.astimezone(tz)
        return cls._of(moment if tz is not None else moment.replace(tzinfo=None))

    @classmethod
    def utcnow(cls) -> _StoppedClock:  # type: ignore[override]
        return cls._of(cls.instant.astimezone(_datetime.UTC).replace(tzinfo=None))

    @classmethod
    def _of(cls, moment: _datetime.datetime) -> _StoppedClock:
        return cls(
            moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
            moment.microsecond, moment.tzinfo,
        )  # fmt: skip


def main() -> int:
    instant = _REAL.fromisoformat(sys.argv[1])
    if instant.tzinfo is None:
        raise SystemExit("give the instant with its UTC offset")
    _StoppedClock.instant = instant
    # Before newsarc imports anything: every `from datetime import datetime` gets the clock.
    _datetime.datetime = _StoppedClock  # type: ignore[misc]
    from crawler.cli import main as newsarc

    return newsarc(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
