// Names for resolver outcomes, shared by traces, delivery records and the admin API.
#include "mta/dns/resolver.hpp"

namespace mxlab::dns {

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Ok: return "ok";
    case Outcome::NxDomain: return "nxdomain";
    case Outcome::NoData: return "nodata";
    case Outcome::ServFail: return "servfail";
    case Outcome::Refused: return "refused";
    case Outcome::Timeout: return "timeout";
    case Outcome::Error: return "error";
  }
  return "error";
}

}  // namespace mxlab::dns
