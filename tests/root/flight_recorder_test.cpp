// The flight recorder on the real sensor: what the policy drops is still
// in the journal and in a dump of the process tree; dumps verify, and a
// changed byte does not; only root reaches the control socket; and a dump
// requested at the collector is made by the sensor and stored there.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "common/read_file.h"
#include "tests/root/collector_harness.h"
#include "tests/root/sensor_harness.h"

namespace yagura::test {
namespace {

// Drops every event of /usr/bin/true: the noise a dump must still show.
const char* kDropTrue =
    "policy: {name: drops-true, version: 1}\n"
    "rules:\n"
    "  - id: noise.true\n"
    "    action: drop\n"
    "    when: {process.exe: {in: [/usr/bin/true, /bin/true]}}\n";

struct Ctl {
  int status = -1;
  std::string out;
};

Ctl yaguractl(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), YAGURA_YAGURACTL_BIN);
  RunOptions o;
  o.stdout_path = dir.path() + "/ctl.out";
  const RunResult r = run_program(args, o);
  auto out = read_file(*o.stdout_path);
  return {exit_code(r), out ? *out : ""};
}

// The sh -c tree: the shell, and its child running /bin/true (dropped).
pid_t run_tree() {
  return run_program({"/bin/sh", "-c", "/bin/true dropped-marker; /bin/echo kept >/dev/null"}).pid;
}

std::vector<Json> dump_events(const std::string& file) {
  auto text = read_file(file);
  REQUIRE(text);
  std::vector<Json> events;
  std::istringstream in(*text);
  std::string line, section;
  while (std::getline(in, line)) {
    Json j = parse_event_line(line);
    if (j.contains("section")) {
      section = j["section"];
    } else if (section == "events") {
      events.push_back(std::move(j));
    }
  }
  return events;
}

// Events are const here: a member they lack reads as absent, not as UB.
pid_t parent_pid(const Json& e) { return e.value("parent", Json::object()).value("pid", 0); }

// The exec of /bin/true under `shell`; null when there is none.
Json exec_of_true(const std::vector<Json>& events, pid_t shell) {
  for (const Json& e : events)
    if (e["type"] == "exec" && parent_pid(e) == shell &&
        e["process"]["args"] == Json::array({"/bin/true", "dropped-marker"}))
      return e;
  return nullptr;
}

}  // namespace

TEST_CASE("a dump of a process tree holds what the policy dropped, and verifies", "[recorder]") {
  TempDir dir;
  std::ofstream(dir.path() + "/policy.yaml") << kDropTrue;
  SensorProcess sensor(
      {"--policy", dir.path() + "/policy.yaml", "--allow-unsigned-policy"},
      TestPolicy::kConfigured);
  const pid_t shell = run_tree();
  const std::string dump = dir.path() + "/tree.ydump";
  // The tree's events reach the journal once hashed and judged: dump until
  // they are there.
  std::vector<Json> events;
  Json dropped;
  const bool recorded = eventually(20, [&] {
    const Ctl made = yaguractl(dir, {"dump", "--socket", sensor.control_socket(), "--pid",
                                     std::to_string(shell), "--descendants", "--from", "-5m",
                                     "--reason", "INC-1", "--force", "--out", dump});
    if (made.status != 0) return false;
    events = dump_events(dump);
    dropped = exec_of_true(events, shell);
    return !dropped.is_null();
  });
  INFO(sensor.stderr_text());
  REQUIRE(recorded);
  CHECK(dropped["policy"].value("dropped", false));
  for (const Json& e : events) {
    const bool in_tree = e["process"]["pid"] == shell || parent_pid(e) == shell;
    INFO(e.dump());
    CHECK(in_tree);
  }

  // The output never saw the dropped exec.
  const auto output = sensor.stop();
  for (const Json& e : output)
    CHECK_FALSE((e["type"] == "exec" && e["process"]["args"].size() == 2 &&
                 e["process"]["args"][1] == "dropped-marker"));

  const Ctl status = yaguractl(dir, {"dump", "verify", "--json", dump});
  const Json report = Json::parse(status.out);
  CHECK(status.status == 0);
  CHECK(report["ok"] == true);
  const std::string key = report["key"];
  CHECK(yaguractl(dir, {"dump", "verify", "--key", key, dump}).status == 0);
  CHECK(yaguractl(dir, {"dump", "verify", "--key", std::string(64, 'a'), dump}).status == 1);
  const Ctl shown = yaguractl(dir, {"dump", "show", dump});
  CHECK_THAT(shown.out, Catch::Matchers::Contains("/bin/true dropped-marker") &&
                            Catch::Matchers::Contains("(dropped by policy)"));

  // One changed byte in the events fails verification.
  auto bytes = read_file(dump);
  REQUIRE(bytes);
  const size_t at = bytes->find("dropped-marker");
  REQUIRE(at != std::string::npos);
  (*bytes)[at] = 'D';
  std::ofstream(dir.path() + "/edited.ydump", std::ios::binary) << *bytes;
  const Ctl edited = yaguractl(dir, {"dump", "verify", dir.path() + "/edited.ydump"});
  CHECK(edited.status == 1);
}

