"""Every setting newsarc uses, grouped and commented, on top of Scrapy's defaults.

``local.py`` (the default, see ``scrapy.cfg``) and ``production.py`` import this module and
override only what differs. The ``newsarc`` command line layers its own options on top with
``-s NAME=VALUE`` semantics; nothing outside ``settings/`` reads environment variables.
"""

from __future__ import annotations

from pathlib import Path

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
# Scrapy's downloader-aware queue (the host with the fewest requests in the downloader first),
# its choice kept in an index instead of a pass over every queued host for each request: with
# 5,000 hosts that pass held the reactor (crawler/pqueues.py, docs/reliability.md L3).
SCHEDULER_PRIORITY_QUEUE = "crawler.pqueues.IndexedDownloaderAwarePriorityQueue"
# A host is slow once one of its requests has been in the downloader (waiting for its delay,
# then fetched) this long; slow hosts together hold at most SLOW_HOSTS_SHARE of
# CONCURRENT_REQUESTS, so tarpits and stalled servers cannot take every global slot for
# DOWNLOAD_TIMEOUT at a time (F5). Half: a one-host crawl keeps its 8 per-host slots; 1: no cap.
SLOW_HOSTS_SECONDS = 10.0  # seconds
SLOW_HOSTS_SHARE = 0.5  # of CONCURRENT_REQUESTS
# Idle HTTP/1.1 connections kept for reuse, in all (oldest closed first) and how long each:
# Twisted keeps up to CONCURRENT_REQUESTS_PER_DOMAIN per host for 240 s, which in a crawl of
# thousands of hosts is a connection held for most hosts seen (crawler/connections.py).
HTTP_POOL_MAX_IDLE = 256
HTTP_POOL_IDLE_TIMEOUT = 60  # seconds

# --- Safety -----------------------------------------------------------------------------------
# Scrapy 2.19 starts a code-executing localhost endpoint and a telnet console by default.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# A news page is rarely above a few MiB; Scrapy's 1 GiB default is a memory risk (also applied
# to the decompressed size, which stops decompression bombs).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # bytes
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024  # bytes
REDIRECT_MAX_TIMES = 5
# Only this much of a robots.txt is parsed (RFC 9309 allows a limit of at least 500 KiB; Google
# reads 500 KiB); the rest is ignored, with a warning (crawler/middlewares/robots.py).
ROBOTSTXT_MAX_SIZE = 500 * 1024  # bytes
# The crawl process stops cleanly (finish reason memusage_exceeded, exit 1) before the OOM killer
# ends it; Scrapy checks every MEMUSAGE_CHECK_INTERVAL_SECONDS (60). The browser is not counted.
MEMUSAGE_LIMIT_MB = 2048
MEMUSAGE_WARNING_MB = 1536
# Scrapy's duplicate filter (the requests RFPDupeFilter filters) over 64-bit fingerprints: ~16
# bytes a request instead of ~110, so memory does not grow with the crawl (crawler/seen.py, L2).
DUPEFILTER_CLASS = "crawler.seen.SeenDupeFilter"
# Seconds: Scrapy follows a meta refresh whose delay is *below* this, so 1 follows only
# immediate ones (0 would follow none).
METAREFRESH_MAXDELAY = 1
URLLENGTH_LIMIT = 2083
# Refuse loopback, private and link-local destinations unless the crawl's own start URLs are
# there. NEWSARC_ALLOWED_HOSTS adds addresses or host names explicitly.
NEWSARC_SSRF_GUARD_ENABLED = True
NEWSARC_ALLOWED_HOSTS: list[str] = []
TWISTED_DNS_RESOLVER = "crawler.middlewares.ssrf.GuardedResolver"
# Off: Scrapy would take HTTP(S)_PROXY from the environment, and a proxy resolves the names it
# is given itself, past the resolver's address check. Set True only for a proxy you trust to
# refuse internal addresses.
HTTPPROXY_ENABLED = False
# DNS servers ("address" or "address:port") the crawl (and its browser) resolves names with;
# empty: the system's resolver.
NEWSARC_DNS_SERVERS: list[str] = []
# A crawl's directory, the store or spool directory holding it, or a job's state directory that
# its group or others may write (or another user owns) is refused at start (crawler/trust.py):
# another user could queue requests into the ledger or plant files the spool uploads. So is one
# below a directory others may rename entries of (not sticky, or another user's), and a resume
# of a crawl directory holding what another user could have written. True accepts it, for a
# group you trust.
NEWSARC_ALLOW_SHARED_DIRS = False

