"""A real S3 API server for tests: moto's server in a thread on 127.0.0.1 (port 0).

It can be stopped and started again on the same port; moto keeps its buckets in the process,
so objects survive a restart, as a real store's would.
"""

from __future__ import annotations

import os
from typing import Any

from moto.server import ThreadedMotoServer

from crawler.store.s3 import make_s3_client

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION_NAME": "us-east-1",
}


class MotoS3:
    """moto's S3 server, restartable on its first (OS-chosen) port."""

    def __init__(self) -> None:
        self.port = 0
        self._server: ThreadedMotoServer | None = None

    def start(self) -> MotoS3:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.port = int(self._server.get_host_and_port()[1])
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, Any]:
        return {"AWS_ENDPOINT_URL": self.endpoint, **CREDENTIALS}

    def client(self) -> Any:
        return make_s3_client(self.settings())

    def env(self) -> dict[str, str]:
        """Environment for a ``newsarc`` subprocess: boto3's standard chain finds the server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SCRAPY_"))}
        env.update(
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
        )
        return env
