"""The Redis frontier backend: one crawl's frontier in a shared Redis, for many workers.

``FRONTIER_URI=redis://host:port/db[/crawl-key][?lease=S&max_deliveries=N&reconnect=S]``
selects it (:data:`~crawler.frontier.base.BACKENDS`); the query's defaults are a 60 s lease, 3
deliveries, and 30 s of retrying a lost connection (:data:`RECONNECT_SECONDS`). Without a crawl
key the frontier is the crawl's own (its key is the crawl id, the name of its work directory);
workers that join one crawl name the same key. It implements
:class:`~crawler.frontier.base.FrontierBackend` exactly as the SQLite ledger does (the contract
suite runs on both) and adds **leases**, what a worker takes work under:

* :meth:`RedisFrontier.take` moves up to N queued entries to ``leased`` under this instance's
  owner id, each with an expiry (Redis's own clock, so workers' clocks do not matter) and one
  more delivery counted; :meth:`~RedisFrontier.renew` extends the leases the owner still holds
  and names those it lost; :meth:`~RedisFrontier.release` gives leases back (a worker stopping
  gracefully), the entries keeping their place in the queue;
* an entry becomes ``done`` (or ``failed``/``skipped``) only at a :meth:`checkpoint`, which the
  crawl runs after making its archive durable: the outcome ends the lease;
* an expired lease returns its entry to the queue (:meth:`~RedisFrontier.requeue_expired`, also
  run by every :meth:`take`), with the reason kept; an entry whose lease expired after its
  ``max_deliveries``-th delivery is not queued again but goes to the dead-letter list
  (state ``failed``, its reasons kept: :meth:`~RedisFrontier.dead_letters`,
  :meth:`~RedisFrontier.requeue_dead`).

So every URL is fetched at least once, and more than once only after a lease expired. What the
usual Redis scheduler gets wrong is avoided by construction: taking work never deletes it (a
crashed worker's entries come back when its leases expire); a URL is in the seen-set from the
moment it is queued, and stays there while it is queued or leased, so a lost lease requeues it
instead of dropping it as seen; entries are versioned JSON, never pickle; and nothing a worker
does on close deletes shared keys.

**Layout.** Every key of one crawl starts with ``newsarc:frontier:{<crawl-key>}:`` (the braces
keep them in one Redis Cluster slot):

=========  ======  ==================================================================
``url``    hash    URL → its record, JSON ``{"v": 1, "kind", "priority", "seq", "state",
                   "reason", "crawl_id", "deliveries", "owner", "expires", "reasons",
                   "request"}`` (the seen-set: a URL is known once it is here; ``request``:
                   the request it was queued with, :mod:`crawler.frontier.requests`)
``queue``  zset    queued URLs, scored by priority (higher first), then found order
``leases`` zset    leased URLs, scored by lease expiry (ms, Redis time)
``counts`` hash    state → URLs in it (kept by the scripts, so counts are O(1))
``seq``    string  the found-order counter
``meta``   hash    crawl metadata, one JSON value per key
``dead``   hash    URL → ``{"v": 1, "deliveries", "reasons"}``: the dead-letter list
``hosts``  hash    host → ``owner|until_ms|leased``: the host's one owner (``host_ownership``:
                   :meth:`RedisFrontier.take` gives an owner entries only of hosts it owns or
                   nobody does; it lets a host go with its last lease there)
``robots`` hash    host:port → ``{"v": 1, "status", "body"}`` (body base64): the crawl's one
                   fetch of that robots.txt, which every worker parses
                   (:meth:`RedisFrontier.robots_txt`)
=========  ======  ==================================================================

Every change is one Lua script, so it is atomic against every other worker: a checkpoint
(new URLs and outcomes together), taking, renewing, releasing, requeueing, seeding. The first
final outcome of a URL wins: a later one (a second fetch after an expired lease) changes
nothing. Priorities beyond ±2^20 sort as ±2^20 (the queue's score is a double). Redis does not
undo a script that fails part-way; the only failure a script raises itself, a record of an
unknown version, is raised before it writes that URL, and out of memory refuses a script at its
first write, so a refused checkpoint has written nothing. (Redis past ``maxmemory`` refuses only
a script whose first write may take memory: queueing a found URL does, so the crawl stops; a
checkpoint of outcomes alone, a take or a release starts with ``ZREM`` and is let through.)

Redis errors (out of memory; a connection still lost after ``reconnect`` seconds of retrying)
reach the crawl as ``OSError`` (the crawl's frontier error: it logs, counts and stops; nothing
is marked done that was not).
"""

from __future__ import annotations

import base64
import json
import math
import os
import secrets
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from crawler.frontier.base import QUEUED, STATES, Batches, Entry, ledger_url, redacted

if TYPE_CHECKING:
    from typing import Self

    import redis

# The redis client library is imported where a client is made or its errors are caught, not
# here: every crawl imports this module (the robots.txt middleware and the workers' roster ask
# whether the frontier is a RedisFrontier), and the library costs ~70 ms of CPU to import.

__all__ = [
    "DRAINING",
    "ENTRY_VERSION",
    "LEASED",
    "RECONNECT_SECONDS",
    "DeadLetter",
    "Lease",
    "RedisFrontier",
    "WorkerFinish",
    "WorkerNotLost",
]

#: The version of the JSON records; a record of any other version is refused.
ENTRY_VERSION = 1
#: The state of an entry a worker holds under a lease (Redis only).
LEASED = "leased"
#: How long a lost connection is retried before a command fails (URI query ``reconnect``).
RECONNECT_SECONDS = 30.0
#: The meta key ``newsarc frontier drain`` sets: workers take no new leases while it is true.
DRAINING = "draining"

_KEYS = ("url", "queue", "leases", "counts", "seq", "meta", "dead", "hosts")

