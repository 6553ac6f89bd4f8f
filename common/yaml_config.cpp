#include "common/yaml_config.h"

namespace yagura {

std::string where(const std::string& name, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  return name + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

void read_map(const std::string& name, const YAML::Node& node, const Fields& fields) {
  if (!node.IsMap()) throw ConfigError{where(name, node) + ": expected a mapping"};
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    auto it = fields.find(key);
    if (it == fields.end())
      throw ConfigError{where(name, kv.first) + ": unknown key '" + key + "'"};
    it->second(kv.second);
  }
}

Status parse_yaml_config(const std::string& text, const std::string& name,
                         const std::function<void(const YAML::Node&)>& parse) {
  try {
    YAML::Node root = YAML::Load(text);
    if (root && !root.IsNull()) parse(root);
  } catch (const ConfigError& e) {
    return Error{e.message};
  } catch (const YAML::Exception& e) {
    return Error{name + ":" + std::to_string(e.mark.line + 1) + ":" +
                 std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  return ok_status();
}

}  // namespace yagura
