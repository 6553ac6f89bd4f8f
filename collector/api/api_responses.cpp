#include "collector/api/api_responses.h"

#include "common/json_bytes.h"

namespace yagura::collector {

ApiResponse error_response(int status, std::string message) {
  return ApiResponse{status, "text/plain", std::move(message)};
}

ApiResponse unavailable(const Error& error) {
  return error_response(503, "storage unavailable: " + error.message);
}

ApiResponse json_response(int status, const nlohmann::json& body) {
  // replace: never throws; from_bytes() left nothing invalid to replace.
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return ApiResponse{status, "application/json", restore_byte_escapes(text)};
}

ApiResponse protobuf_response(const google::protobuf::MessageLite& message) {
  return ApiResponse{200, "application/x-protobuf", message.SerializeAsString()};
}

}  // namespace yagura::collector