# Shared by the scripts: the queue's score (priority first, higher first; then found order),
# Redis's clock in milliseconds, and the expiry of leases.
_LUA_COMMON = """
local K = {url=KEYS[1], queue=KEYS[2], leases=KEYS[3], counts=KEYS[4], seq=KEYS[5],
           meta=KEYS[6], dead=KEYS[7], hosts=KEYS[8]}
local LIMIT = 1048576
local function score(priority, seq)
  local p = tonumber(priority)
  if p > LIMIT then p = LIMIT elseif p < -LIMIT then p = -LIMIT end
  return -p * 4294967296 + seq
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function load(url)
  local raw = redis.call('HGET', K.url, url)
  if not raw then return nil end
  local rec = cjson.decode(raw)
  -- Raised before the caller writes anything for this URL (a script's writes are not undone).
  if rec.v ~= 1 then error('frontier entry of version ' .. tostring(rec.v)) end
  return rec
end
local function save(url, rec) redis.call('HSET', K.url, url, cjson.encode(rec)) end
local function move(from, to)
  redis.call('HINCRBY', K.counts, from, -1)
  redis.call('HINCRBY', K.counts, to, 1)
end
local function queue(url, rec)
  rec.owner = nil
  rec.expires = nil
  redis.call('ZADD', K.queue, score(rec.priority, rec.seq), url)
end
-- Hosts have one owner at a time: hosts[host] = "owner|until_ms|leased"; owner '' is nobody,
-- and the host may be taken once Redis's clock is past until (its owner's lease lapsed, or the
-- crawl's delay after its last owner let it go).
local function host_of(url)
  local h = string.match(url, '^%a[%w+.-]*://([^/?#]*)') or ''
  h = string.gsub(h, '^.*@', '')
  if string.sub(h, 1, 1) == '[' then
    h = string.match(h, '^(%[[^%]]*%])') or h
  else
    h = string.gsub(h, ':%d*$', '')
  end
  return string.lower(h)
end
local function host_get(host)
  local raw = redis.call('HGET', K.hosts, host)
  if not raw then return '', 0, 0 end
  local o, u, c = string.match(raw, '^(.-)|(%d+)|(%d+)$')
  return o or '', tonumber(u) or 0, tonumber(c) or 0
end
local function host_set(host, o, u, c)
  redis.call('HSET', K.hosts, host, o .. '|' .. string.format('%d', u) .. '|' .. tostring(c))
end
-- An entry of `host` that `owner` leased ended (outcome, given back, expired): the owner lets
-- the host go with its last one, free for anyone after delay_ms.
local function host_done(url, owner, now, delay_ms)
  local host = host_of(url)
  local o, u, c = host_get(host)
  if o ~= owner then return end
  if c <= 1 then host_set(host, '', now + delay_ms, 0) else host_set(host, o, u, c - 1) end
end
local function add_reason(rec, reason)
  local reasons = rec.reasons or {}
  reasons[#reasons + 1] = reason
  rec.reasons = reasons
end
-- Leases that expired before now: back to the queue, or to the dead-letter list after
-- max_deliveries deliveries. At most `limit` per call (a script blocks the server).
local function requeue_expired(now, max_deliveries, limit, delay_ms)
  local requeued, dead = 0, 0
  local expired = redis.call('ZRANGEBYSCORE', K.leases, '-inf', now, 'LIMIT', 0, limit)
  for _, url in ipairs(expired) do
    local rec = load(url)
    redis.call('ZREM', K.leases, url)
    if rec and rec.state == 'leased' then
      host_done(url, rec.owner, now, delay_ms)
      add_reason(rec, 'lease of ' .. tostring(rec.owner) .. ' expired (delivery ' ..
                 tostring(rec.deliveries) .. ')')
      if rec.deliveries >= max_deliveries then
        rec.state = 'failed'
        rec.reason = 'dead letter: lease expired after ' .. tostring(rec.deliveries) ..
                     ' deliveries'
        rec.owner = nil
        rec.expires = nil
        move('leased', 'failed')
        redis.call('HSET', K.dead, url, cjson.encode({v=1, deliveries=rec.deliveries,
                                                     reasons=rec.reasons}))
        dead = dead + 1
      else
        rec.state = 'queued'
        queue(url, rec)
        move('leased', 'queued')
        requeued = requeued + 1
      end
      save(url, rec)
    end
  end
  return requeued, dead
end
"""

# ARGV[1]: {"crawl_id", "new": [[url, kind, priority, request]], "done": [[url, state, reason]]}
_CHECKPOINT = (
    _LUA_COMMON
    + """
local batch = cjson.decode(ARGV[1])
local added, finished = 0, 0
local now = now_ms()
for _, e in ipairs(batch.new) do
  local url = e[1]
  if redis.call('HEXISTS', K.url, url) == 0 then
    local seq = redis.call('INCR', K.seq)
    local rec = {v=1, kind=e[2], priority=e[3], seq=seq, state='queued', deliveries=0}
    if e[4] ~= nil and e[4] ~= cjson.null then rec.request = e[4] end
    queue(url, rec)
    save(url, rec)
    redis.call('HINCRBY', K.counts, 'queued', 1)
    added = added + 1
  end
end
for _, d in ipairs(batch.done) do
  local url, state, reason = d[1], d[2], d[3]
  local rec = load(url)
  if rec and (rec.state == 'queued' or rec.state == 'leased') then
    redis.call('ZREM', K.queue, url)
    redis.call('ZREM', K.leases, url)
    if rec.state == 'leased' then host_done(url, rec.owner, now, batch.host_delay_ms or 0) end
    move(rec.state, state)
    rec.state = state
    if reason ~= cjson.null then rec.reason = reason end
    if batch.crawl_id ~= cjson.null then rec.crawl_id = batch.crawl_id end
    rec.owner = nil
    rec.expires = nil
    save(url, rec)
    finished = finished + 1
  end
end
return {added, finished}
"""
)

