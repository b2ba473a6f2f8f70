"""Live SMTP traces in-process: subscribe to an MTA's client or server sessions with the same
filters as ``kcli trace-smtp-client`` / ``trace-smtp-server``, wait for events matching a pattern
with a deadline, and assert on sequences ("wrote STARTTLS, then read 454, then moved on").

    with mxlab.trace.subscribe(mta, "client", domain="example.com") as t:
        topo.send(...)
        t.wait_for(kind="Write", contains="MAIL FROM")
        t.assert_sequence([Match(kind="Write", contains="STARTTLS"), Match(kind="Read", startswith="454")])

Events are KumoMTA's ``{conn_meta, payload, when}``; counts satisfy
produced == delivered + dropped + filtered + queued, exactly.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from ._core import WaitTimeout

# kcli flag names -> filter request keys (the WebSocket's first frame).
FLAG_KEYS = {
    "source": "source_addr", "mx_addr": "mx_addr", "mx_host": "mx_host", "domain": "domain",
    "routing_domain": "routing_domain", "campaign": "campaign", "tenant": "tenant",
    "egress_pool": "egress_pool", "egress_source": "egress_source", "mail_from": "mail_from",
    "rcpt_to": "rcpt_to", "ready_queue": "ready_queue", "source_addr": "source_addr",
}


@dataclass(frozen=True)
class TraceEvent:
    """One event. ``kind`` is the payload variant ("Read", "Connected", "AbbreviatedWrite"...),
    ``data`` its value (the bytes for Read/Write, a dict for Diagnostic and the like)."""
    conn_meta: dict
    payload: Any
    when: str

    @classmethod
    def from_json(cls, text: str) -> "TraceEvent":
        d = json.loads(text)
        return cls(d.get("conn_meta") or {}, d.get("payload"), d.get("when", ""))

    @property
    def kind(self) -> str:
        if isinstance(self.payload, str):
            return self.payload
        return next(iter(self.payload)) if self.payload else ""

    @property
    def data(self) -> Any:
        return None if isinstance(self.payload, str) else self.payload[self.kind]

    @property
    def text(self) -> str:
        """Read/Write bytes, a Diagnostic's message, an abbreviation's snippet; else ''."""
        d = self.data
        if isinstance(d, str):
            return d
        if isinstance(d, dict):
            return str(d.get("message", d.get("snippet", "")))
        return ""

    @property
    def session(self) -> str:
        """The session key: conn_meta id (client) or received_from (server)."""
        return str(self.conn_meta.get("id") or self.conn_meta.get("received_from") or "")

    def __str__(self) -> str:
        return f"{self.kind} {self.text!r}" if self.text else self.kind


@dataclass
class Match:
    """A pattern for one event: every given field must hold. ``meta`` entries compare conn_meta
    values; ``where`` is any predicate."""
    kind: str | None = None
    contains: str | None = None
    startswith: str | None = None
    meta: dict = field(default_factory=dict)
    where: Callable[[TraceEvent], bool] | None = None

    def __call__(self, e: TraceEvent) -> bool:
        if self.kind is not None and e.kind != self.kind:
            return False
        if self.contains is not None and self.contains not in e.text:
            return False
        if self.startswith is not None and not e.text.startswith(self.startswith):
            return False
        if any(e.conn_meta.get(k) != v for k, v in self.meta.items()):
            return False
        return self.where is None or self.where(e)

    def __str__(self) -> str:
        parts = [f"{k}={v!r}" for k, v in (("kind", self.kind), ("contains", self.contains),
                                            ("startswith", self.startswith)) if v is not None]
        parts += [f"meta.{k}={v!r}" for k, v in self.meta.items()]
        return "Match(" + ", ".join(parts) + ")"


def _matcher(pattern: Match | Callable[[TraceEvent], bool] | None, kwargs: dict) -> Callable[[TraceEvent], bool]:
    if pattern is not None and kwargs:
        raise TypeError("give a pattern or keyword fields, not both")
    return pattern if pattern is not None else Match(**kwargs)


def filter_request(filters: dict) -> dict:
    """kcli-style keyword filters -> the filter request; a string is a one-element list."""
    request = {}
    for name, value in filters.items():
        key = FLAG_KEYS.get(name)
        if key is None:
            raise ValueError(f"unknown trace filter {name!r} (known: {', '.join(sorted(FLAG_KEYS))})")
        request[key] = [value] if isinstance(value, str) else list(value)
    return request


class Trace:
    """A subscription; also remembers every event it returned (``events``)."""

    def __init__(self, hub: Any, direction: str = "client", *, capacity: int = 4096, terse: bool = False,
                 name: str = "", **filters: str | Sequence[str]):
        request = filter_request(filters)
        self._sub = hub.subscribe(direction, json.dumps(request), capacity, terse, name)
        self.direction = direction
        self.events: list[TraceEvent] = []

    def next(self, timeout: float = 1.0) -> TraceEvent | None:
        text = self._sub.next(timeout)
        if text is None:
            return None
        e = TraceEvent.from_json(text)
        self.events.append(e)
        return e

    def drain(self) -> list[TraceEvent]:
        """Every event buffered now, without waiting."""
        out = []
        while (text := self._sub.try_next()) is not None:
            e = TraceEvent.from_json(text)
            self.events.append(e)
            out.append(e)
        return out

    def iter(self, timeout: float) -> Iterator[TraceEvent]:
        """Events until ``timeout`` seconds have passed (or the subscription closes)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            e = self.next(left)
            if e is None and self._sub.closed:
                return
            if e is not None:
                yield e

    def wait_for(self, pattern: Match | Callable[[TraceEvent], bool] | None = None, *, timeout: float = 10.0,
                 **fields: Any) -> TraceEvent:
        """The first new event matching; raises WaitTimeout listing what was seen."""
        match = _matcher(pattern, fields)
        seen_before = len(self.events)
        for e in self.iter(timeout):
            if match(e):
                return e
        seen = "\n  ".join(str(e) for e in self.events[seen_before:][-30:]) or "(nothing)"
        raise WaitTimeout(f"waited {timeout}s for a {self.direction} trace event {match}; saw:\n  {seen}")

    def wait_for_closed(self, count: int = 1, *, timeout: float = 10.0) -> list[TraceEvent]:
        """Waits until ``count`` sessions have closed (Closed events since subscribing)."""
        deadline = time.monotonic() + timeout
        while sum(1 for e in self.events if e.kind == "Closed") < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(f"waited {timeout}s for {count} closed {self.direction} session(s)")
            self.next(min(left, 0.5))
        return self.events

    def sessions(self) -> dict[str, list[TraceEvent]]:
        """Events seen so far grouped by session, in order."""
        out: dict[str, list[TraceEvent]] = {}
        for e in self.events:
            if e.session:
                out.setdefault(e.session, []).append(e)
        return out

    def assert_sequence(self, steps: Sequence[Match | Callable[[TraceEvent], bool]],
                        events: Iterable[TraceEvent] | None = None) -> list[TraceEvent]:
        return assert_sequence(self.events if events is None else events, steps)

    def counts(self) -> dict:
        return self._sub.counts()

    def close(self) -> dict:
        """Ends the subscription; returns the final counts (queued is then 0)."""
        self._sub.close()
        return self._sub.counts()

    def __enter__(self) -> "Trace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def subscribe(mta: Any, direction: str = "client", **options: Any) -> Trace:
    """Subscribes to ``mta``'s client or server traces; keyword filters as kcli's flags."""
    return Trace(mta.trace_hub, direction, **options)


def assert_sequence(events: Iterable[TraceEvent], steps: Sequence[Match | Callable[[TraceEvent], bool]]
                    ) -> list[TraceEvent]:
    """Each step matches a later event than the previous step (other events may come between).
    Returns the matched events; raises AssertionError naming the first step not found."""
    events = list(events)
    matched, at = [], 0
    for i, step in enumerate(steps):
        while at < len(events) and not step(events[at]):
            at += 1
        if at == len(events):
            tail = "\n  ".join(str(e) for e in events[-30:]) or "(no events)"
            raise AssertionError(f"step {i + 1} of {len(steps)} ({step}) not found after "
                                 f"{matched[-1] if matched else 'the start'}; events:\n  {tail}")
        matched.append(events[at])
        at += 1
    return matched
