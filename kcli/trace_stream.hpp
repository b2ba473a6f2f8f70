// kcli's WebSocket client for the trace endpoints: connects to the admin endpoint, sends the
// filter request as the first frame and hands every event frame to `on_event`. When on_event
// returns false, or on SIGINT/SIGTERM, it asks the server for the closing summary ("summary")
// and returns it once the server has sent it ({"produced", "delivered", "dropped", ...}).
#pragma once
#include <boost/json/value.hpp>
#include <functional>
#include <string_view>

#include "kcli/api_client.hpp"

namespace mxlab::kcli {

ApiResult<boost::json::value> stream_trace(const ApiClient& client, std::string_view path,
                                           const boost::json::object& request,
                                           const std::function<bool(const boost::json::value&)>& on_event);

}  // namespace mxlab::kcli
