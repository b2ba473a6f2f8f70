"""pytest plugin (entry point ``mxlab``): the ``mxlab_topology`` factory fixture, whose
topologies are always closed at teardown, and ``mxlab_bin`` for the mtad/kcli binaries.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

from .topology import Topology

BIN_DIR_ENV = "MXLAB_BIN_DIR"
BUILD_DIR_ENV = "MXLAB_BUILD_DIR"  # also read by sim/scenarios


@pytest.fixture
def mxlab_topology(tmp_path: Path) -> Callable[..., Topology]:
    """Factory: ``topo = mxlab_topology()``; each call gets its own directory under tmp_path."""
    made: list[Topology] = []

    def make(**kwargs) -> Topology:
        topo = Topology(tmp_path / f"topology{len(made)}", **kwargs)
        made.append(topo)
        return topo

    yield make
    errors = []
    for topo in reversed(made):
        try:
            topo.close()
        except Exception as e:  # noqa: BLE001 - close every topology, report the first failure
            errors.append(e)
    if errors:
        raise errors[0]


def bin_dir() -> Path:
    """The directory holding mtad and kcli: $MXLAB_BIN_DIR; else <build>/bin of the build tree
    this package was imported from (<build>/python/mxlab), so binaries match the module; else
    $MXLAB_BUILD_DIR/bin."""
    if os.environ.get(BIN_DIR_ENV):
        return Path(os.environ[BIN_DIR_ENV])
    beside = Path(__file__).resolve().parents[2] / "bin"
    if beside.is_dir() or not os.environ.get(BUILD_DIR_ENV):
        return beside
    return Path(os.environ[BUILD_DIR_ENV]) / "bin"


@pytest.fixture
def mxlab_bin() -> Callable[[str], Path]:
    """``mxlab_bin("mtad")``: the path of a built binary; skips the test when it is not built."""
    def find(name: str) -> Path:
        path = bin_dir() / name
        if not os.access(path, os.X_OK):
            pytest.skip(f"{name} not built (looked in {path.parent}; set {BIN_DIR_ENV})")
        return path
    return find
