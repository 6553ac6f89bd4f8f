#include "sensor/capture/bpf_capture.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdarg>
#include <cstring>
#include <cstdio>
#include <filesystem>

#include "common/unique_fd.h"
#include "sensor/capture/cgroup2.h"
#include "sensor/capture/filter_maps.h"
#include "sensor/capture/tracefs.h"
#include "yagura_bpf.skel.h"

namespace yagura {
namespace {

// libbpf reports verifier logs and missing kernel features through this
// callback; pass warnings on so a failed load says why.
int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  std::fputs("libbpf: ", stderr);
  return std::vfprintf(stderr, fmt, args);
}

Error libbpf_error(const std::string& phase, int err) {
  return Error::from_errno(phase, err < 0 ? -err : err);
}

Status preflight() {
  if (!std::filesystem::exists("/sys/kernel/btf/vmlinux"))
    return Error{"preflight: /sys/kernel/btf/vmlinux missing: the kernel needs CONFIG_DEBUG_INFO_BTF"};
  if (geteuid() != 0)
    return Error{"preflight: must run as root (or with CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, "
                 "CAP_SYS_RESOURCE)"};
  // RLIMIT_MEMLOCK: libbpf raises it itself on kernels that charge maps
  // to it (before 5.11).
  return ok_status();
}

}  // namespace

uint64_t KernelCounters::total_drops() const {
  uint64_t n = 0;
  for (const auto& per_type : drops)
    for (uint64_t d : per_type) n += d;
  return n;
}

Result<std::unique_ptr<BpfCapture>> BpfCapture::start(const CaptureOptions& options) {
  libbpf_set_print(libbpf_print);
  if (Status s = preflight(); !s) return s.error();
  auto tracefs = ensure_tracefs();
  if (!tracefs) return tracefs.error();
  auto cgroup2 = ensure_cgroup2();
  if (!cgroup2) return cgroup2.error();

  std::unique_ptr<BpfCapture> capture(new BpfCapture());
  if (Status s = capture->open(options); !s) return s.error();
  if (Status s = capture->choose_programs(*tracefs); !s) return s.error();
  if (Status s = capture->load(); !s) return s.error();
  yagura_bpf* skel = capture->skel_;
  capture->filter_ = std::make_unique<KernelFilter>(bpf_filter_backend(FilterMapFds{
      bpf_map__fd(skel->maps.yg_filter_gen), bpf_map__fd(skel->maps.yg_filter_cfg),
      bpf_map__fd(skel->maps.yg_watch_paths), bpf_map__fd(skel->maps.yg_read_inodes),
      bpf_map__fd(skel->maps.yg_ignore_exes), bpf_map__fd(skel->maps.yg_ignore_uids),
      bpf_map__fd(skel->maps.yg_ignore_cgroups)}));
  if (Status s = capture->filter_->publish(options.filter); !s) return s.error();
  if (Status s = capture->attach(*cgroup2); !s) return s.error();
  return capture;
}

Result<std::string> BpfCapture::cgroup2_root() { return ensure_cgroup2(); }

void BpfCapture::LinkDeleter::operator()(bpf_link* link) const { bpf_link__destroy(link); }

BpfCapture::~BpfCapture() {
  links_.clear();
  yagura_bpf__destroy(skel_);
}

Status BpfCapture::open(const CaptureOptions& options) {
  skel_ = yagura_bpf__open();
  if (!skel_) return libbpf_error("open: BPF object", errno);

  if (options.max_args_bytes > YG_DATA_MASK / 2)
    return Error{"configure: max_args_bytes must be at most " + std::to_string(YG_DATA_MASK / 2)};
  auto* cfg = const_cast<yg_config*>(&skel_->rodata->yg_cfg);
  cfg->self_tgid = options.self_tgid;
  cfg->max_args_bytes = options.max_args_bytes;
  cfg->env_scan_bytes = options.env_scan_bytes;
  cfg->wakeup_bytes = options.wakeup_bytes;

  int err = bpf_map__set_max_entries(skel_->maps.yg_events, options.ring_buffer_bytes);
  if (err) return libbpf_error("configure: ring buffer size", err);
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return libbpf_error("configure: counting CPUs", cpus);
  err = bpf_map__set_max_entries(skel_->maps.yg_scratch, static_cast<uint32_t>(cpus));
  if (err) return libbpf_error("configure: scratch map", err);
  return ok_status();
}

