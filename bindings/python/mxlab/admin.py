"""The admin HTTP API from Python, as kcli uses it: ``Admin(mta)`` for an in-process MTA (or
``Admin(port=..., token=...)`` for an mtad), then ``show_queue()``, ``bounce(domain=...)``,
``suspend(...)``, ``pause("mta")``, ``schedule(id)``, ``rebind(...)``. A refused request raises
AdminError carrying the HTTP status and mtad's reason, exactly what kcli would print."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class AdminError(Exception):
    """A request mtad refused: ``status`` (400, 401, 403, 404, ...) and ``reason``."""

    def __init__(self, method: str, path: str, status: int, reason: str):
        super().__init__(f"{method} {path}: {status} {reason}")
        self.status, self.reason = status, reason


def _selector(domain: str | None, routing_domain: str | None, campaign: str | None, tenant: str | None,
              everything: bool) -> dict:
    body = {k: v for k, v in (("domain", domain), ("routing_domain", routing_domain), ("campaign", campaign),
                              ("tenant", tenant)) if v is not None}
    if everything:
        body["everything"] = True
    return body


class Admin:
    def __init__(self, mta: Any = None, *, port: int | None = None, host: str = "127.0.0.1",
                 token: str | None = None, timeout: float = 10.0):
        if port is None:
            if mta is None:
                raise ValueError("give an MTA (anything with admin_port) or port=")
            port = mta.admin_port
        self.base = f"http://{host}:{port}"
        self.token, self.timeout = token, timeout

    def request(self, method: str, path: str, body: dict | None = None) -> Any:
        """One call; the reply's JSON (or text for non-JSON replies)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                text = resp.read().decode()
                ctype = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            raw = e.read().decode(errors="replace")
            try:
                reason = json.loads(raw).get("reason", raw)
            except ValueError:
                reason = raw
            raise AdminError(method, path, e.code, reason) from None
        return json.loads(text) if "json" in ctype and text else text

    # ---- views ------------------------------------------------------------------------------
    def status(self) -> dict:
        return self.request("GET", "/api/admin/status/v1")

    def show_queue(self) -> list:
        return self.request("GET", "/api/admin/show-queue/v1")

    def inspect_message(self, id: str, want_body: bool = False) -> dict:
        query = urllib.parse.urlencode({"id": id, "want_body": "true" if want_body else "false"})
        return self.request("GET", f"/api/admin/inspect-message/v1?{query}")

    def stats(self) -> dict:
        return self.request("GET", "/api/admin/show-stats/v1")

    # ---- KumoMTA's rules and rebind -----------------------------------------------------------
    def bounce(self, *, reason: str, domain: str | None = None, routing_domain: str | None = None,
               campaign: str | None = None, tenant: str | None = None, everything: bool = False,
               duration: str | None = None, suppress_logging: bool = False) -> dict:
        """Bounces matching queued mail now (and new mail while active); the reply counts them."""
        body = _selector(domain, routing_domain, campaign, tenant, everything) | {"reason": reason}
        if duration:
            body["duration"] = duration
        if suppress_logging:
            body["suppress_logging"] = True
        return self.request("POST", "/api/admin/bounce/v1", body)

    def suspend(self, *, reason: str, domain: str | None = None, campaign: str | None = None,
                tenant: str | None = None, everything: bool = False, duration: str | None = None) -> dict:
        body = _selector(domain, None, campaign, tenant, everything) | {"reason": reason}
        if duration:
            body["duration"] = duration
        return self.request("POST", "/api/admin/suspend/v1", body)

    def suspend_ready_q(self, name: str, *, reason: str, duration: str | None = None) -> dict:
        body = {"name": name, "reason": reason} | ({"duration": duration} if duration else {})
        return self.request("POST", "/api/admin/suspend-ready-q/v1", body)

    def cancel(self, kind: str, id: str) -> dict:
        """Cancels a rule: ``kind`` is "bounce", "suspend" or "suspend-ready-q"."""
        return self.request("DELETE", f"/api/admin/{kind}/v1", {"id": id})

    def rebind(self, *, reason: str, data: dict | None = None, domain: str | None = None,
               routing_domain: str | None = None, campaign: str | None = None, tenant: str | None = None,
               always_flush: bool = False, suppress_logging: bool = False) -> dict:
        body = _selector(domain, routing_domain, campaign, tenant, False) | {"reason": reason, "data": data or {}}
        if always_flush:
            body["always_flush"] = True
        if suppress_logging:
            body["suppress_logging"] = True
        return self.request("POST", "/api/admin/rebind/v1", body)

    # ---- smtpctl's actions --------------------------------------------------------------------
    def pause(self, service: str = "mta") -> dict:
        """"smtp", "mta" or "all"; see pause_envelopes for envelopes."""
        return self.request("POST", "/api/admin/pause/v1", {"service": service})

    def resume(self, service: str = "mta") -> dict:
        return self.request("POST", "/api/admin/resume/v1", {"service": service})

    def pause_envelopes(self, id: str) -> int:
        return self.request("POST", "/api/admin/pause/v1", {"id": id})["paused"]

    def resume_envelopes(self, id: str) -> int:
        return self.request("POST", "/api/admin/resume/v1", {"id": id})["resumed"]

    def schedule(self, id: str = "all") -> int:
        """Retry now; returns the envelopes made due."""
        return self.request("POST", "/api/admin/schedule/v1", {"id": id})["scheduled"]

    def remove(self, id: str) -> int:
        return self.request("POST", "/api/admin/remove/v1", {"id": id})["removed"]
