// The JSON object bodies of the admin POST routes, read strictly like
// query strings (query_params.h): not an object, too large, or a key the
// route does not know is an error (400), so a misspelt "reason" is reported
// instead of silently dropped.
//
//   auto body = JsonBody::parse(request.body, {"note"});
//   if (!body) return error_response(400, body.error().message);
//   auto note = body->text("note");   // "" when absent; Error when not a string
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura::collector {

inline constexpr size_t kMaxAdminBody = 64 << 10;

class JsonBody {
 public:
  // An empty body reads as {}.
  static Result<JsonBody> parse(std::string_view body,
                                std::initializer_list<std::string_view> allowed);

  // Strings come back as the bytes they stand for (json_bytes.h).
  Result<std::string> text(const char* key) const;
  // A JSON object of strings; {} when absent.
  Result<std::map<std::string, std::string>> text_map(const char* key) const;
  Result<uint64_t> number(const char* key) const;  // 0 when absent

 private:
  nlohmann::json json_;
};

}  // namespace yagura::collector
