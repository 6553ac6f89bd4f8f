// The shapes of the API's answers, one place for each: errors are one line
// of text, queries answer JSON, sensors get protobuf.
//
//   if (!hosts) return unavailable(hosts.error());
//   return json_response(200, {{"hosts", list}});
#pragma once

#include <google/protobuf/message_lite.h>

#include <nlohmann/json.hpp>
#include <string>

#include "collector/api/api_request.h"
#include "common/result.h"

namespace yagura::collector {

ApiResponse error_response(int status, std::string message);
// 503: the store failed; the client may try again later.
ApiResponse unavailable(const Error& error);
// Strings built with from_bytes() (json_bytes.h) print their raw bytes as
// "\udcXX", as the sensor's own JSON does.
ApiResponse json_response(int status, const nlohmann::json& body);
ApiResponse protobuf_response(const google::protobuf::MessageLite& message);

}  // namespace yagura::collector
