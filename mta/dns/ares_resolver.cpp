// The c-ares Resolver: MX and A/AAAA lookups on an AresEventLoop, c-ares statuses mapped to
// Outcome (NXDOMAIN permanent; SERVFAIL, REFUSED, timeout temporary: RFC 5321 section 5).
// Truncated UDP answers are retried over TCP by c-ares itself (RFC 1035 section 4.2.1).
#include <arpa/inet.h>

#include <mutex>

#include "mta/dns/ares_event_loop.hpp"
#include "mta/dns/dns_message.hpp"
#include "mta/dns/resolver.hpp"

namespace mxlab::dns {
namespace {

Outcome outcome_of(int status) {
  switch (status) {
    case ARES_SUCCESS: return Outcome::Ok;
    case ARES_ENOTFOUND: return Outcome::NxDomain;  // ares_query: only from RCODE NXDOMAIN
    case ARES_ENODATA: return Outcome::NoData;
    case ARES_ESERVFAIL: return Outcome::ServFail;
    case ARES_EREFUSED: return Outcome::Refused;
    case ARES_ETIMEOUT: return Outcome::Timeout;
    default: return Outcome::Error;
  }
}

std::string describe(int status) {
  std::string text = ares_strerror(status);
  if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION) return "cancelled: " + text;
  return text;
}

MxAnswer mx_answer(int status, const unsigned char* abuf, int alen) {
  MxAnswer out;
  ares_mx_reply* head = nullptr;
  if (status == ARES_SUCCESS) status = ares_parse_mx_reply(abuf, alen, &head);
  for (auto* p = head; p != nullptr; p = p->next)  // answer order, as the server sent it
    out.records.push_back({p->priority, p->host[0] == '\0' ? std::string(".") : std::string(p->host)});
  if (head != nullptr) ares_free_data(head);
  out.outcome = outcome_of(status);
  if (out.outcome == Outcome::Ok && out.records.empty()) out.outcome = Outcome::NoData;
  if (status != ARES_SUCCESS) out.detail = describe(status);
  return out;
}

template <class Ttl, std::size_t N>
int parse_addresses(int family, const unsigned char* abuf, int alen, Ttl (&ttls)[N], int& count) {
  count = static_cast<int>(N);
  if constexpr (std::is_same_v<Ttl, ares_addrttl>) return ares_parse_a_reply(abuf, alen, nullptr, ttls, &count);
  else return ares_parse_aaaa_reply(abuf, alen, nullptr, ttls, &count);
}

AddressAnswer address_answer(int family, int status, const unsigned char* abuf, int alen) {
  AddressAnswer out;
  char text[INET6_ADDRSTRLEN] = {};
  int count = 0;
  if (status == ARES_SUCCESS && family == AF_INET) {
    ares_addrttl ttls[64];
    status = parse_addresses(family, abuf, alen, ttls, count);
    for (int i = 0; status == ARES_SUCCESS && i < count; ++i)
      if (inet_ntop(AF_INET, &ttls[i].ipaddr, text, sizeof text)) out.addresses.emplace_back(text);
  } else if (status == ARES_SUCCESS) {
    ares_addr6ttl ttls[64];
    status = parse_addresses(family, abuf, alen, ttls, count);
    for (int i = 0; status == ARES_SUCCESS && i < count; ++i)
      if (inet_ntop(AF_INET6, &ttls[i].ip6addr, text, sizeof text)) out.addresses.emplace_back(text);
  }
  out.outcome = outcome_of(status);
  if (out.outcome == Outcome::Ok && out.addresses.empty()) out.outcome = Outcome::NoData;
  if (status != ARES_SUCCESS) out.detail = describe(status);
  return out;
}

// How bad an empty result is: a temporary failure outranks a negative answer, because the
// other family's answer cannot be trusted to stand for the whole name.
int severity(Outcome o) {
  switch (o) {
    case Outcome::Ok:
    case Outcome::NoData: return 0;
    case Outcome::NxDomain: return 1;
    case Outcome::Refused: return 2;
    case Outcome::ServFail: return 3;
    case Outcome::Timeout: return 4;
    case Outcome::Error: return 5;
  }
  return 5;
}

AddressAnswer combine(AddressAnswer a, AddressAnswer aaaa) {
  AddressAnswer out;
  out.addresses = std::move(a.addresses);
  out.addresses.insert(out.addresses.end(), aaaa.addresses.begin(), aaaa.addresses.end());
  if (!a.detail.empty()) out.detail = "A: " + a.detail;
  if (!aaaa.detail.empty()) out.detail += (out.detail.empty() ? "AAAA: " : "; AAAA: ") + aaaa.detail;
  if (!out.addresses.empty()) out.outcome = Outcome::Ok;
  else if (severity(a.outcome) == 0 && severity(aaaa.outcome) == 0) out.outcome = Outcome::NoData;
  else out.outcome = severity(a.outcome) >= severity(aaaa.outcome) ? a.outcome : aaaa.outcome;
  return out;
}

// Collects the A and AAAA halves; the second to arrive delivers the combined answer.
struct AddressJoin {
  std::function<void(AddressAnswer)> done;
  std::mutex mu;
  std::optional<AddressAnswer> a, aaaa;

  void set(bool is_a, AddressAnswer answer) {
    std::unique_lock lock(mu);
    (is_a ? a : aaaa) = std::move(answer);
    if (!a || !aaaa) return;
    AddressAnswer combined = combine(std::move(*a), std::move(*aaaa));
    lock.unlock();
    done(std::move(combined));
  }
};

class AresResolver final : public Resolver {
 public:
  explicit AresResolver(std::unique_ptr<AresEventLoop> loop) : loop_(std::move(loop)) {}

  void resolve_mx(std::string domain, std::function<void(MxAnswer)> done) override {
    loop_->query(std::move(domain), static_cast<int>(RrType::MX),
                 [done = std::move(done)](int status, const unsigned char* abuf, int alen) {
                   done(mx_answer(status, abuf, alen));
                 });
  }

  void resolve_addresses(std::string host, std::function<void(AddressAnswer)> done) override {
    auto join = std::make_shared<AddressJoin>();
    join->done = std::move(done);
    loop_->query(host, static_cast<int>(RrType::A), [join](int status, const unsigned char* abuf, int alen) {
      join->set(true, address_answer(AF_INET, status, abuf, alen));
    });
    loop_->query(std::move(host), static_cast<int>(RrType::AAAA),
                 [join](int status, const unsigned char* abuf, int alen) {
                   join->set(false, address_answer(AF_INET6, status, abuf, alen));
                 });
  }

 private:
  std::unique_ptr<AresEventLoop> loop_;  // its destructor cancels and joins
};

}  // namespace

Expected<std::unique_ptr<Resolver>> make_ares_resolver(const AresOptions& options) {
  auto loop = AresEventLoop::create(options);
  if (!loop) return unexpected(loop.error());
  return std::unique_ptr<Resolver>(std::make_unique<AresResolver>(std::move(*loop)));
}

}  // namespace mxlab::dns
