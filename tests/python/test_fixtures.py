"""The pytest plugin's fixtures: spools on tmpfs, and teardown that stops everything a test
started even when the test fails (checked by running a failing test in a child pytest)."""
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import mxlab

BUILD_PYTHON = Path(mxlab.__file__).resolve().parents[1]  # <build>/python


def test_spool_root_is_a_fresh_tmpfs_directory(mxlab_spool_root):
    if Path("/dev/shm").is_dir() and not os.environ.get("MXLAB_SPOOL_ROOT"):
        assert mxlab_spool_root.parent == Path("/dev/shm")
    assert mxlab_spool_root.is_dir() and not any(mxlab_spool_root.iterdir())


def test_topology_spool_lives_under_the_spool_root(mxlab_topology, mxlab_spool_root):
    topo = mxlab_topology()
    settings = topo.mta_settings()
    assert Path(settings["spool"]["path"]).is_relative_to(mxlab_spool_root)


def run_child_pytest(tmp_path: Path, body: str, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_child.py").write_text(textwrap.dedent(body))
    env = dict(os.environ, PYTHONPATH=str(BUILD_PYTHON))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "mxlab.pytest_plugin",
                           str(tmp_path / "test_child.py"), *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def can_bind(address: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
            return True
        except OSError:
            return False


def test_failing_test_still_stops_everything(tmp_path):
    state = tmp_path / "state.json"
    proc = run_child_pytest(tmp_path, f"""
        import json
        def test_fails_mid_way(mxlab_topology, mxlab_spool_root):
            topo = mxlab_topology()
            mx = topo.add_mx("mx1.example.com")
            topo.route("example.com", "mx1.example.com")
            mta = topo.start_mta()
            open({str(state)!r}, "w").write(json.dumps({{
                "mx": [mx.address, mx.port], "smtp": mta.smtp_port(), "admin": mta.admin_port,
                "root": str(mxlab_spool_root)}}))
            assert False, "the test body fails"
    """)
    assert "1 failed" in proc.stdout, proc.stdout + proc.stderr
    started = json.loads(state.read_text())
    assert can_bind(*started["mx"]), "MX host still listening after teardown"
    assert can_bind("127.0.0.1", started["smtp"]), "mtad SMTP listener still open after teardown"
    assert can_bind("127.0.0.1", started["admin"]), "admin listener still open after teardown"
    if Path(started["root"]).parent == Path("/dev/shm"):
        assert not Path(started["root"]).exists(), "tmpfs spool root left behind"


def test_scenarios_collected_through_the_ini_option(tmp_path):
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "unreachable.yaml").write_text(textwrap.dedent("""\
        # A deliberately wrong expectation: the diff must show expected and actual.
        timeout: 1s
        dns:
          example.com: "MX 10 mx1.example.com"
          mx1.example.com: "A 127.0.0.2"
        hosts:
          mx1.example.com: {address: 127.0.0.2}
        messages: [{from: a@origin.test, to: [b@example.com]}]
        expect: [{recipient: b@example.com, delivered_to: mx9.example.com}]
    """))
    (tmp_path / "pytest.ini").write_text("[pytest]\nmxlab_scenarios = scen\n")
    (tmp_path / "test_child.py").write_text("")
    env = dict(os.environ, PYTHONPATH=str(BUILD_PYTHON))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "mxlab.pytest_plugin",
                           "scen"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "1 failed" in proc.stdout, proc.stdout + proc.stderr
    assert "expected: delivered to mx9.example.com" in proc.stdout
    assert "actual:   Delivery 250" in proc.stdout


def test_session_factory_closes_sessions_at_teardown(tmp_path):
    state = tmp_path / "state.json"
    proc = run_child_pytest(tmp_path, f"""
        import json
        def test_leaves_a_session_open(mxlab_topology, mxlab_session):
            mx = mxlab_topology().add_mx("mx1.example.com")
            s = mxlab_session(timeout=5)
            s.connect(mx.address, mx.port, expect=220)
            open({str(state)!r}, "w").write(json.dumps([mx.address, mx.port]))
            global SESSION
            SESSION = s
        def test_after():
            assert not SESSION.connected
    """)
    assert "2 passed" in proc.stdout, proc.stdout + proc.stderr
