"""newsarc: a scraping-and-archiving crawler for news sites.

The project's own library: extraction (``crawler.extract``), WARC capture (``crawler.warc``),
stores (``crawler.store``), the demo site (``crawler.demo``) and the command line
(``crawler.cli``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newsarc")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
