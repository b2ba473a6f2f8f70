// Records in presentation form (RFC 1035 section 5.1 master-file style RDATA): building a
// ResourceRecord from "10 mx1.example.com" and printing it back, RR type names (RFC 3597 section 5
// for unknown ones) and case-insensitive name comparison (RFC 4343).
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include "mta/dns/dns_message.hpp"
#include "mta/dns/dns_wire.hpp"

namespace mxlab::dns {
namespace {

struct TypeName {
  RrType type;
  std::string_view name;
};
constexpr TypeName kTypeNames[] = {{RrType::A, "A"},     {RrType::NS, "NS"},   {RrType::CNAME, "CNAME"},
                                   {RrType::SOA, "SOA"}, {RrType::MX, "MX"},   {RrType::TXT, "TXT"},
                                   {RrType::AAAA, "AAAA"}, {RrType::OPT, "OPT"}, {RrType::ANY, "ANY"}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Status check_name(std::string_view name) {
  std::vector<std::string> labels;
  std::string error;
  if (!wire::split_labels(name, labels, error)) return Status::failure("bad name \"" + std::string(name) + "\": " + error);
  return Status::success();
}

Expected<RData> parse_mx(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string pref, host, extra;
  MxData mx;
  if (!(in >> pref >> host) || (in >> extra) || !parse_int(pref, mx.preference))
    return unexpected("MX data must be \"<preference> <host>\", got \"" + std::string(text) + "\"");
  if (Status s = check_name(host); !s) return unexpected(s.error);
  mx.exchange = host;  // "." stays ".": the null MX of RFC 7505
  return RData{mx};
}

Expected<RData> parse_soa(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string fields[7], extra;
  for (auto& f : fields)
    if (!(in >> f)) return unexpected(std::string("SOA data needs mname rname serial refresh retry expire minimum"));
  if (in >> extra) return unexpected(std::string("SOA data has extra fields"));
  SoaData soa{fields[0], fields[1]};
  std::uint32_t* nums[] = {&soa.serial, &soa.refresh, &soa.retry, &soa.expire, &soa.minimum};
  for (int i = 0; i < 5; ++i)
    if (!parse_int(fields[i + 2], *nums[i])) return unexpected("bad SOA number \"" + fields[i + 2] + "\"");
  for (int i = 0; i < 2; ++i)
    if (Status s = check_name(fields[i]); !s) return unexpected(s.error);
  return RData{soa};
}

Expected<RData> parse_rdata(RrType type, std::string_view text) {
  switch (type) {
    case RrType::A: {
      AData a;
      if (inet_pton(AF_INET, std::string(text).c_str(), a.octets.data()) != 1)
        return unexpected("bad IPv4 address \"" + std::string(text) + "\"");
      return RData{a};
    }
    case RrType::AAAA: {
      AaaaData a;
      if (inet_pton(AF_INET6, std::string(text).c_str(), a.octets.data()) != 1)
        return unexpected("bad IPv6 address \"" + std::string(text) + "\"");
      return RData{a};
    }
    case RrType::NS:
    case RrType::CNAME:
      if (Status s = check_name(text); !s) return unexpected(s.error);
      return RData{NameData{std::string(text)}};
    case RrType::MX: return parse_mx(text);
    case RrType::SOA: return parse_soa(text);
    case RrType::TXT: {
      TxtData t;  // RFC 1035 section 3.3.14: character-strings of at most 255 octets each
      for (std::size_t i = 0; i < text.size(); i += 255) t.strings.emplace_back(text.substr(i, 255));
      if (t.strings.empty()) t.strings.emplace_back();
      return RData{t};
    }
    default: return unexpected("no presentation form for type " + to_string(type));
  }
}

}  // namespace

std::string to_string(RrType t) {
  for (const auto& tn : kTypeNames)
    if (tn.type == t) return std::string(tn.name);
  return "TYPE" + std::to_string(static_cast<std::uint16_t>(t));
}

std::optional<RrType> parse_rr_type(std::string_view s) {
  for (const auto& tn : kTypeNames)
    if (iequals(tn.name, s)) return tn.type;
  std::uint16_t v = 0;
  if (s.size() > 4 && iequals(s.substr(0, 4), "TYPE") && parse_int(s.substr(4), v)) return static_cast<RrType>(v);
  return std::nullopt;
}

std::string_view to_string(Rcode r) {
  switch (r) {
    case Rcode::NoError: return "NOERROR";
    case Rcode::FormErr: return "FORMERR";
    case Rcode::ServFail: return "SERVFAIL";
    case Rcode::NxDomain: return "NXDOMAIN";
    case Rcode::NotImp: return "NOTIMP";
    case Rcode::Refused: return "REFUSED";
  }
  return "RCODE?";
}

Expected<ResourceRecord> make_record(std::string name, RrType type, std::uint32_t ttl, std::string_view text) {
  if (Status s = check_name(name); !s) return unexpected(s.error);
  auto data = parse_rdata(type, text);
  if (!data) return unexpected(data.error());
  return ResourceRecord{std::move(name), type, kClassIn, ttl, std::move(*data)};
}

std::string format_rdata(const ResourceRecord& rr) {
  struct Visitor {
    std::string operator()(const RawData& d) { return "\\# " + std::to_string(d.bytes.size()); }
    std::string operator()(const AData& d) {
      char buf[INET_ADDRSTRLEN] = {};
      return inet_ntop(AF_INET, d.octets.data(), buf, sizeof buf) ? buf : "";
    }
    std::string operator()(const AaaaData& d) {
      char buf[INET6_ADDRSTRLEN] = {};
      return inet_ntop(AF_INET6, d.octets.data(), buf, sizeof buf) ? buf : "";
    }
    std::string operator()(const NameData& d) { return d.name; }
    std::string operator()(const MxData& d) { return std::to_string(d.preference) + " " + d.exchange; }
    std::string operator()(const TxtData& d) {
      std::string out;
      for (const auto& s : d.strings) out += s;
      return out;
    }
    std::string operator()(const SoaData& d) {
      std::ostringstream o;
      o << d.mname << ' ' << d.rname << ' ' << d.serial << ' ' << d.refresh << ' ' << d.retry << ' ' << d.expire
        << ' ' << d.minimum;
      return o.str();
    }
  };
  return std::visit(Visitor{}, rr.data);
}

std::string normalize_name(std::string_view name) {
  if (name.size() > 1 && name.back() == '.' && name[name.size() - 2] != '\\') name.remove_suffix(1);
  if (name == ".") name = {};
  std::string out(name);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool names_equal(std::string_view a, std::string_view b) { return normalize_name(a) == normalize_name(b); }

}  // namespace mxlab::dns
