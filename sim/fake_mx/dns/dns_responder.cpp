// Query -> response for the fake DNS server: faults first, then an authoritative zone lookup
// that follows CNAMEs inside the zone (RFC 1034 section 4.3.2), NXDOMAIN only for names with
// nothing at or below them (RFC 8020), SOA in authority for negative answers (RFC 2308).
#include "sim/fake_mx/dns/dns_responder.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace mxlab::fakemx {
namespace {

using dns::Message;
using dns::Rcode;
using dns::RrType;

constexpr int kMaxCnameHops = 8;

// The last two labels of a name: the zone apex when no enclosing name holds records.
std::string last_two_labels(std::string_view key) {
  const auto last = key.rfind('.');
  if (last == std::string_view::npos || last == 0) return std::string(key);
  const auto before = key.rfind('.', last - 1);
  return std::string(before == std::string_view::npos ? key : key.substr(before + 1));
}

dns::ResourceRecord soa_at(const std::string& apex) {
  dns::SoaData soa{"ns." + apex, "hostmaster." + apex, 1, 3600, 600, 86400, DnsResponder::kNegativeTtl};
  return {apex.empty() ? "." : apex, RrType::SOA, dns::kClassIn, DnsResponder::kNegativeTtl, soa};
}

std::optional<std::vector<std::uint8_t>> hex_octets(std::string_view hex) {
  std::vector<std::uint8_t> out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string digits;
  for (char c : hex)
    if (c != ' ') digits += c;
  if (digits.empty() || digits.size() % 2) return std::nullopt;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    int hi = nibble(digits[i]), lo = nibble(digits[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

// A domain name as uncompressed wire labels (RFC 1035 3.1).
std::optional<std::string> wire_name(std::string_view name) {
  std::string out;
  std::string n = dns::normalize_name(name);
  if (n == ".") n.clear();
  std::size_t start = 0;
  while (start < n.size()) {
    auto dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    const std::size_t len = dot - start;
    if (len == 0 || len > 63) return std::nullopt;
    out += static_cast<char>(len);
    out += n.substr(start, len);
    start = dot + 1;
  }
  out += '\0';
  return out.size() <= 255 ? std::optional(out) : std::nullopt;
}

constexpr auto kPtr = static_cast<RrType>(12);
constexpr auto kTlsa = static_cast<RrType>(52);

}  // namespace

std::string type_name(RrType type) {
  if (type == kPtr) return "PTR";
  if (type == kTlsa) return "TLSA";
  return dns::to_string(type);
}

Expected<dns::ResourceRecord> make_zone_record(const DnsRecord& record) {
  const std::string type = [&] {
    std::string t;
    for (char c : record.type) t += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return t;
  }();
  if (type == "PTR") {
    auto name = wire_name(record.data);
    if (!name) return unexpected("PTR data must be a domain name");
    return dns::ResourceRecord{record.name, kPtr, dns::kClassIn, record.ttl, dns::RawData{*name}};
  }
  if (type == "TLSA") {
    // "usage selector matching-type certificate-association-data(hex)"
    unsigned usage = 0, selector = 0, mtype = 0;
    char hex[4097] = {};
    if (std::sscanf(record.data.c_str(), "%u %u %u %4096s", &usage, &selector, &mtype, hex) != 4 || usage > 255 ||
        selector > 255 || mtype > 255)
      return unexpected("TLSA data is \"usage selector matching-type hex\", e.g. \"3 1 1 ab12...\"");
    auto octets = hex_octets(hex);
    if (!octets) return unexpected("TLSA certificate association data must be hex");
    std::string raw{static_cast<char>(usage), static_cast<char>(selector), static_cast<char>(mtype)};
    raw.append(octets->begin(), octets->end());
    return dns::ResourceRecord{record.name, kTlsa, dns::kClassIn, record.ttl, dns::RawData{raw}};
  }
  const auto t = dns::parse_rr_type(type);
  if (!t || *t == RrType::OPT || *t == RrType::ANY) return unexpected("unknown record type \"" + record.type + "\"");
  return dns::make_record(record.name, *t, record.ttl, record.data);
}

std::string_view to_string(DnsFault f) {
  switch (f) {
    case DnsFault::None: return "none";
    case DnsFault::ServFail: return "servfail";
    case DnsFault::Refused: return "refused";
    case DnsFault::NxDomain: return "nxdomain";
    case DnsFault::Timeout: return "timeout";
    case DnsFault::Truncate: return "truncate";
  }
  return "none";
}

std::optional<DnsFault> parse_dns_fault(std::string_view s) {
  for (DnsFault f : {DnsFault::None, DnsFault::ServFail, DnsFault::Refused, DnsFault::NxDomain, DnsFault::Timeout,
                     DnsFault::Truncate})
    if (dns::names_equal(to_string(f), s)) return f;
  return std::nullopt;
}

std::string_view to_string(DnsProtocol p) { return p == DnsProtocol::Udp ? "udp" : "tcp"; }

Status DnsResponder::add_record(const DnsRecord& record) {
  const std::string where = "record \"" + record.name + " " + record.type + " " + record.data + "\": ";
  auto rr = make_zone_record(record);
  if (!rr) return Status::failure(where + rr.error());
  std::lock_guard lock(mu_);
  records_.push_back({dns::normalize_name(record.name), std::move(*rr)});
  return Status::success();
}

void DnsResponder::remove_records(std::string_view name) {
  const std::string key = dns::normalize_name(name);
  std::lock_guard lock(mu_);
  std::erase_if(records_, [&](const Entry& e) { return e.key == key; });
}

void DnsResponder::set_fault(std::string_view name, DnsFault fault) { set_fault(name, DnsFaultSpec{fault}); }

void DnsResponder::set_fault(std::string_view name, const DnsFaultSpec& spec) {
  std::string key = dns::normalize_name(name);
  std::lock_guard lock(mu_);
  if (spec.fault == DnsFault::None && spec.delay.count() == 0) {
    faults_.erase(key);
  } else {
    faults_[std::move(key)] = FaultState{spec, 0};
  }
}

void DnsResponder::set_options(const DnsServerOptions& options) {
  std::lock_guard lock(mu_);
  options_ = options;
}

DnsServerOptions DnsResponder::options() const {
  std::lock_guard lock(mu_);
  return options_;
}

void DnsResponder::clear() {
  std::lock_guard lock(mu_);
  records_.clear();
  faults_.clear();
}

std::optional<std::vector<std::uint8_t>> DnsResponder::respond(std::span<const std::uint8_t> query,
                                                               DnsProtocol protocol,
                                                               std::chrono::milliseconds* delay) {
  std::lock_guard lock(mu_);
  ++(protocol == DnsProtocol::Udp ? udp_queries_ : tcp_queries_);
  auto parsed = dns::parse_message(query);
  if (!parsed) {  // RFC 1035 section 4.1.1: FORMERR when the query cannot be interpreted
    auto header = dns::parse_header(query);
    if (!header || header->qr) return std::nullopt;
    Message formerr;
    formerr.header = {header->id, true, header->opcode, false, false, header->rd, false, Rcode::FormErr};
    return encode(formerr, dns::kMaxUdpPayload);
  }
  const Message& q = *parsed;
  if (q.header.qr) return std::nullopt;
  std::size_t limit = protocol == DnsProtocol::Udp ? dns::udp_response_limit(q) : dns::kMaxTcpPayload;
  if (protocol == DnsProtocol::Udp && options_.truncate_above > 0) limit = std::min(limit, options_.truncate_above);
  if (q.header.opcode != 0) return encode(dns::make_response(q, Rcode::NotImp), limit);
  if (q.questions.size() != 1) return encode(dns::make_response(q, Rcode::FormErr), limit);
  const auto& question = q.questions.front();
  log_.push_back({question.name, type_name(question.type), protocol});

  const std::string key = dns::normalize_name(question.name);
  const auto fault = faults_.find(key);
  DnsFault f = DnsFault::None;
  if (fault != faults_.end()) {
    FaultState& st = fault->second;
    if (delay) *delay = st.spec.delay;
    if (st.spec.times == 0 || st.used < st.spec.times) {
      f = st.spec.fault;
      if (f != DnsFault::None) ++st.used;
    }
  }
  Message r = dns::make_response(q, Rcode::NoError);
  switch (f) {
    case DnsFault::Timeout: return std::nullopt;
    case DnsFault::ServFail: r.header.rcode = Rcode::ServFail; break;
    case DnsFault::Refused: r.header.rcode = Rcode::Refused; break;
    case DnsFault::NxDomain:
      r.header.rcode = Rcode::NxDomain;
      r.header.aa = true;
      r.authority.push_back(soa_at(apex_of(key)));
      break;
    case DnsFault::Truncate:
      if (protocol == DnsProtocol::Udp) {
        r.header.tc = true;  // RFC 1035 section 4.2.1: the client retries over TCP
        break;
      }
      [[fallthrough]];
    case DnsFault::None: r = answer(q); break;
  }
  auto wire = encode(r, limit);
  // RFC 4035 3.2.3 / RFC 6840 5.8: AD says the answer was validated; the codec has no AD field,
  // so set bit 0x20 of the flags' second octet here.
  if (options_.authenticated_data && r.header.rcode == Rcode::NoError && wire.size() > 3) wire[3] |= 0x20;
  return wire;
}

Message DnsResponder::answer(const Message& q) const {
  const auto& question = q.questions.front();
  Message r = dns::make_response(q, Rcode::NoError);
  r.header.aa = true;
  std::string owner = question.name, key = dns::normalize_name(owner);
  std::vector<std::string> seen{key};
  for (int hop = 0; hop <= kMaxCnameHops; ++hop) {
    if (!name_exists(key)) {  // RFC 6604: the RCODE speaks for the last name in the chain
      r.header.rcode = Rcode::NxDomain;
      break;
    }
    const auto cname = std::find_if(records_.begin(), records_.end(), [&](const Entry& e) {
      return e.key == key && e.rr.type == RrType::CNAME;
    });
    if (cname != records_.end() && question.type != RrType::CNAME && question.type != RrType::ANY) {
      auto rr = cname->rr;
      rr.name = owner;
      r.answers.push_back(rr);
      owner = std::get<dns::NameData>(cname->rr.data).name;
      key = dns::normalize_name(owner);
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {  // a CNAME loop: what a resolver answers
        r.answers.clear();
        r.header.rcode = Rcode::ServFail;
        break;
      }
      seen.push_back(key);
      continue;
    }
    for (const auto& e : records_) {
      if (e.key != key || (e.rr.type != question.type && question.type != RrType::ANY)) continue;
      auto rr = e.rr;
      rr.name = owner;
      r.answers.push_back(std::move(rr));
    }
    break;
  }
  const bool no_data = r.header.rcode == Rcode::NoError && r.answers.empty();
  if (no_data || r.header.rcode == Rcode::NxDomain) r.authority.push_back(soa_at(apex_of(key)));
  return r;
}

// The zone apex of a synthesized SOA: the shortest enclosing name that holds records (the top of
// the zone as the scenario wrote it: example.co.uk, not co.uk), else the last two labels.
std::string DnsResponder::apex_of(std::string_view key) const {
  for (std::size_t dot = key.rfind('.'); dot != std::string_view::npos && dot > 0; dot = key.rfind('.', dot - 1)) {
    std::string_view suffix = key.substr(dot + 1);
    bool holds = std::any_of(records_.begin(), records_.end(), [&](const Entry& e) { return e.key == suffix; });
    if (holds) return std::string(suffix);
  }
  bool itself = std::any_of(records_.begin(), records_.end(), [&](const Entry& e) { return e.key == key; });
  return itself ? std::string(key) : last_two_labels(key);
}

bool DnsResponder::name_exists(const std::string& key) const {
  return std::any_of(records_.begin(), records_.end(), [&](const Entry& e) {
    return e.key == key || (e.key.size() > key.size() && e.key.ends_with(key) && e.key[e.key.size() - key.size() - 1] == '.');
  });
}

std::vector<std::uint8_t> DnsResponder::encode(const Message& response, std::size_t limit) const {
  auto wire = dns::encode_message(response, limit);
  if (wire) return std::move(*wire);
  // Zone data was validated on entry, so this is a question we cannot echo: answer SERVFAIL bare.
  Message bare;
  bare.header = response.header;
  bare.header.rcode = Rcode::ServFail;
  auto fallback = dns::encode_message(bare, limit);
  return fallback ? std::move(*fallback) : std::vector<std::uint8_t>{};
}

std::uint64_t DnsResponder::query_count(DnsProtocol protocol) const {
  std::lock_guard lock(mu_);
  return protocol == DnsProtocol::Udp ? udp_queries_ : tcp_queries_;
}

std::vector<DnsQueryLogEntry> DnsResponder::query_log() const {
  std::lock_guard lock(mu_);
  return log_;
}

void DnsResponder::clear_query_log() {
  std::lock_guard lock(mu_);
  log_.clear();
  udp_queries_ = tcp_queries_ = 0;
}

}  // namespace mxlab::fakemx
