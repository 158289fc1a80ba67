"""S3 endpoints must be https:// (RELIABILITY.md §3, S3): a plain http:// endpoint that is not
on a loopback address is refused before anything is sent or written, unless allowed explicitly.

Building a boto3 client connects to nothing, so the refused endpoints here are never reached.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.demo.server import Route, SiteServer
from crawler.exceptions import ConfigError
from crawler.store.s3 import make_s3_client
from tests.conftest import run_newsarc
from tests.store.s3_server import CREDENTIALS

REMOTE_HTTP = "http://s3.example.invalid:9000"


@pytest.mark.parametrize(
    "endpoint",
    [REMOTE_HTTP, "http://192.0.2.10", "HTTP://s3.example.invalid", "http://[2001:db8::1]:9000"],
)
def test_a_plain_http_endpoint_off_the_machine_is_refused(endpoint: str) -> None:
    with pytest.raises(ConfigError, match=r"plain http://.*NEWSARC_S3_ALLOW_HTTP"):
        make_s3_client({"AWS_ENDPOINT_URL": endpoint, **CREDENTIALS})


@pytest.mark.parametrize(
    ("endpoint", "extra"),
    [
        ("https://s3.example.invalid", {}),
        ("http://127.0.0.1:9000", {}),
        ("http://127.8.0.1", {}),
        ("http://localhost:9000", {}),
        ("http://[::1]:9000", {}),
        (REMOTE_HTTP, {"NEWSARC_S3_ALLOW_HTTP": True}),
        (REMOTE_HTTP, {"NEWSARC_S3_ALLOW_HTTP": "true"}),  # as -s gives it
        (REMOTE_HTTP, {"AWS_NO_SIGN_REQUEST": True}),  # anonymous: no credential to leak
    ],
)
def test_https_loopback_anonymous_or_explicitly_allowed_endpoints_are_accepted(
    endpoint: str, extra: dict[str, object]
) -> None:
    client = make_s3_client({"AWS_ENDPOINT_URL": endpoint, **CREDENTIALS, **extra})
    assert client.meta.endpoint_url.lower() == endpoint.lower()


def test_the_endpoint_boto3_takes_from_the_environment_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", REMOTE_HTTP)
    with pytest.raises(ConfigError, match=r"s3\.example\.invalid"):
        make_s3_client(CREDENTIALS)


def test_the_refusal_does_not_echo_user_info_of_the_endpoint() -> None:
    with pytest.raises(ConfigError) as caught:
        make_s3_client({"AWS_ENDPOINT_URL": "http://user:canary-pw@s3.example.invalid"})
    assert "canary-pw" not in str(caught.value) and "s3.example.invalid" in str(caught.value)


def test_a_crawl_to_a_plain_http_store_is_one_line_exit_2_and_nothing_fetched_or_written(
    tmp_path: Path,
) -> None:
    spool = tmp_path / "spool"
    with SiteServer(
        {"/robots.txt": Route.text("User-agent: *\n"), "/": Route.html("<p>x</p>")}
    ) as site:
        run = run_newsarc(
            "crawl", site.url("/"), "--out", "s3://news-archive/crawls",
            "-s", f"NEWSARC_SPOOL_DIR={spool}",
            env={"AWS_ENDPOINT_URL": REMOTE_HTTP, **CREDENTIALS},
        )  # fmt: skip
        assert site.requests == []
    assert run.returncode == 2, run.stdout + run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("newsarc: error: ") and REMOTE_HTTP in line, line
    assert not spool.exists(), "nothing written"


def test_commands_without_settings_take_the_allowance_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``datasets``, ``extract -o s3://`` and ``headlines`` take no ``-s``: the environment
    allows a plain http:// store there (and for a crawl, whose default setting is False)."""
    endpoint = {"AWS_ENDPOINT_URL": REMOTE_HTTP, **CREDENTIALS}
    monkeypatch.setenv("NEWSARC_S3_ALLOW_HTTP", "1")
    assert make_s3_client(endpoint).meta.endpoint_url == REMOTE_HTTP
    assert make_s3_client({**endpoint, "NEWSARC_S3_ALLOW_HTTP": False}).meta.endpoint_url
    monkeypatch.setenv("NEWSARC_S3_ALLOW_HTTP", "0")
    with pytest.raises(ConfigError):
        make_s3_client(endpoint)


def test_a_read_only_command_names_the_environment_variable() -> None:
    run = run_newsarc(
        "datasets", "list", "s3://news-archive/crawls",
        env={"AWS_ENDPOINT_URL": REMOTE_HTTP, **CREDENTIALS},
    )  # fmt: skip
    assert run.returncode == 2, run.stdout + run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert "plain http://" in line and "environment variable NEWSARC_S3_ALLOW_HTTP" in line, line
