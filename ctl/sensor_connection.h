// yaguractl's side of the sensor's control socket (the protocol is in
// sensor/control/control_socket.h): one connection, one request, its status
// line, then its payload if it has one. A payload announced with "bytes"
// that ends early is an error, so a cut stream never passes for a whole one.
//
//   auto sensor = SensorConnection::connect();          // kDefaultControlSocketPath
//   if (!sensor) return refuse(sensor.error().message);  // "is yagura-sensor running? ..."
//   auto status = sensor->request({{"command", "dump"}, {"from", from}});
//   if (!status) return refuse(status.error().message);  // the sensor's "error"
//   Status written = sensor->read_payload_to(out_fd);
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"
#include "sensor/control/control_socket.h"

namespace yagura::ctl {

class SensorConnection {
 public:
  // `idle_timeout`: how long any one read or write may wait on the sensor.
  static Result<SensorConnection> connect(
      const std::string& path = kDefaultControlSocketPath,
      std::chrono::milliseconds idle_timeout = std::chrono::seconds(60));

  // Sends `request` and returns the status line; {"ok":false} comes back as
  // an Error carrying the sensor's message. Once per connection.
  Result<nlohmann::json> request(const nlohmann::json& request);

  // The payload after an ok status, up to the sensor's close, checked
  // against the status line's "bytes" when it has one.
  Status read_payload_to(int fd);
  Result<std::string> read_payload();

 private:
  SensorConnection(UniqueFd fd, std::string path, std::chrono::milliseconds idle_timeout)
      : fd_(std::move(fd)), path_(std::move(path)), idle_timeout_(idle_timeout) {}

  // One recv into `out`; 0 at the sensor's close.
  Result<size_t> receive(std::string& out);
  Status read_payload(const std::function<Status(std::string_view)>& sink);

  UniqueFd fd_;
  std::string path_;
  std::chrono::milliseconds idle_timeout_;
  bool requested_ = false;
  bool payload_ready_ = false;  // after an ok status, until the payload is read
  std::string pending_;         // payload bytes that arrived with the status line
  std::optional<uint64_t> expected_bytes_;
};

}  // namespace yagura::ctl
