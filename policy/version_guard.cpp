#include "policy/version_guard.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "common/durable_file.h"
#include "common/unique_fd.h"

namespace yagura::policy {

namespace {

constexpr std::string_view kStateFileName = "policy-state";
// The file holds two short lines; anything much larger is not ours.
constexpr off_t kMaxStateBytes = 4096;
constexpr std::string_view kForceHint = "; set policy.allow_rollback to force";

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Error corrupt(const std::string& path, int line_no, const std::string& why) {
  return Error{"policy state " + path + " is corrupt (line " + std::to_string(line_no) + ": " +
               why + ")"};
}

// Parses "version N\nsha256 X\n". Both fields are required once each;
// other keys are ignored, so that a newer sensor can add fields without
// an older one failing closed after a downgrade.
Result<AcceptedPolicy> parse_state(std::string_view text, const std::string& path) {
  AcceptedPolicy state;
  bool have_version = false, have_sha = false;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return corrupt(path, line_no, "expected 'key value'");
    std::string_view key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "version") {
      if (have_version) return corrupt(path, line_no, "version given twice");
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), state.version);
      if (ec != std::errc() || p != value.data() + value.size() || value.empty()) {
        return corrupt(path, line_no, "version is not a whole number");
      }
      have_version = true;
    } else if (key == "sha256") {
      if (have_sha) return corrupt(path, line_no, "sha256 given twice");
      if (!is_sha256_hex(value)) return corrupt(path, line_no, "sha256 is not 64 hex digits");
      state.sha256 = std::string(value);
      have_sha = true;
    }
  }
  if (!have_version || !have_sha) {
    return Error{"policy state " + path + " is corrupt (" +
                 (have_version ? "no sha256" : "no version") + ")"};
  }
  return state;
}

}  // namespace

VersionGuard::VersionGuard(const std::string& state_dir)
    : state_dir_(state_dir), state_path_(state_dir + "/" + std::string(kStateFileName)) {}

Result<std::optional<AcceptedPolicy>> VersionGuard::accepted() const {
  UniqueFd fd(::open(state_path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<AcceptedPolicy>();
    return Error::from_errno("policy state " + state_path_);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::from_errno("policy state " + state_path_);
  if (!S_ISREG(st.st_mode) || st.st_size > kMaxStateBytes) {
    return Error{"policy state " + state_path_ + " is not a small regular file"};
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno("policy state " + state_path_);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  auto state = parse_state(text, state_path_);
  if (!state) return state.error();
  return std::optional<AcceptedPolicy>(std::move(*state));
}

Status VersionGuard::check(uint64_t version, std::string_view sha256, bool allow_rollback) const {
  if (!is_sha256_hex(sha256)) {
    return Error{"policy sha256 '" + std::string(sha256) + "' is not 64 lower-case hex digits"};
  }
  if (allow_rollback) return ok_status();
  auto accepted_policy = accepted();
  if (!accepted_policy) return Error{accepted_policy.error().message + std::string(kForceHint)};
  if (!accepted_policy->has_value()) return ok_status();
  const AcceptedPolicy& last = **accepted_policy;
  if (version < last.version) {
    return Error{"policy version " + std::to_string(version) + " is older than the accepted " +
                 std::to_string(last.version) + " (rollback)" + std::string(kForceHint)};
  }
  if (version == last.version && sha256 != last.sha256) {
    return Error{"policy version " + std::to_string(version) +
                 " differs from the accepted policy of that version (sha256 " + last.sha256 +
                 "): a changed policy must carry a new version" + std::string(kForceHint)};
  }
  return ok_status();
}

Status VersionGuard::record(const AcceptedPolicy& policy) {
  if (!is_sha256_hex(policy.sha256)) {
    return Error{"policy sha256 '" + policy.sha256 + "' is not 64 lower-case hex digits"};
  }
  const std::string text =
      "version " + std::to_string(policy.version) + "\nsha256 " + policy.sha256 + "\n";
  return replace_file_durably(state_path_, text);
}

}  // namespace yagura::policy
