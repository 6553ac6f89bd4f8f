#include "common/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.h"

namespace yagura {

Status write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno("write " + what);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return ok_status();
}

Status replace_file_durably(const std::string& path, std::string_view contents, int mode) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  // Unique, so that two writers never share a temporary; in the same
  // directory, because rename() is atomic only within one file system.
  std::string tmp = path + ".tmp.XXXXXX";
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.valid()) return Error::from_errno("create a temporary file for " + path);
  Status s = write_all(fd.get(), contents, tmp);
  if (s && ::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) s = Error::from_errno("chmod " + tmp);
  if (s && ::fsync(fd.get()) != 0) s = Error::from_errno("fsync " + tmp);
  if (s && ::close(fd.release()) != 0) s = Error::from_errno("close " + tmp);
  if (s && ::rename(tmp.c_str(), path.c_str()) != 0)
    s = Error::from_errno("rename " + tmp + " to " + path);
  if (!s) {
    ::unlink(tmp.c_str());
    return s;
  }
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid() || ::fsync(d.get()) != 0) return Error::from_errno("fsync " + dir);
  return ok_status();
}

Status fsync_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) return Error::from_errno("fsync " + dir);
  return ok_status();
}

// mkdir -p, creating what is missing with 0700.
Status make_dirs(const std::string& dir) {
  for (size_t pos = 1;; ++pos) {
    pos = dir.find('/', pos);
    const std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      return Error::from_errno("mkdir " + prefix);
    if (pos == std::string::npos) break;
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Error::from_errno(dir);
  if (!S_ISDIR(st.st_mode)) return Error{dir + ": not a directory", ENOTDIR};
  return ok_status();
}

bool out_of_space(int code) { return code == ENOSPC || code == EDQUOT; }

}  // namespace yagura
