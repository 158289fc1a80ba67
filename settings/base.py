"""Every setting newsarc uses, grouped and commented, on top of Scrapy's defaults.

``local.py`` (the default, see ``scrapy.cfg``) and ``production.py`` import this module and
override only what differs. The ``newsarc`` command line layers its own options on top with
``-s NAME=VALUE`` semantics; nothing outside ``settings/`` reads environment variables.
"""

from __future__ import annotations

BOT_NAME = "newsarc"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Identity and politeness ------------------------------------------------------------------
USER_AGENT = "newsarc/0.1 (+https://github.com/newsarc/newsarc; news archiving crawler)"
ROBOTSTXT_OBEY = True
# Per-domain concurrency; a one-site crawl wants its own value rather than Scrapy's 8.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# Scrapy's default of 100 spawns that many tasks per callback call; 8 cut CPU/page by ~40%.
CONCURRENT_ITEMS = 8
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5  # seconds
AUTOTHROTTLE_MAX_DELAY = 30.0  # seconds
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
DOWNLOAD_DELAY = 0  # seconds; AutoThrottle adapts from its start delay
DOWNLOAD_TIMEOUT = 30  # seconds
RETRY_TIMES = 2
COOKIES_ENABLED = False

# --- Safety -----------------------------------------------------------------------------------
# Scrapy 2.19 starts a code-executing localhost endpoint and a telnet console by default.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# A news page is rarely above a few MiB; Scrapy's 1 GiB default is a memory risk (also applied
# to the decompressed size, which stops decompression bombs).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # bytes
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024  # bytes
REDIRECT_MAX_TIMES = 5
METAREFRESH_MAXDELAY = 0  # seconds: follow only immediate meta refreshes
URLLENGTH_LIMIT = 2083
# Refuse loopback, private and link-local destinations unless the crawl's own start URLs are
# there. NEWSARC_ALLOWED_HOSTS adds addresses or host names explicitly.
NEWSARC_SSRF_GUARD_ENABLED = True
NEWSARC_ALLOWED_HOSTS: list[str] = []
TWISTED_DNS_RESOLVER = "crawler.middlewares.ssrf.GuardedResolver"

DOWNLOADER_MIDDLEWARES = {
    # Our robots.txt handling: 5xx and fetch errors mean "disallow all" (RFC 9309), 4xx "allow".
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.StrictRobotsTxtMiddleware": 100,
    # Refuses requests (including redirects) to private/loopback/link-local IP literals.
    "crawler.middlewares.ssrf.SsrfGuardMiddleware": 60,
}

# --- Crawl ------------------------------------------------------------------------------------
# Identifier of the crawl; the command line sets it, scrapy crawl derives one.
NEWSARC_CRAWL_ID = None
# Derives NEWSARC_CRAWL_ID (<UTC time>-<spider>-<4 hex>) for `scrapy crawl` before any
# component is built, so the WARC extension, the JSONL pipeline and the manifest share it.
ADDONS = {"crawler.crawlinfo.CrawlIdAddon": 0}
# Where the crawl's files end up: a local directory (default ./data) or, later, s3://bucket/prefix.
NEWSARC_STORE_URI = "./data"
# Site profile (bundled name or YAML path); None lets the generic extractor work from the page.
NEWSARC_PROFILE = None
DEPTH_LIMIT = 0

# --- WARC -------------------------------------------------------------------------------------
WARC_ENABLED = True  # required in production: turning it off must be deliberate
WARC_PREFIX = "newsarc"
WARC_MAX_FILE_SIZE = 100 * 1024 * 1024  # bytes; rotate to a new file after this size
# Request records never carry these headers unless listed in WARC_KEEP_SENSITIVE_HEADERS.
WARC_STRIP_REQUEST_HEADERS = ["Cookie", "Authorization", "Proxy-Authorization"]
WARC_CDXJ_ENABLED = True  # write a .cdxj index beside each closed WARC file

# --- Items ------------------------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.jsonl.JsonLinesPipeline": 900,
}
JSONL_MAX_ITEMS_PER_FILE = 100_000  # items; rotate to a new file after this many

EXTENSIONS = {
    "crawler.warc.extension.WarcExtension": 100,
    "crawler.manifest.ManifestExtension": 1000,
}

# --- Framework --------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
