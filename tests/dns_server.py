"""A stub DNS server on 127.0.0.1 (UDP, a free port) for tests: answers from a table, records
every query, TTL 0 (dnslib)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Self

from dnslib import QTYPE, RR, A, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

if TYPE_CHECKING:
    from collections.abc import Callable

# name (lower case, no trailing dot) -> the address to answer, or a function of the number of
# earlier queries for that name giving it (rebinding); None: NXDOMAIN.
Answer = str | None
Table = dict[str, "Answer | Callable[[int], Answer]"]


class _Resolver(BaseResolver):  # type: ignore[misc]
    def __init__(self, table: Table) -> None:
        self.table = table
        self.queries: list[str] = []
        self._lock = threading.Lock()

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        with self._lock:
            asked_before = self.queries.count(name)
            self.queries.append(name)
        entry = self.table.get(name)
        address = entry(asked_before) if callable(entry) else entry
        if address is None:
            reply.header.rcode = 3  # NXDOMAIN
        elif request.q.qtype in (QTYPE.A, QTYPE.ANY):  # twisted.names asks for ANY
            reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(address), ttl=0))
        return reply


class StubDNS:
    """``with StubDNS({"site.test": "127.0.0.1"}) as dns: … dns.server …``."""

    def __init__(self, table: Table) -> None:
        self._resolver = _Resolver(table)
        # Quiet: dnslib's default logger prints every query and reply to stdout.
        quiet = DNSLogger(logf=lambda _line: None)
        self._server = DNSServer(self._resolver, address="127.0.0.1", port=0, logger=quiet)

    @property
    def server(self) -> str:
        """``address:port``, as NEWSARC_DNS_SERVERS takes it."""
        host, port = self._server.server.server_address[:2]
        return f"{host}:{port}"

    @property
    def queries(self) -> list[str]:
        return list(self._resolver.queries)

    def __enter__(self) -> Self:
        self._server.start_thread()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
        self._server.server.server_close()
