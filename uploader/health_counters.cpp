#include "uploader/health_counters.h"

#include <nlohmann/json.hpp>

namespace yagura {
namespace {

void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, int64_t>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_number_integer() || j.is_number_unsigned()) {
    out[prefix] = j.get<int64_t>();
  } else if (j.is_number_float()) {
    out[prefix] = static_cast<int64_t>(j.get<double>());
  } else if (j.is_boolean()) {
    out[prefix] = j.get<bool>() ? 1 : 0;
  }
}

}  // namespace

std::map<std::string, int64_t> flatten_health(std::string_view health_json) {
  std::map<std::string, int64_t> out;
  auto j = nlohmann::json::parse(health_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) flatten(j, "", out);
  return out;
}

}  // namespace yagura
