// Trace filters (see trace_filter.hpp). Matching is against the conn_meta snapshot the event
// carries, so "not known yet" is simply "key absent or null" (seed 000: until a message is
// present, the per-message filters are ignored).
#include "mta/trace/trace_filter.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace mxlab::trace {

namespace json = boost::json;

namespace {

struct KeySpec {
  const char* request_key;
  const char* meta_key;
  bool cidr;
};

// Request key -> conn_meta key. Server sessions name the peer "received_from" (address:port).
constexpr KeySpec kClientKeys[] = {
    {"source_addr", "source_address", true}, {"mx_addr", "mx_address", true},
    {"mx_host", "mx_host", false},           {"domain", "domain", false},
    {"routing_domain", "routing_domain", false}, {"campaign", "campaign", false},
    {"tenant", "tenant", false},             {"egress_pool", "egress_pool", false},
    {"egress_source", "egress_source", false}, {"mail_from", "sender", false},
    {"rcpt_to", "recipient", false},         {"ready_queue", "ready_queue_name", false},
};
constexpr KeySpec kServerKeys[] = {{"source_addr", "received_from", true}};

template <std::size_t N>
const KeySpec* find_spec(const KeySpec (&specs)[N], std::string_view key) {
  for (const auto& s : specs)
    if (key == s.request_key) return &s;
  return nullptr;
}

Expected<std::vector<std::string>> strings_of(const json::value& v, std::string_view key) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (v.is_string()) {
    out.emplace_back(v.get_string());
    return out;
  }
  if (!v.is_array()) return unexpected("filter '" + std::string(key) + "': expected a string or a list of strings");
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) return unexpected("filter '" + std::string(key) + "': expected a list of strings");
    out.emplace_back(e.get_string());
  }
  return out;
}

bool value_allowed(const AllowList& list, std::string_view value) {
  if (list.cidr) return list.blocks.contains(address_part(value));
  return std::find(list.values.begin(), list.values.end(), value) != list.values.end();
}

// A key may hold a string or, for several recipients or addresses, a list: any element matches.
bool meta_allowed(const AllowList& list, const json::value& v) {
  if (v.is_null()) return true;  // not known yet
  if (v.is_string()) return value_allowed(list, v.get_string());
  if (v.is_array()) {
    if (v.get_array().empty()) return true;
    for (const auto& e : v.get_array())
      if (e.is_string() && value_allowed(list, e.get_string())) return true;
    return false;
  }
  return true;  // a property of another shape is not filterable: let it through
}

}  // namespace

std::string_view to_string(Direction d) { return d == Direction::Server ? "server" : "client"; }

const std::vector<std::string>& filter_keys(Direction d) {
  static const std::vector<std::string> client = [] {
    std::vector<std::string> v;
    for (const auto& s : kClientKeys) v.emplace_back(s.request_key);
    return v;
  }();
  static const std::vector<std::string> server{"source_addr"};
  return d == Direction::Client ? client : server;
}

std::string_view address_part(std::string_view a) {
  if (a.starts_with('[')) {
    auto end = a.find(']');
    return end == std::string_view::npos ? a : a.substr(1, end - 1);
  }
  auto colon = a.find(':');
  if (colon != std::string_view::npos && a.find(':', colon + 1) == std::string_view::npos) return a.substr(0, colon);
  return a;
}

Expected<TraceFilter> TraceFilter::from_request(Direction d, const json::object& request) {
  TraceFilter f;
  for (const auto& [key, value] : request) {
    if (key == "terse" || key == "name" || key == "capacity") continue;  // transport options
    const KeySpec* spec = d == Direction::Client ? find_spec(kClientKeys, key) : find_spec(kServerKeys, key);
    if (!spec) {
      return unexpected("unknown filter '" + std::string(key) + "' for trace-smtp-" + std::string(to_string(d)));
    }
    auto values = strings_of(value, key);
    if (!values) return unexpected(values.error());
    AllowList list{spec->request_key, spec->meta_key, spec->cidr, {}, {}};
    if (spec->cidr) {
      auto blocks = CidrSet::parse(*values);
      if (!blocks) return unexpected("filter '" + std::string(key) + "': " + blocks.error());
      list.blocks = std::move(*blocks);
    } else {
      list.values = std::move(*values);
    }
    if (!list.empty()) f.lists_.push_back(std::move(list));
  }
  return f;
}

Expected<TraceFilter> TraceFilter::from_text(Direction d, std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return unexpected("filter request is not JSON: " + ec.message());
  if (!v.is_object()) return unexpected("filter request must be a JSON object");
  return from_request(d, v.get_object());
}

bool TraceFilter::matches(const ConnMeta* meta) const {
  if (lists_.empty() || !meta) return true;
  for (const auto& list : lists_) {
    auto it = meta->find(list.meta_key);
    if (it == meta->end()) continue;
    if (!meta_allowed(list, it->value())) return false;
  }
  return true;
}

bool TraceFilter::empty() const { return lists_.empty(); }

}  // namespace mxlab::trace
