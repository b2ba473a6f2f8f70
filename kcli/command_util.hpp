// Helpers shared by kcli subcommands: the API client for the global endpoint, the one-line
// error on failure (it names the method and URL), query encoding, and the selector flags that
// bounce and suspend share with KumoMTA's kcli.
#pragma once
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kcli/api_client.hpp"
#include "kcli/commands.hpp"

namespace CLI {
class App;
}

namespace mxlab::kcli {

// Prints "kcli: <message>" on stderr; returns the failure exit status.
int fail(std::string_view message);

// Creates the client for ctx.endpoint and runs `body`; a bad endpoint fails in one line.
int with_client(const KcliContext& ctx, const std::function<int(const ApiClient&)>& body);

// Percent-encodes a query value (RFC 3986 section 2.3 unreserved characters stay as they are).
std::string encode_query(std::string_view value);

// Optional string fields of a JSON object, "" when absent or null.
std::string text_of(const boost::json::value& object, std::string_view key);
std::int64_t int_of(const boost::json::value& object, std::string_view key);

// --domain, --routing-domain (bounce only), --campaign, --tenant, --queue (repeatable),
// --everything, as KumoMTA's kcli.
struct SelectorArgs {
  std::string domain, routing_domain, campaign, tenant;
  std::vector<std::string> queues;
  bool everything = false;
};
void add_selector_flags(CLI::App& sub, SelectorArgs& args, bool routing_domain);
// Fills the request body from the flags; an empty selector is an error message.
std::optional<std::string> selector_body(const SelectorArgs& args, boost::json::object& body);

// "CRITERIA" column of bounce-list / suspend-list: "domain=x tenant=y" or "everything".
std::string criteria_text(const boost::json::value& rule);

}  // namespace mxlab::kcli
