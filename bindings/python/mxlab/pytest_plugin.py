"""pytest plugin (entry point ``mxlab``): the ``mxlab_topology`` factory fixture, whose topologies
are always closed at teardown; ``mxlab_session`` (SmtpSession factory, closed at teardown);
``mxlab_spool_root`` (a fresh directory on tmpfs, so the spool's fsync before each 250 costs
nothing); ``mxlab_bin`` for the mtad/kcli binaries; and collection of the scenario files in the
directories named by the ``mxlab_scenarios`` ini option.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import pytest

from . import scenarios
from ._core import SmtpSession
from .topology import Topology, spool_parent

BIN_DIR_ENV = "MXLAB_BIN_DIR"
BUILD_DIR_ENV = "MXLAB_BUILD_DIR"  # also read by sim/scenarios


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(scenarios.INI_OPTION, "directories whose *.yaml scenario files run as tests (fakemx run)",
                  type="paths", default=[])


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    return scenarios.collect(file_path, parent)


@pytest.fixture
def mxlab_spool_root(tmp_path: Path) -> Iterator[Path]:
    """A fresh directory for spools and delivery logs, on tmpfs when there is one (removed at
    teardown), else ``tmp_path`` itself (kept by pytest as usual)."""
    parent = spool_parent()
    if parent is None:
        yield tmp_path
        return
    parent.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="mxlab-", dir=parent))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mxlab_topology(mxlab_spool_root: Path) -> Iterator[Callable[..., Topology]]:
    """Factory: ``topo = mxlab_topology()``; each call gets its own directory under
    ``mxlab_spool_root``. Every topology made is closed at teardown, pass or fail."""
    made: list[Topology] = []

    def make(**kwargs) -> Topology:
        topo = Topology(mxlab_spool_root / f"topology{len(made)}", **kwargs)
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


@pytest.fixture
def mxlab_session() -> Iterator[Callable[..., "SmtpSession"]]:
    """Factory: ``s = mxlab_session(timeout=5)`` -> a new SmtpSession (see SmtpSession.connect);
    every session made is closed at teardown, pass or fail."""
    made: list[SmtpSession] = []

    def make(timeout: float = 10.0) -> SmtpSession:
        session = SmtpSession(timeout)
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()


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
