#include "sensor/capture/ring_reader.h"

#include <bpf/libbpf.h>

#include <cerrno>

namespace yagura {

RingReader::RingReader(int ring_fd, RecordQueue& out, int poll_interval_ms)
    : ring_fd_(ring_fd), out_(out), poll_interval_ms_(poll_interval_ms) {}

RingReader::~RingReader() {
  stop();
  ring_buffer__free(ring_);
}

Status RingReader::start() {
  ring_ = ring_buffer__new(ring_fd_, &RingReader::on_record, this, nullptr);
  if (!ring_) return Error::from_errno("ring reader: ring_buffer__new");
  thread_ = std::thread([this] { run(); });
  return ok_status();
}

void RingReader::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  thread_.join();
}

int RingReader::on_record(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingReader*>(ctx);
  auto bytes = std::span<const uint8_t>(static_cast<const uint8_t*>(data), size);
  self->records_.fetch_add(1, std::memory_order_relaxed);
  self->bytes_.fetch_add(size, std::memory_order_relaxed);
  self->out_.offer(bytes, classify_record(bytes));  // a refusal is counted by the queue
  return 0;
}

void RingReader::run() {
  while (!stopping_.load(std::memory_order_relaxed)) {
    // Returns early when the kernel forces a wakeup; otherwise after the
    // interval, when records written without a wakeup are picked up.
    ring_buffer__poll(ring_, poll_interval_ms_);
    ring_buffer__consume(ring_);
  }
  ring_buffer__consume(ring_);
}

RingReaderStats RingReader::stats() const {
  RingReaderStats s;
  s.records = records_.load(std::memory_order_relaxed);
  s.bytes = bytes_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace yagura
