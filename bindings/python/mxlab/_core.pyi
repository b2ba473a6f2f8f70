# Type stubs for the _core extension (bindings/*.cpp). Durations on config structs are
# timedelta; timeouts on calls are float seconds; recorded message data is bytes.
from datetime import datetime, timedelta
from typing import Optional, Sequence, overload

class Error(RuntimeError): ...
class ConfigError(Error):
    file: str
    line: int
    key: str
class StartError(Error): ...
class SmtpError(Error): ...
class WaitTimeout(Error, TimeoutError): ...

# ---- protocol ------------------------------------------------------------------------------
class EnhancedCode:
    cls: int
    subject: int
    detail: int
    def __init__(self) -> None: ...
    @staticmethod
    def parse(text: str) -> Optional[EnhancedCode]: ...

class Reply:
    code: int
    enhanced: Optional[EnhancedCode]
    lines: list[str]
    def __init__(self, code: int, enhanced: str = "", text: str = "") -> None: ...
    @property
    def positive(self) -> bool: ...
    @property
    def transient(self) -> bool: ...
    @property
    def permanent(self) -> bool: ...
    def text(self) -> str: ...
    def encode(self) -> str: ...
    def summary(self) -> str: ...

def parse_reply(text: str) -> Optional[Reply]: ...

# ---- config --------------------------------------------------------------------------------
class ListenerConfig:
    address: str
    port: int
    def __init__(self) -> None: ...
class SpoolConfig:
    path: str
    sync: bool
    min_free_space: int
    def __init__(self) -> None: ...
class ResolverConfig:
    nameservers: list[str]
    timeout: timedelta
    attempts: int
    def __init__(self) -> None: ...
class DeliveryTlsMode:
    Opportunistic: DeliveryTlsMode
    OpportunisticInsecure: DeliveryTlsMode
    Required: DeliveryTlsMode
    RequiredInsecure: DeliveryTlsMode
    Disabled: DeliveryTlsMode
class TlsPolicyConfig:
    mode: DeliveryTlsMode
    ca_file: str
    def __init__(self) -> None: ...
class DeliveryConfig:
    port: int
    ehlo_name: str
    connect_timeout: timedelta
    command_timeout: timedelta
    data_timeout: timedelta
    max_mx_addresses: int
    max_deliveries_per_connection: int
    max_recipients_per_transaction: int
    idle_timeout: timedelta
    tls: TlsPolicyConfig
    tls_domains: dict[str, TlsPolicyConfig]
    def __init__(self) -> None: ...
class RetryConfig:
    initial_interval: timedelta
    multiplier: float
    max_interval: timedelta
    max_age: timedelta
    jitter: float
    seed: Optional[int]
    def __init__(self) -> None: ...
class AdminConfig:
    enabled: bool
    address: str
    port: int
    trusted_hosts: list[str]
    token: str
    allow_unauthenticated: bool
    def __init__(self) -> None: ...
class LogConfig:
    path: str
    def __init__(self) -> None: ...
class LimitsConfig:
    max_message_size: int
    max_line_length: int
    max_recipients: int
    max_connections: int
    max_connections_per_ip: int
    idle_timeout: timedelta
    session_timeout: timedelta
    def __init__(self) -> None: ...
class MtaConfig:
    """Sections are copies: edit one and assign it back."""
    hostname: str
    listeners: list[ListenerConfig]
    spool: SpoolConfig
    resolver: ResolverConfig
    delivery: DeliveryConfig
    retry: RetryConfig
    admin: AdminConfig
    log: LogConfig
    limits: LimitsConfig
    def __init__(self) -> None: ...

def load_config_text(yaml: str, name: str = "<text>") -> MtaConfig: ...
def load_config_file(path: str) -> MtaConfig: ...

# ---- delivery log --------------------------------------------------------------------------
class RecordType:
    Reception: RecordType
    Delivery: RecordType
    TransientFailure: RecordType
    Bounce: RecordType
    Expiration: RecordType
    AdminBounce: RecordType
    Rejection: RecordType
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class Response:
    code: int
    enhanced_code: Optional[EnhancedCode]
    content: str
    command: str

