// Metric names shared by the MTA (which updates them), the admin API (which renders them) and
// kcli (which reads /metrics.json). Names and labels follow KumoMTA so its tooling reads ours.
#pragma once

namespace mxlab::metric {
// Checked against KumoMTA's kumod metrics and kcli queue-summary, which reads exactly these.
// Scheduled queues, label "queue" = scheduled queue name ("campaign:tenant@domain!routing_domain",
// shortened to "tenant@domain" or "domain" when parts are absent).
inline constexpr const char* kScheduledCount = "scheduled_count";
// Ready queues, label "service" = "smtp_client:" + ready queue name, the ready queue name being
// "{egress_source}->{site}@smtp_client", e.g. "smtp_client:ip-1->mx.example.com@smtp_client".
// kcli splits at the first ':' and ignores values with no ':' (KumoMTA also publishes an
// all-queues connection_count{service="smtp_client"}; that is optional).
inline constexpr const char* kReadyCount = "ready_count";
inline constexpr const char* kConnectionCount = "connection_count";
inline constexpr const char* kDelivered = "total_messages_delivered";
inline constexpr const char* kTransientFailures = "total_messages_transfail";
inline constexpr const char* kFailures = "total_messages_fail";
// Reception, label "service" = "esmtp_listener".
inline constexpr const char* kReceived = "total_messages_received";
inline constexpr const char* kServiceLabel = "service";
inline constexpr const char* kQueueLabel = "queue";
inline constexpr const char* kClientServicePrefix = "smtp_client:";
}  // namespace mxlab::metric