// Tracepoints come and go with kernel versions and options: syscall
// tracepoints need CONFIG_FTRACE_SYSCALLS, and newer syscalls (fchmodat2)
// have none on older kernels. A program whose tracepoint is missing is left
// out and named; capture goes on without it.
Status BpfCapture::choose_programs(const std::string& tracefs) {
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    std::string section = bpf_program__section_name(prog);
    constexpr std::string_view kPrefix = "tp/";
    if (!section.starts_with(kPrefix)) continue;
    std::string event = section.substr(kPrefix.size());
    if (std::filesystem::exists(tracefs + "/events/" + event)) continue;
    bpf_program__set_autoload(prog, false);
    degraded_.push_back(std::string(bpf_program__name(prog)) + ": tracepoint " + event +
                        " missing" +
                        (event.starts_with("syscalls/")
                             ? " (no such syscall in this kernel, or no CONFIG_FTRACE_SYSCALLS)"
                             : ""));
  }
  // The module name is kept from module_load until the syscall exits; with
  // neither exit program there, nothing would ever take it back out.
  if (!bpf_program__autoload(skel_->progs.yg_init_module) &&
      !bpf_program__autoload(skel_->progs.yg_finit_module) &&
      bpf_program__autoload(skel_->progs.yg_module_load)) {
    bpf_program__set_autoload(skel_->progs.yg_module_load, false);
    degraded_.push_back("yg_module_load: off, no module syscall exit to pair it with");
  }
  return ok_status();
}

Status BpfCapture::load() {
  int err = yagura_bpf__load(skel_);
  if (err)
    return libbpf_error("load: BPF programs rejected (verifier log above; kernel 5.17+ with BTF "
                        "needed)",
                        err);
  uint32_t version = skel_->rodata->yg_schema_version;
  if (version != YG_SCHEMA_VERSION)
    return Error{"load: BPF object has record schema " + std::to_string(version) +
                 ", sensor expects " + std::to_string(YG_SCHEMA_VERSION)};
  return ok_status();
}

// Socket programs (cgroup_skb, cgroup/...) go on the cgroup v2 root, which
// covers every process on the host; the rest attach to their tracepoints.
Status BpfCapture::attach(const std::string& cgroup2) {
  UniqueFd cgroup_fd(::open(cgroup2.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup_fd.valid()) return Error::from_errno("attach: opening " + cgroup2);
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    if (!bpf_program__autoload(prog)) continue;
    // The iterator is run on demand by snapshot(), not attached to a hook.
    if (prog == skel_->progs.yg_iter_task) continue;
    std::string section = bpf_program__section_name(prog);
    bpf_link* link = section.starts_with("cgroup")
                         ? bpf_program__attach_cgroup(prog, cgroup_fd.get())
                         : bpf_program__attach(prog);
    if (!link)
      return libbpf_error(std::string("attach: ") + bpf_program__name(prog) + " on " +
                              bpf_program__section_name(prog),
                          errno);
    links_.emplace_back(link);
  }
  return ok_status();
}

int BpfCapture::ring_fd() const { return bpf_map__fd(skel_->maps.yg_events); }

Status BpfCapture::snapshot(const std::function<void(std::span<const uint8_t>)>& on_record) {
  bpf_link* link = bpf_program__attach_iter(skel_->progs.yg_iter_task, nullptr);
  if (!link) return libbpf_error("snapshot: attaching task iterator", errno);
  UniqueFd fd(bpf_iter_create(bpf_link__fd(link)));
  int create_errno = errno;
  bpf_link__destroy(link);
  if (!fd.valid()) return libbpf_error("snapshot: creating iterator", create_errno);

  // Records arrive back to back; read() may split one across calls.
  std::vector<uint8_t> buf;
  std::vector<uint8_t> chunk(1 << 16);
  for (;;) {
    ssize_t n = read(fd.get(), chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno("snapshot: reading iterator");
    }
    if (n == 0) break;
    buf.insert(buf.end(), chunk.begin(), chunk.begin() + n);
  }
  size_t off = 0;
  while (buf.size() - off >= sizeof(yg_header)) {
    yg_header hdr;
    std::memcpy(&hdr, buf.data() + off, sizeof(hdr));
    if (hdr.size < sizeof(hdr) || hdr.size > buf.size() - off)
      return Error{"snapshot: corrupt iterator stream at byte " + std::to_string(off)};
    on_record(std::span<const uint8_t>(buf.data() + off, hdr.size));
    off += hdr.size;
  }
  return ok_status();
}

Result<KernelCounters> BpfCapture::counters() const {
  int cpus = libbpf_num_possible_cpus();
  std::vector<yg_counters> per_cpu(static_cast<size_t>(cpus));
  uint32_t key = 0;
  int err = bpf_map__lookup_elem(skel_->maps.yg_counters, &key, sizeof(key), per_cpu.data(),
                                 per_cpu.size() * sizeof(yg_counters), 0);
  if (err) return libbpf_error("counters: reading per-CPU map", err);
  KernelCounters total;
  for (const yg_counters& c : per_cpu) {
    for (int t = 0; t < YG_EV_TYPE_MAX; ++t) {
      total.emitted[t] += c.emitted[t];
      for (int r = 0; r < YG_DROP_REASON_MAX; ++r) total.drops[t][r] += c.drops[t][r];
    }
  }
  return total;
}

}  // namespace yagura
