#include "collector/alerts/alert_outputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace yagura::collector {
namespace {

Result<UniqueFd> open_append(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) return Error::from_errno("open " + path);
  return fd;
}

Status write_all(int fd, std::string_view text, const std::string& what) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno("write " + what);
    text.remove_prefix(static_cast<size_t>(n));
  }
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<JsonLinesWriter>> JsonLinesWriter::open_file(const std::string& path) {
  auto fd = open_append(path);
  if (!fd) return fd.error();
  int raw = fd->get();
  return std::unique_ptr<JsonLinesWriter>(new JsonLinesWriter(path, std::move(*fd), raw));
}

std::unique_ptr<JsonLinesWriter> JsonLinesWriter::for_fd(int fd) {
  return std::unique_ptr<JsonLinesWriter>(new JsonLinesWriter("", UniqueFd(), fd));
}

Status JsonLinesWriter::reopen_if_moved() {
  struct stat at_path {};
  struct stat open_file {};
  const bool same = ::stat(path_.c_str(), &at_path) == 0 && ::fstat(fd_, &open_file) == 0 &&
                    at_path.st_dev == open_file.st_dev && at_path.st_ino == open_file.st_ino;
  if (same && owned_.valid()) return ok_status();
  auto fd = open_append(path_);
  if (!fd) return fd.error();
  owned_ = std::move(*fd);
  fd_ = owned_.get();
  return ok_status();
}

Status JsonLinesWriter::append(std::string_view text) {
  if (path_.empty()) return write_all(fd_, text, "stdout");
  if (Status s = reopen_if_moved(); !s) return s;
  struct stat before {};
  if (::fstat(fd_, &before) != 0) return Error::from_errno("stat " + path_);
  Status s = write_all(fd_, text, path_);
  if (s && ::fsync(fd_) != 0) s = Error::from_errno("fsync " + path_);
  // Best effort: the disk that refused the write may refuse this too.
  if (!s) (void)::ftruncate(fd_, before.st_size);
  return s;
}

}  // namespace yagura::collector
