"""Worker processes that end when the crawl process that started them ends.

A ``spawn`` worker of a :class:`~concurrent.futures.ProcessPoolExecutor` waits on a queue whose
write end it holds itself, so when its parent is killed (``kill -9``, the OOM killer) it never
sees end-of-file and idles on for ever, re-parented to PID 1 (about 68 MB each). Every worker
pool of a crawl is therefore built by :func:`worker_pool`, whose initializer starts a watch
thread in the worker: it checks a few times a second whether the worker's parent is still the
process that started it and ends the worker as soon as it is not.

Why not ``PR_SET_PDEATHSIG``: Linux sends that signal when the *thread* that forked the child
ends, not the process, and an executor spawns workers from whichever thread submits (a CDXJ
index worker may be started from a thread of the reactor's pool), so a worker would be killed
under a live crawl. Watching the parent's PID has no such case and works everywhere.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["PARENT_WATCH_INTERVAL", "watch_parent", "worker_pool"]

PARENT_WATCH_INTERVAL = 0.25  # seconds between two looks at the parent's PID


def worker_pool(
    max_workers: int, initializer: Callable[[], object] | None = None
) -> ProcessPoolExecutor:
    """A ``spawn`` process pool whose workers end when this process ends."""
    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=multiprocessing.get_context("spawn"),  # never fork a process with a reactor
        initializer=_init_worker,
        initargs=(os.getpid(), initializer),
    )


def _init_worker(parent_pid: int, initializer: Callable[[], object] | None) -> None:
    watch_parent(parent_pid)
    if initializer is not None:
        initializer()


def watch_parent(parent_pid: int, interval: float = PARENT_WATCH_INTERVAL) -> threading.Thread:
    """End this process (at once, no clean-up: it holds nothing) once ``parent_pid`` is no
    longer its parent."""
    if os.getppid() != parent_pid:  # the parent died before this worker got here
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os._exit(1)

    thread = threading.Thread(target=watch, name="newsarc-parent-watch", daemon=True)
    thread.start()
    return thread
