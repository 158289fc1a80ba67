"""Datasets for researchers: list, show, download, verify and export archived crawls.

Everything here reads a store through :mod:`crawler.store` and the crawls' manifests
(:mod:`crawler.manifest`); nothing needs Scrapy. Modules: :mod:`~crawler.datasets.catalog`
(what a store holds), :mod:`~crawler.datasets.download`, :mod:`~crawler.datasets.verify`,
:mod:`~crawler.datasets.export`, :mod:`~crawler.datasets.card` (dataset card and citation),
:mod:`~crawler.datasets.command` (the ``newsarc datasets`` subcommands).
"""

from __future__ import annotations

__all__: list[str] = []
