"""Fixtures for whole-archive tests: a moto S3 server (restartable) per test, and crawls to it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.store.s3_server import MotoS3


@pytest.fixture
def s3_server() -> Iterator[MotoS3]:
    server = MotoS3().start()
    yield server
    server.stop()


def start_newsarc_s3(
    server: MotoS3, store_uri: str, spool: Path, *args: str
) -> subprocess.Popen[str]:
    """Start ``newsarc ARGS… --out STORE_URI`` (the real console script) against ``server``.

    Files are spooled in ``spool`` (the same directory for every run, as on one machine) and
    uploaded every 0.3 s. The process runs on while the test stops or restarts the server.
    """
    script = Path(sys.executable).with_name("newsarc")
    return subprocess.Popen(
        [
            str(script),
            *args,
            "--out",
            store_uri,
            "-s",
            f"NEWSARC_SPOOL_DIR={spool}",
            "-s",
            "STORE_UPLOAD_INTERVAL=0.3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=server.env(),
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Wait for a process from :func:`start_newsarc_s3`; its exit code and output."""
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err