# KEYS[9]: the crawl's page budget (pages taken so far, a counter).
# ARGV: owner, n, lease_ms, max_deliveries, requeue_limit, window, max_hosts, delay_ms,
# exclusive (1: one owner per host), max_pages (0: no cap)
# Returns {spent (1: the page budget is used up), rows}.
_TAKE = (
    _LUA_COMMON
    + """
local owner, n, lease_ms = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local window, max_hosts, delay_ms = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local exclusive = ARGV[9] == '1'
local max_pages = tonumber(ARGV[10]) or 0
local taken = tonumber(redis.call('GET', KEYS[9]) or '0')
if not exclusive then window = n end
local now = now_ms()
requeue_expired(now, tonumber(ARGV[4]), tonumber(ARGV[5]), delay_ms)
local out = {}
local function spent() return (max_pages > 0 and taken >= max_pages) and 1 or 0 end
if n <= 0 then return {spent(), out} end
local owned = 0
if max_hosts > 0 then
  local flat = redis.call('HGETALL', K.hosts)
  for i = 1, #flat, 2 do
    local o, u, c = string.match(flat[i + 1], '^(.-)|(%d+)|(%d+)$')
    if o == owner and (tonumber(c) > 0 or tonumber(u) > now) then owned = owned + 1 end
  end
end
local allowed = {}
for _, url in ipairs(redis.call('ZRANGE', K.queue, 0, window - 1)) do
  if #out >= n then break end
  local host = host_of(url)
  local ok = allowed[host]
  if not exclusive then ok = true end
  if ok == nil then
    local o, u, c = host_get(host)
    if o == owner then
      ok = true
    elseif u <= now and (max_hosts <= 0 or owned < max_hosts) then
      ok = true  -- nobody's (its delay passed), or its owner's lease lapsed: this owner's now
      owned = owned + 1
      host_set(host, owner, now + lease_ms, 0)
    else
      ok = false
    end
    allowed[host] = ok
  end
  local rec = ok and load(url)
  -- Past the crawl's page budget a page stays queued (feeds and sitemaps are not pages).
  if rec and rec.state == 'queued' and rec.kind == 'page' and max_pages > 0 then
    if taken >= max_pages then ok, rec = false, nil else taken = taken + 1 end
  end
  if ok then redis.call('ZREM', K.queue, url) end
  if rec and rec.state == 'queued' then
    if exclusive then
      local o, u, c = host_get(host)
      host_set(host, owner, now + lease_ms, c + 1)
    end
    rec.state = 'leased'
    rec.owner = owner
    rec.deliveries = (rec.deliveries or 0) + 1
    rec.expires = now + lease_ms
    save(url, rec)
    redis.call('ZADD', K.leases, rec.expires, url)
    move('queued', 'leased')
    out[#out + 1] = {url, rec.kind, tostring(rec.priority), rec.deliveries, tostring(rec.expires),
                     rec.request or ''}
  end
end
if max_pages > 0 then redis.call('SET', KEYS[9], taken) end
return {spent(), out}
"""
)

# ARGV: max_deliveries, limit, delay_ms
_REQUEUE_EXPIRED = (
    _LUA_COMMON
    + """
local requeued, dead = requeue_expired(now_ms(), tonumber(ARGV[1]), tonumber(ARGV[2]),
                                       tonumber(ARGV[3]))
return {requeued, dead}
"""
)

# ARGV: owner, lease_ms, url...
_RENEW = (
    _LUA_COMMON
    + """
local owner, lease_ms = ARGV[1], tonumber(ARGV[2])
local expires = now_ms() + lease_ms
local lost = {}
for i = 3, #ARGV do
  local url = ARGV[i]
  local rec = load(url)
  if rec and rec.state == 'leased' and rec.owner == owner then
    rec.expires = expires
    save(url, rec)
    redis.call('ZADD', K.leases, expires, url)
    local host = host_of(url)
    local o, u, c = host_get(host)
    if o == owner then host_set(host, o, expires, c) end
  else
    lost[#lost + 1] = url
  end
end
return {tostring(expires), lost}
"""
)

# ARGV: owner, reason, counted (1: the delivery failed and counts), max_deliveries, delay_ms,
# url...
_RELEASE = (
    _LUA_COMMON
    + """
local owner, reason, counted = ARGV[1], ARGV[2], ARGV[3] == '1'
local max_deliveries, delay_ms = tonumber(ARGV[4]), tonumber(ARGV[5])
local now = now_ms()
local released = 0
for i = 6, #ARGV do
  local url = ARGV[i]
  local rec = load(url)
  if rec and rec.state == 'leased' and rec.owner == owner then
    redis.call('ZREM', K.leases, url)
    host_done(url, owner, now, delay_ms)
    add_reason(rec, 'released by ' .. owner .. ': ' .. reason)
    rec.owner = nil
    rec.expires = nil
    if counted and rec.deliveries >= max_deliveries then
      rec.state = 'failed'
      rec.reason = 'dead letter: given back after ' .. tostring(rec.deliveries) ..
                   ' deliveries'
      move('leased', 'failed')
      redis.call('HSET', K.dead, url, cjson.encode({v=1, deliveries=rec.deliveries,
                                                   reasons=rec.reasons}))
    else
      -- Given back unworked (a worker stopping): this delivery does not count towards the
      -- dead-letter limit. A failed one (counted) does.
      if not counted then
        rec.deliveries = math.max(0, rec.deliveries - 1)
        -- Nor is it a page of the crawl's budget: another worker may take it.
        if rec.kind == 'page' and KEYS[9] and tonumber(redis.call('GET', KEYS[9]) or '0') > 0 then
          redis.call('DECR', KEYS[9])
        end
      end
      rec.state = 'queued'
      queue(url, rec)
      move('leased', 'queued')
    end
    save(url, rec)
    released = released + 1
  end
end
return released
"""
)