DOWNLOADER_MIDDLEWARES = {
    # Our robots.txt handling: 5xx and fetch errors mean "disallow all" (RFC 9309), 4xx "allow".
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.StrictRobotsTxtMiddleware": 100,
    # Refuses requests (including redirects) to private/loopback/link-local IP literals.
    "crawler.middlewares.ssrf.SsrfGuardMiddleware": 60,
    # Scrapy's offsite filter, which also ends the frontier's fetch of a URL it drops.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.frontier.middlewares.OffsiteMiddleware": 50,
    # Scrapy's redirects, where a redirect back into the request's own chain (HTTP or meta
    # refresh) fails at once as redirect_loop (crawler/middlewares/redirects.py).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.redirects.LoopCheckingMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.redirects.LoopCheckingRedirectMiddleware": 600,
}

# Polite under pressure (crawler/middlewares/polite.py): 429/503 back off per host, honouring
# Retry-After; a host refusing POLITE_MAX_REFUSALS times in a row stops the crawl; robots.txt
# Crawl-delay is applied. Before RetryMiddleware (550) in the response chain.
POLITE_ENABLED = True
POLITE_RETRY_AFTER_MAX = 300.0  # seconds: a longer Retry-After is capped
POLITE_BACKOFF_BASE = 2.0  # seconds; doubled per retry when there is no Retry-After
POLITE_MAX_REFUSALS = 10  # 429/503 in a row from one host: stop the crawl (site_refusing)
POLITE_CRAWL_DELAY_MAX = 30.0  # seconds: a larger robots.txt Crawl-delay is capped
DOWNLOADER_MIDDLEWARES["crawler.middlewares.polite.PoliteBackoffMiddleware"] = 555

# TLS (crawler/middlewares/tls.py): a page behind a certificate that does not verify (expired,
# self-signed, another host's) is fetched and archived, as web archives do, and the fact is
# counted (tls/unverified/<problem>) and shown in the summary. A failed handshake fails the page.
NEWSARC_TLS_CHECK_ENABLED = True
DOWNLOADER_MIDDLEWARES["crawler.middlewares.tls.TlsCheckMiddleware"] = 590

# Scrapy's in-memory stats collector without the look-up cost Scrapy 2.19 adds to every
# attribute read on it (crawler/stats.py): the same stats.
STATS_CLASS = "crawler.stats.StatsCollector"

# --- Crawl ------------------------------------------------------------------------------------
# Identifier of the crawl; the command line sets it, scrapy crawl derives one.
NEWSARC_CRAWL_ID = None
# Derives NEWSARC_CRAWL_ID (<UTC time>-<spider>-<4 hex>) for `scrapy crawl` before any
# component is built, so the WARC extension, the JSONL pipeline and the manifest share it.
# Scrapy extensions switched off by their setting (REMOTE_CONTROL_ENABLED, TELNETCONSOLE_ENABLED)
# are taken out of EXTENSIONS_BASE, so a crawl does not import them (crawler/startup.py).
ADDONS = {"crawler.crawlinfo.CrawlIdAddon": 0, "crawler.startup.SkipDisabledExtensionsAddon": 0}
# Where the crawl's files end up: a local directory (default ./data) or, later, s3://bucket/prefix.
NEWSARC_STORE_URI = "./data"
# Site profile (bundled name or YAML path); None lets the generic extractor work from the page.
NEWSARC_PROFILE = None
# Bounds for a hostile or trap-filled site (calendars, session ids, endless pagination):
# links followed at most this many hops from a start URL, at most this many pages per host
# (crawler/middlewares/limits.py; 0 = no limit for either).
DEPTH_LIMIT = 16
NEWSARC_MAX_PAGES_PER_HOST = 10_000
# Worker processes for extraction (pure, CPU-bound): "auto" = 1 when the machine has a spare
# CPU, 0 = extract inline in the crawl process. Lets a crawl use a second core.
NEWSARC_EXTRACT_WORKERS = "auto"
# A page's article and headline items go through Scrapy as one PageItems unit: Scrapy's work per
# item is paid once per page. ITEM_PROCESSOR (below) runs every item pipeline on each member and
# reports each member as an item, so pipelines, feed exports (-o, FEEDS) and item_scraped_count
# see ordinary items either way. False: the spider yields single items.
NEWSARC_PAGE_ITEMS = True
# Feeds and sitemaps to read besides the start URLs (lists; newsarc run sets them per site).
NEWSARC_FEEDS: list[str] = []
NEWSARC_SITEMAPS: list[str] = []
# Incremental state between runs (crawler/incremental.py): path of the site's SQLite file.
# None: every page is fetched. newsarc run sets it per site, under the job's state directory.
INCREMENTAL_STATE = None

