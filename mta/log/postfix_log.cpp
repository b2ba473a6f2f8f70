// PostfixLog (see postfix_log.hpp). Program names follow Postfix's: postfix/smtpd for client=,
// postfix/cleanup for message-id=, postfix/qmgr for from= and removed, postfix/smtp for to=.
#include "mta/log/postfix_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mta/log/postfix_line.hpp"

namespace mxlab::log {

PostfixLog::~PostfixLog() {
  if (file_) std::fclose(file_);
}

Status PostfixLog::open(const std::string& path, std::string host, std::uint16_t relay_port) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return Status::failure("cannot open postfix log " + path + ": " + std::strerror(errno));
  std::lock_guard lock(mu_);
  if (file_) std::fclose(file_);
  file_ = f;
  host_ = std::move(host);
  relay_port_ = relay_port;
  return Status::success();
}

void PostfixLog::emit(TimePoint t, const char* program, const std::string& text) {
  if (!file_ || text.empty()) return;
  std::string line = syslog_prefix(t, host_, program, static_cast<int>(::getpid())) + text + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

namespace {
// The client part of a Reception record's peer: "ip:port" -> "ip".
std::string client_ip(const std::string& addr) {
  auto colon = addr.rfind(':');
  return colon == std::string::npos || addr.find(':') != colon ? addr : addr.substr(0, colon);
}
bool final_outcome(RecordType t) {
  return t == RecordType::Delivery || t == RecordType::Bounce || t == RecordType::Expiration ||
         t == RecordType::AdminBounce;
}
}  // namespace

void PostfixLog::write(const LogRecord& r) {
  std::lock_guard lock(mu_);
  if (!file_) return;
  if (r.type == RecordType::Reception) {
    auto [it, first] = pending_.try_emplace(r.id);
    if (first) {
      emit(r.timestamp, "postfix/smtpd", postfix_client_line(r.id, r.peer_address.name, client_ip(r.peer_address.addr)));
      if (auto mid = r.headers.find("Message-ID"); mid != r.headers.end())
        emit(r.timestamp, "postfix/cleanup", postfix_message_id_line(r.id, mid->second));
    }
    it->second.recipients++;
    return;
  }
  if (r.type == RecordType::AdminRebind) return;  // Postfix has no such line; the queue id stays the same
  auto it = pending_.find(r.id);
  if (it != pending_.end() && !it->second.active) {
    it->second.active = true;
    emit(r.timestamp, "postfix/qmgr", postfix_queue_active_line(r.id, r.sender, r.size, it->second.recipients));
  }
  if (r.type == RecordType::Expiration) emit(r.timestamp, "postfix/qmgr", postfix_expired_line(r.id, r.sender));
  else emit(r.timestamp, "postfix/smtp", postfix_recipient_line(r, r.delays.value_or(Delays{}), relay_port_));
  if (it != pending_.end() && final_outcome(r.type) && --it->second.recipients == 0) {
    emit(r.timestamp, "postfix/qmgr", postfix_removed_line(r.id));
    pending_.erase(it);
  }
}

}  // namespace mxlab::log
