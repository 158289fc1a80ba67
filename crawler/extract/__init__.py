"""Pure extraction: (HTML, URL, fetch time, site profile) → article item, headline items, links.

Nothing in this package touches Scrapy, the clock, settings or the network, so the same code runs
inside a crawl, on a saved HTML file and on a record read back from a WARC.
"""

from crawler.extract.page import EXTRACTOR_VERSION, extract_page
from crawler.extract.text import FLAG_UNDECODABLE, decode_html, decode_html_counted, replacements
from crawler.extract.types import PageInput, PageResult

__all__ = [
    "EXTRACTOR_VERSION",
    "FLAG_UNDECODABLE",
    "PageInput",
    "PageResult",
    "decode_html",
    "decode_html_counted",
    "extract_page",
    "replacements",
]
