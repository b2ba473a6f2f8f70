// Pure renderers of the operator views (reply JSON in, text out), declared for the golden tests
// in tests/unit/kcli; each lives in the file of its subcommand.
#pragma once
#include <boost/json/value.hpp>
#include <string>

namespace mxlab::kcli {

// "12s", "4m05s", "2h03m", "3d04h": a compact age for tables.
std::string format_age(double seconds);

// sessions.cpp
std::string render_sessions(const boost::json::value& rows);
std::string render_session_stats(const boost::json::value& stats);
std::string render_session_log(const boost::json::value& events);

// qshape.cpp: limit 0 = every domain
std::string render_qshape(const boost::json::value& reply, std::size_t limit);

// monitor.cpp: one row from two show-stats replies (prev = {} for counts since start)
std::string render_monitor_header();
std::string render_monitor_row(const boost::json::value& prev, const boost::json::value& cur);

// ready_q.cpp: show-routes (with_source) and show-hosts; inspect-ready-q
std::string render_routes(const boost::json::value& routes, bool with_source);
std::string render_ready_queue(const boost::json::value& reply);
std::string render_egress_path(const boost::json::value& reply);

// top.cpp: one screen; prev = the previous show-stats ({} on the first screen: no rates)
std::string render_top(const boost::json::value& status, const boost::json::value& prev,
                       const boost::json::value& stats, double seconds, const boost::json::value& sessions,
                       const boost::json::value& qshape);

}  // namespace mxlab::kcli
