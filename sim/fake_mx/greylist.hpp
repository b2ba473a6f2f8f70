// Stateful greylisting (the classic triplet scheme): the first attempt of a (client IP, sender,
// recipient) triplet is refused with 451 4.7.1; a retry is accepted once both the minimum delay
// has passed and `attempts` attempts were refused. Passed triplets stay accepted until reset().
// Thread-safe; time comes from the Clock seam so tests can use virtual time.
#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "mta/common/clock.hpp"

namespace mxlab::fakemx {

struct GreylistOptions {
  bool enabled = false;
  std::chrono::milliseconds delay{0};  // minimum time between the first attempt and an accepted retry
  int attempts = 1;                    // attempts refused before one can pass
  std::string reply = "451 4.7.1 Greylisted, please try again later";
};

class Greylist {
 public:
  explicit Greylist(const Clock& clock = SystemClock::instance()) : clock_(&clock) {}
  // True when this attempt must be refused (and counts it).
  bool refuse(const GreylistOptions& options, const std::string& client_ip, const std::string& sender,
              const std::string& recipient);
  void reset();
  std::size_t size() const;  // triplets known

 private:
  struct Entry {
    TimePoint first{};
    int refused = 0;
    bool passed = false;
  };
  const Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, Entry> entries_;
};

}  // namespace mxlab::fakemx
