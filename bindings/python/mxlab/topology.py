"""A test topology: one fake DNS server, fake MX hosts on distinct 127.0.0.N addresses sharing
one port, and MTAs (in-process, or settings for an mtad subprocess) pointed at both. Everything
it starts is stopped by close(), which the context manager and the pytest fixture always call.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import _core
from .config import merge_settings, mta_config, to_yaml

LOCALHOST = "127.0.0.1"
MTA_HOSTNAME = "mta.mxlab.test"
SPOOL_ROOT_ENV = "MXLAB_SPOOL_ROOT"  # parent directory for test spools; default /dev/shm
TMPFS = Path("/dev/shm")


def spool_parent() -> Path | None:
    """Where test spools go: $MXLAB_SPOOL_ROOT, else /dev/shm when it is a writable directory
    (tmpfs: RocksDB's fsync before each 250 costs nothing), else None (the caller's default)."""
    if os.environ.get(SPOOL_ROOT_ENV):
        return Path(os.environ[SPOOL_ROOT_ENV])
    if TMPFS.is_dir() and os.access(TMPFS, os.W_OK):
        return TMPFS
    return None


def free_port(address: str = LOCALHOST) -> int:
    """A TCP port free right now on ``address`` (for daemons that need a fixed port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


_PORTS_PER_WORKER = 1500
_port_counter = os.getpid() % _PORTS_PER_WORKER


def shared_mx_port(address: str = "127.0.0.2") -> int:
    """The port every fake MX host (and multi-hop MTA) of one topology shares. It comes from
    20000-31999, below the kernel's ephemeral range, so no socket elsewhere gets it by accident
    (an ephemeral port picked free on one 127.0.0.N may be taken on another), and from a slice of
    that range per pytest-xdist worker, so parallel workers never share one."""
    global _port_counter
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    base = 20000 + (index % 8) * _PORTS_PER_WORKER
    for _ in range(_PORTS_PER_WORKER):
        port = base + _port_counter % _PORTS_PER_WORKER
        _port_counter += 1
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((address, port))
                return port
            except OSError:
                continue
    return free_port(address)


class Topology:
    """``with Topology(tmp_path) as t: mx = t.add_mx("mx1.example.com"); t.route("example.com", "mx1.example.com")``"""

    def __init__(self, workdir: str | Path, *, dns_address: str = LOCALHOST, first_mx_octet: int = 2):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.dns_address = dns_address
        self.dns: Any = None  # _core.FakeDns once started
        self.hosts: dict[str, _core.MxHost] = {}
        self.mtas: list[_core.Mta] = []
        self.mx_port = shared_mx_port()  # shared by every MX host
        self._next_octet = first_mx_octet
        self._records: list[tuple[str, str, str]] = []  # (name, type, value) for the zone
        self._closed = False
        self.control: Any = None  # _core.ControlApi once started

    # ---- DNS ---------------------------------------------------------------------------------
    def add_record(self, name: str, rtype: str, value: str) -> None:
        """Adds a zone record ("example.com", "MX", "10 mx1.example.com"); live if DNS is running."""
        self._records.append((name, rtype.upper(), value))
        if self.dns is not None:
            self.dns.add_record(name, rtype.upper(), value)  # takes effect for the next query

    def route(self, domain: str, *mx_hosts: str, preference: int = 10) -> None:
        """MX records for ``domain``, one per host in order of preference (10, 20, ...)."""
        for i, host in enumerate(mx_hosts):
            self.add_record(domain, "MX", f"{preference + 10 * i} {host}")

    def start_dns(self) -> Any:
        if self.dns is None:
            self.dns = _core.FakeDns(self._records, address=self.dns_address, port=0)
            self.dns.start()
        return self.dns

    @property
    def nameserver(self) -> str:
        """"address:port" of the fake DNS (started on first use), for resolver.nameservers."""
        return self.start_dns().nameserver

    # ---- MX hosts ----------------------------------------------------------------------------
    def add_mx(self, name: str, address: str | None = None, rules: Iterable["_core.Rule"] = (),
               server: "_core.ServerOptions | None" = None, a_record: bool = True, *,
               behaviour: "_core.BehaviourOptions | None" = None, refuse: bool = False,
               record_path: str = "", tls: "_core.TlsConfig | None" = None) -> "_core.MxHost":
        """Starts a fake MX named ``name`` on the next 127.0.0.N (or ``address``) at the shared
        port, and by default publishes its A record. ``behaviour`` sets the seed, address
        conventions, tarpit and greylisting; ``refuse`` binds the port without listening;
        ``tls`` makes it offer STARTTLS (or fail at it) with a certificate naming ``name``."""
        if address is None:
            address = f"127.0.0.{self._next_octet}"
            self._next_octet += 1
        config = _core.MxHostConfig(name=name, address=address, port=self.mx_port, rules=list(rules),
                                    server=server, behaviour=behaviour, refuse=refuse,
                                    record_path=record_path)
        if tls is not None:
            config.tls = tls
        host = _core.MxHost(config)
        host.start()
        self.hosts[name] = host
        self.mx_port = host.port
        if a_record:
            self.add_record(name, "A", address)
        return host

    def mx(self, name: str) -> "_core.MxHost":
        return self.hosts[name]

    def start_control_api(self, address: str = LOCALHOST, port: int = 0) -> "_core.ControlApi":
        """Serves the HTTP control API (/api/fakemx/v1/...) over this topology's hosts and DNS."""
        if self.control is None:
            self.control = _core.ControlApi(list(self.hosts.values()), self.start_dns())
            self.control.start(address, port)
        return self.control

    def reset(self) -> None:
        """Forgets every host's recordings, greylist triplets and rule counts, and the DNS query log."""
        for host in self.hosts.values():
            host.reset()
        if self.dns is not None:
            self.dns.clear_query_log()

    # ---- MTAs --------------------------------------------------------------------------------
    def mta_settings(self, overrides: Mapping[str, Any] | None = None, *, name: str | None = None) -> dict:
        """The settings dict of an MTA wired into this topology (spool and log under workdir);
        used as-is for in-process MTAs and rendered to YAML for mtad subprocesses."""
        name = name or f"mta{len(self.mtas)}"
        base = {
            "hostname": MTA_HOSTNAME,
            "listeners": [{"address": LOCALHOST, "port": 0}],
            "spool": {"path": str(self.workdir / name / "spool")},
            "resolver": {"nameservers": [self.nameserver], "timeout": "500ms", "attempts": 2},
            "delivery": {"port": self.mx_port or 25, "ehlo_name": MTA_HOSTNAME,
                         "connect_timeout": "2s", "command_timeout": "5s", "data_timeout": "10s"},
            "retry": {"initial_interval": "1s", "max_age": "1d"},
            "admin": {"enabled": True, "address": LOCALHOST, "port": 0},
            "log": {"path": str(self.workdir / name / "delivery.jsonl")},
        }
        (self.workdir / name).mkdir(parents=True, exist_ok=True)
        return merge_settings(base, overrides)

    def start_mta(self, overrides: Mapping[str, Any] | None = None, *, clock: Any = None,
                  name: str | None = None, virtual_time: bool = False) -> "_core.Mta":
        """Starts an in-process MTA; ``overrides`` merge into mta_settings(). With ``virtual_time``
        the MTA's clock stands still until ``mta.advance(seconds)`` moves it, so days of retries
        run in milliseconds (network timeouts stay real)."""
        settings = self.mta_settings(overrides, name=name)
        mta = _core.Mta(mta_config(settings, name=name or f"mta{len(self.mtas)}"), clock,
                        virtual_time=virtual_time)
        self.mtas.append(mta)  # before start(): close() must stop a half-started MTA too
        mta.start()
        return mta

    def write_mtad_config(self, overrides: Mapping[str, Any] | None = None, *,
                          name: str = "mtad") -> tuple[Path, dict]:
        """Writes the YAML config of an mtad subprocess (ephemeral ports: mtad prints them);
        returns (path, settings)."""
        settings = self.mta_settings(overrides, name=name)
        path = self.workdir / name / "mtad.yaml"
        path.write_text(to_yaml(settings))
        return path, settings

    # ---- mail and waits ----------------------------------------------------------------------
    def send(self, mail_from: str, rcpt_to: str | Sequence[str], data: str | bytes, *,
             mta: "_core.Mta | None" = None, port: int | None = None, check: bool = True,
             timeout: float = 10.0) -> "_core.SendResult":
        """Submits a message to an MTA's SMTP port (the first MTA by default). With ``check``,
        anything but 250 after DATA raises SmtpError."""
        if port is None:
            port = (mta or self._first_mta()).smtp_port()
        rcpts = [rcpt_to] if isinstance(rcpt_to, str) else list(rcpt_to)
        result = _core.send_message(LOCALHOST, port, mail_from, rcpts, data, helo="client.mxlab.test",
                                    timeout=timeout)
        if check and not result.accepted:
            raise _core.SmtpError(f"message not accepted: {result.final_reply.summary()}")
        return result

    def wait_for_log(self, type: str | "_core.RecordType", count: int = 1, timeout: float = 10.0, *,
                     recipient: str = "", mta: "_core.Mta | None" = None) -> list:
        """Blocks until the MTA's delivery log holds ``count`` records of ``type``."""
        return (mta or self._first_mta()).wait_for_log(type, count, timeout, recipient)

    def wait_for_delivery(self, count: int = 1, timeout: float = 10.0, *, recipient: str = "",
                          mta: "_core.Mta | None" = None) -> list:
        return self.wait_for_log("Delivery", count, timeout, recipient=recipient, mta=mta)

    def _first_mta(self) -> "_core.Mta":
        if not self.mtas:
            raise RuntimeError("no MTA started in this topology")
        return self.mtas[0]

    # ---- lifetime ----------------------------------------------------------------------------
    def close(self) -> None:
        """Stops MTAs first (they talk to the rest), then MX hosts, then DNS. Idempotent; keeps
        going past a failure and re-raises the first one."""
        if self._closed:
            return
        self._closed = True
        first_error: BaseException | None = None
        stoppers = [self.control.stop] if self.control is not None else []
        stoppers += [m.stop for m in reversed(self.mtas)] + [h.stop for h in self.hosts.values()]
        if self.dns is not None:
            stoppers.append(self.dns.stop)
        for stop in stoppers:
            try:
                stop()
            except BaseException as e:  # noqa: BLE001 - teardown must reach every component
                first_error = first_error or e
        if first_error is not None:
            raise first_error

    def __enter__(self) -> "Topology":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
