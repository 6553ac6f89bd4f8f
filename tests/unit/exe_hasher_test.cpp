#include "sensor/enrich/exe_hasher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

namespace yagura {
namespace {

constexpr char kAbcSha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// A file in a fresh directory, removed with it.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char dir[] = "/tmp/exe_hasher_test.XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    dir_ = dir;
    path_ = dir_ + "/exe";
    write(content);
  }
  ~TempFile() {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }

  const std::string& path() const { return path_; }
  void write(const std::string& content) const {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << content;
  }
  void append(const std::string& content) const {
    std::ofstream(path_, std::ios::binary | std::ios::app) << content;
  }
  // Timestamps are coarse; tests that need a new mtime set one.
  void set_mtime(time_t sec) const {
    const struct timespec times[2] = {{0, UTIME_OMIT}, {sec, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path_.c_str(), times, 0) == 0);
  }

 private:
  std::string dir_;
  std::string path_;
};

// What the kernel would report for this file.
FileInfo file_info(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  FileInfo info;
  info.ino = st.st_ino;
  info.dev = (major(st.st_dev) << 20) | minor(st.st_dev);
  info.mode = st.st_mode;
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime_ns = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
                  static_cast<uint64_t>(st.st_mtim.tv_nsec);
  return info;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) == 1);
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(byte, sizeof(byte), "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Polls until n completions arrived; fails the test after a generous bound.
std::vector<ExeHasher::Completion> wait_for(ExeHasher& hasher, size_t n) {
  std::vector<ExeHasher::Completion> done;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (done.size() < n && std::chrono::steady_clock::now() < deadline) {
    ExeHasher::Completion c;
    if (hasher.poll(c)) {
      done.push_back(std::move(c));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  REQUIRE(done.size() == n);
  return done;
}

HashOutcome hash_one(ExeHasher& hasher, const FileInfo& file, uint32_t tgid,
                     const std::string& path, uint64_t id = 1) {
  REQUIRE(hasher.submit({id, file, tgid, path}));
  auto done = wait_for(hasher, 1);
  CHECK(done[0].request_id == id);
  CHECK(done[0].file.ino == file.ino);
  return done[0].outcome;
}

}  // namespace

TEST_CASE("ExeHasher hashes a file by path to its SHA-256") {
  TempFile file("abc");
  ExeHasher hasher;
  const FileInfo info = file_info(file.path());

  HashOutcome outcome = hash_one(hasher, info, 0, file.path());
  CHECK(outcome.ok());
  CHECK(outcome.sha256_hex == kAbcSha256);
  CHECK(hasher.stats().hashed == 1);
  CHECK(hasher.stats().bytes_hashed == 3);
  CHECK(hasher.stats().errors == 0);
  CHECK(hasher.stats().dev_mismatches == 0);

  auto cached = hasher.cached(info);
  REQUIRE(cached.has_value());
  CHECK(cached->sha256_hex == kAbcSha256);
}

TEST_CASE("ExeHasher hashes files spanning many reads") {
  std::string content;
  for (int i = 0; content.size() < 300 * 1024; ++i) content += std::to_string(i) + ",";
  TempFile file(content);
  ExeHasher hasher;

  HashOutcome outcome = hash_one(hasher, file_info(file.path()), 0, file.path());
  CHECK(outcome.sha256_hex == sha256_hex(content));
  CHECK(hasher.stats().bytes_hashed == content.size());
}

TEST_CASE("ExeHasher answers a repeated identity from the cache") {
  TempFile file("abc");
  ExeHasher hasher;
  const FileInfo info = file_info(file.path());

  SECTION("one after the other") {
    hash_one(hasher, info, 0, file.path(), 1);
    HashOutcome second = hash_one(hasher, info, 0, file.path(), 2);
    CHECK(second.sha256_hex == kAbcSha256);
  }
  SECTION("both in flight: hashed once, both completed") {
    REQUIRE(hasher.submit({1, info, 0, file.path()}));
    REQUIRE(hasher.submit({2, info, 0, file.path()}));
    auto done = wait_for(hasher, 2);
    CHECK(done[0].request_id == 1);
    CHECK(done[1].request_id == 2);
    CHECK(done[0].outcome.sha256_hex == kAbcSha256);
    CHECK(done[1].outcome.sha256_hex == kAbcSha256);
  }
  CHECK(hasher.stats().hashed == 1);
  CHECK(hasher.stats().cache_hits == 1);
}

TEST_CASE("ExeHasher misses the cache once size or mtime changed") {
  TempFile file("abc");
  ExeHasher hasher;
  const FileInfo before = file_info(file.path());
  hash_one(hasher, before, 0, file.path());

  SECTION("size") {
    file.append("d");
    const FileInfo after = file_info(file.path());
    CHECK_FALSE(hasher.cached(after).has_value());
    CHECK(hash_one(hasher, after, 0, file.path()).sha256_hex == sha256_hex("abcd"));
  }
  SECTION("mtime alone") {
    file.set_mtime(static_cast<time_t>(before.mtime_ns / 1000000000) - 100);
    const FileInfo after = file_info(file.path());
    CHECK_FALSE(hasher.cached(after).has_value());
    CHECK(hash_one(hasher, after, 0, file.path()).sha256_hex == kAbcSha256);
  }
  CHECK(hasher.stats().hashed == 2);
  CHECK(hasher.stats().cache_hits == 0);
}

TEST_CASE("ExeHasher refuses files over the size limit without reading them") {
  TempFile file("abc");
  ExeHasherOptions options;
  options.max_file_bytes = 2;
  ExeHasher hasher(options);
  const FileInfo info = file_info(file.path());

  HashOutcome outcome = hash_one(hasher, info, 0, file.path());
  CHECK_FALSE(outcome.ok());
  CHECK(outcome.error == kHashTooLarge);
  CHECK(outcome.sha256_hex.empty());
  CHECK(hasher.stats().bytes_hashed == 0);
  CHECK(hasher.stats().errors == 1);

  // Cached, so the next exec of the same file does not try again.
  auto cached = hasher.cached(info);
  REQUIRE(cached.has_value());
  CHECK(cached->error == kHashTooLarge);
  CHECK(hash_one(hasher, info, 0, file.path(), 2).error == kHashTooLarge);
  CHECK(hasher.stats().errors == 1);
}

TEST_CASE("ExeHasher gives up on a file once its time is spent") {
  TempFile file("abc");
  ExeHasherOptions options;
  options.max_seconds_per_file = 0;
  ExeHasher hasher(options);
  const FileInfo info = file_info(file.path());

  CHECK(hash_one(hasher, info, 0, file.path()).error == kHashTimeout);
  CHECK(hasher.stats().hashed == 0);
  REQUIRE(hasher.cached(info).has_value());
}

TEST_CASE("ExeHasher reports a deleted file as gone and does not cache it") {
  auto file = std::make_unique<TempFile>("abc");
  const FileInfo info = file_info(file->path());
  const std::string path = file->path();
  file.reset();
  ExeHasher hasher;

  HashOutcome outcome = hash_one(hasher, info, 0, path);
  CHECK(outcome.error == kHashGone);
  CHECK(outcome.sha256_hex.empty());
  CHECK(hasher.stats().errors == 1);
  CHECK_FALSE(hasher.cached(info).has_value());
}

TEST_CASE("ExeHasher reports a replaced file as changed, never hashing the new content") {
  TempFile file("abc");
  const FileInfo info = file_info(file.path());
  file.write("xyz");
  file.set_mtime(static_cast<time_t>(info.mtime_ns / 1000000000) + 100);
  ExeHasher hasher;

  HashOutcome outcome = hash_one(hasher, info, 0, file.path());
  CHECK(outcome.error == kHashChanged);
  CHECK(outcome.sha256_hex.empty());
  CHECK_FALSE(hasher.cached(info).has_value());
}

TEST_CASE("ExeHasher reads /proc/<tgid>/exe first") {
  const std::string self = read_all("/proc/self/exe");
  REQUIRE(!self.empty());
  // This test binary may be larger than the default cap.
  ExeHasherOptions options;
  options.max_file_bytes = self.size();
  ExeHasher hasher(options);

  // No path at all: only /proc/<tgid>/exe can supply the file.
  HashOutcome outcome = hash_one(hasher, file_info("/proc/self/exe"), ::getpid(), "");
  CHECK(outcome.sha256_hex == sha256_hex(self));
}

TEST_CASE("ExeHasher falls back to the path when /proc/<tgid>/exe is another file or absent") {
  TempFile file("abc");
  const FileInfo info = file_info(file.path());
  ExeHasher hasher;

  // This process runs the test binary, not the temp file.
  CHECK(hash_one(hasher, info, ::getpid(), file.path(), 1).sha256_hex == kAbcSha256);
  // Above the largest pid_max, so no such process.
  ExeHasher fresh;
  CHECK(hash_one(fresh, info, 0x7fffffff, file.path(), 2).sha256_hex == kAbcSha256);
}

TEST_CASE("ExeHasher accepts a file whose device alone differs, and counts it") {
  // As on overlayfs, where the kernel and fstat() name different devices.
  TempFile file("abc");
  FileInfo info = file_info(file.path());
  info.dev ^= 1;
  ExeHasher hasher;

  CHECK(hash_one(hasher, info, 0, file.path()).sha256_hex == kAbcSha256);
  CHECK(hasher.stats().dev_mismatches == 1);
}

TEST_CASE("ExeHasher rejects and counts submissions beyond its capacity") {
  TempFile file("abc");
  const FileInfo info = file_info(file.path());
  ExeHasherOptions options;
  options.queue_capacity = 1;
  ExeHasher hasher(options);

  REQUIRE(hasher.submit({1, info, 0, file.path()}));
  // Outstanding until polled, however fast the worker is.
  CHECK_FALSE(hasher.submit({2, info, 0, file.path()}));
  CHECK(hasher.stats().rejected_queue_full == 1);
  CHECK(hasher.stats().submitted == 1);

  CHECK(wait_for(hasher, 1)[0].request_id == 1);
  CHECK(hasher.submit({3, info, 0, file.path()}));
  CHECK(wait_for(hasher, 1)[0].request_id == 3);
}

TEST_CASE("ExeHasher completes every accepted request exactly once") {
  TempFile small("abc");
  TempFile big(std::string(200 * 1024, 'x'));
  const FileInfo small_info = file_info(small.path());
  const FileInfo big_info = file_info(big.path());
  FileInfo missing = small_info;
  missing.size += 1;  // no such file at either path
  ExeHasherOptions options;
  options.queue_capacity = 4;
  options.max_file_bytes = 100 * 1024;  // big is too large
  ExeHasher hasher(options);

  // The outcome each kind of request must get, by id % 3.
  const std::string expected[] = {kAbcSha256, std::string(kHashTooLarge),
                                  std::string(kHashChanged)};
  std::set<uint64_t> accepted;
  std::multiset<uint64_t> completed;
  auto record = [&](const ExeHasher::Completion& c) {
    completed.insert(c.request_id);
    const HashOutcome& o = c.outcome;
    CHECK((o.ok() ? o.sha256_hex : o.error) == expected[c.request_id % 3]);
  };
  ExeHasher::Completion done;
  for (uint64_t id = 1; id <= 500; ++id) {
    const FileInfo& info = id % 3 == 0 ? small_info : id % 3 == 1 ? big_info : missing;
    const std::string& path = id % 3 == 1 ? big.path() : small.path();
    const uint32_t tgid = id % 2 == 0 ? 0 : static_cast<uint32_t>(::getpid());
    if (hasher.submit({id, info, tgid, path})) accepted.insert(id);
    while (hasher.poll(done)) record(done);
  }
  for (auto& c : wait_for(hasher, accepted.size() - completed.size())) record(c);
  CHECK_FALSE(hasher.poll(done));
  CHECK(std::set<uint64_t>(completed.begin(), completed.end()) == accepted);
  CHECK(completed.size() == accepted.size());
  CHECK(hasher.stats().submitted == accepted.size());
  CHECK(hasher.stats().submitted + hasher.stats().rejected_queue_full == 500);
  CHECK(hasher.stats().hashed == 1);
}

TEST_CASE("ExeHasher can be destroyed with requests outstanding") {
  TempFile big(std::string(1024 * 1024, 'x'));
  const FileInfo info = file_info(big.path());
  ExeHasher hasher;
  for (uint64_t id = 1; id <= 100; ++id) {
    FileInfo distinct = info;
    distinct.dev = static_cast<uint32_t>(id);  // a different cache key each time
    REQUIRE(hasher.submit({id, distinct, 0, big.path()}));
  }
  // The destructor stops the worker mid-queue; a hang or a leak fails here.
}

}  // namespace yagura
