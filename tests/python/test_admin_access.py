# Who may use mtad's admin API and fakemx's control API: trusted_hosts (403), a token as Bearer or
# Basic password (401), no message body without it, every refusal logged, and no unguarded
# listener beyond loopback unless the operator says so. Runs the real mtad, kcli and fakemx.
import base64
import json
import os
import subprocess
import urllib.error
import urllib.request

import pytest

from mail_constants import DOMAIN, MESSAGE, MX1, RECIPIENT, SENDER, defer_everything
from mxlab import Mtad, _core

TOKEN = "t0ken-for-tests"
HOLD = {"retry": {"initial_interval": "10m"}}
RUN_DEADLINE = 15.0


@pytest.fixture
def topo(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=defer_everything())
    topo.route(DOMAIN, MX1)
    return topo


def kcli(binary, port, *args, token=None, env_token=None):
    env = {k: v for k, v in os.environ.items() if k != "MXLAB_ADMIN_TOKEN"}
    if env_token is not None:
        env["MXLAB_ADMIN_TOKEN"] = env_token
    cmd = [str(binary), "--endpoint", f"http://127.0.0.1:{port}"]
    if token is not None:
        cmd += ["--token", token]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=30, env=env)


def http(url, authorization=None):
    """(status, JSON body) of a GET."""
    req = urllib.request.Request(url)
    if authorization:
        req.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def guarded(topo, mxlab_bin):
    """An mtad whose admin API needs TOKEN, holding one deferred message."""
    config_path, _ = topo.write_mtad_config({**HOLD, "admin": {"token": TOKEN}})
    with Mtad(mxlab_bin("mtad"), config_path) as mtad:
        result = topo.send(SENDER, [RECIPIENT], MESSAGE, port=mtad.smtp_port)
        mtad.queued_as = result.final_reply.summary().split()[-1]
        yield mtad


def test_kcli_without_the_token_gets_401_and_the_refusal_is_logged(guarded, mxlab_bin):
    out = kcli(mxlab_bin("kcli"), guarded.admin_port, "queue-summary")
    assert out.returncode != 0
    assert "HTTP 401 Unauthorized: authentication required" in out.stderr, out.stderr
    assert "admin: refused GET" in guarded.output()
    assert "401" in guarded.output()


def test_kcli_with_a_wrong_token_gets_401(guarded, mxlab_bin):
    out = kcli(mxlab_bin("kcli"), guarded.admin_port, "queue-summary", token="not-it")
    assert out.returncode != 0
    assert "HTTP 401 Unauthorized: invalid credentials" in out.stderr, out.stderr


def test_kcli_token_option_and_environment_variable(guarded, mxlab_bin):
    by_option = kcli(mxlab_bin("kcli"), guarded.admin_port, "queue-summary", token=TOKEN)
    assert by_option.returncode == 0, by_option.stderr
    by_env = kcli(mxlab_bin("kcli"), guarded.admin_port, "queue-summary", env_token=TOKEN)
    assert by_env.returncode == 0, by_env.stderr


def test_no_message_body_without_credentials(guarded):
    url = f"http://127.0.0.1:{guarded.admin_port}/api/admin/inspect-message/v1?id={guarded.queued_as}&want_body=true"
    status, body = http(url)
    assert status == 401 and "data" not in json.dumps(body)
    status, body = http(url, basic("kcli", "wrong"))
    assert status == 401
    status, body = http(url, basic("anyone", TOKEN))
    assert status == 200, body
    assert "data" in body["message"]


def test_untrusted_peer_gets_403_with_a_json_reason(topo, mxlab_bin):
    config_path, _ = topo.write_mtad_config({"admin": {"trusted_hosts": ["192.0.2.0/24"]}})
    with Mtad(mxlab_bin("mtad"), config_path) as mtad:
        status, body = http(f"http://127.0.0.1:{mtad.admin_port}/metrics.json")
        assert status == 403
        assert body == {"error": "Forbidden", "reason": "peer 127.0.0.1 is not in trusted_hosts"}
        out = kcli(mxlab_bin("kcli"), mtad.admin_port, "queue-summary")
        assert out.returncode != 0 and "HTTP 403 Forbidden" in out.stderr
        assert "peer 127.0.0.1 is not in trusted_hosts" in mtad.output()


def run_mtad_config(binary, config_path):
    return subprocess.run([str(binary), "--config", str(config_path)], capture_output=True, text=True,
                          timeout=RUN_DEADLINE, stdin=subprocess.DEVNULL)


def test_mtad_refuses_an_unguarded_admin_listener_beyond_loopback(topo, mxlab_bin):
    config_path, _ = topo.write_mtad_config({"admin": {"address": "0.0.0.0"}})
    out = run_mtad_config(mxlab_bin("mtad"), config_path)
    assert out.returncode != 0
    assert "refusing to listen on 0.0.0.0 without a token" in out.stdout + out.stderr


@pytest.mark.parametrize("admin", [{"address": "0.0.0.0", "token": TOKEN},
                                   {"address": "0.0.0.0", "allow_unauthenticated": True}],
                         ids=["with-token", "explicitly-unauthenticated"])
def test_mtad_listens_beyond_loopback_with_a_token_or_when_told(topo, mxlab_bin, admin):
    config_path, _ = topo.write_mtad_config({"admin": {**admin, "trusted_hosts": ["0.0.0.0/0"]}})
    with Mtad(mxlab_bin("mtad"), config_path) as mtad:
        status, _ = http(f"http://127.0.0.1:{mtad.admin_port}/metrics.json",
                         f"Bearer {TOKEN}" if "token" in admin else None)
        assert status == 200


# ---- fakemx's control API ----------------------------------------------------------------------

@pytest.fixture
def mx():
    host = _core.MxHost(_core.MxHostConfig(name="mx1.example.com", address="127.0.0.2"))
    host.start()
    yield host
    host.stop()


def control(api_port, authorization=None):
    return http(f"http://127.0.0.1:{api_port}/api/fakemx/v1/hosts", authorization)


def test_control_api_token(mx):
    api = _core.ControlApi([mx])
    api.start(token=TOKEN)
    try:
        assert control(api.port)[0] == 401
        assert control(api.port, "Bearer nope")[0] == 401
        assert control(api.port, f"Bearer {TOKEN}")[0] == 200
        assert control(api.port, basic("x", TOKEN))[0] == 200
    finally:
        api.stop()


def test_control_api_trusted_hosts(mx):
    api = _core.ControlApi([mx])
    api.start(trusted_hosts=["10.0.0.0/8"])
    try:
        status, body = control(api.port)
        assert status == 403
        assert body["reason"] == "peer 127.0.0.1 is not in trusted_hosts"
    finally:
        api.stop()


def test_control_api_refuses_an_unguarded_listener_beyond_loopback(mx):
    with pytest.raises(_core.StartError, match="refusing to listen on 0.0.0.0 without a token"):
        _core.ControlApi([mx]).start(address="0.0.0.0")
    api = _core.ControlApi([mx])
    api.start(address="0.0.0.0", allow_unauthenticated=True)
    api.stop()


def test_fakemx_serve_refuses_an_unguarded_control_listener(tmp_path, mxlab_bin):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("hosts:\n  mx1.example.com:\n    address: 127.0.0.2\n")
    out = subprocess.run([str(mxlab_bin("fakemx")), "serve", str(scenario), "--control", "0.0.0.0:0"],
                         capture_output=True, text=True, timeout=RUN_DEADLINE, stdin=subprocess.DEVNULL)
    assert out.returncode != 0
    assert "refusing to listen on 0.0.0.0 without a token" in out.stderr
