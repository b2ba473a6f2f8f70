// The envelope record's on-disk form: versioned, human-readable JSON (OpenSMTPD's envelope
// files are the model). Times are unix milliseconds; ids are the hex forms from ids.hpp.
// from_json never throws: a missing field, wrong type or unknown version is an error value.
#include "mta/spool/message_record.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>

namespace mxlab::spool {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<EnvelopeState, std::string_view>, 4> kStates = {{
    {EnvelopeState::Pending, "pending"},
    {EnvelopeState::Delivered, "delivered"},
    {EnvelopeState::Bounced, "bounced"},
    {EnvelopeState::Expired, "expired"},
}};

std::optional<EnvelopeState> parse_state(std::string_view s) {
  for (const auto& [state, name] : kStates)
    if (name == s) return state;
  return std::nullopt;
}

std::int64_t to_unix_ms(TimePoint t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}
TimePoint from_unix_ms(std::int64_t ms) { return TimePoint{Millis{ms}}; }

json::object envelope_to_json(const EnvelopeRecord& e) {
  json::object o;
  o["id"] = format_envelope_id(e.id);
  o["recipient"] = e.recipient;
  o["state"] = std::string(to_string(e.state));
  o["attempts"] = e.attempts;
  o["next_attempt"] = to_unix_ms(e.next_attempt);
  o["last_attempt"] = to_unix_ms(e.last_attempt);
  o["last_error"] = e.last_error;
  return o;
}

// Reads typed fields from one JSON object; the first problem is kept as `error`, naming the
// object (`where`) and the field, and later reads become no-ops.
class FieldReader {
 public:
  FieldReader(const json::object& o, std::string where) : o_(o), where_(std::move(where)) {}

  const json::value* find(std::string_view key) {
    if (!error.empty()) return nullptr;
    const json::value* v = o_.if_contains(key);
    if (!v) fail(key, "missing field");
    return v;
  }
  std::string string(std::string_view key) {
    const json::value* v = find(key);
    if (v && !v->is_string()) fail(key, "expected a string");
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  }
  template <class T>
  T number(std::string_view key) {
    const json::value* v = find(key);
    if (!v) return T{};
    boost::system::error_code ec;
    T n = v->to_number<T>(ec);
    if (ec || !(v->is_int64() || v->is_uint64())) fail(key, "expected an integer");
    return n;
  }
  TimePoint time(std::string_view key) { return from_unix_ms(number<std::int64_t>(key)); }
  const json::object* object(std::string_view key) {
    const json::value* v = find(key);
    if (v && !v->is_object()) fail(key, "expected an object");
    return v ? v->if_object() : nullptr;
  }
  const json::array* array(std::string_view key) {
    const json::value* v = find(key);
    if (v && !v->is_array()) fail(key, "expected an array");
    return v ? v->if_array() : nullptr;
  }
  void fail(std::string_view key, std::string_view why) {
    if (error.empty()) error = where_ + "." + std::string(key) + ": " + std::string(why);
  }

  std::string error;

 private:
  const json::object& o_;
  std::string where_;
};

std::optional<EnvelopeRecord> envelope_from_json(const json::value& v, const std::string& where,
                                                 std::string& error) {
  if (!v.is_object()) {
    error = where + ": expected an object";
    return std::nullopt;
  }
  FieldReader f(v.get_object(), where);
  EnvelopeRecord e;
  std::string id = f.string("id");
  if (f.error.empty()) {
    if (auto parsed = parse_envelope_id(id)) e.id = *parsed;
    else f.fail("id", "bad envelope id '" + id + "'");
  }
  e.recipient = f.string("recipient");
  std::string state = f.string("state");
  if (f.error.empty()) {
    if (auto parsed = parse_state(state)) e.state = *parsed;
    else f.fail("state", "unknown state '" + state + "'");
  }
  e.attempts = f.number<int>("attempts");
  e.next_attempt = f.time("next_attempt");
  e.last_attempt = f.time("last_attempt");
  e.last_error = f.string("last_error");
  error = f.error;
  if (!error.empty()) return std::nullopt;
  return e;
}

// Fills everything but the envelopes; returns the first error or "".
std::string header_from_json(FieldReader& f, MessageRecord& r) {
  std::string id = f.string("id");
  if (f.error.empty()) {
    if (auto parsed = parse_message_id(id)) r.id = *parsed;
    else f.fail("id", "bad message id '" + id + "'");
  }
  r.sender = f.string("sender");
  r.received = f.time("received");
  r.received_from = f.string("received_from");
  r.helo = f.string("helo");
  r.size = f.number<std::uint64_t>("size");
  if (const json::object* meta = f.object("meta")) {
    for (const auto& kv : *meta) {
      if (!kv.value().is_string()) f.fail("meta." + std::string(kv.key()), "expected a string");
      else r.meta[std::string(kv.key())] = std::string(kv.value().get_string());
    }
  }
  return f.error;
}

}  // namespace

std::string_view to_string(EnvelopeState s) {
  for (const auto& [state, name] : kStates)
    if (state == s) return name;
  return "unknown";
}

std::string domain_of(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return {};  // e.g. bare "postmaster" (RFC 5321 4.5.1)
  std::string domain(address.substr(at + 1));
  std::transform(domain.begin(), domain.end(), domain.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return domain;
}

bool MessageRecord::done() const {
  return std::none_of(envelopes.begin(), envelopes.end(),
                      [](const EnvelopeRecord& e) { return e.state == EnvelopeState::Pending; });
}

std::string MessageRecord::to_json() const {
  json::object o;
  o["version"] = kVersion;
  o["id"] = format_message_id(id);
  o["sender"] = sender;
  o["received"] = to_unix_ms(received);
  o["received_from"] = received_from;
  o["helo"] = helo;
  o["size"] = size;
  json::object m;
  for (const auto& [k, v] : meta) m[k] = v;
  o["meta"] = std::move(m);
  json::array envs;
  for (const auto& e : envelopes) envs.push_back(envelope_to_json(e));
  o["envelopes"] = std::move(envs);
  return json::serialize(o);
}

Expected<MessageRecord> MessageRecord::from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return unexpected("envelope record: bad JSON: " + ec.message());
  if (!v.is_object()) return unexpected(std::string("envelope record: expected a JSON object"));
  FieldReader f(v.get_object(), "envelope record");
  auto version = f.number<int>("version");
  if (f.error.empty() && version != kVersion)
    return unexpected("envelope record: unsupported version " + std::to_string(version) +
                      " (this build reads version " + std::to_string(kVersion) + ")");
  MessageRecord r;
  if (std::string err = header_from_json(f, r); !err.empty()) return unexpected(err);
  const json::array* envs = f.array("envelopes");
  if (!envs) return unexpected(f.error);
  for (std::size_t i = 0; i < envs->size(); ++i) {
    std::string error;
    auto e = envelope_from_json((*envs)[i], "envelope record.envelopes[" + std::to_string(i) + "]", error);
    if (!e) return unexpected(error);
    r.envelopes.push_back(std::move(*e));
  }
  return r;
}

}  // namespace mxlab::spool
