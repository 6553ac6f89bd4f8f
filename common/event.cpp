#include "common/event.h"

#include <arpa/inet.h>

#include <cstring>
#include <utility>

namespace yagura {

namespace {

constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

IpAddress IpAddress::ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress out;
  out.family = Family::kIpv4;
  out.bytes[0] = a;
  out.bytes[1] = b;
  out.bytes[2] = c;
  out.bytes[3] = d;
  return out;
}

IpAddress IpAddress::ipv6(const std::array<uint8_t, 16>& bytes) {
  IpAddress out;
  out.family = Family::kIpv6;
  out.bytes = bytes;
  return out;
}

bool IpAddress::is_v4_mapped() const {
  return family == Family::kIpv6 &&
         std::memcmp(bytes.data(), kV4MappedPrefix, sizeof(kV4MappedPrefix)) == 0;
}

IpAddress IpAddress::unmapped() const {
  if (!is_v4_mapped()) return *this;
  return ipv4(bytes[12], bytes[13], bytes[14], bytes[15]);
}

std::string IpAddress::to_string() const {
  const IpAddress a = unmapped();
  char buf[INET6_ADDRSTRLEN];
  switch (a.family) {
    case Family::kNone:
      return {};
    case Family::kIpv4:
      return inet_ntop(AF_INET, a.bytes.data(), buf, sizeof(buf));
    case Family::kIpv6:
      return inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof(buf));
  }
  return {};
}

uint32_t TamperEvent::target_pid() const {
  switch (op) {
    case TamperOp::kPtrace:
      return static_cast<uint32_t>(args[1]);
    case TamperOp::kVmWritev:
    case TamperOp::kProcMem:
      return static_cast<uint32_t>(args[0]);
    case TamperOp::kKill:
      return kill_target.tgid;
    default:
      return 0;
  }
}

std::string ExecEvent::script_path() const {
  if (!is_script) return {};
  const std::string& f = filename.value;
  if (f.empty() || f.front() == '/' || cwd.value.empty()) return f;
  std::string joined = cwd.value;
  if (joined.back() != '/') joined += '/';
  // execve("./x") and execve("x") name the same file.
  joined += f.starts_with("./") ? f.substr(2) : f;
  return joined;
}

const TaskInfo& Event::task() const {
  return std::visit(
      [](const auto& e) -> const TaskInfo& {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ForkEvent>) {
          return e.child;
        } else {
          return e.task;
        }
      },
      body);
}

TaskInfo& Event::task() { return const_cast<TaskInfo&>(std::as_const(*this).task()); }

const char* event_type_name(const EventBody& body) {
  static constexpr const char* kNames[] = {"exec",    "fork", "exit", "cred",
                                           "network", "dns",  "file", "tamper"};
  static_assert(std::variant_size_v<EventBody> == std::size(kNames));
  return kNames[body.index()];
}

}  // namespace yagura
