// The MX plan for a domain (RFC 5321 section 5.1, RFC 7505): MX records by preference with
// equal preferences shuffled, each host's addresses, implicit MX when there are no MX records,
// and the reply to use when there is nowhere to deliver (bounce or defer).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "mta/dns/resolver.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::delivery {

struct MxTarget {
  std::string host;
  std::uint16_t preference = 0;
  std::vector<std::string> addresses;
};

struct MxPlan {
  std::vector<MxTarget> targets;  // in the order to try
  // When targets is empty: why, as the reply to record (5xx bounces, 4xx defers).
  smtp::Reply failure;
  std::string describe() const;  // "mx1.example.com[127.0.0.2] mx2.example.com[127.0.0.3]"
};

// Orders MX records: preference ascending, equal preferences shuffled (RFC 5321 5.1).
std::vector<dns::MxRecord> order_mx(std::vector<dns::MxRecord> records);

// Resolves the plan; at most max_addresses addresses in total (Postfix smtp_mx_address_limit).
boost::asio::awaitable<MxPlan> resolve_mx_plan(dns::Resolver& resolver, const std::string& domain,
                                                   int max_addresses);

}  // namespace mxlab::delivery
