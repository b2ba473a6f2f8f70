// POST /api/inject/v1: HTTP injection in KumoMTA's shape. Body:
//   {"envelope_sender": "a@b", "recipients": [{"email": "c@d", "name": "C"}],
//    "content": "<RFC 5322 message>" | {"subject", "text_body", "html_body", "from": {"email", "name"},
//                                        "reply_to": {"email", "name"}, "headers": {name: value}},
//    "tenant", "campaign", "routing_domain"}          (the last three: mxlab's queue parts)
// One message per recipient, as KumoMTA does; the reply is
//   {"success_count", "fail_count", "failed_recipients", "errors", "ids"}.
// Templating (substitutions) and attachments are refused with 400 rather than ignored.
#include <boost/json.hpp>

#include <cstdio>
#include <random>

#include "mta/admin/admin_backend.hpp"
#include "mta/admin/admin_json.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {

namespace json = boost::json;

namespace {

struct Bad {
  std::string reason;
};

std::string crlf(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 40);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  if (!out.empty() && (out.size() < 2 || out.substr(out.size() - 2) != "\r\n")) out += "\r\n";
  return out;
}

bool has_8bit(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return true;
  return false;
}

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

std::string text_at(const json::object& o, std::string_view key, std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return {};
  if (!v->is_string()) throw Bad{std::string(where) + "." + std::string(key) + " must be a string"};
  return std::string(v->get_string());
}

// {"email", "name"} -> "Name <email>"
std::string mailbox_at(const json::object& o, std::string_view key, std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return {};
  if (!v->is_object()) throw Bad{std::string(where) + "." + std::string(key) + " must be {\"email\", \"name\"}"};
  std::string email = text_at(v->get_object(), "email", std::string(where) + "." + std::string(key));
  if (email.empty()) throw Bad{std::string(where) + "." + std::string(key) + ".email is required"};
  std::string name = text_at(v->get_object(), "name", std::string(where) + "." + std::string(key));
  return name.empty() ? "<" + one_line(email) + ">" : "\"" + one_line(name) + "\" <" + one_line(email) + ">";
}

std::string part_headers(std::string_view type, std::string_view body) {
  return "Content-Type: " + std::string(type) + "; charset=utf-8\r\nContent-Transfer-Encoding: " +
         (has_8bit(body) ? "8bit" : "7bit") + "\r\n";
}

// Renders the builder form for one recipient.
std::string build(const json::object& c, const std::string& sender, const std::string& to, TimePoint now,
                  const std::string& message_id) {
  for (const char* unsupported : {"attachments", "template_name", "substitutions"})
    if (c.contains(unsupported)) throw Bad{std::string("content.") + unsupported + " is not supported"};
  std::string text = text_at(c, "text_body", "content");
  std::string html = text_at(c, "html_body", "content");
  if (text.empty() && html.empty()) throw Bad{"content needs text_body or html_body"};
  std::string from = mailbox_at(c, "from", "content");
  if (from.empty()) {
    if (sender.empty()) throw Bad{"content.from is required with a null envelope_sender"};
    from = "<" + sender + ">";
  }
  std::string m = "From: " + from + "\r\nTo: " + to + "\r\n";
  if (std::string subject = text_at(c, "subject", "content"); !subject.empty()) m += "Subject: " + one_line(subject) + "\r\n";
  if (std::string reply_to = mailbox_at(c, "reply_to", "content"); !reply_to.empty()) m += "Reply-To: " + reply_to + "\r\n";
  m += "Date: " + format_rfc5322(now) + "\r\nMessage-ID: <" + message_id + ">\r\nMIME-Version: 1.0\r\n";
  if (const json::value* h = c.if_contains("headers")) {
    if (!h->is_object()) throw Bad{"content.headers must be an object of name: value"};
    for (const auto& kv : h->get_object()) {
      std::string name(kv.key());
      if (name.empty() || name.find_first_of(": \t\r\n") != std::string::npos)
        throw Bad{"content.headers: bad header name '" + name + "'"};
      if (!kv.value().is_string()) throw Bad{"content.headers." + name + " must be a string"};
      m += name + ": " + one_line(kv.value().get_string()) + "\r\n";
    }
  }
  if (html.empty() || text.empty()) {
    const std::string& body = text.empty() ? html : text;
    m += part_headers(text.empty() ? "text/html" : "text/plain", body) + "\r\n" + crlf(body);
    return m;
  }
  const std::string boundary = "=_mxlab_alt_" + message_id.substr(0, message_id.find('@'));
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary + "\r\n" + part_headers("text/plain", text) + "\r\n" + crlf(text);
  m += "--" + boundary + "\r\n" + part_headers("text/html", html) + "\r\n" + crlf(html);
  m += "--" + boundary + "--\r\n";
  return m;
}

