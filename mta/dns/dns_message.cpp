// Parse and encode of whole DNS messages (RFC 1035 section 4.1) on top of dns_wire. Parsing is
// strict: section counts must match, RDATA must fill exactly RDLENGTH, no trailing octets.
// Encoding drops records that do not fit the size limit and sets TC (RFC 2181 section 9).
#include "mta/dns/dns_message.hpp"

#include <algorithm>

#include "mta/dns/dns_wire.hpp"

namespace mxlab::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kOptRecordSize = 11;  // root name, type, class, ttl, rdlength

template <class Data>
bool read_address(wire::Reader& r, std::uint16_t rdlength, RData& out) {
  Data a;
  if (rdlength != a.octets.size()) return r.fail("address RDATA has the wrong length");
  std::string raw;
  if (!r.bytes(rdlength, raw)) return false;
  std::copy(raw.begin(), raw.end(), a.octets.begin());
  out = a;
  return true;
}

bool read_txt(wire::Reader& r, std::size_t end, RData& out) {
  TxtData t;
  while (r.pos() < end) {  // RFC 1035 section 3.3.14: one or more <character-string>
    std::uint8_t len = 0;
    std::string s;
    if (!r.u8(len) || r.pos() + len > end || !r.bytes(len, s)) return r.fail("bad TXT string");
    t.strings.push_back(std::move(s));
  }
  out = std::move(t);
  return true;
}

bool read_soa(wire::Reader& r, RData& out) {
  SoaData s;
  if (!r.name(s.mname) || !r.name(s.rname) || !r.u32(s.serial) || !r.u32(s.refresh) || !r.u32(s.retry) ||
      !r.u32(s.expire) || !r.u32(s.minimum))
    return false;
  out = std::move(s);
  return true;
}

// RDATA of the types this codec knows must fill RDLENGTH exactly; others are kept raw.
bool read_rdata(wire::Reader& r, RrType type, std::uint16_t rdlength, RData& out) {
  const std::size_t end = r.pos() + rdlength;
  if (r.remaining() < rdlength) return r.fail("RDATA runs past the end");
  bool ok = false;
  switch (type) {
    case RrType::A: return read_address<AData>(r, rdlength, out);
    case RrType::AAAA: return read_address<AaaaData>(r, rdlength, out);
    case RrType::NS:
    case RrType::CNAME: {
      NameData n;
      ok = r.name(n.name);
      out = std::move(n);
      break;
    }
    case RrType::MX: {
      MxData mx;
      ok = r.u16(mx.preference) && r.name(mx.exchange);
      out = std::move(mx);
      break;
    }
    case RrType::SOA: ok = read_soa(r, out); break;
    case RrType::TXT: ok = read_txt(r, end, out); break;
    default: {
      RawData raw;
      ok = r.bytes(rdlength, raw.bytes);
      out = std::move(raw);
      break;
    }
  }
  return ok && (r.pos() == end || r.fail("RDATA length does not match its content"));
}

bool read_record(wire::Reader& r, ResourceRecord& rr, std::uint16_t& rdlength) {
  std::uint16_t type = 0;
  if (!r.name(rr.name) || !r.u16(type) || !r.u16(rr.klass) || !r.u32(rr.ttl) || !r.u16(rdlength))
    return false;
  rr.type = static_cast<RrType>(type);
  if (rr.type == RrType::OPT) {  // RFC 6891 section 6.1.2: class is the payload size
    if (rr.name != ".") return r.fail("OPT record with a non-root owner");
    std::string options;
    return r.bytes(rdlength, options);
  }
  return read_rdata(r, rr.type, rdlength, rr.data);
}

bool read_section(wire::Reader& r, std::uint16_t count, std::vector<ResourceRecord>& out,
                  std::optional<std::uint16_t>* edns) {
  for (std::uint16_t i = 0; i < count; ++i) {
    ResourceRecord rr;
    std::uint16_t rdlength = 0;
    if (!read_record(r, rr, rdlength)) return false;
    if (rr.type != RrType::OPT) {
      out.push_back(std::move(rr));
      continue;
    }
    // RFC 6891 section 6.1.1: OPT only in the additional section, at most once.
    if (edns == nullptr) return r.fail("OPT record outside the additional section");
    if (edns->has_value()) return r.fail("more than one OPT record");
    *edns = rr.klass;
  }
  return true;
}

