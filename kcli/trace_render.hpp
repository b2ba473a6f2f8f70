// kcli trace-smtp-client / trace-smtp-server output: turns each event {conn_meta, payload, when}
// into transcript lines, one prefix per session ("[tag] +elapsed"), "->" for what the MTA wrote,
// "<-" for what it read, "===" for session events. Applies --only-new and --only-one (client-side,
// as KumoMTA's kcli); --terse is the server's job. Pure: no sockets, so it is golden-tested.
#pragma once
#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace mxlab::kcli {

struct TraceViewOptions {
  bool client = true;  // trace-smtp-client (else server)
  bool color = false;
  bool only_new = false;
  bool only_one = false;
};

class TraceRenderer {
 public:
  explicit TraceRenderer(TraceViewOptions o) : o_(o) {}
  // Text to print for one event frame (possibly empty: filtered by --only-new/--only-one).
  std::string render(const boost::json::value& event);
  // True once --only-one's session has closed: the caller stops.
  bool finished() const { return finished_; }

 private:
  struct SessionView {
    bool shown = false;
    std::optional<std::chrono::system_clock::time_point> start;
    int color = 0;
  };
  std::string key_of(const boost::json::object& meta) const;
  std::string prefix(const std::string& key, SessionView& s, const std::string& when) const;
  std::string paint(int color, const std::string& text) const;

  TraceViewOptions o_;
  std::map<std::string, SessionView> sessions_;
  std::optional<std::string> chosen_;  // --only-one
  bool finished_ = false;
  int next_color_ = 0;
};

// The closing summary frame {"summary": {...}} as one line for stderr.
std::string render_trace_summary(const boost::json::value& summary);

}  // namespace mxlab::kcli
