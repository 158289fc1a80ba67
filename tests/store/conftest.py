"""Fixtures for the store tests: a moto S3 server shared by the module's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.store.s3_server import MotoS3


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    server = MotoS3().start()
    yield server
    server.stop()
