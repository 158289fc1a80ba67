"""One lock per job: a second ``newsarc run`` of the same job exits at once and writes nothing.

The lock is an exclusive, non-blocking ``flock`` on ``<state>/<job>.lock``, held for the whole
run; the kernel releases it when the process ends, however it ends (kill -9 included), so a
stale lock never blocks the next run. The runner hands the locked file on to each site's crawl
process (:meth:`JobLock.fileno`, inherited): the lock is held until the last of them ends, so a
crawl still closing after its runner was killed keeps the next run out (runs never overlap).

The lock is taken before the jobs file is fully validated (which imports Scrapy and the
extractors, seconds on a busy machine): this module only reads the file's ``name`` and
``state`` keys, with PyYAML, so the second run answers within a fraction of a second.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Any

import yaml

from crawler.exceptions import AlreadyRunning

__all__ = ["JobLock", "lock_path_of"]


def lock_path_of(jobs_path: Path, data: Any = None) -> Path:
    """``<state>/<job>.lock`` for a jobs file (its ``state`` and ``name``, or their defaults)."""
    if data is None:
        try:
            data = yaml.safe_load(jobs_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            data = None
    if not isinstance(data, dict):
        data = {}
    name = data.get("name") if isinstance(data.get("name"), str) else jobs_path.stem
    state = data.get("state") if isinstance(data.get("state"), str) else "./state"
    state_dir = Path(state).expanduser()
    if not state_dir.is_absolute():
        state_dir = jobs_path.resolve().parent / state_dir
    return state_dir / f"{name}.lock"


class JobLock:
    """Hold ``path`` exclusively; :class:`AlreadyRunning` if another process holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = -1

    def acquire(self) -> JobLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = ""
            with contextlib.suppress(OSError, ValueError):
                holder = os.pread(fd, 32, 0).decode().strip()
            os.close(fd)
            raise AlreadyRunning(
                f"already running: another run of this job holds its lock {self.path}"
                f"{f' (pid {holder})' if holder else ''}; nothing done"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def fileno(self) -> int:
        """The locked file's descriptor (-1 when not held); a process that inherits it holds
        the lock with this one (``flock`` locks belong to the open file, not the process)."""
        return self._fd

    def release(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> JobLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