class PeerAddress:
    name: str
    addr: str

class LogRecord:
    type: RecordType
    id: str
    envelope_id: str
    sender: str
    recipient: str
    queue: str
    site: str
    size: int
    response: Response
    peer_address: PeerAddress
    timestamp: datetime
    created: datetime
    num_attempts: int
    reception_protocol: str
    delivery_protocol: str
    tls_protocol_version: str
    tls_cipher: str
    meta: dict[str, str]
    bounce_classification: str
    egress_pool: str
    egress_source: str
    headers: dict[str, str]
    delays: Optional[Delays]
    def to_json(self) -> str: ...

class Delays:
    before_queue: timedelta
    in_queue: timedelta
    connection_setup: timedelta
    transmission: timedelta
    @property
    def total(self) -> timedelta: ...

# ---- bounces -------------------------------------------------------------------------------
class DsnRecipient:
    final_recipient: str
    original_recipient: str
    action: str
    status: str
    remote_mta: str
    diagnostic_code: str
    last_attempt_date: str

class Dsn:
    subject: str
    report_type: str
    reporting_mta: str
    arrival_date: str
    recipients: list[DsnRecipient]
    returned_headers: str
    def recipient(self, address: str) -> Optional[DsnRecipient]: ...

def parse_dsn(message: str | bytes) -> Dsn: ...

# ---- MTA -----------------------------------------------------------------------------------
class Clock: ...
class ManualClock(Clock):
    @overload
    def __init__(self) -> None: ...
    @overload
    def __init__(self, start: datetime) -> None: ...
    def now(self) -> datetime: ...
    def advance(self, delta: timedelta) -> None: ...
    def set(self, time: datetime) -> None: ...

class MetricsRegistry:
    def get(self, name: str, label_value: str = "") -> float: ...
    def prometheus_text(self) -> str: ...
    def json_text(self) -> str: ...

class QueuedEnvelope:
    envelope_id: str
    recipient: str
    state: str
    attempts: int
    next_attempt: datetime
    last_error: str

class QueuedMessage:
    id: str
    sender: str
    queue: str
    envelopes: list[QueuedEnvelope]

RecordTypeLike = RecordType | str

# ---- traces (mxlab.trace wraps these) ------------------------------------------------------
class TraceSubscription:
    def next(self, timeout: float = 1.0) -> Optional[str]: ...
    def try_next(self) -> Optional[str]: ...
    def counts(self) -> dict[str, int]: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def name(self) -> str: ...
    @property
    def direction(self) -> str: ...

class TraceHub:
    def __init__(self) -> None: ...
    def subscribe(self, direction: str, filter_json: str = "{}", capacity: int = 4096, terse: bool = False,
                  name: str = "") -> TraceSubscription: ...
    def totals(self, direction: str) -> dict[str, int]: ...
    def subscribers(self, direction: str) -> int: ...
class RetryPlan:
    attempts: list[datetime]
    expires_at: datetime

def plan_retries(retry: RetryConfig, received: datetime, attempt_duration: timedelta = ...,
                 max_attempts: int = 100000) -> RetryPlan: ...

class Mta:
    def __init__(self, config: MtaConfig, clock: Optional[Clock] = None, virtual_time: bool = False) -> None: ...
    @property
    def virtual_time(self) -> bool: ...
    def now(self) -> datetime: ...
    def advance(self, seconds: float) -> None: ...
    def advance_to(self, time: datetime) -> None: ...
    def start(self) -> None: ...
    def stop(self, grace: float = 5.0) -> None: ...
    def smtp_port(self, listener: int = 0) -> int: ...
    @property
    def admin_port(self) -> int: ...
    @property
    def config(self) -> MtaConfig: ...
    @property
    def metrics(self) -> MetricsRegistry: ...
    @property
    def trace_hub(self) -> TraceHub: ...
    @property
    def recovered_messages(self) -> int: ...
    def queue_snapshot(self) -> list[QueuedMessage]: ...
    def log_records(self, type: Optional[RecordTypeLike] = None, recipient: str = "") -> list[LogRecord]: ...
    def wait_for_log(self, type: RecordTypeLike, count: int = 1, timeout: float = 10.0,
                     recipient: str = "") -> list[LogRecord]: ...
    def __enter__(self) -> Mta: ...
    def __exit__(self, *exc: object) -> None: ...