# --- Frontier ledger (crawler/frontier/) -------------------------------------------------------
# Every URL the crawl queued and what became of it, in <work_dir>/.frontier.sqlite, so that a
# stopped or killed crawl can be resumed (newsarc crawl --resume CRAWL_ID).
FRONTIER_ENABLED = True
# Which frontier backend (crawler.frontier.base.BACKENDS): "" = the crawl's own SQLite ledger.
FRONTIER_URI = ""
# A redis:// frontier on a host that is not a loopback address, given no password, is refused
# (anyone reaching it could read the crawl's URLs and queue requests; crawler/trust.py). True
# accepts it, for a Redis only your crawlers can reach.
FRONTIER_ALLOW_NO_PASSWORD = False
# The crawl a resumed crawl continues (newsarc crawl --resume sets it; recorded in the manifest).
NEWSARC_RESUMED_FROM = None
# A shared frontier (FRONTIER_URI=redis://…) is served by the leasing scheduler
# (crawler/frontier/scheduler.py): entries leased per call, and seconds between calls to an
# empty frontier (other workers' new URLs arrive at their checkpoints).
FRONTIER_LEASE_BATCH = 4
FRONTIER_POLL_INTERVAL = 1.0
# Politeness across workers: one worker at a time owns a host (so N workers never exceed one
# host's concurrency and delay); FRONTIER_MAX_HOSTS caps the hosts one worker owns (0: no cap).
FRONTIER_HOST_OWNERSHIP = True
FRONTIER_MAX_HOSTS = 0
# This worker's name in its WARC and JSON Lines file names when several workers write one crawl
# (newsarc crawl/worker --frontier redis://… set it; "" = the only writer).
NEWSARC_WORKER_ID = ""
# Seconds between checkpoints (fsync WARC and JSON Lines, then one SQLite transaction). After a
# kill -9, pages finished since the last checkpoint are fetched again on resume.
FRONTIER_CHECKPOINT_INTERVAL = 5.0
# Bytes kept free (in .frontier.reserve) so the ledger's last checkpoint fits on a full disk.
FRONTIER_RESERVE_BYTES = 1024 * 1024
# Free space a crawl leaves on the disk it writes to (crawler/diskspace.py): below it a crawl
# does not start (exit 7, nothing written), and a running crawl stops gracefully (out_of_space,
# files closed, the rest queued for --resume). 0: no reserve.
NEWSARC_DISK_RESERVE_BYTES = 256 * 1024 * 1024
SPIDER_MIDDLEWARES = {
    # Closest to the engine: sees exactly what each callback yields (crawler/frontier/).
    "crawler.frontier.middlewares.FrontierMiddleware": 1,
    # After DepthMiddleware (900): too-deep links do not count against a host's cap.
    "crawler.middlewares.limits.HostPageCapMiddleware": 890,
}

