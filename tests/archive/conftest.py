"""Fixtures for whole-archive tests: a moto S3 server (restartable) per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.store.s3_server import MotoS3


@pytest.fixture
def s3_server() -> Iterator[MotoS3]:
    server = MotoS3().start()
    yield server
    server.stop()
