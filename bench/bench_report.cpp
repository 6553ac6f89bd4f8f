#include "bench/bench_report.h"

#include <sys/utsname.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <thread>

namespace yagura::bench {

std::string first_line_of(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(key)) {
      auto colon = line.find(':');
      return key.empty() || colon == std::string::npos
                 ? line
                 : line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown";
}

nlohmann::ordered_json machine() {
  utsname u{};
  ::uname(&u);
#if defined(__clang__)
  const std::string compiler = std::string("clang ") + __clang_version__;
#else
  const std::string compiler = std::string("g++ ") + __VERSION__;
#endif
  return {{"cpu", first_line_of("/proc/cpuinfo", "model name")},
          {"nproc", std::thread::hardware_concurrency()},
          {"kernel", std::string(u.sysname) + " " + u.release},
          {"compiler", compiler},
          {"build_type", YAGURA_BUILD_TYPE},
          {"loadavg_at_start", first_line_of("/proc/loadavg", "")}};
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string thousands(double v) {
  const std::string digits = std::to_string(static_cast<uint64_t>(v + 0.5));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string percent(uint64_t part, uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", whole ? 100.0 * part / whole : 0.0);
  return buf;
}

std::optional<size_t> positive_number(std::string_view text) {
  size_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v == 0) return std::nullopt;
  return v;
}

}  // namespace yagura::bench
