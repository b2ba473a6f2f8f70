"""Outbound TLS policy (docs/TLS_POLICY.md): every TLS fault a fake MX can show, against every
delivery.tls mode. Each fault gets one topology: MX 10 (mx1) has the fault, MX 20 (mx2) is a good
STARTTLS host, and five recipient domains route to both, one per mode through delivery.tls_domains.
Where a message lands, and whether over TLS, is each cell of the table."""
import pytest

import mxlab

SENDER = "alice@source.test"
MX1, MX2 = "mx1.tls.test", "mx2.tls.test"
MODES = ["opportunistic", "opportunistic-insecure", "required", "required-insecure", "disabled"]
MESSAGE = b"Subject: tls policy\r\n\r\nbody\r\n"

# Outcomes: "tls@mx1" delivered by the faulty host over TLS; "plain@mx1" delivered by it in
# plaintext (no TLS offered, STARTTLS refused, or the plaintext retry after a broken handshake);
# "tls@mx2" the faulty host was skipped and the next MX took the mail.
PLAIN, TLS, NEXT = "plain@mx1", "tls@mx1", "tls@mx2"
EXPECTED = {  # fault: outcome per mode, in MODES order
    "valid": [TLS, TLS, TLS, TLS, PLAIN],
    "no_starttls": [PLAIN, PLAIN, NEXT, NEXT, PLAIN],
    "starttls_454": [PLAIN, PLAIN, NEXT, NEXT, PLAIN],
    "handshake_failure": [PLAIN, PLAIN, NEXT, NEXT, PLAIN],
    "starttls_220_then_plaintext": [PLAIN, PLAIN, NEXT, NEXT, PLAIN],
    "expired": [NEXT, TLS, NEXT, TLS, PLAIN],
    "wrong_host": [NEXT, TLS, NEXT, TLS, PLAIN],
    "untrusted_root": [NEXT, TLS, NEXT, TLS, PLAIN],
}


CERTIFICATE_FAULTS = {"expired": mxlab.CertVariant.Expired, "wrong_host": mxlab.CertVariant.WrongHost,
                      "untrusted_root": mxlab.CertVariant.UntrustedRoot}


def fault_config(fault: str) -> "mxlab.TlsConfig":
    tls = mxlab.TlsConfig()
    tls.mode = mxlab.TlsMode.Starttls
    if fault == "no_starttls":
        tls.mode = mxlab.TlsMode.None_
    elif fault == "starttls_454":
        tls.starttls_reply = "454 4.7.0 TLS not available due to local problem"
    elif fault == "handshake_failure":
        tls.handshake_abort = True
    elif fault == "starttls_220_then_plaintext":
        tls.starttls_then_plaintext = True
    elif fault != "valid":
        tls.certificate = CERTIFICATE_FAULTS[fault]
    return tls


def good_tls() -> "mxlab.TlsConfig":
    tls = mxlab.TlsConfig()
    tls.mode = mxlab.TlsMode.Starttls
    return tls


def domain_of(mode: str) -> str:
    return f"{mode}.test"


def outcome(topo, mode: str) -> str:
    rcpt = f"user@{domain_of(mode)}"
    [record] = topo.wait_for_delivery(recipient=rcpt, timeout=15)
    host = {MX1: "mx1", MX2: "mx2"}[record.peer_address.name]
    [tx] = [t for t in topo.mx(record.peer_address.name).transactions() if t.rcpt_to == [rcpt]]
    assert tx.tls == bool(record.tls_protocol_version), "the log and the MX disagree about TLS"
    if tx.tls:
        assert record.tls_protocol_version == tx.tls_version and record.tls_cipher == tx.tls_cipher
    return f"{'tls' if tx.tls else 'plain'}@{host}"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """matrix(fault) -> {mode: outcome}, one topology per fault, built on first use."""
    results: dict[str, dict[str, str]] = {}

    def run(fault: str) -> dict[str, str]:
        if fault in results:
            return results[fault]
        workdir = tmp_path_factory.mktemp(fault)
        ca_file = str(workdir / "ca.pem")
        mxlab.write_test_ca(ca_file)
        with mxlab.Topology(workdir) as topo:
            topo.add_mx(MX1, tls=fault_config(fault))
            topo.add_mx(MX2, tls=good_tls())
            for mode in MODES:
                topo.route(domain_of(mode), MX1, MX2)
            topo.start_mta({"delivery": {
                "command_timeout": "1s",  # bounds the handshake against a host that never answers it
                "tls": {"mode": "required", "ca_file": ca_file},
                "tls_domains": {domain_of(mode): {"mode": mode} for mode in MODES},
            }})
            for mode in MODES:
                topo.send(SENDER, [f"user@{domain_of(mode)}"], MESSAGE)
            results[fault] = {mode: outcome(topo, mode) for mode in MODES}
        return results[fault]

    return run


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", list(EXPECTED))
def test_tls_fault_under_each_mode(matrix, fault, mode):
    assert matrix(fault)[mode] == EXPECTED[fault][MODES.index(mode)]


@pytest.mark.parametrize("fault", ["no_starttls", "expired", "handshake_failure"])
def test_required_tls_with_no_other_mx_defers_and_keeps_the_message(mxlab_topology, tmp_path, fault):
    ca_file = str(tmp_path / "ca.pem")
    mxlab.write_test_ca(ca_file)
    topo = mxlab_topology()
    topo.add_mx(MX1, tls=fault_config(fault))
    topo.route("required.test", MX1)
    mta = topo.start_mta({"delivery": {"command_timeout": "1s",
                                       "tls": {"mode": "required", "ca_file": ca_file}}})
    topo.send(SENDER, ["user@required.test"], MESSAGE)

    [failure] = topo.wait_for_log("TransientFailure", recipient="user@required.test")
    assert failure.response.code == 451
    assert str(failure.response.enhanced_code).startswith("4.7.")
    assert topo.mx(MX1).transactions() == []
    assert [r.type.name for r in mta.log_records()].count("Bounce") == 0  # TLS failures never bounce


def test_unreadable_ca_file_is_a_config_error(tmp_path):
    with pytest.raises(mxlab.ConfigError, match=r"delivery.tls.ca_file: cannot read CA file '/nonexistent.pem'"):
        mxlab.load_config_text("delivery:\n  tls:\n    ca_file: /nonexistent.pem\n", "mtad.yaml")


def test_bad_tls_mode_is_a_config_error():
    with pytest.raises(mxlab.ConfigError, match=r"mtad.yaml:4: delivery.tls_domains.example.com.mode: bad TLS mode 'strict'"):
        mxlab.load_config_text("delivery:\n  tls_domains:\n    example.com:\n      mode: strict\n", "mtad.yaml")
