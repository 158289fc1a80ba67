"""A real ``redis-server`` for the tests: on 127.0.0.1, a free port, in a temporary directory.

Debian's ``redis-server`` (``make test`` installs it). No config file: everything is on the
command line. :meth:`RedisServer.stop` always leaves no process behind (SHUTDOWN, then
SIGTERM, then SIGKILL); :meth:`RedisServer.restart` keeps the port and the directory, so a
server with AOF on comes back with what it had synced.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

__all__ = ["REDIS_SERVER", "RedisServer"]

#: The server binary, or None when it is not installed.
REDIS_SERVER = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process the test owns."""

    def __init__(
        self, directory: Path, *, appendonly: bool = False, appendfsync: str = "always"
    ) -> None:
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed (make install-redis)")
        self.directory = directory
        self.appendonly = appendonly
        #: With AOF: ``always`` (every write synced), or ``everysec`` (production's usual
        #: choice: a crash loses at most the last second of writes).
        self.appendfsync = appendfsync
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        """Start the server (on a new free port unless it ran before) and wait for PING."""
        assert REDIS_SERVER is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(5):  # another process may take the free port before the server binds it
            port = self.port or _free_port()
            args = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            args += ["--dir", str(self.directory), "--daemonize", "no"]
            if self.appendonly:
                args += ["--appendonly", "yes", "--appendfsync", self.appendfsync]
            else:
                args += ["--appendonly", "no"]
            log = (self.directory / "redis.log").open("ab")
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            self.port = port
            if self._wait_ready():
                return
            self._kill()
            if self.port and self.appendonly:
                break  # a restart must come back on its own port: do not try another
            self.port = 0
        raise RuntimeError(f"redis-server did not start; see {self.directory / 'redis.log'}")

    def _wait_ready(self, timeout: float = 10.0) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        client = self.client()
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    return False
                try:
                    if client.ping():
                        return True
                except redis.RedisError:
                    time.sleep(0.02)
            return False
        finally:
            client.close()

    def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def crash(self) -> None:
        """SIGKILL the server: no AOF sync at exit (what it wrote is in the page cache)."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)

    def aof_tail(self) -> Path:
        """The AOF file Redis 7 appends to now (``appendonlydir/*.incr.aof``, the newest)."""
        files = sorted((self.directory / "appendonlydir").glob("*.incr.aof"))
        assert files, f"no AOF file in {self.directory}"
        return files[-1]

    def stop(self) -> None:
        """Stop the server; never leaves the process behind."""
        self._kill()

    def restart(self) -> None:
        """Stop and start again on the same port and directory (with AOF: same data)."""
        self.stop()
        self.start()
