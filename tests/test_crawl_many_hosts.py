"""Many hosts at once: per-host politeness counted at the server, and the reactor's lag (L3).

The full scenario (5,000 hosts at 256 concurrency) is a bench (bench/soak.py --hosts 5000
--concurrency 256); this is its small version: 50 host names through a stub DNS, every host's
pages queued at once and answered slowly, so the crawl would exceed a host's limit at once if it
did not hold requests back.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_newsarc
from tests.dns_server import StubDNS
from tests.sites.many_hosts import ManyHostsSite

HOSTS, PAGES, PER_HOST, GLOBAL = 50, 4, 2, 32


def test_fifty_hosts_at_32_never_exceed_the_per_host_limit_and_the_reactor_keeps_time(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with ManyHostsSite(HOSTS, PAGES, delay=0.3) as site, StubDNS(site.names()) as dns:
        allowed = ",".join(f"{name}:{site.port}" for name in site.names())
        run = run_newsarc(
            "crawl", site.start_url, "--out", str(out),
            "-s", f"NEWSARC_DNS_SERVERS={dns.server}",
            "-s", f"NEWSARC_ALLOWED_HOSTS={allowed}",
            "-s", f"CONCURRENT_REQUESTS={GLOBAL}",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={PER_HOST}",
            # No delay between a host's requests: only the concurrency limit holds them back.
            "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "NEWSARC_EXTRACT_WORKERS=0",
            "-s", "REACTOR_LAG_ENABLED=True",
        )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert sum(site.served.values()) == HOSTS * PAGES, site.served
    hosts = [site.host(k) for k in range(HOSTS)]
    # Every host had all its pages queued at once and answered slowly: the limit was reached
    # (the test can fail) and never passed, in requests and in connections.
    assert max(site.peak_in_flight[h] for h in hosts) == PER_HOST, site.peak_in_flight
    assert max(site.peak_connections[h] for h in hosts) <= PER_HOST, site.peak_connections
    # Hosts are fetched side by side, up to the global limit.
    assert 2 * PER_HOST < site.peak_total <= GLOBAL, site.peak_total
    logs = "\n".join(p.read_text() for p in out.rglob("*.log"))
    lag = re.search(
        r"Reactor lag over (\d+) heartbeats every 0\.1 s: p50 \d+ ms, p99 (\d+) ms", logs
    )
    assert lag, "the heartbeat's figures are logged at close"
    beats, p99 = (int(g) for g in lag.groups())
    assert beats > 0 and p99 < 1000, lag.group(0)
