// Strict reading of YAML configuration files, shared by the sensor's and
// the collector's: every key must be known (a typo must not silently leave
// a default in place), every value of the right type, and every error names
// the file, line and column.
//
//   Status s = parse_yaml_config(text, "sensor.yaml", [&](const YAML::Node& root) {
//     read_map(name, root, {{"output", reader(name, c.output)},
//                           {"host", [&](const YAML::Node& n) { read_map(name, n, {...}); }}});
//   });
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>

#include "common/result.h"

namespace yagura {

// Thrown by the readers below and by a parse function; parse_yaml_config
// turns it into an Error.
struct ConfigError {
  std::string message;
};

// "name:line:column" of a node.
std::string where(const std::string& name, const YAML::Node& node);

template <typename T>
void read(const std::string& name, const YAML::Node& node, T& out) {
  try {
    out = node.as<T>();
  } catch (const YAML::Exception&) {
    throw ConfigError{where(name, node) + ": expected a value of the right type"};
  }
}

// A field reader for read_map that stores the value in `field`.
template <typename T>
std::function<void(const YAML::Node&)> reader(const std::string& name, T& field) {
  return [&name, &field](const YAML::Node& n) { read(name, n, field); };
}

using Fields = std::map<std::string, std::function<void(const YAML::Node&)>>;

// A mapping whose keys must all be in `fields`; each value goes to its reader.
void read_map(const std::string& name, const YAML::Node& node, const Fields& fields);

// Loads the document and runs `parse` on its root (not for an empty
// document); YAML syntax errors and ConfigErrors come back as the Error.
Status parse_yaml_config(const std::string& text, const std::string& name,
                         const std::function<void(const YAML::Node&)>& parse);

}  // namespace yagura
