"""`pip install .` into a venv and a test project outside the tree (scripts/pip-check.sh).
Slow (relinks _core, builds a wheel): marked `pip`, run by `make pip-check`, not `make test`."""
import os
import subprocess
from pathlib import Path

import pytest

import mxlab

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(mxlab.__file__).resolve().parents[2]  # <build>/python/mxlab -> <build>


@pytest.mark.pip
def test_pip_install_into_a_venv_gives_fixtures_and_scenarios():
    env = dict(os.environ, MXLAB_CMAKE_BUILD_DIR=str(BUILD))
    proc = subprocess.run(["bash", str(ROOT / "scripts/pip-check.sh")], env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "3 passed" in proc.stdout
