#include "sensor/output/json_lines_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace yagura {

Result<std::unique_ptr<JsonLinesSink>> JsonLinesSink::open(const std::string& path,
                                                           JsonWriter writer) {
  UniqueFd fd(path == "-" ? dup(STDOUT_FILENO)
                          : ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd.valid()) return Error::from_errno("output: cannot open " + path);
  return std::unique_ptr<JsonLinesSink>(new JsonLinesSink(std::move(fd), std::move(writer)));
}

void JsonLinesSink::write(const Event& event) {
  writer_.append(event, buffer_);
  end_line();
}

void JsonLinesSink::append_line(std::string_view json) {
  buffer_.append(json);
  end_line();
}

void JsonLinesSink::end_line() {
  buffer_ += '\n';
  ++lines_;
  ++buffered_lines_;
  if (buffer_.size() >= (64u << 10)) flush();
}

void JsonLinesSink::write_line(std::string_view json) {
  append_line(json);
  flush();
}

void JsonLinesSink::flush() {
  size_t off = 0;
  while (off < buffer_.size()) {
    ssize_t n = ::write(fd_.get(), buffer_.data() + off, buffer_.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ++write_errors_;
      // Lines not completely written: those starting at or after off,
      // and the one off is inside of.
      size_t complete =
          static_cast<size_t>(std::count(buffer_.begin(), buffer_.begin() + off, '\n'));
      lines_lost_ += buffered_lines_ - complete;
      break;
    }
    off += static_cast<size_t>(n);
  }
  buffer_.clear();
  buffered_lines_ = 0;
}

}  // namespace yagura
