// What the server session puts in its trace events: KumoMTA's server conn_meta (received_from,
// received_via, hostname, ehlo_domain, tls_*) and the structured Callback / MessageDisposition
// payloads. Called only while someone subscribes to server traces. Private to mta/server.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "mta/protocol/reply.hpp"
#include "mta/server/session_policy.hpp"
#include "mta/trace/trace_sink.hpp"

namespace mxlab::server::detail {

std::shared_ptr<const trace::ConnMeta> server_conn_meta(const SessionInfo& info, const std::string& hostname);
// Callback {name: "smtp_server_<stage>", result: what the policy decided, error: null}.
boost::json::object callback_detail(Stage stage, const Action& action);
// MessageDisposition for one end of data: the reply decides relay / will_enqueue; the id is the
// one in "queued as <id>" when the reply names it.
boost::json::object disposition_detail(const std::string& sender, const std::vector<std::string>& recipients,
                                       const smtp::Reply& reply);

}  // namespace mxlab::server::detail
