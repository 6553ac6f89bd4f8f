// Where JSON lines of alerts go when they are not posted: the collector's
// stdout (for journald or a container log) or a file a SIEM agent tails.
// The dispatcher (alert_dispatcher.h) hands over a batch of lines at once.
//
// A file is opened O_APPEND, created 0640, and fsynced after every batch, so
// a delivered alert survives a crash. Before each batch the path is checked:
// when logrotate renamed or removed the file, a new one is opened there, and
// the old one is closed (copytruncate needs nothing: O_APPEND follows the
// truncation). A batch that fails halfway is cut off again, so a reader
// never sees half a line followed by the next one.
//
//   auto file = JsonLinesWriter::open_file("/var/log/yagura/alerts.jsonl");
//   Status s = (*file)->append(line + "\n");
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"

namespace yagura::collector {

class JsonLinesWriter {
 public:
  static Result<std::unique_ptr<JsonLinesWriter>> open_file(const std::string& path);
  // Writes to `fd`, which stays the caller's: no reopen, no fsync.
  static std::unique_ptr<JsonLinesWriter> for_fd(int fd);

  // `text` is whole lines, each ending in '\n'.
  Status append(std::string_view text);

 private:
  JsonLinesWriter(std::string path, UniqueFd owned, int fd)
      : path_(std::move(path)), owned_(std::move(owned)), fd_(fd) {}

  Status reopen_if_moved();

  std::string path_;  // empty: not a file of ours
  UniqueFd owned_;
  int fd_;
};

}  // namespace yagura::collector
