# The `kcli` fixture shared by the kcli test files: runs the real kcli binary against an MTA's
# admin port (`kcli(mta, "sessions", "--json")`), asserting success unless check=False.
import subprocess

import pytest


@pytest.fixture
def kcli(mxlab_bin):
    binary = mxlab_bin("kcli")

    def run(mta, *args, check=True):
        out = subprocess.run([str(binary), "--endpoint", f"http://127.0.0.1:{mta.admin_port}", *args],
                             capture_output=True, text=True, timeout=30)
        if check:
            assert out.returncode == 0, f"kcli {' '.join(args)}: {out.stderr}"
        return out
    return run
