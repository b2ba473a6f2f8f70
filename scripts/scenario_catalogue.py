#!/usr/bin/env python3
"""Rewrites the "## Catalogue" section at the end of docs/SCENARIOS.md from the header comment of
each sim/scenarios/*.yaml (its first sentence, without the "Real-world problem:" lead-in).
Run after adding a scenario; tests/python/test_scenario_catalogue.py checks every file is listed."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "SCENARIOS.md"
HEADING = "## Catalogue\n"
INTRO = ("Each file in `sim/scenarios/`, with the real-world problem from its header comment\n"
         "(KumoMTA integration-test behaviours, smtp-sink / Jim / Mailpit faults, DNS failures).\n\n")


def first_sentence(path: pathlib.Path) -> str:
    header = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        header.append(line.lstrip("# ").strip())
    text = re.sub(r"^Real-world problem:\s*", "", " ".join(header))
    return re.split(r"(?<=[.])\s", text, maxsplit=1)[0]


def main() -> None:
    rows = [f"| `{p.stem}` | {first_sentence(p)} |" for p in sorted((ROOT / "sim" / "scenarios").glob("*.yaml"))]
    doc = DOC.read_text()
    head = doc.split(HEADING)[0].rstrip() + "\n\n"
    DOC.write_text(head + HEADING + INTRO + "| scenario | reproduces |\n|---|---|\n" + "\n".join(rows) + "\n")
    print(f"{len(rows)} scenarios listed in {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
