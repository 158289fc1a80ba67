"""S3 upload throughput: newsarc's S3Store.put against ``aws s3 cp`` of the same files.

Both upload the same files to the same local S3 server (moto's, on 127.0.0.1), one after the
other in one run. ``S3Store.put`` includes what ``aws s3 cp`` does not: hashing the file
(SHA-256, plus the composite of its parts when multipart) and reading the stored checksum back
to verify it. Needs awscli on PATH.

    uv run python bench/s3_upload.py [--files 4] [--mb 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from moto.server import ThreadedMotoServer

from crawler.store.s3 import S3Store, make_s3_client

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_REGION_NAME": "us-east-1",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--mb", type=int, default=50, help="size of each file in MB")
    args = parser.parse_args()
    aws = shutil.which("aws")
    if aws is None:
        sys.exit("awscli (aws) is not on PATH")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        client = make_s3_client({"AWS_ENDPOINT_URL": endpoint, **CREDENTIALS})
        client.create_bucket(Bucket="bench-newsarc")
        client.create_bucket(Bucket="bench-awscli")
        store = S3Store(client, "bench-newsarc")
        with tempfile.TemporaryDirectory() as tmp:
            files = []
            for i in range(args.files):
                path = Path(tmp) / f"f{i}.warc.gz"
                path.write_bytes(os.urandom(args.mb * 1024 * 1024))
                files.append(path)
            total = args.files * args.mb * 1024 * 1024 / 1e6

            started = time.perf_counter()
            for path in files:
                store.put(path, f"crawl/warc/{path.name}")
            ours = time.perf_counter() - started

            env = {
                **os.environ,
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_DEFAULT_REGION": "us-east-1",
            }
            started = time.perf_counter()
            for path in files:
                subprocess.run(
                    [
                        aws,
                        "--endpoint-url",
                        endpoint,
                        "s3",
                        "cp",
                        "--only-show-errors",
                        str(path),
                        f"s3://bench-awscli/crawl/warc/{path.name}",
                    ],
                    check=True,
                    env=env,
                )
            theirs = time.perf_counter() - started
    finally:
        server.stop()
    print(f"{args.files} files x {args.mb} MB")
    print(f"{'uploader':22} {'seconds':>8} {'MB/s':>7}")
    print(f"{'newsarc S3Store.put':22} {ours:8.2f} {total / ours:7.1f}")
    print(f"{'aws s3 cp':22} {theirs:8.2f} {total / theirs:7.1f}")
    print(f"newsarc / aws s3 cp: {theirs / ours:.0%} of the awscli rate")


if __name__ == "__main__":
    main()
