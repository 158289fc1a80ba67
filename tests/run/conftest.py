"""Fixtures for the tests of newsarc run: a moto S3 server for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.store.s3_server import MotoS3


@pytest.fixture(scope="session")
def run_s3() -> Iterator[MotoS3]:
    server = MotoS3().start()
    yield server
    server.stop()
