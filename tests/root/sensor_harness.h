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

// The policy a test's sensor runs: a keep-everything policy (capture tests
// see every event), or the one its configuration names (the built-in
// policy when it names none).
enum class TestPolicy { kKeepAll, kConfigured };

class SensorProcess {
 public:
  explicit SensorProcess(std::vector<std::string> extra_args = {},
                         TestPolicy policy = TestPolicy::kKeepAll);
  ~SensorProcess();
  SensorProcess(const SensorProcess&) = delete;
  SensorProcess& operator=(const SensorProcess&) = delete;

  // SIGTERM, wait, then parse every line written.
  std::vector<Json> stop();

  // SIGKILL, as a crash or power loss would stop it: nothing is flushed.
  void kill_now();

  pid_t pid() const { return pid_; }
  std::string control_socket() const { return dir_ + "/control.sock"; }
  // SIGHUP, then waits until stderr shows `expect` (the reload's outcome).
  void reload(const std::string& expect);
  std::string stderr_text() const;

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

struct RunOptions {
  std::string cwd;                  // empty: inherit
  std::vector<std::string> env;     // empty: inherit
  std::optional<std::string> path;  // file to execve, default argv[0]
  std::optional<std::string> stdout_path;  // where stdout goes, default /dev/null
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

// Runs the test actor (tests/actor/actor.cpp) with one action.
RunResult run_actor(const std::vector<std::string>& args, const RunOptions& options = {});
int exit_code(const RunResult& run);

// Events of a type by a process whose field at `path` (a JSON pointer such
// as "/network/action") equals `value`.
std::vector<Json> find_where(const std::vector<Json>& events, const std::string& type, pid_t pid,
                             const std::string& path, const Json& value);

// A sensor configuration file in dir, for SensorProcess({"--config", path}).
std::string write_config(const TempDir& dir, const std::string& yaml);

// Marks the running test case as not runnable on this machine: the caller
// returns right after. main() turns a clean run with a reason into ctest's
// "skipped" (exit code 77), never a pass.
void skip_test(const std::string& reason);
const std::string& skip_reason();

// A unix stream socket bound to path, not yet listening.
int bound_unix_socket(const std::string& path);

// The pid a test actor wrote to a file.
pid_t read_pid(const std::string& file);

}  // namespace yagura::test