# --- WARC -------------------------------------------------------------------------------------
WARC_ENABLED = True  # required in production: turning it off must be deliberate
WARC_PREFIX = "newsarc"
WARC_MAX_FILE_SIZE = 100 * 1024 * 1024  # bytes; rotate to a new file after this size
# Request records never carry these headers unless listed in WARC_KEEP_SENSITIVE_HEADERS.
WARC_STRIP_REQUEST_HEADERS = ["Cookie", "Authorization", "Proxy-Authorization"]
WARC_CDXJ_ENABLED = True  # write a .cdxj index beside each closed WARC file
# Verify and index each WARC file in a worker process while it is written, a range of records
# at a time (the crawl process verifies only the last range, at the file's close):
# "auto" = when the machine has a second CPU; False = both at the close, in the crawl process.
WARC_INDEX_WORKER = "auto"
# An unchanged 200 payload (same WARC-Payload-Digest) already archived in this crawl, or in an
# earlier crawl of the same store, is written as a WARC 1.1 identical-payload-digest revisit.
WARC_REVISIT_ENABLED = True

# --- Items ------------------------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.jsonl.JsonLinesPipeline": 900,
}
JSONL_MAX_ITEMS_PER_FILE = 100_000  # items; rotate to a new file after this many
# Scrapy's item pipeline manager, extended to take a page unit (NEWSARC_PAGE_ITEMS) member by
# member through ITEM_PIPELINES (pipelines/members.py); any other item goes through unchanged.
ITEM_PROCESSOR = "pipelines.members.PageItemsPipelineManager"

EXTENSIONS = {
    # Holds the crawl directory's lock; closes files a killed crawl left behind, before any
    # other component writes (crawler/recovery.py).
    "crawler.recovery.RecoveryExtension": 10,
    # Owns the frontier (crawler/frontier/extension.py); opens it when the spider opens.
    "crawler.frontier.extension.Frontier": 20,
    # Asks the SSRF guard about a forbidden address when the spider opens; stops a crawl whose
    # guard lets it through before anything is fetched (crawler/middlewares/ssrf.py).
    "crawler.middlewares.ssrf.SsrfCanaryExtension": 30,
    "crawler.warc.extension.WarcExtension": 100,
    # Stops the crawl when free disk space falls below NEWSARC_DISK_RESERVE_BYTES.
    "crawler.diskspace.DiskReserveExtension": 110,
    # After the WARC extension (spider_closed order); the manifest then lists the WACZ.
    "crawler.package.WaczExtension": 900,
    "crawler.manifest.ManifestExtension": 1000,
    # After the manifest (it uploads the manifest last); off unless the store is remote.
    "crawler.spool.SpoolUploadExtension": 1100,
    # Indexes the WARC files the uploader stored (file_stored), for revisits; remote stores only.
    "crawler.warc.dedup.StoredWarcIndexExtension": 1110,
    # Live progress on a terminal (or into PROGRESS_FILE for newsarc run); off under cron.
    "crawler.progress.ProgressExtension": 1200,
    # A heartbeat timer measuring how late the reactor runs what is due (crawler/reactorlag.py).
    "crawler.reactorlag.ReactorLagExtension": 1300,
    # Times the garbage collector's pauses; GC_* below tune it (crawler/collector.py).
    "crawler.collector.GarbageCollectorExtension": 1310,
}
# "auto": a status line on stderr when it is a terminal; True/False to force it.
PROGRESS_TTY = "auto"
PROGRESS_FILE = None  # newsarc run: each site's crawl writes its progress (JSON) here
PROGRESS_INTERVAL = 1.0  # seconds
# Reactor lag (stats reactor/lag_p50_ms, …): off by default; bench/soak.py turns it on.
REACTOR_LAG_ENABLED = False
REACTOR_LAG_INTERVAL = 0.1  # seconds between heartbeats
# Python's cyclic collector in the crawl process (stats gc/…): thresholds for gc.set_threshold
# (empty: Python's 700, 10, 10), and whether the objects alive when the spider opens are frozen
# out of later collections (gc.freeze).
GC_THRESHOLDS: list[int] = []
GC_FREEZE_AT_OPEN = False

# --- WACZ package (newsarc crawl --wacz) ------------------------------------------------------
WACZ_ENABLED = False  # package the crawl as <crawl_id>.wacz (WARCs, CDXJ, pages, JSON Lines)
# webrecorder's wacz command; `make wacz-tool` installs it here, outside the project's env.
WACZ_COMMAND = str(Path(__file__).resolve().parent.parent / ".tools" / "wacz" / "bin" / "wacz")

