#!/usr/bin/env bash
# `make pip-check`: `pip install .` into a fresh venv made from Debian's python3 with
# --system-site-packages (pybind11, pytest come from apt) and --no-build-isolation (offline),
# then runs a small test project OUTSIDE the source tree: its fixtures must come from the
# installed plugin's pytest11 entry point, its SmtpSession and scenario from the installed _core.
# Reuses the CMake tree in $MXLAB_CMAKE_BUILD_DIR (default: build/) so only _core is relinked.
set -euo pipefail
unset PYTHONPATH  # the project must import the installed mxlab, not a build tree's
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${MXLAB_CMAKE_BUILD_DIR:-$ROOT/build}
WORK=$(mktemp -d /tmp/mxlab-pip-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

/usr/bin/python3 -m venv --system-site-packages "$WORK/venv"
MXLAB_CMAKE_BUILD_DIR=$BUILD "$WORK/venv/bin/python" -m pip install --quiet --no-build-isolation --no-deps \
  --no-index "$ROOT"

mkdir -p "$WORK/project/scenarios"
cd "$WORK/project"
cat > pytest.ini <<'INI'
[pytest]
mxlab_scenarios = scenarios
INI
cat > scenarios/delivered.yaml <<'YAML'
# The installed plugin collects this file and runs it with fakemx.
dns:
  example.com: "MX 10 mx1.example.com"
  mx1.example.com: "A 127.0.0.2"
hosts:
  mx1.example.com: {address: 127.0.0.2}
messages: [{from: a@origin.test, to: [b@example.com]}]
expect: [{recipient: b@example.com, delivered_to: mx1.example.com}]
YAML
cat > test_installed.py <<'PY'
import pathlib

import mxlab


def test_imported_from_the_venv():
    assert "site-packages" in mxlab.__file__
    assert (pathlib.Path(mxlab.__file__).parent / "_core.pyi").exists()
    assert (pathlib.Path(mxlab.__file__).parent / "py.typed").exists()


def test_fixtures_from_the_entry_point(mxlab_topology):
    topo = mxlab_topology()
    mx = topo.add_mx("mx1.example.com")
    topo.route("example.com", "mx1.example.com")
    topo.start_mta()
    topo.send("a@origin.test", ["b@example.com"], b"Subject: pip\r\n\r\nhi\r\n")
    topo.wait_for_delivery()
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect(mx.address, mx.port, expect=220)
        s.ehlo(expect=250)
PY
# Scenario items need the fakemx binary of the same build.
MXLAB_BIN_DIR=$BUILD/bin "$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider
echo "pip-check: installed package, entry-point plugin and scenario collection work"
