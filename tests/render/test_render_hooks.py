"""The private parts of scrapy-playwright that crawler/render/handler.py overrides or calls.

``RenderDownloadHandler`` subclasses scrapy-playwright's handler and relies on internals that
are not its public API (methods with a leading ``_``, undocumented attributes), so
scrapy-playwright is pinned (``==``) in pyproject.toml. Each of those internals is listed here
with the shape the handler relies on: an upgrade that renames, removes or reshapes one fails
this test, not a crawl. When it fails, read the new scrapy-playwright source, adapt the handler,
then update the table below and the pin together.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import subprocess
import sys
import tomllib
from importlib.metadata import version

import pytest
import scrapy_playwright.handler as sp_handler
from playwright.async_api import Response as PlaywrightResponse
from scrapy_playwright.handler import (
    BrowserContextWrapper,
    Config,
    ScrapyPlaywrightDownloadHandler,
)

from crawler.render.handler import RenderDownloadHandler
from tests.conftest import ROOT

#: name → (coroutine?, parameter names): methods RenderDownloadHandler overrides.
OVERRIDDEN = {
    "__init__": (False, ["self", "crawler"]),
    "download_request": (True, ["self", "request"]),
    # Launches the browser at engine start; ours does nothing (the browser starts lazily).
    "_maybe_launch_in_thread": (True, ["self"]),
    # Registered on the browser's "disconnected" event; ours wakes waiting pages first.
    "_browser_disconnected_callback": (True, ["self"]),
    # Closes contexts and the browser when the handler closes; ours closes the egress proxy.
    "_close": (True, ["self"]),
}
#: name → (coroutine?, parameter names): methods RenderDownloadHandler calls.
CALLED = {
    "_launch": (True, ["self"]),
    "_download_request": (True, ["self", "request", "spider"]),
}


def test_scrapy_playwright_is_pinned_to_the_version_tested_here() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["project"]["dependencies"] if d.startswith("scrapy-playwright")]
    assert pins == [f"scrapy-playwright=={version('scrapy-playwright')}"]


@pytest.mark.parametrize(("name", "shape"), sorted({**OVERRIDDEN, **CALLED}.items()))
def test_private_methods_keep_their_shape(name: str, shape: tuple[bool, list[str]]) -> None:
    coroutine, params = shape
    method = ScrapyPlaywrightDownloadHandler.__dict__.get(name)
    assert method is not None, f"scrapy-playwright's handler no longer defines {name}"
    assert inspect.iscoroutinefunction(method) is coroutine, name
    assert list(inspect.signature(method).parameters) == params, name


def test_our_overrides_replace_the_methods_scrapy_playwright_calls() -> None:
    for name, (coroutine, params) in OVERRIDDEN.items():
        ours = RenderDownloadHandler.__dict__[name]
        assert inspect.iscoroutinefunction(ours) is coroutine, name
        assert list(inspect.signature(ours).parameters) == params, name


def test_download_request_is_the_async_one_argument_api() -> None:
    # With Scrapy < 2.14 scrapy-playwright defines download_request(request, spider) returning
    # a Deferred instead, and our override would no longer match what Scrapy calls.
    assert sp_handler._SCRAPY_ASYNC_API is True


def test_config_and_context_wrapper_fields() -> None:
    config = {f.name: f.type for f in dataclasses.fields(Config)}
    # The egress proxy adds its flags to launch_options before the browser starts.
    assert config["launch_options"] in (dict, "dict")
    # A dead browser's waiting pages are woken by releasing this many slots per context.
    assert config["max_pages_per_context"] in (int, "int")
    wrapper = {f.name: f.type for f in dataclasses.fields(BrowserContextWrapper)}
    assert {"context", "semaphore"} <= set(wrapper)


def test_the_browser_is_registered_with_our_disconnect_callback() -> None:
    source = inspect.getsource(ScrapyPlaywrightDownloadHandler._maybe_launch_browser)
    assert "self.browser = " in source
    assert 'self.browser.on("disconnected", self._browser_disconnected_callback)' in source
    # scrapy-playwright drops the dead browser (we read it with getattr(self, "browser", None)).
    disconnected = inspect.getsource(ScrapyPlaywrightDownloadHandler._browser_disconnected_callback)
    assert "del self.browser" in disconnected
    # Routing asks self.abort_request, which our __init__ replaces with the SSRF check.
    routing = inspect.getsource(ScrapyPlaywrightDownloadHandler._make_request_handler)
    assert "self.abort_request(playwright_request)" in routing


def test_playwright_reports_the_protocol() -> None:
    # BrowserCapture records the protocol chromium used with Response.http_version().
    assert inspect.iscoroutinefunction(PlaywrightResponse.http_version)


_BUILD_HANDLER = """
import json
from scrapy import signals
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor
from scrapy.utils.test import get_crawler

install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from pydispatch.dispatcher import getAllReceivers, liveReceivers
from scrapy_playwright.handler import Config

from crawler.render.handler import RenderDownloadHandler, abort_heavy_resources

crawler = get_crawler(settings_dict=get_project_settings().copy_to_dict())
handler = RenderDownloadHandler.from_crawler(crawler)
receivers = liveReceivers(getAllReceivers(crawler.signals.sender, signals.engine_started))
print(json.dumps({
    "stats": handler.stats is crawler.stats,
    "config": isinstance(handler.config, Config),
    "context_wrappers": handler.context_wrappers == {},
    "user_abort": handler._user_abort is abort_heavy_resources,
    "abort_request": handler.abort_request == handler._abort,
    "launch_at_engine_start": [
        getattr(r, "__func__", None) is RenderDownloadHandler._maybe_launch_in_thread
        for r in receivers
    ].count(True),
    "no_browser_yet": not hasattr(handler, "browser"),
}))
"""


def test_attributes_scrapy_playwright_sets_up() -> None:
    # Building the handler needs the asyncio reactor installed: a process of its own.
    proc = subprocess.run(
        [sys.executable, "-c", _BUILD_HANDLER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {
        "stats": True,
        "config": True,
        "context_wrappers": True,
        # scrapy-playwright loaded PLAYWRIGHT_ABORT_REQUEST into self.abort_request, which
        # our __init__ took as the user's predicate before putting its own check there.
        "user_abort": True,
        "abort_request": True,
        # Its engine_started hook is the method we override, so no browser starts with the
        # engine (a --render never crawl starts none at all).
        "launch_at_engine_start": 1,
        "no_browser_yet": True,
    }
