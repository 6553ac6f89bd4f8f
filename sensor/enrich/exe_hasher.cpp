#include "sensor/enrich/exe_hasher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cassert>
#include <chrono>
#include <memory>

#include "common/result.h"
#include "common/unique_fd.h"

namespace yagura {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;

uint64_t mtime_ns_of(const struct stat& st) {
  return static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
         static_cast<uint64_t>(st.st_mtim.tv_nsec);
}

// ino, size and mtime identify the exec'd file. dev is not required to
// match: on overlayfs the kernel records the upper or lower device while
// fstat() reports the overlay's, and the other three still match.
bool same_file(const struct stat& st, const FileInfo& file) {
  return static_cast<uint64_t>(st.st_ino) == file.ino &&
         static_cast<uint64_t>(st.st_size) == file.size && mtime_ns_of(st) == file.mtime_ns;
}

Result<UniqueFd> open_exe(const std::string& path) {
  // O_NOATIME keeps the sensor from touching atime; it needs ownership or
  // CAP_FOWNER, so retry without it. O_NONBLOCK stops open() from waiting
  // for a writer if the fallback path now names a FIFO.
  constexpr int kFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
  int fd = ::open(path.c_str(), kFlags | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), kFlags);
  if (fd < 0) return Error::from_errno("open " + path);
  return UniqueFd(fd);
}

