// Metric names shared by the MTA (which updates them), the admin API (which renders them) and
// kcli (which reads /metrics.json). Names and labels follow KumoMTA so its tooling reads ours.
#pragma once

namespace mxlab::metric {
// Scheduled queues, label "queue" = scheduled queue name.
inline constexpr const char* kScheduledCount = "scheduled_count";
// Ready queues, label "service" = "smtp_client:" + ready queue name.
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
