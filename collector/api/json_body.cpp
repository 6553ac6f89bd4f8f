#include "collector/api/json_body.h"

#include <algorithm>

#include "common/json_bytes.h"

namespace yagura::collector {

Result<JsonBody> JsonBody::parse(std::string_view body,
                                 std::initializer_list<std::string_view> allowed) {
  if (body.size() > kMaxAdminBody)
    return Error{"the body is over " + std::to_string(kMaxAdminBody) + " bytes", 0};
  JsonBody out;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out.json_ = nlohmann::json::object();
    return out;
  }
  out.json_ = nlohmann::json::parse(protect_byte_escapes(body), nullptr, false);
  if (out.json_.is_discarded() || !out.json_.is_object())
    return Error{"the body is not a JSON object", 0};
  for (const auto& [key, value] : out.json_.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      return Error{"unknown key \"" + key + "\" (known: " + names + ")", 0};
    }
  }
  return out;
}

Result<std::string> JsonBody::text(const char* key) const {
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Error{std::string(key) + " must be a string", 0};
  return to_bytes(it->get_ref<const std::string&>());
}

Result<std::map<std::string, std::string>> JsonBody::text_map(const char* key) const {
  std::map<std::string, std::string> out;
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) return out;
  if (!it->is_object()) return Error{std::string(key) + " must be an object of strings", 0};
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return Error{std::string(key) + "." + k + " must be a string", 0};
    out[to_bytes(k)] = to_bytes(v.get_ref<const std::string&>());
  }
  return out;
}

Result<uint64_t> JsonBody::number(const char* key) const {
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) return uint64_t{0};
  if (!it->is_number_unsigned()) return Error{std::string(key) + " must be a whole number", 0};
  return it->get<uint64_t>();
}

}  // namespace yagura::collector