# --- Store (remote stores: s3://bucket/prefix) ------------------------------------------------
# Local spool for a remote store: files are written and closed here, uploaded in the background,
# verified and then deleted. One subdirectory per store URI; a later run with the same --out
# uploads what an earlier run left. S3 endpoint/region/credentials: the AWS_* settings (Scrapy's
# names, e.g. AWS_ENDPOINT_URL) or boto3's standard chain (environment, ~/.aws, roles).
# A plain http:// S3 endpoint is refused unless it is on a loopback address (credentials and
# data would cross the network unencrypted); True allows it, for a network you trust.
NEWSARC_S3_ALLOW_HTTP = False
# Ask S3 to check a SHA-256 of every uploaded part (ChecksumAlgorithm=SHA256). Over https boto3
# sends it as an aws-chunked trailer, which some S3-compatible stores refuse (400
# XAmzContentSHA256Mismatch): False sends no checksum and verifies each object by reading it back.
NEWSARC_S3_UPLOAD_CHECKSUM = True
NEWSARC_SPOOL_DIR = "~/.cache/newsarc/spool"
STORE_UPLOAD_INTERVAL = 5.0  # seconds between background upload passes during a crawl
# Bytes the spool of one store may hold (every crawl's files waiting there): past it, after an
# upload pass, the crawl stops ("spool_full", exit 4) instead of filling the disk while the
# store refuses uploads. Files already spooled are kept. 0: no cap.
NEWSARC_SPOOL_MAX_BYTES = 10 * 1024**3

# --- Browser rendering (scrapy-playwright + Debian chromium) ---------------------------------
# When pages go through a browser: "never" (default), "always" or "auto" (render a site once a
# plain page of it shows empty script-filled containers). `newsarc crawl --render` sets it; a
# site profile's `render` key applies when the command line says nothing.
RENDER_MODE = "never"
# Both schemes go through our subclass of scrapy-playwright's handler, which renders only
# requests with meta["playwright"]; all others use Scrapy's HTTP/1.1 handler unchanged, and the
# browser starts only with the first rendered request.
DOWNLOAD_HANDLERS = {
    "http": "crawler.render.handler.RenderDownloadHandler",
    "https": "crawler.render.handler.RenderDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# `playwright install` cannot download here: use Debian's chromium. The extra flags stop
# chromium's own background traffic (refused on closed networks, and noise in any case).
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "timeout": 30_000,  # milliseconds to start the browser
    "args": [
        "--no-sandbox",  # we run as root in containers
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-gpu",
        "--disable-quic",
        "--disable-dev-shm-usage",
    ],
}
PLAYWRIGHT_MAX_CONTEXTS = 2  # a recycled context closes while the next one fills
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 20_000  # milliseconds
PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER = True
# Images, media and fonts are not fetched by the browser (speed, memory; they are not archived).
PLAYWRIGHT_ABORT_REQUEST = "crawler.render.handler.abort_heavy_resources"
RENDER_CONCURRENT_PAGES = 4  # pages rendered at once; more did not help on 2 cores
RENDER_PAGE_TIMEOUT = 30.0  # seconds for one page in total; then it is cut off and fails
RENDER_SETTLE_TIMEOUT = 3.0  # seconds to wait after `load` for network quiet (XHR/fetch)
RENDER_CONTEXT_MAX_PAGES = 100  # pages per browser context before it is recycled
RENDER_RETRY_TIMES = 1  # retries of a page whose browser crashed under it
# Browser responses written as WARC response records (Playwright resource types).
RENDER_CAPTURE_RESOURCE_TYPES = ["document", "xhr", "fetch"]
RENDER_CAPTURE_MAX_BYTES = 10 * 1024 * 1024  # bytes; larger browser responses are not archived
# Bytes (decoded) of a page's document the browser may receive; a larger page is fetched
# without the browser (archived and extracted plain, flagged `render_too_large`): the renderer
# takes ~200 MiB per MiB of HTML, superlinearly, and MEMUSAGE_LIMIT_MB does not count it.
# 0: no limit (DOWNLOAD_MAXSIZE only).
RENDER_MAXSIZE = 2 * 1024 * 1024
DOWNLOADER_MIDDLEWARES["crawler.render.retry.RenderRetryMiddleware"] = 560

# --- Framework --------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
