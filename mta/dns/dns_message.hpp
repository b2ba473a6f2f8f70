// DNS message codec (RFC 1035 section 4): a pure, socket-free parse and encode of the header,
// questions and resource records, with name compression (section 4.1.4), UDP truncation
// (section 4.2.1, RFC 2181 section 9) and the EDNS0 OPT payload size (RFC 6891 section 6.2).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mta/common/expected.hpp"

namespace mxlab::dns {

// RR types this codec decodes; any other value travels as RawData (RFC 3597).
enum class RrType : std::uint16_t {
  A = 1, NS = 2, CNAME = 5, SOA = 6, MX = 15, TXT = 16, AAAA = 28, OPT = 41, ANY = 255
};
// RFC 1035 section 4.1.1 RCODE values.
enum class Rcode : std::uint8_t { NoError = 0, FormErr = 1, ServFail = 2, NxDomain = 3, NotImp = 4, Refused = 5 };

inline constexpr std::uint16_t kClassIn = 1;
inline constexpr std::size_t kMaxUdpPayload = 512;     // RFC 1035 section 4.2.1
inline constexpr std::size_t kMaxTcpPayload = 65535;   // RFC 1035 section 4.2.2 length prefix
inline constexpr std::uint16_t kServerEdnsPayload = 1232;  // DNS flag day 2020 recommendation

std::string to_string(RrType t);             // "MX", or "TYPE99" for others (RFC 3597 section 5)
std::optional<RrType> parse_rr_type(std::string_view s);  // case-insensitive, "TYPE99" accepted
std::string_view to_string(Rcode r);

struct Header {
  std::uint16_t id = 0;
  bool qr = false;  // response
  std::uint8_t opcode = 0;
  bool aa = false, tc = false, rd = false, ra = false;
  Rcode rcode = Rcode::NoError;
  bool operator==(const Header&) const = default;
};

struct Question {
  std::string name;  // presentation form without the trailing dot; the root is "."
  RrType type = RrType::A;
  std::uint16_t klass = kClassIn;
  bool operator==(const Question&) const = default;
};

struct AData { std::array<std::uint8_t, 4> octets{}; bool operator==(const AData&) const = default; };
struct AaaaData { std::array<std::uint8_t, 16> octets{}; bool operator==(const AaaaData&) const = default; };
struct NameData { std::string name; bool operator==(const NameData&) const = default; };  // NS, CNAME
struct MxData {
  std::uint16_t preference = 0;
  std::string exchange;  // "." for a null MX (RFC 7505)
  bool operator==(const MxData&) const = default;
};
struct TxtData { std::vector<std::string> strings; bool operator==(const TxtData&) const = default; };
struct SoaData {
  std::string mname, rname;
  std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
  bool operator==(const SoaData&) const = default;
};
struct RawData { std::string bytes; bool operator==(const RawData&) const = default; };
using RData = std::variant<RawData, AData, AaaaData, NameData, MxData, TxtData, SoaData>;

struct ResourceRecord {
  std::string name;
  RrType type = RrType::A;
  std::uint16_t klass = kClassIn;
  std::uint32_t ttl = 0;
  RData data;
  bool operator==(const ResourceRecord&) const = default;
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<ResourceRecord> answers, authority, additional;
  // RFC 6891: the OPT pseudo-record is lifted out of `additional` into this field.
  std::optional<std::uint16_t> edns_udp_size;
  bool operator==(const Message&) const = default;
};

// Parses a whole message; any malformation (short read, bad pointer, count mismatch, trailing
// bytes) is an error value. Never reads outside `wire`.
Expected<Message> parse_message(std::span<const std::uint8_t> wire);
// Parses only the 12-byte header: lets a server answer FORMERR to an otherwise unparsable query.
Expected<Header> parse_header(std::span<const std::uint8_t> wire);

// Encodes `m`. Records that do not fit in `max_size` are dropped from the end; dropping answer
// or authority records sets TC, dropping additional ones does not (RFC 2181 section 9).
Expected<std::vector<std::uint8_t>> encode_message(const Message& m, std::size_t max_size = kMaxTcpPayload);

// The largest UDP response the requester accepts: 512, or its EDNS0 payload size if larger.
std::size_t udp_response_limit(const Message& query);
// A response skeleton: same id, opcode, RD and question, QR set, EDNS echoed when the query had it.
Message make_response(const Message& query, Rcode rcode);

// Records from presentation text: "10 mx1.example.com" (MX), "192.0.2.1" (A), "2001:db8::1"
// (AAAA), any text (TXT, split into 255-octet strings), a name (CNAME, NS),
// "mname rname serial refresh retry expire minimum" (SOA).
Expected<ResourceRecord> make_record(std::string name, RrType type, std::uint32_t ttl, std::string_view text);
// The inverse: RDATA in the same presentation form ("10 mx1.example.com", "192.0.2.1").
std::string format_rdata(const ResourceRecord& rr);

// Names: presentation form <-> comparisons. Case-insensitive (RFC 4343), trailing dot ignored.
std::string normalize_name(std::string_view name);
bool names_equal(std::string_view a, std::string_view b);

}  // namespace mxlab::dns