# ARGV: url
_REQUEUE_DEAD = (
    _LUA_COMMON
    + """
local url = ARGV[1]
if redis.call('HEXISTS', K.dead, url) == 0 then return 0 end
local rec = load(url)
redis.call('HDEL', K.dead, url)
if not rec or rec.state ~= 'failed' then return 0 end
rec.state = 'queued'
rec.reason = nil
rec.crawl_id = nil
rec.deliveries = 0
queue(url, rec)
move('failed', 'queued')
save(url, rec)
return 1
"""
)

# KEYS[9]: the previous crawl's url hash (or the same as KEYS[1]: nothing to copy).
# ARGV[1]: {"start_urls": [...], "meta": [[key, json]]}
_SEED = (
    _LUA_COMMON
    + """
local args = cjson.decode(ARGV[1])
local added = 0
if KEYS[9] ~= K.url then
  local flat = redis.call('HGETALL', KEYS[9])
  local old = {}
  for i = 1, #flat, 2 do
    local rec = cjson.decode(flat[i + 1])
    if rec.v ~= 1 then error('frontier entry of version ' .. tostring(rec.v)) end
    old[#old + 1] = {flat[i], rec}
  end
  table.sort(old, function(a, b) return a[2].seq < b[2].seq end)
  for _, pair in ipairs(old) do
    local url, rec = pair[1], pair[2]
    if redis.call('HEXISTS', K.url, url) == 0 then
      rec.seq = redis.call('INCR', K.seq)
      if rec.state == 'leased' then rec.state = 'queued' end  -- its crawl is over
      rec.owner = nil
      rec.expires = nil
      rec.deliveries = 0
      if rec.state == 'queued' then queue(url, rec) end
      save(url, rec)
      redis.call('HINCRBY', K.counts, rec.state, 1)
      added = added + 1
    end
  end
end
for _, url in ipairs(args.start_urls) do
  if redis.call('HEXISTS', K.url, url) == 0 then
    local rec = {v=1, kind='page', priority=0, seq=redis.call('INCR', K.seq), state='queued',
                 deliveries=0}
    queue(url, rec)
    save(url, rec)
    redis.call('HINCRBY', K.counts, 'queued', 1)
    added = added + 1
  end
end
for _, kv in ipairs(args.meta) do redis.call('HSET', K.meta, kv[1], kv[2]) end
return added
"""
)


# A crawl's workers (``crawl:<id>:workers``, worker → JSON state), its manifest claim and
# whether its manifest is stored. KEYS: workers, claim, done, counts, budget.
# ``settle`` lists the workers neither finished nor lost (given up on: ``newsarc frontier
# lost``), and claims the merge for ``token`` if there are none, nothing is leased and nothing
# queued (or the page budget is spent). Returns {claimed, waiting, queued, leased}.
_ROSTER_SETTLE = """
local function settle(token, claim_ms, max_pages)
  local workers, claim, done, counts, budget = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
  local waiting = {}
  local flat = redis.call('HGETALL', workers)
  for i = 1, #flat, 2 do
    local rec = cjson.decode(flat[i + 1])
    if rec.state ~= 'finished' and rec.state ~= 'lost' then
      waiting[#waiting + 1] = flat[i] .. ' (' .. tostring(rec.state) .. ')'
    end
  end
  local queued = tonumber(redis.call('HGET', counts, 'queued') or '0')
  local leased = tonumber(redis.call('HGET', counts, 'leased') or '0')
  local ended = queued == 0
  if max_pages > 0 and tonumber(redis.call('GET', budget) or '0') >= max_pages then
    ended = true
  end
  local claimed = 0
  if #waiting == 0 and leased == 0 and ended and redis.call('EXISTS', done) == 0 then
    if redis.call('SET', claim, token, 'NX', 'PX', claim_ms) then claimed = 1 end
  end
  return {claimed, waiting, queued, leased}
end
"""

# ARGV: worker, its record (JSON), claim ms, claim token, max_pages. Records the worker's end
# (finished or failed), then settles (above).
_WORKER_FINISH = (
    _ROSTER_SETTLE
    + """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return settle(ARGV[4], tonumber(ARGV[3]), tonumber(ARGV[5]) or 0)
"""
)

# ARGV: worker, when (ISO time), claim ms, claim token, max_pages. Marks a running (or failed)
# worker ``lost``, keeping what its record said, then settles (above); a lost one again only
# settles (a merge that failed is retried). Returns {0, settle's four} or, refused and nothing
# changed, {1} (not on the roster), {2, state} (finished already), {3} (a worker is merging
# the crawl's manifest), {4} (the manifest is stored).
_WORKER_LOST = (
    _ROSTER_SETTLE
    + """
if redis.call('EXISTS', KEYS[3]) == 1 then return {4} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {3} end
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {1} end
local rec = cjson.decode(raw)
if rec.state == 'finished' then return {2, 'finished'} end
if rec.state ~= 'lost' then
  rec.lost_from = rec.state
  rec.state = 'lost'
  rec.lost_at = ARGV[2]
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
end
local found = settle(ARGV[4], tonumber(ARGV[3]), tonumber(ARGV[5]) or 0)
return {0, found[1], found[2], found[3], found[4]}
"""
)

# KEYS: workers, claim, done. ARGV: worker, its record (JSON).
# Returns 0 (on the roster), 1 (refused: a worker is merging the crawl's manifest), 2 (refused:
# the crawl's manifest is stored).
_WORKER_JOIN = """
if redis.call('EXISTS', KEYS[3]) == 1 then return 2 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 0
"""

