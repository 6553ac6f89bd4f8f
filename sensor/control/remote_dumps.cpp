#include "sensor/control/remote_dumps.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "dump/dump_scope.h"
#include "wire/zstd_frame.h"

namespace yagura {

void RemoteDumps::start() {
  thread_ = std::thread([this] { run(); });
}

void RemoteDumps::request(wire::v1::DumpRequest request) {
  {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(request));
  }
  wake_.notify_one();
}

void RemoteDumps::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void RemoteDumps::run() {
  for (;;) {
    wire::v1::DumpRequest next;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      // Requests not started stay pending at the collector, which offers
      // them again after a restart.
      if (stopping_) return;
      next = std::move(pending_.front());
      pending_.pop_front();
    }
    deliver_(fulfil(next));
  }
}

wire::v1::DumpUpload RemoteDumps::fulfil(const wire::v1::DumpRequest& request) const {
  wire::v1::DumpUpload upload;
  upload.set_id(request.id());
  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "yagura-sensor: dump %llu not made: %s\n",
                 static_cast<unsigned long long>(request.id()), why.c_str());
    upload.set_error(why);
    return upload;
  };
  if (!maker_) return fail("the flight recorder is off on this sensor (recorder.enabled)");
  const auto scope_json = nlohmann::json::parse(request.scope_json(), nullptr, false);
  if (!scope_json.is_object()) return fail("the request's scope is not a JSON object");
  auto scope = dump::scope_from_json(scope_json);
  if (!scope) return fail("scope: " + scope.error().message);
  std::string by = "collector";
  if (!request.requested_by().empty()) by += " (" + request.requested_by() + ")";
  auto file = maker_->make({std::move(*scope), by, request.reason()});
  if (!file) return fail(file.error().message);
  std::fprintf(stderr, "yagura-sensor: dump %llu made (%zu bytes), uploading\n",
               static_cast<unsigned long long>(request.id()), file->size());
  upload.set_dump_zstd(zstd_compress(*file));
  return upload;
}

}  // namespace yagura