# ---- fake MX -------------------------------------------------------------------------------
class Stage:
    Connect: Stage
    Ehlo: Stage
    Helo: Stage
    Mail: Stage
    Rcpt: Stage
    Data: Stage
    EndOfData: Stage
    Rset: Stage
    Noop: Stage
    Quit: Stage
    Vrfy: Stage
    Starttls: Stage
    Auth: Stage
    Unknown: Stage
    @property
    def name(self) -> str: ...

class ActionKind:
    Proceed: ActionKind
    Reply: ActionKind
    Disconnect: ActionKind
    ReplyThenDisconnect: ActionKind
    NoAnswer: ActionKind
    Reset: ActionKind
    @property
    def name(self) -> str: ...

StageLike = Stage | str

class Rule:
    stage: Stage
    kind: ActionKind
    code: int
    enhanced: str
    text: str  # "\n" separates the lines of a multiline reply
    delay: timedelta
    match: str
    times: int
    sender: str  # "" any, "a@b.test" exact, "@b.test" domain, "/regex/"
    recipient: str
    skip: int
    session: int
    probability: float
    after_bytes: Optional[int]
    def __init__(self, stage: StageLike = ..., kind: ActionKind | str = ..., code: int = 0, enhanced: str = "",
                 text: str = "", delay: timedelta = ..., match: str = "", times: int = 0, sender: str = "",
                 recipient: str = "", skip: int = 0, session: int = 0, probability: float = 1.0,
                 after_bytes: Optional[int] = None) -> None: ...
    @staticmethod
    def reply(stage: StageLike, reply: str | Sequence[str], times: int = 0, match: str = "", sender: str = "",
              recipient: str = "", skip: int = 0, session: int = 0, probability: float = 1.0,
              kind: ActionKind | str | None = None, after_bytes: Optional[int] = None) -> Rule: ...

class GreylistOptions:
    enabled: bool
    delay: timedelta
    attempts: int
    reply: str
    def __init__(self, enabled: bool = True, delay: timedelta = ..., attempts: int = 1, reply: str = ...) -> None: ...

class BehaviourOptions:
    seed: int
    address_conventions: bool
    tarpit: bool
    greylist: GreylistOptions
    def __init__(self, seed: int = 1, address_conventions: bool = True, tarpit: bool = False,
                 greylist: Optional[GreylistOptions] = None) -> None: ...

class ServerOptions:
    hostname: str
    banner_text: str
    max_message_size: int
    max_line_length: int
    max_recipients: int
    max_connections: int
    idle_timeout: timedelta
    pipelining: bool
    eightbitmime: bool
    enhanced_status_codes: bool
    smtputf8: bool
    advertise_size: bool
    chunking: bool
    dsn: bool
    auth_mechanisms: list[str]
    max_messages_per_connection: int
    read_bytes_per_second: int
    write_bytes_per_second: int
    def __init__(self) -> None: ...

class MxHostConfig:
    name: str
    address: str
    port: int
    rules: list[Rule]
    server: ServerOptions
    behaviour: BehaviourOptions
    refuse: bool
    record_path: str
    recording: str  # "full", "envelopes" or "counts"
    tls: TlsConfig
    def __init__(self, name: str = "mx", address: str = "127.0.0.2", port: int = 0,
                 rules: Sequence[Rule] = (), server: Optional[ServerOptions] = None,
                 behaviour: Optional[BehaviourOptions] = None, refuse: bool = False,
                 record_path: str = "") -> None: ...

class TranscriptLine:
    at: datetime
    direction: str  # "C" client, "S" server, "*" event
    text: str

class RecordedSession:
    id: str
    host: str
    peer: str
    local: str
    helo: str
    tls: bool
    tls_version: str
    tls_cipher: str
    authenticated: bool
    auth_user: str
    started: datetime
    ended: datetime
    closed: bool
    transactions: int
    transcript: list[TranscriptLine]
    def lines(self, direction: str = "") -> list[str]: ...

