"""Every worked example in examples/ runs and succeeds (small sizes where they take one)."""
import os
import subprocess
import sys
from pathlib import Path

import mxlab

ROOT = Path(__file__).resolve().parents[2]
BUILD_PYTHON = Path(mxlab.__file__).resolve().parents[1]


def run_example(name: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(BUILD_PYTHON))
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name), *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{name} exited {proc.returncode}\n{proc.stdout}{proc.stderr}"
    return proc


def test_deferral_storm_from_yaml():
    out = run_example("deferral_storm.py").stdout
    assert "\nPASS\n" in "\n" + out
    assert "storm summary: 12 delivered" in out


def test_starttls_refused_falls_back_to_plaintext():
    out = run_example("starttls_refused.py").stdout
    assert "1. STARTTLS answered: 454" in out
    assert "2. STARTTLS handshake failed" in out
    assert "STARTTLS fallbacks behave as configured" in out


def test_load_burst_accounts_for_every_message():
    out = run_example("load_burst.py", "40", "4").stdout
    assert "accounting holds: every message delivered exactly once, queue empty" in out
