"""Shared fixtures: run the real ``newsarc`` command and read what a crawl wrote."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import resource_tracker
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.redis_server import REDIS_SERVER, RedisServer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BENCHMARK_DIR = SHARED / "benchmarks" / "article-extraction"


@dataclass
class Run:
    """A finished ``newsarc`` process."""

    returncode: int
    stdout: str
    stderr: str

    def crawl_dir(self, out: Path) -> Path:
        dirs = [p for p in out.iterdir() if p.is_dir()]
        assert len(dirs) == 1, f"expected one crawl directory in {out}, found {dirs}"
        return dirs[0]


def run_newsarc(
    *args: str, timeout: float = 180, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Run:
    """Run the installed console script (not an in-process call: Twisted's reactor runs once);
    ``env`` adds to (or overrides) the environment."""
    script = Path(sys.executable).with_name("newsarc")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "crawler.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")} | (env or {})
    proc = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env=env,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def read_jsonl(paths: list[Path]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path in sorted(paths):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            items.extend(json.loads(line) for line in handle if line.strip())
    return items


def crawl_items(crawl_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Articles and headlines a crawl wrote."""
    items_dir = crawl_dir / "items"
    return (
        read_jsonl(list(items_dir.glob("articles-*.jsonl.gz"))),
        read_jsonl(list(items_dir.glob("headlines-*.jsonl.gz"))),
    )


@pytest.fixture
def benchmark_dir() -> Path:
    if not (BENCHMARK_DIR / "ground-truth.json").exists():
        pytest.skip(f"benchmark pages not found at {BENCHMARK_DIR}")
    return BENCHMARK_DIR


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real ``redis-server`` for the session (127.0.0.1, a free port), always stopped."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (make install-redis)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test: ``redis://127.0.0.1:PORT/0``."""
    client = redis_server.client()
    try:
        client.flushall()
    finally:
        client.close()
    return redis_server.url


# --- No process left behind ---------------------------------------------------------------------
# A crawl starts worker processes, playwright's driver and chromium (whose crash handlers are
# re-parented to PID 1 at once). When the suite ends, none of them may still run: whatever is
# left is named, the run fails, and the leftovers are ended so they do not pile up.

_SESSION_START = time.time()
_LEFTOVER_GRACE = 5.0  # seconds for processes that are already on their way out


def _in_checkout(path: str) -> bool:
    return path == str(ROOT) or path.startswith(f"{ROOT}{os.sep}")


def _processes_left_behind(orphans: bool = True) -> list[psutil.Process]:
    """Descendants of this process and, with ``orphans``, processes re-parented to PID 1 since
    the session began whose working directory or command line is in this checkout."""
    found = {child.pid: child for child in psutil.Process().children(recursive=True)}
    # multiprocessing's resource tracker of this very process (a crawl run in-process started
    # it) ends with this process, by design.
    found.pop(getattr(resource_tracker._resource_tracker, "_pid", None) or -1, None)
    if orphans:
        found.update((process.pid, process) for process in _orphans_since(_SESSION_START - 1))
    _, alive = psutil.wait_procs(list(found.values()), timeout=_LEFTOVER_GRACE)
    return alive


def _orphans_since(start: float) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["ppid", "create_time", "cwd", "cmdline"]):
        info = process.info
        if info["ppid"] != 1 or (info["create_time"] or 0) < start:
            continue
        if _in_checkout(info["cwd"] or "") or any(
            _in_checkout(arg) for arg in info["cmdline"] or []
        ):
            found.append(process)
    return found


def _describe(process: psutil.Process) -> str:
    try:
        return f"pid {process.pid} (parent {process.ppid()}): {' '.join(process.cmdline())[:200]}"
    except psutil.Error:
        return f"pid {process.pid} (ended meanwhile)"


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


#: What pytest-xdist's workers found left behind, as they reported it to the controller.
_WORKERS_LEFT: list[str] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist (controller): a worker ended; keep what it found left behind."""
    _WORKERS_LEFT.extend(getattr(node, "workeroutput", {}).get("newsarc_left_behind", []))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Under pytest-xdist each worker checks its own descendants and hands what it found to the
    # controller, which ends after every worker and also checks for processes re-parented to
    # PID 1 (a worker cannot tell those from the ones another worker's tests still use).
    worker = _is_xdist_worker(session.config)
    left = _processes_left_behind(orphans=not worker)
    lines = [_describe(process) for process in left]
    for process in left:
        with contextlib.suppress(psutil.Error):
            process.kill()
    if worker:
        session.config.workeroutput["newsarc_left_behind"] = lines  # type: ignore[attr-defined]
        return
    lines += _WORKERS_LEFT
    if not lines:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write("\n")
        reporter.write_sep("=", f"{len(lines)} process(es) left behind by the test run", red=True)
        for line in lines:
            reporter.write_line(line)
    else:
        print("processes left behind by the test run:", *lines, sep="\n", file=sys.stderr)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
