"""The scenario catalogue (sim/scenarios): at least 40 files, each opening with a comment on the
real-world problem it reproduces, each listed in docs/SCENARIOS.md, each loadable."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "sim" / "scenarios").glob("*.yaml"))


def test_catalogue_has_at_least_40_scenarios():
    assert len(SCENARIOS) >= 40, [p.name for p in SCENARIOS]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_opens_with_the_problem_it_reproduces(path):
    header = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        header.append(line.lstrip("# "))
    assert len(" ".join(header)) >= 60, f"{path.name}: header comment missing or too short"


def test_every_scenario_is_listed_in_the_docs():
    doc = (ROOT / "docs" / "SCENARIOS.md").read_text()
    missing = [p.stem for p in SCENARIOS if f"`{p.stem}`" not in doc]
    assert not missing, f"not in docs/SCENARIOS.md: {missing}"
