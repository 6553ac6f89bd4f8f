// A detections file (YAML, docs/detections.md) to its parsed form
// (detection_ast.h), checking its shape with the policy parser's rules:
// unknown and duplicate keys, required members, ids, severities, ATT&CK
// ids, event types, sequence steps, detector names and their parameters.
// Field, list and macro names are resolved by compile_detections().
//
// Errors are "file:line:col: message" at the offending node.
//
//   auto ast = parse_detections(text, "detections.yaml");
//   if (!ast) log(ast.error().message);
#pragma once

#include <string>
#include <string_view>

#include "collector/detect/detection_ast.h"
#include "common/result.h"

namespace yagura::collector {

Result<DetectionAst> parse_detections(std::string_view yaml_text, const std::string& file_name);

}  // namespace yagura::collector
