"""Datasets benchmark: ``newsarc datasets download`` against ``aws s3 sync``, and ``newsarc
extract`` against trafilatura, in one run.

1. Crawls the demo site (``--articles`` articles, WARC files rotated at 250 kB) into a local
   store, then puts the crawl into a bucket of moto's S3 server, run as its own process on
   127.0.0.1 (so that neither client shares a Python process with the server).
2. Download: ``newsarc datasets download s3://…/CRAWL --to A`` (parallel, SHA-256 verified,
   dataset card) and ``aws s3 sync s3://…/CRAWL B`` (no verification beyond the transfer's own)
   of the same prefix from the same server; MB/s of each.
3. Re-extraction: ``newsarc extract CRAWL_DIR`` (all cores, and ``-j 1``) against
   ``trafilatura.extract`` over the same page records (one process), pages/s of each.

Needs the AWS CLI from ``make aws-tool`` (``.tools/awscli/bin/aws``) or on PATH.

    uv run python bench/datasets.py [--articles 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trafilatura

from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
from crawler.reextract import expand_paths, pages_from_path
from crawler.store.s3 import S3Store, make_s3_client

ROOT = Path(__file__).resolve().parent.parent
NEWSARC = str(Path(sys.executable).with_name("newsarc"))
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _aws() -> str:
    local = ROOT / ".tools" / "awscli" / "bin" / "aws"
    found = str(local) if local.exists() else shutil.which("aws")
    if found is None:
        sys.exit("the AWS CLI is missing: run `make aws-tool`")
    return found


def _run(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{command[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return seconds


def _crawl(store: Path, articles: int) -> Path:
    with DemoServer(DemoSite(n_articles=articles)) as server:
        proc = subprocess.run(
            [
                NEWSARC,
                "crawl",
                f"{server.base_url}/",
                "--profile",
                "demo",
                "--out",
                str(store),
                "-s",
                "AUTOTHROTTLE_ENABLED=False",
                "-s",
                "WARC_MAX_FILE_SIZE=250000",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        sys.exit(f"the crawl failed: {proc.stderr[-2000:]}")
    return next(p for p in store.iterdir() if p.is_dir() and not p.name.startswith("."))


def _upload(crawl_dir: Path, store: S3Store) -> int:
    files = sorted(
        p
        for p in crawl_dir.rglob("*")
        if p.is_file() and not p.relative_to(crawl_dir).as_posix().startswith(".")
    )
    total = 0
    for path in sorted(files, key=lambda p: p.name == "manifest.json"):
        store.put(path, f"{crawl_dir.name}/{path.relative_to(crawl_dir).as_posix()}")
        total += path.stat().st_size
    return total


def _trafilatura_pages(crawl_dir: Path) -> tuple[int, float]:
    pages = [page for path in expand_paths([crawl_dir]) for page in pages_from_path(path)]
    started = time.perf_counter()
    for page in pages:
        trafilatura.extract(page.html, url=page.url)
    return len(pages), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="articles of the demo site")
    args = parser.parse_args()
    aws = _aws()
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(CREDENTIALS, AWS_ENDPOINT_URL=endpoint, AWS_DEFAULT_REGION="us-east-1")
    try:
        client = make_s3_client({"AWS_ENDPOINT_URL": endpoint, **CREDENTIALS})
        deadline = time.monotonic() + 30
        while True:
            try:
                client.create_bucket(Bucket="bench-datasets")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with tempfile.TemporaryDirectory(prefix="bench-datasets-") as tmp:
            work = Path(tmp)
            crawl_dir = _crawl(work / "store", args.articles)
            size = _upload(crawl_dir, S3Store(client, "bench-datasets", "runs"))
            files = sum(1 for p in crawl_dir.rglob("*") if p.is_file())
            uri = "s3://bench-datasets/runs"
            mb = size / 1e6
            print(f"crawl {crawl_dir.name}: {files} files, {mb:.1f} MB")

            newsarc = _run(
                [NEWSARC, "datasets", "download", uri, crawl_dir.name, "--to", str(work / "a")],
                env,
            )
            sync = _run(
                [
                    aws,
                    "s3",
                    "sync",
                    f"{uri}/{crawl_dir.name}",
                    str(work / "b"),
                    "--only-show-errors",
                ],
                env,
            )
            print(
                f"download  newsarc datasets download  {newsarc:6.2f} s  {mb / newsarc:6.1f} MB/s"
            )
            print(f"          aws s3 sync                {sync:6.2f} s  {mb / sync:6.1f} MB/s")
            print(f"          ratio newsarc/aws          {sync / newsarc:6.2f}x throughput")

            out = work / "extract.jsonl"
            cores = os.cpu_count() or 1
            parallel = _run([NEWSARC, "extract", str(crawl_dir), "-o", str(out)])
            serial = _run([NEWSARC, "extract", str(crawl_dir), "-o", str(out), "-j", "1"])
            pages, baseline = _trafilatura_pages(crawl_dir)
            warcs = len(list(crawl_dir.glob("warc/*.warc.gz")))
            print(f"extract   {pages} pages from {warcs} WARC files")
            for label, seconds in (
                (f"newsarc extract -j {cores}", parallel),
                ("newsarc extract -j 1", serial),
                ("trafilatura.extract", baseline),
            ):
                print(f"          {label:<26} {seconds:6.2f} s  {pages / seconds:6.1f} pages/s")
            print("          (newsarc: whole command, start-up and WARC reading included;")
            print("          trafilatura: one process, body text only, records decoded beforehand)")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
