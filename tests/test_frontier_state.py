"""The per-URL state machine of the frontier (crawler/frontier/state.py), on its own: every path
a request can take ends in exactly one terminal state, whatever the order its events come in."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.frontier.state import Outcome, UrlStates

URL = "http://s/a"


def test_a_page_is_done_when_its_callback_ended_and_its_items_left() -> None:
    states = UrlStates()
    states.scheduled(URL)
    assert states.response_started(URL)
    states.output(URL)
    states.output(URL)
    assert states.finished(URL) is None  # two items still in the pipelines
    assert states.item_left(URL) is None
    assert states.item_left(URL) == Outcome("done")
    assert URL not in states
    assert states.item_left(URL) is None  # a stray report after the end changes nothing


def test_items_may_leave_before_the_callback_ends() -> None:
    states = UrlStates()
    states.scheduled(URL)
    states.response_started(URL)
    states.output(URL)
    assert states.item_left(URL) is None
    assert states.finished(URL) == Outcome("done")


def test_an_unarchived_response_stays_queued_whatever_was_decided_before() -> None:
    states = UrlStates()
    states.scheduled(URL)
    states.response_started(URL)
    states.failed_in_callback(URL, "failed", "http_500: HTTP 500")
    outcome = states.not_archived(URL)
    assert outcome == Outcome("queued") and not outcome.final


def test_an_item_error_holds_the_url_queued_against_a_callback_error() -> None:
    states = UrlStates()
    states.scheduled(URL)
    states.response_started(URL)
    states.output(URL)
    assert states.item_error(URL, "OSError: disk full") is None
    states.callback_failed(URL, "callback: ValueError: x")
    assert states.finished(URL) == Outcome("queued", "OSError: disk full")


def test_a_callback_error_fails_the_url() -> None:
    states = UrlStates()
    states.scheduled(URL)
    states.response_started(URL)
    states.output(URL)
    states.callback_failed(URL, "callback: ValueError: x")
    assert states.finished(URL) is None
    assert states.item_left(URL) == Outcome("failed", "callback: ValueError: x")


def test_an_http_error_ends_with_the_callback_that_reported_it() -> None:
    states = UrlStates()
    states.scheduled(URL)
    states.response_started(URL)
    states.failed_in_callback(URL, "failed", "http_404: HTTP 404")
    assert states.finished(URL) == Outcome("failed", "http_404: HTTP 404")


def test_fetches_that_end_without_a_callback() -> None:
    cases = [
        (lambda s: s.fetch_failed(URL, "failed", "dns: x"), Outcome("failed", "dns: x")),
        (lambda s: s.fetch_failed(URL, "skipped", "robots"), Outcome("skipped", "robots")),
        (
            lambda s: s.dropped(URL, redirected=True),
            Outcome("done", "redirect to a URL already seen"),
        ),
        (lambda s: s.dropped(URL, redirected=False), Outcome("skipped", "duplicate")),
        (lambda s: s.offsite(URL, "offsite: x"), Outcome("skipped", "offsite: x")),
    ]
    for event, expected in cases:
        states = UrlStates()
        states.scheduled(URL)
        assert event(states) == expected
        assert len(states) == 0


def test_a_second_fetch_of_the_url_keeps_it_open_and_decides_its_outcome() -> None:
    # The spider asks for a plain page again in the browser from its callback.
    states = UrlStates()
    states.scheduled(URL)
    states.response_started(URL)
    states.scheduled(URL)  # the browser request, yielded by the callback
    assert states.finished(URL) is None
    states.response_started(URL)
    states.failed_in_callback(URL, "failed", "http_503: HTTP 503")
    assert states.finished(URL) == Outcome("failed", "http_503: HTTP 503")


def test_events_for_a_url_that_is_not_open_change_nothing() -> None:
    states = UrlStates()
    assert not states.response_started(URL)
    states.output(URL)
    states.callback_failed(URL, "x")
    states.failed_in_callback(URL, "failed", "x")
    for end in (
        states.finished,
        states.not_archived,
        states.item_left,
        lambda url: states.item_error(url, "x"),
        lambda url: states.fetch_failed(url, "failed", "x"),
        lambda url: states.offsite(url, "x"),
    ):
        assert end(URL) is None
    assert len(states) == 0
    states.scheduled(URL)
    assert states.item_left(URL) is None  # no item was counted: the fetch stays open
    assert states.finished(URL) is None  # no callback started
    assert URL in states


# --- every interleaving of the events a request can see ---------------------------------------


class _RefCounts:
    """The reference counting the state machine replaced (crawler/frontier.py before), as an
    oracle: one counter per URL and one outcome slot that the last report overwrites."""

    def __init__(self) -> None:
        self.open = 0
        self.slot: tuple[str, str | None] | None = None
        self.final: list[tuple[str, str | None]] = []

    def _end(self, outcome: tuple[str, str | None] | None, *, keep: bool = False) -> None:
        if not keep:
            self.slot = outcome
        self.open -= 1
        if self.open == 0:
            self.final.append(self.slot or ("queued", None))

    def feed(self, event: tuple[str, ...]) -> None:
        kind = event[0]
        if kind in ("scheduled", "started", "output"):
            self.open += 1
        elif kind == "finished":
            self._end(None, keep=True)
            self._end(self.slot or ("done", None))
        elif kind == "not_archived":
            self._end(None)
            self._end(None)
        elif kind == "failed_in_callback":
            self.slot = (event[1], event[2])
        elif kind == "callback_failed":
            if (self.slot or ("",))[0] != "queued":
                self.slot = ("failed", event[1])
        elif kind == "item_left":
            self._end(None, keep=True)
        elif kind == "item_error":
            self._end(("queued", event[1]))
        elif kind == "fetch_failed":
            self._end((event[1], event[2]))
        elif kind == "dropped":
            redirected = event[1] == "redirected"
            self._end(
                ("done", "redirect to a URL already seen")
                if redirected
                else ("skipped", "duplicate")
            )
        elif kind == "offsite":
            self._end(("skipped", event[1]))


def _feed(states: UrlStates, event: tuple[str, ...]) -> Outcome | None:
    kind = event[0]
    if kind == "scheduled":
        states.scheduled(URL)
        return None
    if kind == "started":
        assert states.response_started(URL)
        return None
    if kind == "output":
        states.output(URL)
        return None
    if kind == "failed_in_callback":
        states.failed_in_callback(URL, event[1], event[2])
        return None
    if kind == "callback_failed":
        states.callback_failed(URL, event[1])
        return None
    if kind == "finished":
        return states.finished(URL)
    if kind == "not_archived":
        return states.not_archived(URL)
    if kind == "item_left":
        return states.item_left(URL)
    if kind == "item_error":
        return states.item_error(URL, event[1])
    if kind == "fetch_failed":
        return states.fetch_failed(URL, event[1], event[2])
    if kind == "dropped":
        return states.dropped(URL, redirected=event[1] == "redirected")
    assert kind == "offsite"
    return states.offsite(URL, event[1])


@dataclass
class _Thread:
    """Events that must come in this order (a fetch, or one item after it was yielded)."""

    events: list[tuple[str, ...]]
    spawns: dict[int, list[_Thread]] = field(default_factory=dict)


@st.composite
def _fetch(draw: st.DrawFn) -> _Thread:
    """One fetch of the URL: every path its request can take through the crawl."""
    path = draw(st.sampled_from(["response", "response", "failed", "dropped", "offsite"]))
    if path == "failed":
        state = draw(st.sampled_from(["failed", "skipped"]))
        return _Thread([("fetch_failed", state, f"{state} reason")])
    if path == "dropped":
        return _Thread([("dropped", draw(st.sampled_from(["redirected", "duplicate"])))])
    if path == "offsite":
        return _Thread([("offsite", "offsite: elsewhere")])
    thread = _Thread([("started",)])
    if draw(st.booleans()):  # an HTTP error status: the errback runs as the callback
        thread.events.append(("failed_in_callback", "failed", "http_404: HTTP 404"))
    for n in range(draw(st.integers(0, 3))):
        thread.events.append(("output",))
        end = draw(st.sampled_from(["item_left", "item_left", "item_error"]))
        item = _Thread([("item_left",)] if end == "item_left" else [("item_error", f"item {n}")])
        thread.spawns[len(thread.events)] = [item]  # may run once its output was yielded
    if draw(st.booleans()):
        thread.events.append(("callback_failed", "callback: ValueError: x"))
    thread.events.append(draw(st.sampled_from([("finished",), ("finished",), ("not_archived",)])))
    return thread


@st.composite
def _interleaving(draw: st.DrawFn) -> list[tuple[str, ...]]:
    """A complete path of the URL: 1-3 fetches, their events and their items' in any order
    that each thread's own order allows."""
    fetches = draw(st.lists(_fetch(), min_size=1, max_size=3))
    events: list[tuple[str, ...]] = [("scheduled",)] * len(fetches)
    running = [[thread, 0] for thread in fetches]
    while running:
        i = draw(st.integers(0, len(running) - 1))
        thread, pos = running[i]
        assert isinstance(thread, _Thread) and isinstance(pos, int)
        events.append(thread.events[pos])
        running[i][1] = pos + 1
        running.extend([spawned, 0] for spawned in thread.spawns.get(pos + 1, []))
        if pos + 1 == len(thread.events):
            del running[i]
    return events


