// One delivery attempt for the recipients of one message at one domain: resolve the MX plan,
// walk its hosts and addresses, and turn each reply into a per-recipient fate by scope
// (RFC 5321 section 5 and the failure table in docs/ARCHITECTURE.md).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <vector>

#include "mta/delivery/client_session.hpp"
#include "mta/delivery/connection_cache.hpp"
#include "mta/dns/resolver.hpp"

namespace mxlab::delivery {

enum class Fate { Delivered, Deferred, Bounced };
std::string_view to_string(Fate f);

struct RecipientOutcome {
  std::string recipient{};
  Fate fate = Fate::Deferred;
  smtp::Reply reply{};
  std::string command{};
  std::string peer_name{};  // MX host that gave the reply (empty for DNS outcomes)
  std::string peer_address{};
  std::string tls_version{}, tls_cipher{};  // of the session that gave the reply; empty = plaintext
};

struct DomainAttemptRequest {
  std::string domain;
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  const std::string* data = nullptr;
  std::uint16_t port = 25;
  std::string ehlo_name;
  std::string source_address;
  int max_mx_addresses = 5;
  std::size_t max_recipients_per_transaction = 100;  // more are sent in further transactions
  ClientTimeouts timeouts;
  ClientTls tls;  // the destination's STARTTLS policy
  ConnectionCache* connections = nullptr;  // idle connections to reuse and to park; null = QUIT each
  const trace::ClientTraceFacts* trace_facts = nullptr;  // conn_meta facts for the trace (optional)
  SessionTable* sessions = nullptr;  // passed on to each client session
  std::string message_id;
  // Asked with the site once the MX plan is known; true holds the attempt (a suspended ready
  // queue): no connection is made and DomainAttempt::held is set.
  std::function<bool(const std::string& site)> hold;
};

struct DomainAttempt {
  std::vector<RecipientOutcome> outcomes;  // one per requested recipient, same order
  std::string site;                        // MX host set, for the ready queue name
  int connections = 0;                     // connection attempts made
  // Postfix delays c/d: DNS, connects and greetings up to the last session's MAIL FROM; the
  // rest of that session. Wall time (steady clock), so virtual-time tests see real durations.
  std::chrono::milliseconds connection_setup{0};
  std::chrono::milliseconds transmission{0};
  bool held = false;                       // request.hold said so: outcomes are meaningless
};

// One trace session per call (BeginSession after the MX plan, then each connection used).
boost::asio::awaitable<DomainAttempt> attempt_domain(dns::Resolver& resolver, const DomainAttemptRequest& request,
                                                      trace::TraceSink* trace = nullptr);

// Fate of a single reply: 2xx delivered, 4xx deferred, 5xx bounced. 552 at RCPT counts as
// 452 (RFC 5321 4.5.3.1.10: "too many recipients" is temporary).
Fate fate_of(const smtp::Reply& reply, ClientStage stage);

}  // namespace mxlab::delivery