Header decode_header(const std::uint8_t* h) {
  Header out;
  out.id = static_cast<std::uint16_t>((h[0] << 8) | h[1]);
  out.qr = (h[2] & 0x80) != 0;
  out.opcode = (h[2] >> 3) & 0x0F;
  out.aa = (h[2] & 0x04) != 0;
  out.tc = (h[2] & 0x02) != 0;
  out.rd = (h[2] & 0x01) != 0;
  out.ra = (h[3] & 0x80) != 0;
  out.rcode = static_cast<Rcode>(h[3] & 0x0F);
  return out;
}

void write_header(wire::Writer& w, const Header& h) {
  w.u16(h.id);
  w.u8(static_cast<std::uint8_t>((h.qr ? 0x80 : 0) | ((h.opcode & 0x0F) << 3) | (h.aa ? 0x04 : 0) |
                                 (h.tc ? 0x02 : 0) | (h.rd ? 0x01 : 0)));
  w.u8(static_cast<std::uint8_t>((h.ra ? 0x80 : 0) | (static_cast<std::uint8_t>(h.rcode) & 0x0F)));
  for (int i = 0; i < 4; ++i) w.u16(0);  // counts, patched once we know what fitted
}

bool write_rdata(wire::Writer& w, const ResourceRecord& rr) {
  struct Visitor {
    wire::Writer& w;
    bool operator()(const RawData& d) { return w.bytes(d.bytes), true; }
    bool operator()(const AData& d) { return w.bytes({reinterpret_cast<const char*>(d.octets.data()), 4}), true; }
    bool operator()(const AaaaData& d) {
      return w.bytes({reinterpret_cast<const char*>(d.octets.data()), 16}), true;
    }
    bool operator()(const NameData& d) { return w.name(d.name); }
    bool operator()(const MxData& d) { return w.u16(d.preference), w.name(d.exchange); }
    bool operator()(const TxtData& d) {
      for (const auto& s : d.strings) {
        if (s.size() > 255) return false;
        w.u8(static_cast<std::uint8_t>(s.size()));
        w.bytes(s);
      }
      return true;
    }
    bool operator()(const SoaData& d) {
      if (!w.name(d.mname) || !w.name(d.rname)) return false;
      for (auto v : {d.serial, d.refresh, d.retry, d.expire, d.minimum}) w.u32(v);
      return true;
    }
  };
  return std::visit(Visitor{w}, rr.data);
}

Status write_record(wire::Writer& w, const ResourceRecord& rr) {
  if (!w.name(rr.name)) return Status::failure(w.error());
  w.u16(static_cast<std::uint16_t>(rr.type));
  w.u16(rr.klass);
  w.u32(rr.ttl);
  const std::size_t length_at = w.size();
  w.u16(0);
  if (!write_rdata(w, rr)) return Status::failure(w.error().empty() ? "TXT string over 255 octets" : w.error());
  const std::size_t rdlength = w.size() - length_at - 2;
  if (rdlength > 0xFFFF) return Status::failure("RDATA longer than 65535 octets");
  w.put_u16_at(length_at, static_cast<std::uint16_t>(rdlength));
  return Status::success();
}

// Appends whole records while they fit under `limit`; returns how many fitted.
Expected<std::uint16_t> write_section(wire::Writer& w, const std::vector<ResourceRecord>& rrs, std::size_t limit) {
  std::uint16_t written = 0;
  for (const auto& rr : rrs) {
    const std::size_t mark = w.size();
    if (Status s = write_record(w, rr); !s) return unexpected(s.error);
    if (w.size() > limit) {
      w.truncate(mark);
      break;
    }
    if (++written == 0xFFFE) break;  // leaves room for OPT in ARCOUNT
  }
  return written;
}

}  // namespace

