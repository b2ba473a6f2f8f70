// Where kcli trace-message reads each host's log: local files (mtad JSON records or Postfix
// syslog lines, detected per line) and mtad's admin API (GET /api/admin/log/v1), within a time
// window; and the OTLP/HTTP JSON export to a collector.
#pragma once
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>

#include "mta/common/expected.hpp"
#include "mta/flow/flow_config.hpp"

namespace mxlab::kcli {

struct TimeWindow {
  std::int64_t since = 0;  // unix seconds, inclusive; 0 = open
  std::int64_t until = 0;
};

// The tracer's EventSource over `config`'s hosts; the config must outlive it. `token` is sent to
// every admin API (kcli --token), as the other commands send it.
flow::EventSource make_event_source(const flow::FlowConfig& config, TimeWindow window, std::string token = {});

// POSTs an OTLP JSON body to `endpoint` ("http://host:port/v1/traces"; a bare "http://host:port"
// gets /v1/traces). An error names the endpoint and the HTTP status.
Status post_otlp(const std::string& endpoint, const boost::json::value& body);

// "1753092003", "2025-07-21 10:00:03" or "2025-07-21T10:00:03" (UTC) -> unix seconds.
Expected<std::int64_t> parse_time(const std::string& text);

}  // namespace mxlab::kcli
