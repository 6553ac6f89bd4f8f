// yagura-test-actor: performs one action the sensor must see, as its own
// process, so a root test can match the event to the actor's exec event by
// process key. Usage: yagura-test-actor ACTION ARGS...; exits 0 when the
// action was performed (a refused connect or module load is performed too),
// and writes any pid a test needs to know to the file named last.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "actor: %s: %s\n", what, std::strerror(errno));
  std::exit(100);
}

sockaddr_storage inet_addr_of(const std::string& ip, int port, socklen_t& len) {
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(*v4);
  } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(*v6);
  } else {
    std::fprintf(stderr, "actor: bad address %s\n", ip.c_str());
    std::exit(100);
  }
  return ss;
}

void write_pid(const std::string& file, pid_t pid) { std::ofstream(file) << pid << "\n"; }

// TCP connect, send `bytes` bytes, read until the peer closes. Exit code 0
// when connected, else the errno of the failed connect.
int tcp_connect(const std::string& ip, int port, size_t bytes, int family = 0) {
  socklen_t len = 0;
  sockaddr_storage ss = inet_addr_of(ip, port, len);
  int fd = socket(family ? family : ss.ss_family, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  if (family == AF_INET6 && ss.ss_family == AF_INET) {
    // Connect an IPv6 socket to an IPv4 address through a v4-mapped one.
    sockaddr_in6 mapped{};
    mapped.sin6_family = AF_INET6;
    mapped.sin6_port = htons(port);
    mapped.sin6_addr.s6_addr[10] = mapped.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&mapped.sin6_addr.s6_addr[12], &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, 4);
    std::memcpy(&ss, &mapped, sizeof(mapped));
    len = sizeof(mapped);
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return errno;
  std::string payload(bytes, 'x');
  if (!payload.empty() && send(fd, payload.data(), payload.size(), 0) != static_cast<ssize_t>(bytes))
    die("send");
  shutdown(fd, SHUT_WR);
  char buf[4096];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
  close(fd);
  return 0;
}

// A DNS query for name, type A, over UDP to server:53; returns the first A
// address of the answer as text.
std::string resolve(const std::string& server, const std::string& name) {
  std::vector<uint8_t> q = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<uint8_t>(dot - start));
    q.insert(q.end(), name.begin() + start, name.begin() + dot);
    start = dot + 1;
  }
  q.insert(q.end(), {0, 0, 1, 0, 1});
  socklen_t len = 0;
  sockaddr_storage ss = inet_addr_of(server, 53, len);
  int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) < 0) die("sendto");
  uint8_t buf[512];
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  if (n < 16) die("recv answer");
  close(fd);
  // The test resolver answers with one A record last: its last 4 bytes.
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, buf + n - 4, text, sizeof(text));
  return text;
}

// A TCP socket listening on ip:port (port 0: one the kernel picks); the
// port it got goes to `ready_file`, written once connections are accepted.
int listen_on(const std::string& ip, int port, const std::string& ready_file) {
  socklen_t len = 0;
  sockaddr_storage ss = inet_addr_of(ip, port, len);
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) die("bind");
  if (listen(fd, 16) != 0) die("listen");
  len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) die("getsockname");
  const int bound =
      ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                    : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  // Written whole, then renamed: a reader never sees half a number.
  std::ofstream(ready_file + ".tmp") << bound << "\n";
  if (rename((ready_file + ".tmp").c_str(), ready_file.c_str()) != 0) die("rename");
  return fd;
}