std::string new_message_id(const std::string& sender) {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(gen()));
  auto at = sender.rfind('@');
  return std::string(buf) + "@" + (at == std::string::npos ? std::string("mxlab.invalid") : sender.substr(at + 1));
}

InjectRequest parse(const json::object& body, TimePoint now) {
  InjectRequest r;
  const json::value* sender = body.if_contains("envelope_sender");
  if (!sender || !sender->is_string()) throw Bad{"envelope_sender is required (a string; \"\" for the null sender)"};
  r.envelope_sender = std::string(sender->get_string());
  const json::value* rcpts = body.if_contains("recipients");
  if (!rcpts || !rcpts->is_array() || rcpts->get_array().empty())
    throw Bad{"recipients is required: a non-empty list of {\"email\": ...}"};
  std::vector<std::string> to;
  for (std::size_t i = 0; i < rcpts->get_array().size(); ++i) {
    const json::value& v = rcpts->get_array()[i];
    std::string where = "recipients[" + std::to_string(i) + "]";
    if (!v.is_object()) throw Bad{where + " must be {\"email\": ...}"};
    if (v.get_object().contains("substitutions")) throw Bad{where + ".substitutions is not supported"};
    std::string email = text_at(v.get_object(), "email", where);
    if (email.empty()) throw Bad{where + ".email is required"};
    std::string name = text_at(v.get_object(), "name", where);
    r.recipients.push_back(email);
    to.push_back(name.empty() ? "<" + one_line(email) + ">" : "\"" + one_line(name) + "\" <" + one_line(email) + ">");
  }
  const json::value* content = body.if_contains("content");
  if (!content || !(content->is_string() || content->is_object()))
    throw Bad{"content is required: the message as a string, or {subject, text_body, html_body, from, headers}"};
  if (content->is_string() && content->get_string().empty()) throw Bad{"content is empty"};
  for (std::size_t i = 0; i < r.recipients.size(); ++i) {
    r.contents.push_back(content->is_string()
                             ? crlf(content->get_string())
                             : build(content->get_object(), r.envelope_sender, to[i], now, new_message_id(r.envelope_sender)));
  }
  for (const char* key : {"tenant", "campaign", "routing_domain"})
    if (std::string v = text_at(body, key, "body"); !v.empty()) r.meta[key] = v;
  return r;
}

void inject(AdminBackend& b, const Request& req, Reply reply) {
  auto body = parse_body(req);
  if (!body) return reply(body.error());
  InjectRequest parsed;
  try {
    parsed = parse(*body, b.now());
  } catch (const Bad& bad) {
    return reply(error_response(400, bad.reason));
  }
  b.inject(std::move(parsed), [reply](AdminResult<InjectResult> r) {
    if (!r) return reply(error_response(r.error().status, r.error().reason));
    json::object o;
    o["success_count"] = r->success_count;
    o["fail_count"] = r->failed_recipients.size();
    json::array failed, errors, ids;
    for (const auto& f : r->failed_recipients) failed.push_back(json::value(f));
    for (const auto& e : r->errors) errors.push_back(json::value(e));
    for (const auto& id : r->ids) ids.push_back(json::value(id));
    o["failed_recipients"] = std::move(failed);
    o["errors"] = std::move(errors);
    o["ids"] = std::move(ids);
    reply(json_response(200, json::serialize(o)));
  });
}

}  // namespace

void add_inject_routes(Router& router, AdminBackend& b) {
  router.add_async(Method::Post, "/api/inject/v1", [&b](const Request& r, Reply reply) { inject(b, r, std::move(reply)); });
}

}  // namespace mxlab::admin
