#include "dump/dump_key.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/durable_file.h"

namespace yagura::dump {

Result<PrivateKey> load_or_create_dump_key(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Error::from_errno(path);
    auto pair = generate_key_pair();
    if (!pair) return pair.error();
    if (Status s = replace_file_durably(path, pair->private_pem, 0600); !s) return s.error();
  }
  // Loaded back from the file even when just written: what signs is what
  // the file holds.
  return load_private_key(path);
}

}  // namespace yagura::dump
