// Reception: id, Received: header, queue parts, durable spool write, then 250 (see inbound.hpp).
#include "mta/core/inbound.hpp"

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "mta/common/metric_names.hpp"
#include "mta/protocol/message_header.hpp"
#include "mta/queue/queue_names.hpp"

namespace mxlab::core {

namespace asio = boost::asio;

InboundHandler::InboundHandler(const InboundDeps& d) : deps_(d) {
  deps_.metrics.declare(metric::kReceived, MetricType::Counter, "total number of messages received", metric::kServiceLabel);
}

std::string InboundHandler::queue_parts_from_headers(std::string_view data,
                                                     std::map<std::string, std::string>& meta) const {
  const std::pair<const std::string*, const char*> parts[] = {
      {&deps_.config.queues.tenant_header, "tenant"},
      {&deps_.config.queues.campaign_header, "campaign"},
      {&deps_.config.queues.routing_domain_header, "routing_domain"},
  };
  for (const auto& [header, key] : parts) {
    if (header->empty()) continue;
    std::string value = smtp::header_value(data, *header).value_or(std::string());
    if (value.empty()) continue;
    if (auto err = queue::set_queue_part(meta, key, value, *header + " header"); !err.empty()) return err;
  }
  return {};
}

void InboundHandler::reject(const std::string& sender, const std::string& recipient, const std::string& peer,
                            const std::string& helo, const smtp::Reply& reply, const std::string& command) {
  log::LogRecord lr;
  lr.type = log::RecordType::Rejection;
  lr.sender = sender;
  lr.recipient = recipient;
  lr.timestamp = deps_.clock.now();
  lr.created = lr.timestamp;
  lr.peer_address = {helo, peer};
  lr.reception_protocol = "ESMTP";
  lr.response = {reply.code, reply.enhanced, reply.text(), command};
  lr.bounce_classification = "Uncategorized";
  deps_.log.write(lr);
}

void InboundHandler::on_rejected(const server::SessionInfo& session, const server::Transaction& tx,
                                 server::Stage stage, const std::string& argument, const smtp::Reply& reply) {
  std::string peer = session.peer_address + ":" + std::to_string(session.peer_port);
  std::string command = stage == server::Stage::Mail   ? "MAIL FROM:<" + argument + ">"
                        : stage == server::Stage::Rcpt ? "RCPT TO:<" + argument + ">"
                        : stage == server::Stage::Data ? "DATA"
                                                       : ".";
  std::string sender = stage == server::Stage::Mail ? argument : tx.mail_from;
  std::string recipient = stage == server::Stage::Rcpt ? argument : "";
  if (stage == server::Stage::Rcpt || tx.rcpt_to.empty()) {
    reject(sender, recipient, peer, session.helo, reply, command);
    return;
  }
  for (const auto& r : tx.rcpt_to) reject(sender, r, peer, session.helo, reply, command);
}

void InboundHandler::on_message(const server::SessionInfo& session, server::Transaction tx,
                                std::function<void(smtp::Reply)> done) {
  if (auto refusal = deps_.guard.refusal()) {  // the disk filled, or the spool failed, during the transfer
    done(std::move(*refusal));
    return;
  }
  Submission s;
  s.peer_address = session.peer_address;
  s.peer_port = session.peer_port;
  s.helo = session.helo;
  s.with = session.esmtp ? "ESMTP" : "SMTP";
  if (auto err = queue_parts_from_headers(tx.data, s.meta); !err.empty()) {
    auto reply = smtp::make_reply(550, "5.6.0", err);
    std::string peer = s.peer_address + ":" + std::to_string(s.peer_port);
    for (const auto& r : tx.rcpt_to) reject(tx.mail_from, r, peer, s.helo, reply, ".");
    done(reply);
    return;
  }
  s.sender = std::move(tx.mail_from);
  s.recipients = std::move(tx.rcpt_to);
  s.data = std::move(tx.data);
  s.started = tx.started;
  submit(std::move(s), [done = std::move(done)](Expected<std::string> qid) {
    if (!qid) {
      done(smtp::make_reply(451, "4.3.0", "Error: queue file write error"));
      return;
    }
    done(smtp::make_reply(250, "2.0.0", "Ok: queued as " + *qid));
  });
}

void InboundHandler::submit(Submission s, std::function<void(Expected<std::string>)> done) {
  if (auto refusal = deps_.guard.refusal()) {  // HTTP injection meets the same spool guard as SMTP
    done(unexpected(refusal->summary()));
    return;
  }
  spool::MessageRecord rec;
  rec.id = deps_.scheduler.reserve_id();
  rec.sender = s.sender;
  rec.received = deps_.clock.now();
  rec.received_from = s.peer_address + ":" + std::to_string(s.peer_port);
  rec.helo = s.helo;
  rec.meta = s.meta;
  for (const auto& r : s.recipients) {
    spool::EnvelopeRecord env;
    env.id = make_envelope_id(rec.id, random_u32());
    env.recipient = r;
    env.next_attempt = rec.received;
    rec.envelopes.push_back(std::move(env));
  }
  std::string qid = format_message_id(rec.id);
  std::string message_id = smtp::header_value(s.data, "Message-ID").value_or(std::string());
  std::string from = s.helo.empty() ? "[" + s.peer_address + "]" : s.helo + " (" + s.peer_address + ")";
  auto data = std::make_shared<std::string>("Received: from " + from + "\r\n\tby " + deps_.config.hostname +
                                            " (mxlab) with " + s.with + " id " + qid + ";\r\n\t" +
                                            format_rfc5322(rec.received) + "\r\n");
  *data += s.data;
  rec.size = data->size();
  auto started = s.started;
  asio::post(deps_.blocking, [this, rec = std::move(rec), data, done = std::move(done), qid, message_id, started,
                         protocol = std::string(s.with == "HTTP" ? "HTTP" : "ESMTP")]() mutable {
    // Postfix's delays=a ends when the message is safely queued; the record carries it (the store
    // below writes it too: the delay is known to within the fsync).
    if (started != std::chrono::steady_clock::time_point{})
      rec.before_queue = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started);
    Status st = deps_.spool.store(rec, *data);  // durable before the 250 (see spool.hpp)
    asio::post(deps_.io, [this, st, rec = std::move(rec), done = std::move(done), qid, message_id,
                     protocol = std::move(protocol)]() mutable {
      if (!st) {
        deps_.guard.note_write_failure();
        deps_.scheduler.release_id(rec.id);
        spdlog::error("spool store of message {} from {} failed: {}", qid, rec.received_from, st.error);
        done(unexpected("spool write failed: " + st.error));
        return;
      }
      deps_.guard.note_write_success();
      log::LogRecord lr;
      lr.type = log::RecordType::Reception;
      lr.id = qid;
      lr.sender = rec.sender;
      lr.size = rec.size;
      lr.timestamp = rec.received;
      lr.created = rec.received;
      lr.peer_address = {rec.helo, rec.received_from};
      lr.reception_protocol = protocol;
      lr.meta = rec.meta;
      if (!message_id.empty()) lr.headers["Message-ID"] = message_id;
      lr.response = {250, smtp::EnhancedCode{2, 0, 0}, "Ok: queued as " + qid, "."};
      for (const auto& env : rec.envelopes) {
        lr.recipient = env.recipient;
        lr.envelope_id = format_envelope_id(env.id);
        lr.queue = queue::scheduled_queue_name(spool::domain_of(env.recipient), rec.meta);
        deps_.log.write(lr);
      }
      deps_.metrics.add(metric::kReceived, 1, protocol == "HTTP" ? "http_listener" : "esmtp_listener");
      deps_.scheduler.add(std::move(rec));
      done(qid);
    });
  });
}

}  // namespace mxlab::core
