"""The real mtad binary as a subprocess, for tests that need a process boundary (SIGKILL and
restart on the same spool, kcli against a daemon). Output goes to a file next to the config.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

from ._core import StartError
from .waits import wait_until

STOP_TIMEOUT = 10.0  # seconds mtad gets to drain after SIGTERM before SIGKILL
# mtad's start-up line (mta/mtad.cpp), printed once every listener is bound.
LISTENING = re.compile(r"mtad: listening smtp=(?P<smtp_addr>\S+):(?P<smtp>\d+) "
                       r"admin=(?P<admin_addr>\S+):(?P<admin>\d+) recovered=(?P<recovered>\d+)")


class Mtad:
    """One mtad process: ``Mtad(binary, config_path).start()``, then ``.smtp_port``/``.admin_port``."""

    def __init__(self, binary: str | os.PathLike, config_path: str | os.PathLike,
                 extra_args: list[str] | None = None):
        self.binary = Path(binary)
        self.config_path = Path(config_path)
        self.extra_args = list(extra_args or [])
        self.output_path = self.config_path.with_suffix(".out")
        self.process: subprocess.Popen | None = None
        self.smtp_port = 0
        self.admin_port = 0
        self.recovered = 0

    def start(self, timeout: float = 15.0) -> "Mtad":
        """Starts mtad and waits for its "listening" line; raises StartError if it exits first."""
        self.output_path.write_bytes(b"")  # each run's output alone, so the line parsed is this run's
        with open(self.output_path, "ab") as out:  # the child keeps its own descriptor
            self.process = subprocess.Popen([str(self.binary), "--config", str(self.config_path), *self.extra_args],
                                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        found = wait_until(lambda: self._exited_early() or LISTENING.search(self.output()), timeout,
                           f"mtad to report its listening ports (output: {self.output_path})")
        self.smtp_port, self.admin_port = int(found["smtp"]), int(found["admin"])
        self.recovered = int(found["recovered"])
        return self

    def _exited_early(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise StartError(f"mtad exited with {self.process.returncode}:\n{self.output()}")
        return False

    def output(self) -> str:
        try:
            return self.output_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no drain, no flush; what the spool promised must survive this."""
        if self.running:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> int | None:
        """SIGTERM then wait; SIGKILL if the drain overruns. Returns the exit status."""
        if self.process is None:
            return None
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def __enter__(self) -> "Mtad":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
