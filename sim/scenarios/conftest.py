"""Collects every scenario file in this folder as a pytest item.

Each item runs the real `fakemx run FILE` binary, exactly as a user would, and passes when it
exits 0 (every expectation held). On failure the report shows fakemx's readable diff.
"""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def fakemx_binary() -> pathlib.Path:
    build = pathlib.Path(os.environ.get("MXLAB_BUILD_DIR", ROOT / "build"))
    return build / "bin" / "fakemx"


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".yaml" and file_path.parent == pathlib.Path(__file__).parent:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):
    def runtest(self):
        binary = fakemx_binary()
        if not binary.exists():
            raise ScenarioFailed(f"{binary} is missing: build first (make build)")
        workdir = self.config._tmp_path_factory.mktemp(self.name)
        proc = subprocess.run(
            [str(binary), "run", str(self.path), "--workdir", str(workdir)],
            capture_output=True, text=True, timeout=120,
        )
        if proc.returncode != 0:
            raise ScenarioFailed(f"fakemx exited {proc.returncode}\n{proc.stdout}{proc.stderr}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"scenario: {self.name}"
