#include "sensor/recorder/journal_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/unique_fd.h"
#include "sensor/recorder/journal_format.h"

namespace yagura::journal {

Result<size_t> pread_full(int fd, char* buf, size_t n, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::from_errno("read " + path);
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

Status pwrite_all(int fd, std::string_view data, uint64_t offset, const std::string& path) {
  while (!data.empty()) {
    const ssize_t r = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::from_errno("write " + path);
    if (r == 0) return Error{"write " + path + ": no progress", EIO};
    data.remove_prefix(static_cast<size_t>(r));
    offset += static_cast<uint64_t>(r);
  }
  return ok_status();
}

Result<std::vector<uint64_t>> list_segments(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return Error::from_errno("opendir " + dir);
  std::vector<uint64_t> numbers;
  errno = 0;
  while (const dirent* e = ::readdir(d.get()))
    if (auto n = parse_segment_file_name(e->d_name)) numbers.push_back(*n);
  if (errno != 0) return Error::from_errno("readdir " + dir);
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

}  // namespace yagura::journal
