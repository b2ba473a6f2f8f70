// Trace filters: per-property allow-lists (seed 000), checked per event against the conn_meta the
// session has learned so far. A property with an allow-list matches when the session has not
// learned it yet (the event goes through) or its value is in the list; CIDR lists for addresses.
#pragma once
#include <boost/json/fwd.hpp>
#include <string>
#include <vector>

#include "mta/common/cidr.hpp"
#include "mta/common/expected.hpp"
#include "mta/trace/trace_sink.hpp"

namespace mxlab::trace {

// One allow-list: the conn_meta key it checks and either CIDR blocks or exact strings.
struct AllowList {
  std::string request_key;  // name in the filter request ("mx_host")
  std::string meta_key;     // conn_meta key it checks ("mx_host")
  bool cidr = false;
  CidrSet blocks;
  std::vector<std::string> values;
  bool empty() const { return cidr ? blocks.empty() : values.empty(); }
};

class TraceFilter {
 public:
  // The filter request (the first WebSocket frame), KumoMTA's field names: client requests take
  // source_addr, mx_addr, mx_host, domain, routing_domain, campaign, tenant, egress_pool,
  // egress_source, mail_from, rcpt_to, ready_queue; server requests take source_addr. Each is a
  // string or a list of strings; null or absent = no filter. `terse` is read by the caller.
  // Unknown keys and bad CIDRs are errors naming the key.
  static Expected<TraceFilter> from_request(Direction d, const boost::json::object& request);
  static Expected<TraceFilter> from_text(Direction d, std::string_view json_text);

  bool matches(const ConnMeta* meta) const;
  bool empty() const;
  const std::vector<AllowList>& lists() const { return lists_; }

 private:
  std::vector<AllowList> lists_;  // only the non-empty ones
};

// The request keys a direction accepts, in seed order.
const std::vector<std::string>& filter_keys(Direction d);
// "127.0.0.1:25" -> "127.0.0.1", "[::1]:25" -> "::1", "::1" -> "::1".
std::string_view address_part(std::string_view address_and_port);

}  // namespace mxlab::trace
