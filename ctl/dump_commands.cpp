#include "ctl/dump_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/read_file.h"
#include "common/unique_fd.h"
#include "ctl/dump_scope_args.h"
#include "ctl/sensor_connection.h"
#include "dump/dump_reader.h"
#include "dump/dump_text.h"
#include "dump/dump_verifier.h"

namespace yagura::ctl {
namespace {

int refuse(const std::string& message) {
  std::fprintf(stderr, "yaguractl: %s\n", message.c_str());
  return kExitRefused;
}

Result<SensorConnection> connect_sensor(const ParsedArgs& args) {
  return SensorConnection::connect(args.value("socket").value_or(kDefaultControlSocketPath),
                                   std::chrono::minutes(5));
}

std::vector<std::string> expected_keys(const ParsedArgs& args) { return args.values("key"); }

void print_problems(const dump::DumpVerification& report) {
  for (const std::string& p : report.problems) std::fprintf(stderr, "  %s\n", p.c_str());
}

}  // namespace

int dump(const ParsedArgs& args) {
  auto scope = dump::DumpScope{};
  if (auto s = scope_from_args(args)) {
    scope = *s;
  } else {
    std::fprintf(stderr, "yaguractl: %s\n", s.error().message.c_str());
    return kExitUsage;
  }
  const std::string out = *args.value("out");
  // The file is evidence: never clobbered by accident, never readable by others.
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (args.has("force") ? O_TRUNC : O_EXCL);
  UniqueFd fd(::open(out.c_str(), flags, 0600));
  if (!fd.valid()) {
    if (errno == EEXIST) return refuse(out + " exists (--force to replace it)");
    return refuse(out + ": " + std::strerror(errno));
  }
  auto sensor = connect_sensor(args);
  if (!sensor) return refuse(sensor.error().message);
  nlohmann::json request = {{"command", "dump"}, {"scope", dump::scope_to_json(scope)}};
  if (auto reason = args.value("reason")) request["reason"] = *reason;
  auto status = sensor->request(request);
  if (!status) {
    ::unlink(out.c_str());
    return refuse(status.error().message);
  }
  if (Status s = sensor->read_payload_to(fd.get()); !s) {
    ::unlink(out.c_str());
    return refuse(s.error().message);
  }
  if (::fsync(fd.get()) != 0) return refuse(out + ": " + std::strerror(errno));
  auto bytes = read_file(out);
  if (!bytes) return refuse(bytes.error().message);
  const auto report = dump::verify_dump(*bytes);
  std::printf("%s: %llu events (%llu dropped by the policy), %llu processes, %s to %s, key %s\n",
              out.c_str(), static_cast<unsigned long long>(report.counts.events),
              static_cast<unsigned long long>(report.counts.policy_dropped),
              static_cast<unsigned long long>(report.counts.processes), report.from.c_str(),
              report.to.c_str(), report.key_fingerprint.c_str());
  if (!report.ok()) {
    print_problems(report);
    return refuse("the sensor's dump does not verify");
  }
  return kExitOk;
}

int dump_verify(const ParsedArgs& args) {
  auto bytes = read_file(args.positional()[0]);
  if (!bytes) return refuse(bytes.error().message);
  const auto report = dump::verify_dump(*bytes, expected_keys(args));
  if (args.has("json")) {
    std::printf("%s\n", dump::to_json(report).dump().c_str());
  } else if (report.ok()) {
    std::printf("%s: verified: signed by key %s (sensor %s), %llu events, %s to %s%s\n",
                args.positional()[0].c_str(), report.key_fingerprint.c_str(),
                report.sensor_id.c_str(), static_cast<unsigned long long>(report.counts.events),
                report.from.c_str(), report.to.c_str(),
                args.has("key") ? "" : "; origin not checked (give --key)");
  } else {
    std::fprintf(stderr, "%s: NOT verified:\n", args.positional()[0].c_str());
    print_problems(report);
  }
  return report.ok() ? kExitOk : kExitRefused;
}

int dump_show(const ParsedArgs& args) {
  auto bytes = read_file(args.positional()[0]);
  if (!bytes) return refuse(bytes.error().message);
  auto file = dump::read_dump(*bytes);
  if (!file) return refuse(args.positional()[0] + ": " + file.error().message);
  if (args.has("json")) {
    const std::string_view events = dump::events_jsonl(*file);
    std::fwrite(events.data(), 1, events.size(), stdout);
    return kExitOk;
  }
  const std::string text = dump::render_dump_text(*file, dump::verify_dump(*bytes, expected_keys(args)));
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

int sensor_status(const ParsedArgs& args) {
  auto sensor = connect_sensor(args);
  if (!sensor) return refuse(sensor.error().message);
  auto status = sensor->request({{"command", "status"}});
  if (!status) return refuse(status.error().message);
  std::printf("%s\n", status->dump(2).c_str());
  return kExitOk;
}

}  // namespace yagura::ctl