// Forks and runs argv (stdio inherited), waits; its exit code.
int run_child(const std::vector<std::string>& argv) {
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    std::vector<char*> args;
    for (const std::string& s : argv) args.push_back(const_cast<char*>(s.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) die("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// Serves one HTTP/1.0 GET on `c` from the files of `dir`.
void serve_http(int c, const std::string& dir) {
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = read(c, buf, sizeof(buf));
    if (n <= 0) return;
    request.append(buf, static_cast<size_t>(n));
  }
  std::string path = request.substr(0, request.find("\r\n"));
  path = path.substr(path.find(' ') + 1);
  path = path.substr(0, path.find(' '));
  std::ifstream in(dir + "/" + path.substr(path.rfind('/') + 1), std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string answer = in ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.0 404 Not Found\r\n";
  answer += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  answer += body;
  for (size_t off = 0; off < answer.size();) {
    ssize_t n = write(c, answer.data() + off, answer.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

int run(const std::vector<std::string>& a) {
  const std::string& action = a.at(0);
  if (action == "connect") return tcp_connect(a.at(1), std::stoi(a.at(2)), std::stoul(a.at(3)));
  if (action == "connect-v4mapped")
    return tcp_connect(a.at(1), std::stoi(a.at(2)), std::stoul(a.at(3)), AF_INET6);
  if (action == "listen-accept") {
    // listen-accept IP PORT READY_FILE: serve one connection, echo "pong".
    socklen_t len = 0;
    sockaddr_storage ss = inet_addr_of(a.at(1), std::stoi(a.at(2)), len);
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) die("bind");
    if (listen(fd, 4) != 0) die("listen");
    write_pid(a.at(3), getpid());
    int c = accept(fd, nullptr, nullptr);
    if (c < 0) die("accept");
    char buf[4096];
    while (read(c, buf, sizeof(buf)) > 0) {
    }
    if (write(c, "pong", 4) != 4) die("write");
    close(c);
    close(fd);
    return 0;
  }
  if (action == "udp-send") {
    // udp-send IP PORT COUNT: COUNT datagrams to one destination.
    socklen_t len = 0;
    sockaddr_storage ss = inet_addr_of(a.at(1), std::stoi(a.at(2)), len);
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    for (int i = 0; i < std::stoi(a.at(3)); ++i)
      if (sendto(fd, "ping", 4, 0, reinterpret_cast<sockaddr*>(&ss), len) != 4) die("sendto");
    close(fd);
    return 0;
  }
  if (action == "udp-bind") {
    socklen_t len = 0;
    sockaddr_storage ss = inet_addr_of(a.at(1), std::stoi(a.at(2)), len);
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) die("bind");
    close(fd);
    return 0;
  }
  if (action == "resolve-connect") {
    // resolve-connect SERVER NAME PORT: what a client does: ask, then connect.
    std::string ip = resolve(a.at(1), a.at(2));
    return tcp_connect(ip, std::stoi(a.at(3)), 10);
  }
  if (action == "unix-connect") {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::strncpy(un.sun_path, a.at(1).c_str(), sizeof(un.sun_path) - 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&un), sizeof(un)) != 0) return errno;
    close(fd);
    return 0;
  }
  if (action == "write-relative") {
    // write-relative DIR NAME: a path relative to the working directory.
    if (chdir(a.at(1).c_str()) != 0) die("chdir");
    int fd = open(a.at(2).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die("open");
    if (write(fd, "job\n", 4) != 4) die("write");
    close(fd);
    return 0;
  }
  if (action == "write-openat") {
    // write-openat DIR NAME: relative to a directory descriptor.
    int dir = open(a.at(1).c_str(), O_RDONLY | O_DIRECTORY);
    if (dir < 0) die("open dir");
    int fd = openat(dir, a.at(2).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) die("openat");
    if (write(fd, "key\n", 4) != 4) die("write");
    close(fd);
    close(dir);
    return 0;
  }
  if (action == "read") {
    int fd = open(a.at(1).c_str(), O_RDONLY);
    if (fd < 0) die("open");
    char buf[256];
    if (read(fd, buf, sizeof(buf)) < 0) die("read");
    close(fd);
    return 0;
  }
  if (action == "rename") return rename(a.at(1).c_str(), a.at(2).c_str()) == 0 ? 0 : errno;
  if (action == "chmod") return chmod(a.at(1).c_str(), std::stoul(a.at(2), nullptr, 8)) == 0 ? 0 : errno;
  if (action == "unlink") return unlink(a.at(1).c_str()) == 0 ? 0 : errno;
  if (action == "symlink") return symlink(a.at(1).c_str(), a.at(2).c_str()) == 0 ? 0 : errno;
  if (action == "memfd-create") {
    int fd = static_cast<int>(syscall(SYS_memfd_create, a.at(1).c_str(), MFD_CLOEXEC));
    if (fd < 0) die("memfd_create");
    close(fd);
    return 0;
  }
  if (action == "ptrace-attach") {
    // ptrace-attach PID_FILE: attach to a child, poke its memory, detach.
    pid_t child = fork();
    if (child == 0) {
      pause();
      _exit(0);
    }
    write_pid(a.at(1), child);
    if (ptrace(PTRACE_ATTACH, child, nullptr, nullptr) != 0) die("PTRACE_ATTACH");
    waitpid(child, nullptr, 0);
    ptrace(PTRACE_DETACH, child, nullptr, nullptr);
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    return 0;
  }
  if (action == "vm-writev") {
    // vm-writev PID_FILE: writes into a child's memory with
    // process_vm_writev (the child's copy of `target` is at the same address).
    static char target[] = "before";
    pid_t child = fork();
    if (child == 0) {
      pause();
      _exit(0);
    }
    write_pid(a.at(1), child);
    char data[] = "after!";
    iovec local{data, 6};
    iovec remote{target, 6};
    if (process_vm_writev(child, &local, 1, &remote, 1, 0) != 6) die("process_vm_writev");
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    return 0;
  }
  if (action == "proc-mem-write") {
    // Writes into its own memory through /proc/self/mem, as injectors do
    // to other processes.
    static char target[] = "before";
    int fd = open("/proc/self/mem", O_RDWR);
    if (fd < 0) die("open /proc/self/mem");
    if (pwrite(fd, "after!", 6, reinterpret_cast<off_t>(target)) != 6) die("pwrite");
    close(fd);
    return 0;
  }
  if (action == "module-load") {
    // finit_module on a file that is not a module: the kernel refuses it.
    int fd = open(a.at(1).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open");
    long r = syscall(SYS_finit_module, fd, "", 0);
    std::printf("%ld %d\n", r, r < 0 ? errno : 0);
    return 0;
  }
  if (action == "bpf-load") {
    // The smallest program there is: r0 = 0; exit.
    bpf_insn insns[2] = {};
    insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
    insns[0].dst_reg = BPF_REG_0;
    insns[1].code = BPF_JMP | BPF_EXIT;
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insn_cnt = 2;
    attr.insns = reinterpret_cast<uint64_t>(insns);
    attr.license = reinterpret_cast<uint64_t>("GPL");
    std::strncpy(attr.prog_name, "yg_test_prog", sizeof(attr.prog_name) - 1);
    int fd = static_cast<int>(syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)));
    if (fd < 0) die("BPF_PROG_LOAD");
    close(fd);
    return 0;
  }
  if (action == "kill-other-user") {
    // kill-other-user PID_FILE: SIGTERM to a process running as nobody.
    pid_t child = fork();
    if (child == 0) {
      if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
      pause();
      _exit(0);
    }
    write_pid(a.at(1), child);
    usleep(100000);  // let it drop privileges
    if (kill(child, SIGTERM) != 0) die("kill");
    waitpid(child, nullptr, 0);
    return 0;
  }
  if (action == "mount-tmpfs") {
    if (mount("yg-test", a.at(1).c_str(), "tmpfs", 0, "size=1m") != 0) die("mount");
    if (umount2(a.at(1).c_str(), 0) != 0) die("umount");
    return 0;
  }
  if (action == "unshare-net") return unshare(CLONE_NEWNET) == 0 ? 0 : errno;
  if (action == "prctl-name") return prctl(PR_SET_NAME, a.at(1).c_str(), 0, 0, 0) == 0 ? 0 : errno;
  // ---- Behaviours of the host detection tests (tests/root/detection_host_test.cpp) ----
  if (action == "setuid-root") {
    // What a planted or exploited set-user-id root program does first, run
    // by a non-root user: make the real uid root too.
    return setuid(0) == 0 ? 0 : errno;
  }
  if (action == "ptrace-pid") {
    // ptrace-pid PID: attach to a process the test started, then let it go.
    const pid_t target = std::stoi(a.at(1));
    if (ptrace(PTRACE_ATTACH, target, nullptr, nullptr) != 0) die("PTRACE_ATTACH");
    if (waitpid(target, nullptr, 0) != target) die("waitpid");
    if (ptrace(PTRACE_DETACH, target, nullptr, nullptr) != 0) die("PTRACE_DETACH");
    return 0;
  }
  if (action == "serve") {
    // serve IP PORT COUNT TEXT READY_FILE: accepts COUNT connections (0:
    // until killed), one at a time: sends TEXT, reads until the peer closes.
    int fd = listen_on(a.at(1), std::stoi(a.at(2)), a.at(5));
    for (int served = 0, count = std::stoi(a.at(3)); count == 0 || served < count; ++served) {
      int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) die("accept");
      const std::string& text = a.at(4);
      if (!text.empty() && write(c, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        die("write");
      char buf[4096];
      while (read(c, buf, sizeof(buf)) > 0) {
      }
      close(c);
    }
    close(fd);
    return 0;
  }
  if (action == "http-serve") {
    // http-serve IP PORT DIR READY_FILE: the files of DIR over HTTP/1.0, by
    // their base name, until killed.
    int fd = listen_on(a.at(1), std::stoi(a.at(2)), a.at(4));
    for (;;) {
      int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) die("accept");
      serve_http(c, a.at(3));
      close(c);
    }
  }
  if (action == "serve-exec") {
    // serve-exec IP PORT READY_FILE PROGRAM ARGS...: accepts one connection
    // and runs PROGRAM as its child, as a service running a command for a
    // request; the connection is not the child's stdio.
    int fd = listen_on(a.at(1), std::stoi(a.at(2)), a.at(3));
    int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) die("accept");
    const int code = run_child(std::vector<std::string>(a.begin() + 4, a.end()));
    close(c);
    close(fd);
    return code;
  }
  if (action == "connect-then-exec") {
    // connect-then-exec IP PORT PROGRAM ARGS...: connects (the socket not
    // inherited), then runs PROGRAM as its child while connected, as a
    // Python or Perl reverse shell does.
    socklen_t len = 0;
    sockaddr_storage ss = inet_addr_of(a.at(1), std::stoi(a.at(2)), len);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) die("connect");
    const int code = run_child(std::vector<std::string>(a.begin() + 3, a.end()));
    close(fd);
    return code;
  }
  if (action == "connect-every") {
    // connect-every IP PORT MS,MS,...: a connection, then one more after
    // each pause of MS milliseconds: a beacon when the pauses are equal.
    if (int e = tcp_connect(a.at(1), std::stoi(a.at(2)), 0)) return e;
    const std::string& pauses = a.at(3);
    for (size_t at = 0; at < pauses.size();) {
      size_t comma = pauses.find(',', at);
      if (comma == std::string::npos) comma = pauses.size();
      usleep(static_cast<useconds_t>(std::stoul(pauses.substr(at, comma - at)) * 1000));
      if (int e = tcp_connect(a.at(1), std::stoi(a.at(2)), 0)) return e;
      at = comma + 1;
    }
    return 0;
  }
  if (action == "memfd-exec") {
    // memfd-exec FILE ARGV0: copies the program FILE into a memfd and runs
    // it from there (fexecve), as fileless malware does.
    int fd = static_cast<int>(syscall(SYS_memfd_create, "yagura-e2e", MFD_CLOEXEC));
    if (fd < 0) die("memfd_create");
    std::ifstream in(a.at(1), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in || write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()))
      die("copy");
    char* argv[] = {const_cast<char*>(a.at(2).c_str()), nullptr};
    fexecve(fd, argv, environ);
    die("fexecve");
  }
  std::fprintf(stderr, "actor: unknown action %s\n", action.c_str());
  return 100;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: yagura-test-actor ACTION ARGS...\n", stderr);
    return 100;
  }
  return run(std::vector<std::string>(argv + 1, argv + argc));
}