# KEYS: claim, done. ARGV: token, what to keep in done ("" : give the claim back, not done).
_MERGE_END = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2]) end
return 1
"""


class Lease(NamedTuple):
    """An entry taken under a lease: until ``expires`` (seconds since the epoch, Redis's
    clock) only its owner works on it; ``deliveries`` counts the times it was taken;
    ``request`` is the request it was queued with (versioned JSON,
    :mod:`crawler.frontier.requests`), None for an entry queued as a bare URL."""

    entry: Entry
    deliveries: int
    expires: float
    request: str | None = None


class WorkerFinish(NamedTuple):
    """What :meth:`RedisFrontier.finish_worker` found: whether this worker merges the crawl's
    manifest, the workers not finished (``name (state)``), and what is queued and leased."""

    claimed: bool
    waiting: list[str]
    queued: int
    leased: int


class WorkerNotLost(ValueError):
    """``newsarc frontier lost`` refused: the worker is not one the crawl waits for, or the
    crawl's manifest is being merged or stored."""


class DeadLetter(NamedTuple):
    """An entry that was delivered too often: why each delivery ended."""

    url: str
    deliveries: int
    reasons: list[str]


def _prefix(crawl_key: str) -> str:
    return f"newsarc:frontier:{{{crawl_key}}}:"


def _parse(uri: str, work_dir: Path) -> tuple[str, str, dict[str, list[str]]]:
    """``redis://host:port/db[/crawl-key]?…`` → (server URL, crawl key, query)."""
    parts = urlsplit(uri)
    uri = redacted(uri)  # only for the messages below
    if parts.scheme.lower() != "redis" or not parts.hostname:
        raise ValueError(f"FRONTIER_URI {uri!r}: expected redis://host:port/db[/crawl-key]")
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > 2:
        raise ValueError(f"FRONTIER_URI {uri!r}: the path is /db[/crawl-key]")
    db = segments[0] if segments else "0"
    if not db.isdigit():
        raise ValueError(f"FRONTIER_URI {uri!r}: the database must be a number, not {db!r}")
    key = segments[1] if len(segments) > 1 else Path(work_dir).name
    if not key or any(c in key for c in "{}") or any(c.isspace() for c in key):
        raise ValueError(f"FRONTIER_URI {uri!r}: unusable crawl key {key!r}")
    return f"redis://{parts.netloc}/{db}", key, parse_qs(parts.query)


def _client(server: str, query: dict[str, list[str]]) -> redis.Redis:
    """A client that retries a lost connection for about ``reconnect`` seconds (default
    :data:`RECONNECT_SECONDS`), so a Redis restart does not stop the crawl. Every script may
    run twice after a reply was lost: all are idempotent but ``take`` (a second batch is leased;
    the first one's leases expire and are requeued: late, never lost)."""
    seconds = float(query.get("reconnect", [RECONNECT_SECONDS])[-1])
    if seconds < 0:
        raise ValueError(f"reconnect must be 0 or more: {seconds!r}")
    # Backoff 0.1, 0.2, 0.4, 0.8 s, then 1 s a try.
    retries = math.ceil(seconds - 1.5) + 4 if seconds > 1.5 else math.ceil(seconds / 0.4)
    import redis  # noqa: PLC0415 - see the imports
    from redis.backoff import ExponentialBackoff  # noqa: PLC0415
    from redis.retry import Retry  # noqa: PLC0415

    retry = Retry(ExponentialBackoff(cap=1.0, base=0.05), retries)
    return redis.Redis.from_url(server, socket_timeout=30, socket_connect_timeout=10, retry=retry)


