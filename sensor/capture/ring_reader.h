// Drains the kernel ring buffer on its own thread into a RecordQueue, and
// does nothing else, so that it keeps up with the kernel. It never blocks
// on later stages: it classifies each record by its header type and offers
// it; what the queue's back-pressure refuses (network, DNS and file records
// first) is shed and counted there (RecordQueue::stats()).
//
// The BPF side wakes this thread only once wakeup_bytes are pending; in
// between, it polls every poll_interval_ms, which bounds delivery latency.
#pragma once

#include <atomic>
#include <thread>

#include "common/result.h"
#include "sensor/pipeline/record_queue.h"

struct ring_buffer;

namespace yagura {

struct RingReaderStats {
  uint64_t records = 0;  // read from the ring buffer, queued or shed
  uint64_t bytes = 0;
};

class RingReader {
 public:
  RingReader(int ring_fd, RecordQueue& out, int poll_interval_ms = 100);
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  Status start();
  // Drains what the kernel has already written, then stops the thread.
  void stop();

  RingReaderStats stats() const;

 private:
  static int on_record(void* self, void* data, size_t size);
  void run();

  int ring_fd_;
  RecordQueue& out_;
  int poll_interval_ms_;
  ring_buffer* ring_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> bytes_{0};
};

}  // namespace yagura