std::string to_hex(const unsigned char* data, unsigned int len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(2 * len, '\0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kDigits[data[i] >> 4];
    hex[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return hex;
}

struct EvpCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

size_t ExeHasher::FileKeyHash::operator()(const FileKey& k) const {
  uint64_t h = k.ino * 0x9E3779B97F4A7C15ull;
  h ^= (h >> 29) + k.mtime_ns * 0xBF58476D1CE4E5B9ull;
  h ^= (h >> 31) + k.size * 0x94D049BB133111EBull + k.dev;
  return static_cast<size_t>(h ^ (h >> 32));
}

ExeHasher::ExeHasher(Options options)
    : options_(options),
      requests_(options.queue_capacity),
      completions_(options.queue_capacity),
      buffer_(kChunkBytes),
      worker_([this] { run(); }) {}

ExeHasher::~ExeHasher() {
  stop_.store(true, std::memory_order_relaxed);
  wake_.fetch_add(1, std::memory_order_release);
  wake_.notify_one();
  worker_.join();
}

bool ExeHasher::submit(const Request& request) {
  // Counting outstanding requests, not queued ones, is what keeps both
  // pushes from ever failing: each queue then holds at most queue_capacity
  // items, and the worker never has a completion it cannot deliver.
  if (outstanding_ >= options_.queue_capacity) {
    stats_.rejected_queue_full.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  [[maybe_unused]] const bool pushed = requests_.push(request);
  assert(pushed);
  ++outstanding_;
  stats_.submitted.fetch_add(1, std::memory_order_relaxed);
  wake_.fetch_add(1, std::memory_order_release);
  // Cheap when the worker is busy: libstdc++ skips the futex wake when
  // nobody waits.
  wake_.notify_one();
  return true;
}

bool ExeHasher::poll(Completion& out) {
  if (!completions_.consume_one([&out](Completion& c) { out = std::move(c); })) return false;
  --outstanding_;
  return true;
}

ExeHasher::FileKey ExeHasher::key_of(const FileInfo& file) {
  return FileKey{file.dev, file.ino, file.mtime_ns, file.size};
}

std::optional<HashOutcome> ExeHasher::cached(const FileInfo& file) { return lookup(key_of(file)); }

std::optional<HashOutcome> ExeHasher::lookup(const FileKey& key) {
  std::lock_guard lock(cache_mu_);
  const HashOutcome* hit = cache_.find(key);
  if (!hit) return std::nullopt;
  stats_.cache_hits.fetch_add(1, std::memory_order_relaxed);
  return *hit;
}

void ExeHasher::insert(const FileKey& key, const HashOutcome& outcome) {
  std::lock_guard lock(cache_mu_);
  cache_.put(key, outcome);
}

void ExeHasher::run() {
  Request request;
  for (;;) {
    // Read the counter before draining: a push that lands after the last
    // failed pop has bumped it, so wait() returns at once instead of
    // sleeping on a non-empty queue.
    const uint32_t seen = wake_.load(std::memory_order_acquire);
    while (!stop_.load(std::memory_order_relaxed) &&
           requests_.consume_one([&request](Request& r) { request = std::move(r); })) {
      complete(request);
    }
    if (stop_.load(std::memory_order_relaxed)) return;
    wake_.wait(seen, std::memory_order_acquire);
  }
}

void ExeHasher::complete(Request& request) {
  const FileKey key = key_of(request.file);
  Completion done{request.request_id, std::move(request.file), {}};
  if (auto hit = lookup(key)) {
    done.outcome = std::move(*hit);
  } else {
    Computed computed = compute(request);
    if (stop_.load(std::memory_order_relaxed)) return;  // cut short; nobody will poll it
    if (!computed.outcome.ok()) stats_.errors.fetch_add(1, std::memory_order_relaxed);
    if (computed.cacheable) insert(key, computed.outcome);
    done.outcome = std::move(computed.outcome);
  }
  // Cannot fail: at most queue_capacity completions are outstanding (submit).
  [[maybe_unused]] const bool pushed = completions_.push(done);
  assert(pushed);
  if (options_.on_completion) options_.on_completion();
}

ExeHasher::Computed ExeHasher::compute(const Request& request) {
  const FileInfo& file = request.file;
  if (file.size > options_.max_file_bytes) return {{"", std::string(kHashTooLarge)}, true};

  // /proc/<tgid>/exe reaches the very file the process runs, even when it
  // was deleted, is a memfd, or lives in another mount namespace; the path
  // is only good while nothing replaced the file. After the process exec'd
  // again /proc/<tgid>/exe names another file, which same_file() rejects.
  std::vector<std::string> candidates;
  if (request.tgid != 0) candidates.push_back("/proc/" + std::to_string(request.tgid) + "/exe");
  if (!request.path.empty()) candidates.push_back(request.path);

  bool opened = false;
  for (const std::string& path : candidates) {
    auto fd = open_exe(path);
    if (!fd) continue;
    opened = true;
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode) || !same_file(st, file)) continue;
    if (st.st_dev != makedev(file.dev >> 20, file.dev & 0xfffff)) {
      stats_.dev_mismatches.fetch_add(1, std::memory_order_relaxed);
    }
    return hash_fd(fd->get(), file);
  }
  return {{"", std::string(opened ? kHashChanged : kHashGone)}, false};
}

ExeHasher::Computed ExeHasher::hash_fd(int fd, const FileInfo& file) {
  using Clock = std::chrono::steady_clock;
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(options_.max_seconds_per_file));

  std::unique_ptr<EVP_MD_CTX, EvpCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return {{"", "openssl: digest init failed"}, false};
  }
  uint64_t total = 0;
  for (;;) {
    if (stop_.load(std::memory_order_relaxed)) return {{"", "stopped"}, false};
    // Checked before each read, so a limit of 0 reads nothing.
    if (Clock::now() >= deadline) return {{"", std::string(kHashTimeout)}, true};
    const ssize_t n = ::read(fd, buffer_.data(), buffer_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return {{"", Error::from_errno("read").message}, false};
    }
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > file.size) break;  // grew while reading; reported as changed below
    EVP_DigestUpdate(ctx.get(), buffer_.data(), static_cast<size_t>(n));
  }
  stats_.bytes_hashed.fetch_add(total, std::memory_order_relaxed);

  // A write during the read leaves a digest of neither version.
  struct stat st {};
  if (total != file.size || ::fstat(fd, &st) != 0 || !same_file(st, file)) {
    return {{"", std::string(kHashChanged)}, false};
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) {
    return {{"", "openssl: digest final failed"}, false};
  }
  stats_.hashed.fetch_add(1, std::memory_order_relaxed);
  return {{to_hex(digest, len), ""}, true};
}

}  // namespace yagura