@settings(max_examples=150, deadline=None)
@given(_interleaving())
def test_every_complete_path_ends_in_exactly_one_terminal_state(
    events: list[tuple[str, ...]],
) -> None:
    states = UrlStates()
    outcomes = [(i, outcome) for i, e in enumerate(events) if (outcome := _feed(states, e))]
    # Exactly one, never two, and only when the path is complete (its last event).
    assert [i for i, _ in outcomes] == [len(events) - 1]
    assert URL not in states and len(states) == 0
    ((_, outcome),) = outcomes
    assert outcome.state in ("queued", "done", "failed", "skipped")
    # The same outcome the reference counting decided.
    oracle = _RefCounts()
    for event in events:
        oracle.feed(event)
    assert oracle.final == [(outcome.state, outcome.reason)]


_OPENING = ("scheduled", "started", "output", "failed_in_callback", "callback_failed")


@settings(max_examples=100, deadline=None)
@given(_interleaving())
def test_a_path_that_lost_any_closing_report_never_ends(events: list[tuple[str, ...]]) -> None:
    # Whichever report that closes part of the URL's work is lost (a fetch's end, a callback's
    # end, an item leaving), the URL stays open: no other report ends it by mistake.
    for lost, event in enumerate(events):
        if event[0] in _OPENING:
            continue
        states = UrlStates()
        for i, other in enumerate(events):
            if i != lost:
                assert _feed(states, other) is None, (event, other)
        assert URL in states


def _feed_lenient(states: UrlStates, event: tuple[str, ...]) -> Outcome | None:
    if event[0] == "started":
        states.response_started(URL)
        return None
    return _feed(states, event)


_ANY_EVENT = st.sampled_from(
    [
        ("scheduled",),
        ("started",),
        ("output",),
        ("failed_in_callback", "failed", "http_404"),
        ("callback_failed", "x"),
        ("finished",),
        ("not_archived",),
        ("item_left",),
        ("item_error", "x"),
        ("fetch_failed", "failed", "x"),
        ("dropped", "redirected"),
        ("dropped", "duplicate"),
        ("offsite", "x"),
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_ANY_EVENT, max_size=40))
def test_no_sequence_of_reports_ends_a_url_twice_or_one_never_scheduled(
    events: list[tuple[str, ...]],
) -> None:
    states = UrlStates()
    lives = 0  # scheduled since the last terminal outcome
    for event in events:
        before = URL in states
        outcome = _feed_lenient(states, event)
        if event[0] == "scheduled" and not before:
            lives += 1
        if outcome is not None:
            assert lives == 1 and URL not in states  # one outcome per life, then it is gone
            lives = 0
        assert (URL in states) == (lives == 1)
