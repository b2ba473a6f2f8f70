// Server-side trace payloads (see server_trace.hpp).
#include "mta/server/server_trace.hpp"

#include <boost/json.hpp>

namespace mxlab::server::detail {

namespace json = boost::json;

namespace {
std::string_view kind_name(Action::Kind k) {
  switch (k) {
    case Action::Kind::Proceed: return "proceed";
    case Action::Kind::Reply: return "reply";
    case Action::Kind::Disconnect: return "disconnect";
    case Action::Kind::ReplyThenDisconnect: return "reply_then_disconnect";
    case Action::Kind::NoAnswer: return "no_answer";
    case Action::Kind::Reset: return "reset";
  }
  return "?";
}

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : address.substr(at + 1);
}
}  // namespace

std::shared_ptr<const trace::ConnMeta> server_conn_meta(const SessionInfo& info, const std::string& hostname) {
  auto m = std::make_shared<trace::ConnMeta>();
  auto endpoint = [](const std::string& a, std::uint16_t p) {
    return (a.find(':') != std::string::npos ? "[" + a + "]" : a) + ":" + std::to_string(p);
  };
  (*m)["received_from"] = endpoint(info.peer_address, info.peer_port);
  (*m)["received_via"] = endpoint(info.local_address, info.local_port);
  (*m)["hostname"] = hostname;
  if (!info.helo.empty()) (*m)["ehlo_domain"] = info.helo;
  if (info.tls) {
    (*m)["tls_cipher"] = info.tls_cipher;
    (*m)["tls_protocol_version"] = info.tls_version;
    (*m)["tls_peer_subject_name"] = info.tls_peer_subject.empty() ? json::value() : json::value(info.tls_peer_subject);
  }
  return m;
}

json::object callback_detail(Stage stage, const Action& action) {
  json::object result{{"action", kind_name(action.kind)}};
  if (action.reply.code) result["reply"] = action.reply.summary();
  if (action.delay.count() > 0) result["delay_ms"] = action.delay.count();
  return {{"name", "smtp_server_" + std::string(to_string(stage))}, {"result", std::move(result)}, {"error", nullptr}};
}

json::object disposition_detail(const std::string& sender, const std::vector<std::string>& recipients,
                                const smtp::Reply& reply) {
  json::array rcpts;
  for (const auto& r : recipients) rcpts.emplace_back(r);
  json::value id;
  std::string text = reply.lines.empty() ? std::string() : reply.lines.back();
  if (auto at = text.find("queued as "); at != std::string::npos) id = text.substr(at + 10);
  bool accepted = reply.positive();
  return {{"relay", accepted},
          {"queue", recipients.empty() ? json::value() : json::value(domain_of(recipients.front()))},
          {"meta", json::object()},
          {"sender", sender},
          {"recipient", std::move(rcpts)},
          {"id", std::move(id)},
          {"will_enqueue", accepted},
          {"reply", reply.summary()}};
}

}  // namespace mxlab::server::detail
