"""Pure extraction: (HTML, URL, fetch time, site profile) → article item, headline items, links.

Nothing in this package touches Scrapy, the clock, settings or the network, so the same code runs
inside a crawl, on a saved HTML file and on a record read back from a WARC.
"""

from crawler.extract.page import EXTRACTOR_VERSION, extract_page
from crawler.extract.text import decode_html
from crawler.extract.types import PageInput, PageResult

__all__ = ["EXTRACTOR_VERSION", "PageInput", "PageResult", "decode_html", "extract_page"]
