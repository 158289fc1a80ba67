"""newsarc run with an s3:// store (moto's server): state and report go beside the data, and a
new machine (no local state) carries on from the state in the store."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from tests.conftest import ROOT
from tests.run.test_run import FAST, _jobs, _site
from tests.sites.changing_site import ChangingSite
from tests.store.s3_server import MotoS3


def _run(jobs: Path, s3: MotoS3) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("newsarc")
    return subprocess.run(
        [str(script), "run", str(jobs)],
        cwd=ROOT,
        env=s3.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_state_in_the_store_lets_a_new_machine_carry_on(tmp_path: Path, run_s3: MotoS3) -> None:
    bucket = run_s3.new_bucket("run-state")
    site = ChangingSite(n=4)
    with SiteServer(site.handle) as server:
        settings = {**FAST, "NEWSARC_SPOOL_DIR": str(tmp_path / "spool")}
        jobs = _jobs(tmp_path, [_site(server, settings=settings)], store=f"s3://{bucket}/news")
        first = _run(jobs, run_s3)
        assert first.returncode == 0, first.stderr
        keys = run_s3.keys(bucket)
        assert "news/_state/news/changing.sqlite" in keys
        (report_key,) = [k for k in keys if k.startswith("news/_runs/news/")]
        body = run_s3.client().get_object(Bucket=bucket, Key=report_key)["Body"].read()
        assert json.loads(body)["sites"][0]["articles"] == 4
        assert any(k.endswith("/manifest.json") for k in keys)

        shutil.rmtree(tmp_path / "state")  # a new machine: no local state
        site.advance()
        server.clear_requests()
        second = _run(jobs, run_s3)
        assert second.returncode == 0, second.stderr
        # Articles 1-4 are known from the stored state; 2 was edited; 5 and 6 are new.
        assert ChangingSite.article_requests(server.requested_paths) == {2: 1, 5: 1, 6: 1}
