"""newsarc: a scraping-and-archiving crawler for news sites.

The project's own library: extraction (``crawler.extract``), WARC capture (``crawler.warc``),
stores (``crawler.store``), the demo site (``crawler.demo``) and the command line
(``crawler.cli``).
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Looked up when asked for: reading the installed distributions' metadata costs 0.1-0.8 s,
    # which every `newsarc` command (a refused second `newsarc run` included) would pay.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

        try:
            return version("newsarc")
        except PackageNotFoundError:  # running from a checkout that was never installed
            return "0.0.0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