def _record(raw: bytes | str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    rec: dict[str, Any] = json.loads(raw)
    if rec.get("v") != ENTRY_VERSION:
        raise OSError(f"frontier entry of version {rec.get('v')!r} (expected {ENTRY_VERSION})")
    return rec


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisFrontier(Batches):
    """One crawl's frontier in Redis (see the module docstring); one instance is one owner.

    ``client`` is a ``redis.Redis``; ``crawl_key`` names the crawl's keys; ``crawl_id`` is
    recorded with outcomes; ``owner`` names this worker's leases (default: host, pid and a
    random part).
    """

    #: The Scrapy scheduler a crawl over this backend runs with (``newsarc crawl`` sets
    #: ``SCHEDULER``): work is leased from the frontier, not held in the process.
    scheduler = "crawler.frontier.scheduler.LeaseScheduler"

    def __init__(
        self,
        client: redis.Redis,
        crawl_key: str,
        crawl_id: str | None = None,
        *,
        owner: str | None = None,
        lease_seconds: float = 60.0,
        max_deliveries: int = 3,
        requeue_batch: int = 1000,
        shared_key: bool = False,
    ) -> None:
        if lease_seconds <= 0:
            raise ValueError(f"lease must be positive: {lease_seconds!r}")
        if max_deliveries < 1:
            raise ValueError(f"max_deliveries must be 1 or more: {max_deliveries!r}")
        self._r = client
        self.crawl_key = crawl_key
        self.crawl_id = crawl_id
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease_seconds = lease_seconds
        self.max_deliveries = max_deliveries
        self.requeue_batch = requeue_batch
        #: Politeness across workers: seconds a host stays free after its owner let it go (the
        #: crawl's DOWNLOAD_DELAY), the most hosts this owner holds at once (0: no limit), and
        #: how many queued entries a take looks through for hosts it may have.
        self.host_delay = 0.0
        self.max_hosts = 0
        self.take_window = 500
        #: Whether :meth:`take` gives this owner only entries of hosts nobody else holds
        #: (the leasing scheduler turns it on: ``FRONTIER_HOST_OWNERSHIP``).
        self.host_ownership = False
        #: The URI named the crawl key: every crawl (and resume) of it uses the same frontier.
        self.shared_key = shared_key
        prefix = _prefix(crawl_key)
        self._keys = [prefix + name for name in _KEYS]
        self._k = dict(zip(_KEYS, self._keys, strict=True))
        self._robots_key = prefix + "robots"  # not a script key: the scripts never touch it
        self._prefix = prefix
        #: The crawl's page budget (``--max-pages`` across every worker; 0: no cap).
        self.max_pages = 0
        #: Whether the last :meth:`take` found the page budget used up.
        self.budget_spent = False
        Batches.__init__(self)
        #: Requests (versioned JSON) to store with new URLs at the next checkpoint.
        self._requests: dict[str, str] = {}
        #: URLs this owner holds leases on (what :meth:`renew` renews).
        self.leased: set[str] = set()
        self._scripts = {
            name: client.register_script(source)
            for name, source in (
                ("checkpoint", _CHECKPOINT),
                ("take", _TAKE),
                ("requeue_expired", _REQUEUE_EXPIRED),
                ("renew", _RENEW),
                ("release", _RELEASE),
                ("requeue_dead", _REQUEUE_DEAD),
                ("seed", _SEED),
                ("worker_join", _WORKER_JOIN),
                ("worker_finish", _WORKER_FINISH),
                ("worker_lost", _WORKER_LOST),
                ("merge_end", _MERGE_END),
            )
        }

    @classmethod
    def open(cls, uri: str, work_dir: Path, crawl_id: str | None = None) -> Self:
        """The frontier at ``uri``; without a crawl key in it, the crawl of ``work_dir``'s."""
        server, key, query = _parse(uri, work_dir)
        options: dict[str, Any] = {}
        try:
            if "lease" in query:
                options["lease_seconds"] = float(query["lease"][-1])
            if "max_deliveries" in query:
                options["max_deliveries"] = int(query["max_deliveries"][-1])
            client = _client(server, query)
        except ValueError:
            raise ValueError(
                f"FRONTIER_URI {redacted(uri)!r}: lease, max_deliveries and reconnect are numbers"
            ) from None
        shared = len([s for s in urlsplit(uri).path.split("/") if s]) > 1
        frontier = cls(client, key, crawl_id, shared_key=shared, **options)
        with frontier._errors("connect to"):
            client.ping()
        return frontier

    @classmethod
    def exists(cls, uri: str, work_dir: Path) -> bool:
        server, key, query = _parse(uri, work_dir)
        try:
            client = _client(server, query)
        except ValueError:
            raise ValueError(f"FRONTIER_URI {redacted(uri)!r}: reconnect is seconds") from None
        prefix = _prefix(key)
        import redis  # noqa: PLC0415 - see the imports (loaded by _client already)

        try:
            return bool(client.exists(prefix + "url", prefix + "meta"))
        except redis.RedisError as exc:
            raise OSError(f"Redis frontier {redacted(server)}: cannot read: {exc}") from exc
        finally:
            client.close()

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Redis errors as OSError, the crawl's frontier error."""
        import redis  # noqa: PLC0415 - see the imports (loaded by _client already)

        try:
            yield
        except redis.RedisError as exc:
            raise OSError(
                f"Redis frontier {self.crawl_key!r}: cannot {doing} Redis: {exc}"
            ) from exc

    def _run(self, script: str, args: list[Any], keys: list[str] | None = None) -> Any:
        with self._errors(f"run {script} on"):
            return self._scripts[script](keys=keys or self._keys, args=args)

    @property
    def _lease_ms(self) -> int:
        return int(self.lease_seconds * 1000)

    def close(self) -> None:
        """Drop the connection (uncommitted batches are dropped; nothing shared is deleted)."""
        self._r.close()

    def __str__(self) -> str:
        return f"redis frontier {self.crawl_key!r}"

    # -- batches (memory only) ----------------------------------------------------------------

    def checkpoint(self, *, outcomes: bool = True) -> int:
        """New URLs and (with ``outcomes``) outcomes in one script: all or nothing."""
        new = list(self._new.values())
        done = list(self._outcomes.items()) if outcomes else []
        if not new and not done:
            return 0
        batch = {
            "crawl_id": self.crawl_id,
            "host_delay_ms": int(self.host_delay * 1000),
            "new": [[e.url, e.kind, e.priority, self._requests.get(e.url)] for e in new],
            "done": [[url, state, reason] for url, (state, reason) in done],
        }
        self._run("checkpoint", [json.dumps(batch)])
        self._new.clear()
        self._requests.clear()
        if outcomes:
            self.leased.difference_update(self._outcomes)
            self._outcomes.clear()
        return len(new) + len(done)

    def attach_request(self, url: str, request: str) -> None:
        """Store ``request`` (versioned JSON) with ``url`` if the next checkpoint queues it
        (a URL the frontier already knows keeps what it has)."""
        if url in self._new:
            self._requests.setdefault(url, request)

    # -- reading ------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """URLs per state: every state of :data:`~crawler.frontier.base.STATES`, and
        :data:`LEASED`."""
        out = dict.fromkeys((*STATES, LEASED), 0)
        with self._errors("read"):
            raw = self._r.hgetall(self._k["counts"])
        for state, n in raw.items():
            out[_text(state)] = int(n)
        return out

    def pending(self, *, chunk: int = 1000) -> Iterator[Entry]:
        """Queued URLs, highest priority first, then in the order they were found (read in
        chunks: URLs that workers take meanwhile may be missed or listed)."""
        start = 0
        while True:
            with self._errors("read"):
                found: list[Any] = self._r.zrange(self._k["queue"], start, start + chunk - 1)
                urls = [_text(u) for u in found]
                if not urls:
                    return
                raws = self._r.hmget(self._k["url"], urls)
            for url, raw in zip(urls, raws, strict=True):
                rec = _record(raw)
                if rec is not None and rec["state"] == QUEUED:
                    yield Entry(url, str(rec["kind"]), int(rec["priority"]))
            start += chunk

    def urls(self) -> Iterator[str]:
        with self._errors("read"):
            for url, _ in self._r.hscan_iter(self._k["url"], count=1000):
                yield _text(url)

    def state(self, url: str) -> tuple[str, str | None] | None:
        with self._errors("read"):
            rec = _record(self._r.hget(self._k["url"], url))
        return None if rec is None else (str(rec["state"]), rec.get("reason"))

    def record(self, url: str) -> dict[str, Any] | None:
        """The whole JSON record of ``url`` (deliveries, owner, reasons, …)."""
        with self._errors("read"):
            return _record(self._r.hget(self._k["url"], url))

    # -- crawl metadata -----------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        with self._errors("read"):
            raw = self._r.hgetall(self._k["meta"])
        return {_text(k): json.loads(v) for k, v in raw.items()}

    def set_meta(self, values: dict[str, Any]) -> None:
        if not values:
            return
        with self._errors("write"):
            self._r.hset(self._k["meta"], mapping={k: json.dumps(v) for k, v in values.items()})

    def seed(
        self,
        meta: dict[str, Any],
        *,
        start_urls: Iterable[str] = (),
        previous_crawl_dir: Path | None = None,
    ) -> int:
        """One script: the previous crawl's entries (its key is its directory's name; leased
        ones queued again), ``start_urls`` queued, ``meta``. A crawl that names its key in the
        URI continues in place (nothing to copy)."""
        source = self._k["url"]  # the same key: nothing to copy
        if previous_crawl_dir is not None and not self.shared_key:
            source = _prefix(previous_crawl_dir.name) + "url"
        args = {
            "start_urls": list(dict.fromkeys(ledger_url(u) for u in start_urls)),
            "meta": [[k, json.dumps(v)] for k, v in meta.items()],
        }
        return int(self._run("seed", [json.dumps(args)], [*self._keys, source]))

    # -- leases -------------------------------------------------------------------------------

    def take(self, n: int) -> list[Lease]:
        """Lease up to ``n`` queued entries (highest priority, then found order) to this owner
        for :attr:`lease_seconds`, after requeueing expired leases."""
        spent, rows = self._run(
            "take",
            [
                self.owner,
                n,
                self._lease_ms,
                self.max_deliveries,
                self.requeue_batch,
                max(self.take_window, n),
                self.max_hosts,
                int(self.host_delay * 1000),
                int(self.host_ownership),
                self.max_pages,
            ],
            [*self._keys, self._crawl_key("budget")],
        )
        self.budget_spent = bool(spent)
        leases = []
        for url, kind, priority, deliveries, expires, request in rows:
            lease = Lease(
                Entry(_text(url), _text(kind), int(_text(priority))),
                int(deliveries),
                int(_text(expires)) / 1000,
                _text(request) or None,
            )
            leases.append(lease)
            self.leased.add(lease.entry.url)
        return leases

    def renew(self, urls: Iterable[str] | None = None) -> tuple[float, set[str]]:
        """Extend this owner's leases (default: every one it holds) by :attr:`lease_seconds`;
        return the new expiry and the URLs whose lease was lost (expired and taken, or
        finished by someone else): work on those is no longer this owner's."""
        wanted = sorted(self.leased if urls is None else set(urls))
        if not wanted:
            return 0.0, set()
        expires, lost = self._run("renew", [self.owner, self._lease_ms, *wanted])
        lost_urls = {_text(u) for u in lost}
        self.leased.difference_update(lost_urls)
        return int(_text(expires)) / 1000, lost_urls

    def release(
        self,
        urls: Iterable[str] | None = None,
        reason: str = "stopping",
        *,
        counted: bool = False,
    ) -> int:
        """Give leases back (default: all this owner holds): the entries are queued again in
        their place. A lease given back unworked (``counted`` False: a worker stopping) does
        not count its delivery; one whose work failed (``counted``: the page was not archived,
        an item not written) does, and after ``max_deliveries`` the entry is dead-lettered.
        Returns the leases given back."""
        wanted = sorted(self.leased if urls is None else set(urls))
        if not wanted:
            return 0
        args = [self.owner, reason, int(counted), self.max_deliveries]
        args += [int(self.host_delay * 1000), *wanted]
        released = int(self._run("release", args, [*self._keys, self._crawl_key("budget")]))
        self.leased.difference_update(wanted)
        return released

    def requeue_expired(self) -> tuple[int, int]:
        """Expired leases back to the queue: (requeued, dead-lettered)."""
        args = [self.max_deliveries, self.requeue_batch, int(self.host_delay * 1000)]
        requeued, dead = self._run("requeue_expired", args)
        return int(requeued), int(dead)

    def host_counts(self) -> dict[str, dict[str, int]]:
        """URLs per host and state (every state of :meth:`counts`), from one scan of the
        records (O(URLs): for operators, not for the crawl's hot path)."""
        out: dict[str, dict[str, int]] = {}
        with self._errors("read"):
            for url, raw in self._r.hscan_iter(self._k["url"], count=1000):
                rec = _record(raw)
                assert rec is not None
                host = urlsplit(_text(url)).hostname or ""
                counts = out.setdefault(host, dict.fromkeys((*STATES, LEASED), 0))
                counts[str(rec["state"])] = counts.get(str(rec["state"]), 0) + 1
        return out

    @property
    def draining(self) -> bool:
        """Whether ``newsarc frontier drain`` asked the workers to take no more work."""
        return bool(self.meta().get(DRAINING))

    def set_draining(self, draining: bool) -> None:
        self.set_meta({DRAINING: draining})

    def dead_letters(self) -> Iterator[DeadLetter]:
        """The entries delivered too often, with the reason each delivery ended."""
        with self._errors("read"):
            for url, raw in self._r.hscan_iter(self._k["dead"], count=1000):
                rec = _record(raw)
                assert rec is not None
                yield DeadLetter(_text(url), int(rec["deliveries"]), list(rec.get("reasons") or []))

    # -- robots.txt: one fetch per host per crawl ---------------------------------------------

    def robots_txt(self, netloc: str) -> tuple[int, bytes] | None:
        """The robots.txt of ``netloc`` as some worker of this crawl fetched it: (HTTP status,
        body), or None if none has yet."""
        with self._errors("read"):
            raw = self._r.hget(self._robots_key, netloc)
        rec = _record(raw)
        if rec is None:
            return None
        return int(rec["status"]), base64.b64decode(rec["body"])

    def keep_robots_txt(self, netloc: str, status: int, body: bytes) -> bool:
        """Keep the robots.txt this worker fetched for the crawl's other workers; the first one
        kept stays (False: another worker's was there)."""
        rec = {"v": ENTRY_VERSION, "status": status, "body": base64.b64encode(body).decode()}
        with self._errors("write"):
            return bool(self._r.hsetnx(self._robots_key, netloc, json.dumps(rec)))

    def requeue_dead(self, url: str) -> bool:
        """Queue a dead-lettered entry again, its deliveries reset; False if it is not dead."""
        return bool(self._run("requeue_dead", [url]))

    # -- one crawl, many writers --------------------------------------------------------------

    def _crawl_key(self, name: str) -> str:
        """A key of this crawl id's own (a crawl key named in the URI outlives its crawls:
        a resume continues in place under a new crawl id)."""
        return f"{self._prefix}crawl:{self.crawl_id or self.crawl_key}:{name}"

    def pages_taken(self) -> int:
        """Pages taken so far against the crawl's page budget (every worker's)."""
        with self._errors("read"):
            return int(self._r.get(self._crawl_key("budget")) or 0)

    def join_workers(self, worker: str, record: dict[str, Any]) -> str | None:
        """Put ``worker`` on the crawl's roster with ``record`` (its state, ``running``), in
        one script; refused (the reason returned) while a worker merges the crawl's manifest
        or once it is stored: the crawl is over."""
        keys = [self._crawl_key(n) for n in ("workers", "merge_claim", "manifest_done")]
        found = int(self._run("worker_join", [worker, json.dumps(record, sort_keys=True)], keys))
        if found == 0:
            return None
        if found == 1:
            return "its last worker is merging the crawl's manifest"
        return f"its manifest is stored ({self.crawl_manifest()})"

    def workers(self) -> dict[str, dict[str, Any]]:
        """The crawl's roster: worker → its last recorded state."""
        with self._errors("read"):
            raw = self._r.hgetall(self._crawl_key("workers"))
        return {_text(k): json.loads(v) for k, v in raw.items()}

    def crawl_manifest(self) -> str | None:
        """What the merging worker kept once the crawl's manifest was stored (None: not yet)."""
        with self._errors("read"):
            raw = self._r.get(self._crawl_key("manifest_done"))
        return None if raw is None else _text(raw)

    def finish_worker(
        self, worker: str, record: dict[str, Any], *, claim_seconds: float, token: str
    ) -> WorkerFinish:
        """One script: record ``worker``'s final state; if every worker of the crawl is
        finished, nothing is leased and nothing queued (or the page budget is spent; a drained
        crawl may be taken up again, so its URLs still queued keep it open), claim the merge
        of the crawl's manifest for ``token``, for ``claim_seconds`` unless given back
        (:meth:`end_merge`)."""
        keys = [self._crawl_key(n) for n in ("workers", "merge_claim", "manifest_done")]
        keys += [self._k["counts"], self._crawl_key("budget")]
        args = [worker, json.dumps(record, sort_keys=True), int(claim_seconds * 1000), token]
        claimed, waiting, queued, leased = self._run("worker_finish", [*args, self.max_pages], keys)
        return WorkerFinish(bool(claimed), [_text(w) for w in waiting], int(queued), int(leased))

    def lose_worker(
        self, worker: str, at: str, *, claim_seconds: float, token: str
    ) -> WorkerFinish:
        """One script: mark ``worker`` (running or failed) ``lost`` on the crawl's roster, so
        the crawl's manifest no longer waits for it, then claim the merge for ``token`` as
        :meth:`finish_worker` does. Raises :class:`WorkerNotLost` (nothing changed) when
        ``worker`` is not on the roster, is finished, or a merge is claimed or done (a lost
        worker again: the merge is tried again). Its leases stay until they expire, and their
        work goes back to the queue."""
        keys = [self._crawl_key(n) for n in ("workers", "merge_claim", "manifest_done")]
        keys += [self._k["counts"], self._crawl_key("budget")]
        args = [worker, at, int(claim_seconds * 1000), token, self.max_pages]
        found = self._run("worker_lost", args, keys)
        code = int(found[0])
        if code == 1:
            raise WorkerNotLost(f"worker {worker!r} is not on the roster of crawl {self.crawl_id}")
        if code == 2:
            raise WorkerNotLost(f"worker {worker!r} is {_text(found[1])} already")
        if code == 3:
            raise WorkerNotLost(
                f"a worker is merging the manifest of crawl {self.crawl_id}; try again later"
            )
        if code == 4:
            raise WorkerNotLost(
                f"the manifest of crawl {self.crawl_id} is stored ({self.crawl_manifest()})"
            )
        claimed, waiting, queued, leased = found[1:]
        return WorkerFinish(bool(claimed), [_text(w) for w in waiting], int(queued), int(leased))

    def end_merge(self, token: str, done: str | None) -> bool:
        """Give the merge claim back (``done`` None: the manifest was not stored) or mark the
        crawl's manifest stored (``done``: where). False: the claim had expired."""
        keys = [self._crawl_key("merge_claim"), self._crawl_key("manifest_done")]
        return bool(self._run("merge_end", [token, done or ""], keys))
