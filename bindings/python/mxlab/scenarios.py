"""Scenario files as pytest items: every ``*.yaml`` in a directory named by the ``mxlab_scenarios``
ini option runs through the real ``fakemx run FILE`` binary, exactly as a user would, and passes
when it exits 0 (every expectation held). A failure shows fakemx's readable diff.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

INI_OPTION = "mxlab_scenarios"
RUN_TIMEOUT = 120  # seconds; each scenario bounds its own waits far below this


def scenario_dirs(config: pytest.Config) -> list[Path]:
    return [Path(p).resolve() for p in config.getini(INI_OPTION)]


def collect(file_path: Path, parent: pytest.Collector):
    if file_path.suffix in (".yaml", ".yml") and file_path.parent.resolve() in scenario_dirs(parent.config):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):
    def runtest(self):
        from .pytest_plugin import bin_dir  # the binaries that match this package's module
        binary = bin_dir() / "fakemx"
        if not binary.exists():
            raise ScenarioFailed(f"{binary} is missing: build first (make build) or set MXLAB_BIN_DIR")
        workdir = self.config._tmp_path_factory.mktemp(self.name)
        proc = subprocess.run([str(binary), "run", str(self.path), "--workdir", str(workdir)],
                              capture_output=True, text=True, timeout=RUN_TIMEOUT)
        if proc.returncode != 0:
            raise ScenarioFailed(f"fakemx run {self.path.name} exited {proc.returncode}\n{proc.stdout}{proc.stderr}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"scenario: {self.name}"
