// libFuzzer: the admin API's request path without sockets: access check (Authorization header),
// router (target, query, percent-decoding) and every JSON handler, over a backend holding one
// message and the rules created so far. Input: "METHOD TARGET\n[Authorization: ...\n]\nBODY".
// Beyond "no crash": every reply has a known status other than 500 (a handler that threw), and a
// JSON reply is valid JSON.
#include <boost/json.hpp>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mta/admin/access.hpp"
#include "mta/admin/admin_backend.hpp"
#include "mta/admin/router.hpp"

namespace {

using namespace mxlab;

class Backend final : public admin::AdminBackend {
 public:
  MetricsRegistry& metrics() override { return registry_; }
  void refresh_metrics() override {}
  admin::AdminResult<queue::AdminRule> add_rule(queue::AdminRule rule) override {
    if (rules_.size() > 64) rules_.clear();
    rule.id = "rule-" + std::to_string(rules_.size());
    rules_.push_back(rule);
    return rule;
  }
  std::vector<queue::AdminRule> list_rules(queue::RuleKind kind) override {
    std::vector<queue::AdminRule> out;
    for (const auto& r : rules_)
      if (r.kind == kind) out.push_back(r);
    return out;
  }
  bool cancel_rule(queue::RuleKind, const std::string& id) override { return id == "rule-0"; }
  std::vector<queue::MessageView> messages() override { return {view()}; }
  admin::AdminResult<queue::MessageView> message(const std::string& id) override {
    if (id != "0000000A") return unexpected(admin::AdminError{404, "no message " + id});
    return view();
  }
  admin::AdminResult<std::size_t> schedule(const std::string&) override { return std::size_t{1}; }
  admin::AdminResult<std::size_t> remove(const std::string&) override { return std::size_t{1}; }
  admin::AdminResult<admin::ServiceStatus> set_paused(std::string_view service, bool) override {
    if (service != "smtp" && service != "mta") return unexpected(admin::AdminError{400, "unknown service"});
    return admin::ServiceStatus{};
  }

 private:
  static queue::MessageView view() {
    queue::MessageView m;
    m.id = "0000000A";
    m.sender = "a@example.com";
    m.meta["k"] = "v\x01\xff";  // hostile bytes must still render as valid JSON
    m.envelopes.push_back({"0000000A.00000001", "b@example.net", "example.net", "pending", 1, {}, {}, "451 \"x\""});
    m.data = std::string("Subject: \xff\r\n\r\nbody\0", 19);
    return m;
  }
  MetricsRegistry registry_;
  std::vector<queue::AdminRule> rules_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Backend backend;
  static admin::Router router = admin::make_admin_router(backend);
  static admin::AccessRules access = [] {
    admin::AccessRules a;
    a.trusted = *CidrSet::parse({"127.0.0.0/8", "::1/128"});
    a.token = "fuzz-token";
    return a;
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view head = in.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  std::string_view authorization;
  if (rest.starts_with("Authorization: ")) {
    auto end = rest.find('\n');
    authorization = rest.substr(15, end == std::string_view::npos ? std::string_view::npos : end - 15);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  }
  if (rest.starts_with('\n')) rest.remove_prefix(1);
  if (auto refusal = admin::check_access(access, "127.0.0.1", authorization)) {
    if (refusal->status != 401) std::abort();
  }
  auto space = head.find(' ');
  admin::Request req;
  req.method = admin::method_from_string(head.substr(0, space));
  req.target = std::string(space == std::string_view::npos ? std::string_view("/") : head.substr(space + 1));
  req.content_type = "application/json";
  req.body = std::string(rest);
  req.peer = "127.0.0.1:1";
  admin::Response r = router.handle(std::move(req));
  // The backend never fails with 500, so a 500 is a handler that threw (the router's catch-all).
  if (admin::status_text(r.status) == "Error" || r.status == 500) std::abort();
  if (r.content_type == "application/json" && !r.body.empty()) {
    boost::system::error_code ec;
    boost::json::parse(r.body, ec);
    if (ec) std::abort();
  }
  return 0;
}
