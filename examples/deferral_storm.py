#!/usr/bin/env python3
"""Reproduce a deferral storm from a YAML file (deferral_storm.yaml): run the scenario in-process
with mxlab.run_scenario, print fakemx's report, then summarise from the events how many
deferrals each recipient took before delivery. Exit status 0 when every expectation held.

    PYTHONPATH=build/python python3 examples/deferral_storm.py [SCENARIO.yaml]
"""
import collections
import pathlib
import sys
import tempfile

import mxlab

HERE = pathlib.Path(__file__).resolve().parent


def main() -> int:
    scenario = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "deferral_storm.yaml"
    with tempfile.TemporaryDirectory(prefix="mxlab-storm-") as workdir:
        report = mxlab.run_scenario(str(scenario), workdir)
    print(report.text())
    deferrals = collections.Counter()
    delivered = set()
    for event in report.events:  # "u1@bigmail.test: TransientFailure 451 4.7.1 ... at mx1.bigmail.test"
        recipient, _, what = event.partition(": ")
        if what.startswith("TransientFailure"):
            deferrals[recipient] += 1
        elif what.startswith("Delivery"):
            delivered.add(recipient)
    print(f"storm summary: {len(delivered)} delivered, {sum(deferrals.values())} deferrals, "
          f"worst recipient deferred {max(deferrals.values(), default=0)} times")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