TEST_CASE("the control socket answers root only", "[recorder]") {
  SensorProcess sensor;
  // Even with the file and its directory opened up, the peer credentials decide.
  const std::string socket_path = sensor.control_socket();
  REQUIRE(chmod(socket_path.substr(0, socket_path.rfind('/')).c_str(), 0755) == 0);
  REQUIRE(chmod(socket_path.c_str(), 0666) == 0);
  int pipefd[2];
  REQUIRE(pipe(pipefd) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(pipefd[0]);
    // The refusal comes first and the connection closes: the request's
    // write may meet a closed socket.
    signal(SIGPIPE, SIG_IGN);
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", socket_path.c_str());
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) _exit(3);
    const char request[] = "{\"command\":\"status\"}\n";
    (void)!write(fd, request, sizeof(request) - 1);
    char buf[512];
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0 && write(pipefd[1], buf, static_cast<size_t>(n)) < 0) _exit(5);
    _exit(0);
  }
  close(pipefd[1]);
  std::string answer;
  char buf[512];
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof(buf))) > 0;) answer.append(buf, n);
  close(pipefd[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK_THAT(answer, Catch::Matchers::Contains("\"ok\":false") &&
                         Catch::Matchers::Contains("uid 65534 is not root"));
}

TEST_CASE("a dump requested at the collector is made by the sensor and stored there",
          "[recorder][upload]") {
  TestPki pki({"s1"});
  CollectorProcess collector(pki);
  TempDir dir;
  SensorProcess sensor({"--config", write_config(dir, upload_yaml(pki, collector, "s1"))});
  const pid_t shell = run_tree();
  // Once the collector has the exec, the journal has it too (both are fed
  // after the judge): the dump cannot come too early for it.
  REQUIRE(eventually(20, [&] {
    return !exec_of_true(collector.get_lines("/v1/admin/events?sensor=s1&type=exec&from=0&to="
                                             "9223372036854775807"),
                         shell)
                .is_null();
  }));
  const std::string key = collector.get_json("/v1/admin/hosts?sensor=s1")["hosts"][0]["dump_key"];

  const Json request = {{"sensor", "s1"},
                        {"scope", {{"pid", shell}, {"mode", "descendants"}}},
                        {"reason", "INC-2 web server"}};
  const HttpResponse made = collector.post("/v1/admin/dumps", request.dump(), "application/json");
  INFO(made.body);
  REQUIRE(made.status == 201);
  const uint64_t id = Json::parse(made.body)["id"];
  Json listed;
  const bool answered = eventually(30, [&] {
    const Json dumps = collector.get_json("/v1/admin/dumps?sensor=s1")["dumps"];
    for (const Json& d : dumps)
      if (d["id"] == id && d["state"] != "pending") listed = d;
    return !listed.is_null();
  });
  INFO(listed.dump() << "\n" << sensor.stderr_text());
  REQUIRE(answered);
  CHECK(listed["state"] == "delivered");
  CHECK(listed["reason"] == "INC-2 web server");

  const std::string file = dir.path() + "/remote.ydump";
  std::ofstream(file, std::ios::binary) << collector.get_text("/v1/admin/dumps/" + std::to_string(id));
  CHECK(!exec_of_true(dump_events(file), shell).is_null());
  CHECK(yaguractl(dir, {"dump", "verify", "--key", key, file}).status == 0);
}

}  // namespace yagura::test
