// Reception: id, Received: header, durable spool write, then 250 (see inbound.hpp).
#include "mta/core/inbound.hpp"

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "mta/common/metric_names.hpp"
#include "mta/protocol/message_header.hpp"

namespace mxlab::core {

namespace asio = boost::asio;

InboundHandler::InboundHandler(const InboundDeps& d)
    : deps_(d) {
  deps_.metrics.declare(metric::kReceived, MetricType::Counter, "total number of messages received", metric::kServiceLabel);
}

MessageId InboundHandler::new_id() {
  MessageId id;
  do {
    id = random_u32();
  } while (deps_.scheduler.contains(id) || storing_.count(id));
  return id;
}

void InboundHandler::on_message(const server::SessionInfo& session, server::Transaction tx,
                                std::function<void(smtp::Reply)> done) {
  if (auto refusal = deps_.guard.refusal()) {  // the disk filled, or the spool failed, during the transfer
    done(std::move(*refusal));
    return;
  }
  spool::MessageRecord rec;
  rec.id = new_id();
  rec.sender = tx.mail_from;
  rec.received = deps_.clock.now();
  rec.received_from = session.peer_address + ":" + std::to_string(session.peer_port);
  rec.helo = session.helo;
  auto message_id = smtp::header_value(tx.data, "Message-ID");
  for (const auto& r : tx.rcpt_to) {
    spool::EnvelopeRecord env;
    env.id = make_envelope_id(rec.id, random_u32());
    env.recipient = r;
    env.next_attempt = rec.received;
    rec.envelopes.push_back(std::move(env));
  }
  std::string qid = format_message_id(rec.id);
  std::string received = "Received: from " + session.helo + " (" + session.peer_address + ")\r\n\tby " +
                         deps_.config.hostname + " (mxlab) with " + (session.esmtp ? "ESMTP" : "SMTP") + " id " + qid +
                         ";\r\n\t" + format_rfc5322(rec.received) + "\r\n";
  auto data = std::make_shared<std::string>(received + tx.data);
  rec.size = data->size();
  storing_.insert(rec.id);
  asio::post(deps_.blocking, [this, rec = std::move(rec), data, done = std::move(done), qid, message_id]() mutable {
    Status st = deps_.spool.store(rec, *data);  // durable before the 250 (see spool.hpp)
    asio::post(deps_.io, [this, st, rec = std::move(rec), done = std::move(done), qid, message_id]() mutable {
      storing_.erase(rec.id);
      if (!st) {
        deps_.guard.note_write_failure();
        spdlog::error("spool store of message {} from {} failed: {}", qid, rec.received_from, st.error);
        done(smtp::make_reply(451, "4.3.0", "Error: queue file write error"));
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
      lr.reception_protocol = "ESMTP";
      if (message_id) lr.headers["Message-ID"] = *message_id;
      lr.response = {250, smtp::EnhancedCode{2, 0, 0}, "Ok: queued as " + qid, "."};
      for (const auto& env : rec.envelopes) {
        lr.recipient = env.recipient;
        lr.envelope_id = format_envelope_id(env.id);
        deps_.log.write(lr);
      }
      deps_.metrics.add(metric::kReceived, 1, "esmtp_listener");
      deps_.scheduler.add(std::move(rec));
      done(smtp::make_reply(250, "2.0.0", "Ok: queued as " + qid));
    });
  });
}

}  // namespace mxlab::core
