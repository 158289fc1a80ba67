"""The tests' own redis-server: it starts on a free port, keeps AOF data over a restart, and
leaves no process behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.redis_server import REDIS_SERVER, RedisServer

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


def test_a_server_with_aof_keeps_its_data_over_a_restart_and_stops_for_good(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "r", appendonly=True)
    server.start()
    try:
        port = server.port
        client = server.client()
        client.set("k", "v")
        client.close()
        server.restart()
        assert server.port == port
        client = server.client()
        assert client.get("k") == b"v"
        client.close()
        proc = server.proc
        assert proc is not None
    finally:
        server.stop()
    assert proc.poll() is not None  # the process is gone
    assert server.proc is None


def test_the_session_server_is_emptied_for_each_test(
    redis_url: str, redis_server: RedisServer
) -> None:
    client = redis_server.client()
    try:
        assert client.dbsize() == 0
        client.set("left", "behind")
    finally:
        client.close()
