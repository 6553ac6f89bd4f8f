// Runs the real yagura-sensor binary for a root test and reads back the
// JSON lines it wrote.
//
//   SensorProcess sensor;                  // started, capture live
//   pid_t pid = run_program({"/bin/true"}); // the action under test
//   auto events = sensor.stop();           // all events, queues drained
//   auto exec = find_one(events, "exec", pid);
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace yagura::test {

using Json = nlohmann::json;

class SensorProcess {
 public:
  explicit SensorProcess(std::vector<std::string> extra_args = {});
  ~SensorProcess();
  SensorProcess(const SensorProcess&) = delete;
  SensorProcess& operator=(const SensorProcess&) = delete;

  // SIGTERM, wait, then parse every line written.
  std::vector<Json> stop();

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

struct RunOptions {
  std::string cwd;                 // empty: inherit
  std::vector<std::string> env;    // empty: inherit
  std::optional<std::string> path; // file to execve, default argv[0]
};

// fork + execve, waits for the child; returns its pid and wait status.
struct RunResult {
  pid_t pid = -1;
  int status = 0;
};
RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options = {});

// Parses one line. Bytes that are not UTF-8 come as \udcXX escapes
// (surrogateescape, see docs/events.md); they are turned back into the raw
// byte here, since JSON parsers reject lone surrogates.
Json parse_event_line(const std::string& line);

std::vector<Json> find_all(const std::vector<Json>& events, const std::string& type, pid_t pid);
// Fails the current test unless exactly one event matches.
Json find_one(const std::vector<Json>& events, const std::string& type, pid_t pid);

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string realpath_of(const std::string& path);

}  // namespace yagura::test
