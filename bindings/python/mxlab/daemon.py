"""The real mtad binary as a subprocess, for tests that need a process boundary (SIGKILL and
restart on the same spool, kcli against a daemon). Output goes to a file next to the config.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

from .waits import wait_until

STOP_TIMEOUT = 10.0  # seconds mtad gets to drain after SIGTERM before SIGKILL


def port_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class Mtad:
    """One mtad process: ``Mtad(binary, config_path, smtp=("127.0.0.1", port)).start()``."""

    def __init__(self, binary: str | os.PathLike, config_path: str | os.PathLike,
                 smtp: tuple[str, int], extra_args: list[str] | None = None):
        self.binary = Path(binary)
        self.config_path = Path(config_path)
        self.smtp = smtp
        self.extra_args = list(extra_args or [])
        self.output_path = self.config_path.with_suffix(".out")
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 15.0) -> "Mtad":
        """Starts mtad and waits until its SMTP listener accepts connections."""
        out = open(self.output_path, "ab")
        self.process = subprocess.Popen([str(self.binary), "--config", str(self.config_path), *self.extra_args],
                                        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()  # the child holds its own descriptor
        wait_until(lambda: self._exited_early() or port_accepts(*self.smtp), timeout,
                   f"mtad to listen on {self.smtp[0]}:{self.smtp[1]}")
        return self

    def _exited_early(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"mtad exited with {self.process.returncode}:\n{self.output()}")
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