Expected<Header> parse_header(std::span<const std::uint8_t> wire) {
  if (wire.size() < kHeaderSize) return unexpected(std::string("message shorter than its 12-octet header"));
  return decode_header(wire.data());
}

Expected<Message> parse_message(std::span<const std::uint8_t> wire) {
  auto header = parse_header(wire);
  if (!header) return unexpected(header.error());
  Message m;
  m.header = *header;
  wire::Reader r(wire);
  std::string skip;
  std::uint16_t counts[4] = {};
  r.bytes(4, skip);
  for (auto& c : counts) r.u16(c);
  for (std::uint16_t i = 0; i < counts[0]; ++i) {
    Question q;
    std::uint16_t type = 0;
    if (!r.name(q.name) || !r.u16(type) || !r.u16(q.klass)) return unexpected(r.error());
    q.type = static_cast<RrType>(type);
    m.questions.push_back(std::move(q));
  }
  if (!read_section(r, counts[1], m.answers, nullptr) || !read_section(r, counts[2], m.authority, nullptr) ||
      !read_section(r, counts[3], m.additional, &m.edns_udp_size))
    return unexpected(r.error());
  if (r.remaining() != 0) return unexpected("trailing octets after the last record at offset " + std::to_string(r.pos()));
  return m;
}

Expected<std::vector<std::uint8_t>> encode_message(const Message& m, std::size_t max_size) {
  wire::Writer w;
  Header h = m.header;
  write_header(w, h);
  if (m.questions.size() > 0xFFFF) return unexpected(std::string("too many questions"));
  for (const auto& q : m.questions) {
    if (!w.name(q.name)) return unexpected(w.error());
    w.u16(static_cast<std::uint16_t>(q.type));
    w.u16(q.klass);
  }
  const std::size_t reserve = m.edns_udp_size ? kOptRecordSize : 0;
  if (w.size() + reserve > max_size) return unexpected(std::string("question does not fit the size limit"));
  const std::size_t limit = max_size - reserve;
  std::uint16_t counts[3] = {};
  const std::vector<ResourceRecord>* sections[3] = {&m.answers, &m.authority, &m.additional};
  bool full = false;
  for (int s = 0; s < 3 && !full; ++s) {
    auto n = write_section(w, *sections[s], limit);
    if (!n) return unexpected(n.error());
    counts[s] = *n;
    full = *n < sections[s]->size();
    if (full && s < 2) h.tc = true;  // RFC 2181 section 9: missing additional data is not truncation
  }
  if (m.edns_udp_size) {  // RFC 6891 section 6.1.2: root owner, class = our payload size
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(RrType::OPT));
    w.u16(*m.edns_udp_size);
    w.u32(0);
    w.u16(0);
  }
  auto& buf = w.buffer();
  if (h.tc) buf[2] |= 0x02;
  w.put_u16_at(4, static_cast<std::uint16_t>(m.questions.size()));
  w.put_u16_at(6, counts[0]);
  w.put_u16_at(8, counts[1]);
  w.put_u16_at(10, static_cast<std::uint16_t>(counts[2] + (m.edns_udp_size ? 1 : 0)));
  return std::move(buf);
}

std::size_t udp_response_limit(const Message& query) {
  // RFC 6891 section 6.2.5: sizes below 512 are treated as 512.
  if (!query.edns_udp_size) return kMaxUdpPayload;
  return std::max<std::size_t>(kMaxUdpPayload, *query.edns_udp_size);
}

Message make_response(const Message& query, Rcode rcode) {
  Message r;
  r.header.id = query.header.id;
  r.header.qr = true;
  r.header.opcode = query.header.opcode;
  r.header.rd = query.header.rd;
  r.header.rcode = rcode;
  r.questions = query.questions;
  if (query.edns_udp_size) r.edns_udp_size = kServerEdnsPayload;
  return r;
}

}  // namespace mxlab::dns