class RecordedTransaction:
    host: str
    session_id: str
    client_address: str
    helo: str
    mail_from: str
    rcpt_to: list[str]
    data: bytes
    received: datetime
    tls: bool
    tls_version: str
    tls_cipher: str
    authenticated: bool
    auth_user: str
    size: int
    reply: str

class MxHost:
    def __init__(self, config: MxHostConfig) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def config(self) -> MxHostConfig: ...
    @property
    def name(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def connections(self) -> int: ...
    behaviour: BehaviourOptions
    recording: str
    def transactions(self) -> list[RecordedTransaction]: ...
    def refused(self) -> list[RecordedTransaction]: ...
    def wait_for_transactions(self, count: int = 1, timeout: float = 10.0) -> list[RecordedTransaction]: ...
    def sessions(self) -> list[RecordedSession]: ...
    def wait_for_sessions(self, count: int = 1, timeout: float = 10.0) -> list[RecordedSession]: ...
    def recording_json(self) -> str: ...
    def write_recording(self, path: str) -> None: ...
    def reset(self) -> None: ...
    def reset_greylist(self) -> None: ...
    def rules(self) -> list[Rule]: ...
    def set_rules(self, rules: Sequence[Rule]) -> None: ...
    def set_rules_yaml(self, text: str) -> None: ...
    def add_rule(self, rule: Rule) -> None: ...
    def clear_rules(self) -> None: ...
    def __enter__(self) -> MxHost: ...
    def __exit__(self, *exc: object) -> None: ...

class ControlApi:
    def __init__(self, hosts: Sequence[MxHost], dns: Optional[FakeDns] = None) -> None: ...
    def start(self, address: str = "127.0.0.1", port: int = 0, token: str = "",
              trusted_hosts: Optional[list[str]] = None, allow_unauthenticated: bool = False) -> None: ...
    def stop(self) -> None: ...
    @property
    def port(self) -> int: ...

# ---- SMTP submission -----------------------------------------------------------------------
class SendResult:
    final_reply: Reply
    rcpt_replies: list[Reply]
    @property
    def accepted(self) -> bool: ...

def send_message(host: str, port: int, mail_from: str, rcpt_to: Sequence[str], data: str | bytes,
                 helo: str = "localhost", timeout: float = 30.0) -> SendResult: ...

# ---- step-by-step SMTP client (bind_client.cpp) --------------------------------------------
class SmtpConnectError(SmtpError): ...
class SmtpTimeout(SmtpError, TimeoutError): ...
class SmtpDisconnected(SmtpError): ...
class SmtpTlsError(SmtpError): ...
class UnexpectedReply(SmtpError):
    reply: Reply
    expected: list[int]

# A code (250), a class digit (2 = any 2xx) or a list of either.
Expect = Optional[int | Sequence[int]]

class SmtpSession:
    timeout: float
    def __init__(self, timeout: float = 10.0) -> None: ...
    def connect(self, host: str, port: int, source_address: str = "", expect: Expect = None) -> Reply: ...
    def ehlo(self, name: str = "client.mxlab.test", expect: Expect = None) -> Reply: ...
    def helo(self, name: str = "client.mxlab.test", expect: Expect = None) -> Reply: ...
    def command(self, line: str, expect: Expect = None) -> Reply: ...
    def mail(self, sender: str, params: str = "", expect: Expect = None) -> Reply: ...
    def rcpt(self, recipient: str, params: str = "", expect: Expect = None) -> Reply: ...
    def pipeline(self, lines: Sequence[str], expect: Expect = None) -> list[Reply]: ...
    def send_raw(self, data: bytes) -> None: ...
    def read_reply(self, expect: Expect = None) -> Reply: ...
    def starttls(self, verify: bool = False, ca_file: str = "", server_name: str = "", min_version: str = "",
                 expect: Expect = None) -> Reply: ...
    def data(self, message: str | bytes, expect: Expect = None) -> Reply: ...
    def quit(self, expect: Expect = None) -> Reply: ...
    def close(self) -> None: ...
    @property
    def capabilities(self) -> dict[str, str]: ...
    def has_capability(self, name: str) -> bool: ...
    @property
    def connected(self) -> bool: ...
    @property
    def peer_closed(self) -> bool: ...
    @property
    def tls_active(self) -> bool: ...
    @property
    def tls_version(self) -> str: ...
    @property
    def tls_cipher(self) -> str: ...
    def __enter__(self) -> SmtpSession: ...
    def __exit__(self, *exc: object) -> None: ...

# ---- fake DNS ------------------------------------------------------------------------------
class DnsRecord:
    name: str
    type: str
    ttl: int
    data: str
    def __init__(self, name: str, type: str, data: str, ttl: int = 300) -> None: ...

class DnsFault:
    None_: DnsFault
    ServFail: DnsFault
    Refused: DnsFault
    NxDomain: DnsFault
    Timeout: DnsFault
    Truncate: DnsFault

class DnsProtocol:
    Udp: DnsProtocol
    Tcp: DnsProtocol

class DnsQueryLogEntry:
    name: str
    type: str
    protocol: DnsProtocol

DnsRecordLike = DnsRecord | tuple[str, str, str] | tuple[str, str, str, int]

class FakeDns:
    def __init__(self, records: Sequence[DnsRecordLike] = (), address: str = "127.0.0.1", port: int = 0,
                 authenticated_data: bool = False, truncate_above: int = 0) -> None: ...
    def set_options(self, authenticated_data: bool = False, truncate_above: int = 0) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def port(self) -> int: ...
    @property
    def address(self) -> str: ...
    @property
    def nameserver(self) -> str: ...
    @overload
    def add_record(self, record: DnsRecordLike) -> None: ...
    @overload
    def add_record(self, name: str, type: str, data: str, ttl: int = 300) -> None: ...
    def remove_records(self, name: str) -> None: ...
    def set_fault(self, name: str, fault: DnsFault | str, times: int = 0, delay: timedelta = ...) -> None: ...
    def clear(self) -> None: ...
    def query_count(self, protocol: DnsProtocol = ...) -> int: ...
    def query_log(self) -> list[DnsQueryLogEntry]: ...
    def clear_query_log(self) -> None: ...
    def __enter__(self) -> FakeDns: ...
    def __exit__(self, *exc: object) -> None: ...

# ---- scenario runner (bind_scenario.cpp) ---------------------------------------------------
class ScenarioReport:
    passed: bool
    problems: list[str]
    events: list[str]
    def text(self) -> str: ...
    def __bool__(self) -> bool: ...

def run_scenario(path: str, workdir: str, record: str = "") -> ScenarioReport: ...

# ---- fake MX TLS (bind_tls.cpp) ------------------------------------------------------------
class CertVariant:
    Valid: CertVariant
    SelfSigned: CertVariant
    Expired: CertVariant
    NotYetValid: CertVariant
    WrongHost: CertVariant
    UntrustedRoot: CertVariant
    IncompleteChain: CertVariant
    name: str
    value: int

class TlsMode:
    None_: TlsMode
    Starttls: TlsMode
    Implicit: TlsMode
    name: str
    value: int

class TlsConfig:
    mode: TlsMode
    certificate: CertVariant
    host_name: str
    min_version: str
    max_version: str
    ciphers: str
    ciphersuites: str
    handshake_abort: bool
    starttls_reply: str
    starttls_then_plaintext: bool
    def __init__(self) -> None: ...

def test_ca_pem() -> str: ...
def write_test_ca(path: str) -> None: ...
def make_credentials(variant: CertVariant, host_name: str, ip_address: str = "") -> tuple[str, str]: ...

# ---- load generator (bind_blast.cpp) -------------------------------------------------------
def blast(address: str, port: int, connections: int = 10, messages: int = 100, per_connection: int = 100,
          size: int = 1024, recipients: int = 1, rate: float = 0.0, pipelining: bool = True,
          starttls: bool = True, mail_from: str = "blast@origin.test", rcpt_to: str = "rcpt{r}@blast.test",
          timeout: float = 30.0, ids_file: str = "") -> dict: ...
