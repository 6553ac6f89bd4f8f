#include "dump/dump_scope.h"

#include <charconv>

#include "common/host.h"
#include "dump/destination.h"
#include "dump/rfc3339.h"

namespace yagura::dump {
namespace {

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

bool is_process_key(std::string_view key) {
  const size_t colon = key.find(':');
  return colon != std::string_view::npos && parse_number<uint32_t>(key.substr(0, colon)) &&
         parse_number<uint64_t>(key.substr(colon + 1));
}

// "-90s", "-30m", "-2h", "-7d" before `now_ns`, or "now".
std::optional<uint64_t> parse_relative(std::string_view text, uint64_t now_ns) {
  if (text == "now") return now_ns;
  if (text.size() < 3 || text.front() != '-') return std::nullopt;
  uint64_t unit_s = 0;
  switch (text.back()) {
    case 's':
      unit_s = 1;
      break;
    case 'm':
      unit_s = 60;
      break;
    case 'h':
      unit_s = 3600;
      break;
    case 'd':
      unit_s = 86400;
      break;
    default:
      return std::nullopt;
  }
  auto n = parse_number<uint64_t>(text.substr(1, text.size() - 2));
  if (!n || *n > now_ns / 1'000'000'000ull / unit_s) return std::nullopt;  // before 1970
  return now_ns - *n * unit_s * 1'000'000'000ull;
}

std::optional<ProcessMode> parse_mode(std::string_view text) {
  if (text == "process") return ProcessMode::kProcess;
  if (text == "descendants") return ProcessMode::kDescendants;
  if (text == "lineage") return ProcessMode::kLineage;
  return std::nullopt;
}

Error bad_value(std::string_view name, std::string_view value, std::string_view expected) {
  return Error{std::string(name) + " '" + std::string(value) + "': expected " +
               std::string(expected)};
}

// The criteria both spellings share; times differ (relative ones only on
// the command line) and are set by the callers.
Status set_criterion(DumpScope& scope, std::string_view name, std::string_view value) {
  if (name == "process") {
    if (!is_process_key(value)) return bad_value(name, value, "a process key TGID:START_NS");
    scope.process_key = std::string(value);
  } else if (name == "pid") {
    auto pid = parse_number<uint32_t>(value);
    if (!pid || *pid == 0) return bad_value(name, value, "a process id");
    scope.pid = *pid;
  } else if (name == "mode") {
    auto mode = parse_mode(value);
    if (!mode) return bad_value(name, value, "process, descendants or lineage");
    scope.mode = *mode;
  } else if (name == "exe" || name == "user") {
    if (value.empty()) return Error{std::string(name) + ": empty"};
    (name == "exe" ? scope.exe : scope.user) = std::string(value);
  } else if (name == "destination") {
    auto d = Destination::parse(value);
    if (!d) return d.error();
    scope.destination = std::string(value);
  } else {
    return Error{"unknown dump criterion '" + std::string(name) + "'"};
  }
  return ok_status();
}

}  // namespace

const char* mode_name(ProcessMode mode) {
  switch (mode) {
    case ProcessMode::kProcess:
      return "process";
    case ProcessMode::kDescendants:
      return "descendants";
    case ProcessMode::kLineage:
      return "lineage";
  }
  return "process";
}

Status set_scope_option(DumpScope& scope, std::string_view name, std::string_view value,
                        uint64_t now_ns) {
  if (name == "from" || name == "to") {
    auto t = parse_rfc3339(value);
    if (!t) t = parse_relative(value, now_ns);
    if (!t) {
      return bad_value(name, value, "an RFC 3339 time, \"now\" or -N followed by s, m, h or d");
    }
    (name == "from" ? scope.from_ns : scope.to_ns) = *t;
    return ok_status();
  }
  return set_criterion(scope, name, value);
}

Status validate_scope(const DumpScope& scope) {
  if (scope.from_ns && scope.to_ns && *scope.from_ns >= *scope.to_ns) {
    return Error{"the dump's start (from) must come before its end (to)"};
  }
  if (!scope.process_key.empty() && scope.pid) {
    return Error{"give a process key or a pid, not both"};
  }
  if (scope.mode != ProcessMode::kProcess && !scope.has_process()) {
    return Error{std::string("mode ") + mode_name(scope.mode) + " needs a process key or a pid"};
  }
  return ok_status();
}

nlohmann::json scope_to_json(const DumpScope& scope) {
  nlohmann::json j = nlohmann::json::object();
  if (scope.from_ns) j["from"] = format_rfc3339(*scope.from_ns);
  if (scope.to_ns) j["to"] = format_rfc3339(*scope.to_ns);
  if (!scope.process_key.empty()) j["process"] = scope.process_key;
  if (scope.pid) j["pid"] = *scope.pid;
  if (scope.has_process()) j["mode"] = mode_name(scope.mode);
  if (!scope.exe.empty()) j["exe"] = scope.exe;
  if (!scope.user.empty()) j["user"] = scope.user;
  if (!scope.destination.empty()) j["destination"] = scope.destination;
  return j;
}

Result<DumpScope> scope_from_json(const nlohmann::json& json) {
  if (!json.is_object()) return Error{"dump scope: not a JSON object"};
  DumpScope scope;
  for (const auto& [name, value] : json.items()) {
    if (name == "pid") {
      if (!value.is_number_unsigned() || value.get<uint64_t>() == 0 ||
          value.get<uint64_t>() > UINT32_MAX) {
        return Error{"dump scope: pid must be a process id"};
      }
      scope.pid = value.get<uint32_t>();
      continue;
    }
    if (!value.is_string()) return Error{"dump scope: " + name + " must be a string"};
    const std::string& text = value.get_ref<const std::string&>();
    if (name == "from" || name == "to") {
      auto t = parse_rfc3339(text);
      if (!t) return Error{"dump scope: " + name + " '" + text + "' is not an RFC 3339 time"};
      (name == "from" ? scope.from_ns : scope.to_ns) = *t;
    } else if (Status s = set_criterion(scope, name, text); !s) {
      return Error{"dump scope: " + s.error().message};
    }
  }
  if (Status s = validate_scope(scope); !s) return Error{"dump scope: " + s.error().message};
  return scope;
}

std::string describe_scope(const DumpScope& scope) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (scope.from_ns) add("from " + format_rfc3339(*scope.from_ns));
  if (scope.to_ns) add("to " + format_rfc3339(*scope.to_ns));
  if (scope.has_process()) {
    std::string who =
        scope.pid ? "pid " + std::to_string(*scope.pid) : "process " + scope.process_key;
    if (scope.mode == ProcessMode::kDescendants) who += " and its descendants";
    if (scope.mode == ProcessMode::kLineage) who += ", its ancestors and descendants";
    add(who);
  }
  if (!scope.exe.empty()) add("exe " + scope.exe);
  if (!scope.user.empty()) add("user " + scope.user);
  if (!scope.destination.empty()) add("destination " + scope.destination);
  return out.empty() ? "everything in the journal" : out;
}

}  // namespace yagura::dump
