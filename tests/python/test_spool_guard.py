# A full or failing spool: mtad answers 451 to new mail instead of accepting what it cannot store.
# The real mtad runs in a private mount namespace (`unshare -rm`) with its spool on a small tmpfs;
# every message that got a 250 must still be in the queue afterwards.
import json
import pathlib
import random
import shlex
import shutil
import subprocess
import urllib.request

import pytest

from mail_constants import DOMAIN, MX1, RECIPIENT, SENDER, defer_everything
from mxlab import Mtad, _core, wait_until

HOLD = {"retry": {"initial_interval": "10m"}}  # deferred, so everything acknowledged stays queued
MESSAGE_KB = 256
# Random text: RocksDB compresses what it flushes, and a repeated line shrinks to almost nothing,
# so whether the tmpfs filled up depended on how far the flushes lagged behind the WAL.
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_rng = random.Random(25)
BODY = "Subject: filler\r\n\r\n" + "".join(
    "".join(_rng.choices(_ALPHABET, k=998)) + "\r\n" for _ in range(MESSAGE_KB * 1024 // 1000))


@pytest.fixture
def topo(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=defer_everything())
    topo.route(DOMAIN, MX1)
    return topo


def tmpfs_works(directory) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs {shlex.quote(str(directory))}"],
                           capture_output=True, timeout=10)
    return probe.returncode == 0


def mtad_on_tmpfs(tmp_path, binary, spool, size, ballast_mb=0):
    """A wrapper that mounts a `size` tmpfs on the spool directory, then execs mtad in there.
    A ballast file of `ballast_mb` takes room on the tmpfs first (see free_ballast)."""
    spool.mkdir(parents=True, exist_ok=True)
    if not tmpfs_works(spool):
        pytest.skip("unprivileged user and mount namespaces are not available (unshare -rm)")
    wrapper = tmp_path / "mtad-on-tmpfs.sh"
    ballast = f"head -c {ballast_mb}M /dev/zero > {shlex.quote(str(spool / 'ballast'))} && " if ballast_mb else ""
    inner = (f"mount -t tmpfs -o size={size} tmpfs {shlex.quote(str(spool))} && {ballast}"
             f"exec {shlex.quote(str(binary))} \"$@\"")
    wrapper.write_text(f"#!/bin/sh\nexec unshare -rm sh -c {shlex.quote(inner)} mtad \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper


def free_ballast(mtad, spool):
    """Deletes the ballast file from mtad's private tmpfs, reached through its /proc root."""
    ballast = pathlib.Path(f"/proc/{mtad.process.pid}/root") / spool.relative_to("/") / "ballast"
    try:
        ballast.unlink()
    except PermissionError:
        pytest.skip(f"cannot reach mtad's private mount through {ballast}")


def fill(topo, mtad, limit=400):
    """Sends messages until one is refused; returns (acknowledged ids, the refusal). A dropped
    connection fails with mtad's exit status and the end of its output (a crash is a bug)."""
    ids = []
    for _ in range(limit):
        try:
            result = topo.send(SENDER, [RECIPIENT], BODY, port=mtad.smtp_port, check=False)
        except _core.SmtpError as e:
            pytest.fail(f"{e} after {len(ids)} messages; mtad exit status {mtad.process.poll()}, "
                        f"output:\n{mtad.output()[-4000:]}")
        if not result.accepted:
            return ids, result.final_reply
        ids.append(result.final_reply.lines[-1].split()[-1])
    pytest.fail(f"{limit} messages of {MESSAGE_KB} KB fitted: the tmpfs is not limiting")


def queued(admin_port, msgid) -> bool:
    url = f"http://127.0.0.1:{admin_port}/api/admin/inspect-message/v1?id={msgid}"
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())["id"] == msgid


def assert_refused_or_stored(result, admin_port, ids):
    """A message after the spool ran short is either refused 451 4.3.1 or, if it fit, really stored."""
    if result.accepted:
        ids.append(result.final_reply.lines[-1].split()[-1])
        assert queued(admin_port, ids[-1])
    else:
        reply = result.final_reply
        assert reply.code == 451 and str(reply.enhanced) == "4.3.1", reply.encode()


def test_min_free_space_refuses_mail_before_the_disk_is_full(topo, mxlab_bin, tmp_path):
    spool = tmp_path / "guarded-spool"
    wrapper = mtad_on_tmpfs(tmp_path, mxlab_bin("mtad"), spool, "32m")
    config_path, _ = topo.write_mtad_config({**HOLD, "spool": {"path": str(spool), "min_free_space": "12MB"}})
    with Mtad(wrapper, config_path) as mtad:
        ids, refusal = fill(topo, mtad)
        assert refusal.code == 451 and str(refusal.enhanced) == "4.3.1", refusal.encode()
        assert "insufficient system storage" in refusal.text()
        assert ids, "the first message should have fitted"
        # Still refused while space stays short; RocksDB may free some (WAL or compaction) meanwhile,
        # so a small message may fit again, and then it must be stored like any other.
        again = topo.send(SENDER, [RECIPIENT], "Subject: small\r\n\r\nhi\r\n", port=mtad.smtp_port, check=False)
        assert_refused_or_stored(again, mtad.admin_port, ids)
        assert all(queued(mtad.admin_port, i) for i in ids)
        assert "spool store" not in mtad.output()  # no write ever failed: the guard came first


def test_a_failed_spool_write_gets_451_and_latches_new_mail_off(topo, mxlab_bin, tmp_path):
    spool = tmp_path / "full-spool"
    wrapper = mtad_on_tmpfs(tmp_path, mxlab_bin("mtad"), spool, "24m")
    config_path, _ = topo.write_mtad_config({**HOLD, "spool": {"path": str(spool), "min_free_space": 0}})
    with Mtad(wrapper, config_path) as mtad:
        ids, refusal = fill(topo, mtad)
        # The write itself failed (ENOSPC): 451 at end of data, never a 250.
        assert refusal.code == 451, refusal.encode()
        assert "spool store" in mtad.output()
        # RocksDB's own account of the failure is in mtad's log (no LOG file on the full disk).
        assert "spool: rocksdb: " in mtad.output() and "No space left on device" in mtad.output()
        latched = topo.send(SENDER, [RECIPIENT], "Subject: small\r\n\r\nhi\r\n", port=mtad.smtp_port, check=False)
        if not latched.accepted:  # the latch (10 s) names its cause
            assert "spool write failed recently" in latched.final_reply.text(), latched.final_reply.encode()
        assert_refused_or_stored(latched, mtad.admin_port, ids)
        assert all(queued(mtad.admin_port, i) for i in ids)


def test_in_process_mta_refuses_at_mail_when_free_space_is_below_the_minimum(topo):
    topo.start_mta({"spool": {"min_free_space": 2 ** 62}})
    result = topo.send(SENDER, [RECIPIENT], "Subject: x\r\n\r\nhi\r\n", check=False)
    assert not result.accepted
    assert result.final_reply.encode() == "451 4.3.1 Error: insufficient system storage\r\n"


def test_the_spool_reopens_and_takes_mail_once_the_disk_has_room_again(topo, mxlab_bin, tmp_path):
    spool = tmp_path / "refilled-spool"
    wrapper = mtad_on_tmpfs(tmp_path, mxlab_bin("mtad"), spool, "24m", ballast_mb=8)
    config_path, _ = topo.write_mtad_config({**HOLD, "spool": {"path": str(spool), "min_free_space": 0}})
    with Mtad(wrapper, config_path) as mtad:
        ids, refusal = fill(topo, mtad)
        assert refusal.code == 451, refusal.encode()
        free_ballast(mtad, spool)
        # The guard holds new mail off for 10 s after the failure; the spool reopens on the
        # first write after that, without a restart. Until then every refusal is a 451.
        def accepted():
            result = topo.send(SENDER, [RECIPIENT], BODY, port=mtad.smtp_port, check=False)
            assert result.accepted or result.final_reply.code == 451, result.final_reply.encode()
            return result if result.accepted else None
        again = wait_until(accepted, 40, "mtad to take mail again once its disk had room")
        ids.append(again.final_reply.lines[-1].split()[-1])
        assert "spool: reopened" in mtad.output(), mtad.output()[-4000:]
        assert all(queued(mtad.admin_port, i) for i in ids)
