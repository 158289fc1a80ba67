"""Tests of crawler/startup.py: extensions switched off by their setting are not imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.conf import build_component_list
from scrapy.utils.test import get_crawler

from crawler.startup import SWITCHED_OFF_BY
from tests.conftest import ROOT

ADDON = {"crawler.startup.SkipDisabledExtensionsAddon": 0}


def _extensions(settings: dict[str, object]) -> list[str]:
    crawler = get_crawler(Spider, settings_dict={"ADDONS": ADDON, **settings})
    return build_component_list(crawler.settings.getwithbase("EXTENSIONS"))


@pytest.mark.parametrize(("path", "flag"), sorted(SWITCHED_OFF_BY.items()))
def test_an_extension_switched_off_is_left_out_and_one_switched_on_kept(
    path: str, flag: str
) -> None:
    assert path not in _extensions({flag: False})
    assert path in _extensions({flag: True})
    # Placed in EXTENSIONS by hand (a number, or None): the add-on leaves it as it is.
    assert path in _extensions({flag: False, "EXTENSIONS": {path: 5}})


def test_a_crawl_process_does_not_import_aiohttp(tmp_path: Path) -> None:
    # Scrapy's remote control (off in settings/base.py) is the only importer of aiohttp: a
    # crawler built from the project's settings, with its extensions, does not load it.
    code = (
        "import sys\n"
        "from scrapy.crawler import Crawler\n"
        "from scrapy.utils.project import get_project_settings\n"
        "from scrapy.utils.reactor import install_reactor\n"
        "from spiders.news import NewsSpider\n"
        "settings = get_project_settings()\n"
        "settings.set('NEWSARC_STORE_URI', sys.argv[1], 'cmdline')\n"
        "install_reactor(settings['TWISTED_REACTOR'])\n"
        "crawler = Crawler(NewsSpider, settings)\n"
        "crawler._apply_settings()  # add-ons, then the extensions are built\n"
        "print(len(crawler.extensions.middlewares) > 5, 'aiohttp' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["True", "False"], result.stderr
