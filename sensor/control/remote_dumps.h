// Makes the dumps the CSIRT requests through the collector: the uploader
// hands each request over (once per id) and the dump, compressed, goes back
// to it for upload. One request at a time on a thread of its own, so that
// reading the journal holds up neither the upload nor the control thread.
// A dump that cannot be made is answered with the reason, so the request
// shows as failed at the collector instead of pending forever.
//
//   RemoteDumps remote(maker, [&](wire::v1::DumpUpload u) { uploader->submit_dump(std::move(u)); });
//   remote.start();
//   remote.request(r);   // any thread
//   remote.stop();       // the request in progress finishes first
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "sensor/recorder/dump_maker.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura {

class RemoteDumps {
 public:
  using Deliver = std::function<void(wire::v1::DumpUpload)>;
  // `maker` null: every request is answered as failed (no flight recorder).
  RemoteDumps(const DumpMaker* maker, Deliver deliver)
      : maker_(maker), deliver_(std::move(deliver)) {}
  ~RemoteDumps() { stop(); }

  void start();
  void request(wire::v1::DumpRequest request);
  void stop();

 private:
  void run();
  wire::v1::DumpUpload fulfil(const wire::v1::DumpRequest& request) const;

  const DumpMaker* maker_;
  Deliver deliver_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<wire::v1::DumpRequest> pending_;  // guarded by mu_
  bool stopping_ = false;                      // guarded by mu_
  std::thread thread_;
};

}  // namespace yagura
