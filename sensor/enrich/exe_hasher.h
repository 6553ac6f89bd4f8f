// SHA-256 of executed files, computed on a worker thread so that hashing
// never stalls capture. The pipeline thread submits requests and polls
// completions through two bounded lock-free queues; neither call blocks.
// An idle pipeline thread learns of a completion from on_completion.
//
// Contract:
// - submit() and poll() are called from one thread (the pipeline's); cached()
//   and stats() from any thread.
// - At most Options::queue_capacity requests are outstanding (accepted and
//   their completion not yet polled). submit() returns false beyond that and
//   counts the rejection; the caller attaches no hash.
// - Every accepted request produces exactly one completion, carrying its
//   request_id, unless the hasher is destroyed first (pending requests and
//   unpolled completions are then discarded).
// - Results are cached by file identity (dev, ino, mtime_ns, size), LRU,
//   bounded. Errors that depend only on the file (too large, timeout) are
//   cached; "gone" and "changed" are not, since the next exec may succeed.
// - Requests for the same identity are hashed once: the single worker takes
//   them in order and answers the later ones from the cache.
// - A file is hashed only if, once opened, fstat() matches the event's ino,
//   size and mtime, so a replaced file yields an error, never a wrong hash.
//
//   ExeHasher hasher;
//   if (auto outcome = hasher.cached(exec.exe)) {
//     attach(*outcome);
//   } else if (hasher.submit({id, exec.exe, exec.task.key.tgid, exec.exe_path.value})) {
//     park(id, event);
//   }
//   ...
//   ExeHasher::Completion done;
//   while (hasher.poll(done)) release(done.request_id, done.outcome);
#pragma once

#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/event.h"
#include "common/lru_map.h"

namespace yagura {

// Values of HashOutcome::error.
inline constexpr std::string_view kHashTooLarge = "too large";
inline constexpr std::string_view kHashTimeout = "timeout";
inline constexpr std::string_view kHashGone = "gone";        // no path could be opened
inline constexpr std::string_view kHashChanged = "changed";  // opened, but not the exec'd file

struct HashOutcome {
  std::string sha256_hex;  // lowercase, set when ok()
  std::string error;       // a kHash* value, or why reading or digesting failed

  bool ok() const { return error.empty(); }
};

struct ExeHasherOptions {
  uint64_t max_file_bytes = 256ull << 20;  // larger files are not read
  double max_seconds_per_file = 5.0;       // checked between 64 KiB reads
  size_t queue_capacity = 1024;            // outstanding requests; sizes both queues
  size_t cache_entries = 4096;
  // Called on the worker thread after each completion is queued, so that
  // the pipeline thread need not poll while it waits (has_completions() is
  // then true). Must not block. Empty: nobody is told.
  std::function<void()> on_completion;
};

class ExeHasher {
 public:
  using Options = ExeHasherOptions;

  struct Request {
    uint64_t request_id = 0;
    FileInfo file;      // the exec'd file, as the kernel saw it
    uint32_t tgid = 0;  // opened as /proc/<tgid>/exe first; 0 to skip
    std::string path;   // fallback when /proc/<tgid>/exe fails or no longer matches
  };

  struct Completion {
    uint64_t request_id = 0;
    FileInfo file;
    HashOutcome outcome;
  };

  struct Stats {
    std::atomic<uint64_t> submitted{0};
    std::atomic<uint64_t> rejected_queue_full{0};
    std::atomic<uint64_t> hashed{0};      // files read to the end and digested
    std::atomic<uint64_t> cache_hits{0};  // by cached() and by the worker
    std::atomic<uint64_t> errors{0};      // error outcomes computed (not cache hits)
    std::atomic<uint64_t> bytes_hashed{0};
    std::atomic<uint64_t> dev_mismatches{0};  // accepted with ino/size/mtime equal, dev not
  };

  explicit ExeHasher(Options options = Options());
  ~ExeHasher();
  ExeHasher(const ExeHasher&) = delete;
  ExeHasher& operator=(const ExeHasher&) = delete;

  // False, counted, when queue_capacity requests are outstanding.
  bool submit(const Request& request);
  // Takes one completion if there is one.
  bool poll(Completion& out);
  // A completion waits to be polled. Pipeline thread.
  bool has_completions() const { return completions_.read_available() > 0; }
  // The cached outcome for this identity, if any; never waits for hashing.
  std::optional<HashOutcome> cached(const FileInfo& file);

  const Stats& stats() const { return stats_; }

 private:
  struct FileKey {
    uint32_t dev;
    uint64_t ino;
    uint64_t mtime_ns;
    uint64_t size;
    bool operator==(const FileKey&) const = default;
  };
  struct FileKeyHash {
    size_t operator()(const FileKey& k) const;
  };
  struct Computed {
    HashOutcome outcome;
    bool cacheable = false;
  };

  static FileKey key_of(const FileInfo& file);
  std::optional<HashOutcome> lookup(const FileKey& key);
  void insert(const FileKey& key, const HashOutcome& outcome);

  void run();
  void complete(Request& request);
  Computed compute(const Request& request);
  Computed hash_fd(int fd, const FileInfo& file);

  const Options options_;
  Stats stats_;

  boost::lockfree::spsc_queue<Request> requests_;
  boost::lockfree::spsc_queue<Completion> completions_;
  size_t outstanding_ = 0;  // pipeline thread only: submitted minus polled

  // Bumped after each push and on stop; the idle worker waits on it.
  std::atomic<uint32_t> wake_{0};
  std::atomic<bool> stop_{false};

  // Held for lookups and inserts only, never while reading a file.
  std::mutex cache_mu_;
  LruMap<FileKey, HashOutcome, FileKeyHash> cache_{options_.cache_entries};

  std::vector<char> buffer_;  // worker only
  std::thread worker_;        // last: starts once everything above exists
};

}  // namespace yagura
