// A bounded single-producer single-consumer queue of variable-size byte
// records, on a Boost.Lockfree spsc_queue of bytes. Bounded in bytes, so
// memory stays fixed however large records are; no allocation on push.
//
//   RecordQueue q(4 << 20);
//   if (!q.try_push(bytes)) count_drop();   // producer: never blocks
//   std::vector<uint8_t> rec;
//   while (q.pop(rec)) handle(rec);         // consumer
#pragma once

#include <boost/lockfree/spsc_queue.hpp>
#include <cstdint>
#include <cstring>
#include <span>
#include <thread>
#include <vector>

namespace yagura {

class RecordQueue {
 public:
  explicit RecordQueue(size_t capacity_bytes) : bytes_(capacity_bytes) {}

  // Producer side. False when the record does not fit now.
  bool try_push(std::span<const uint8_t> record) {
    uint32_t len = static_cast<uint32_t>(record.size());
    if (bytes_.write_available() < sizeof(len) + len) return false;
    uint8_t prefix[sizeof(len)];
    std::memcpy(prefix, &len, sizeof(len));
    bytes_.push(prefix, sizeof(len));
    bytes_.push(record.data(), len);
    return true;
  }

  // Consumer side. False when empty. The producer writes a record's length
  // and bytes in two pushes; after seeing the length, wait for the rest.
  bool pop(std::vector<uint8_t>& out) {
    if (bytes_.read_available() < sizeof(uint32_t)) return false;
    uint8_t prefix[sizeof(uint32_t)];
    bytes_.pop(prefix, sizeof(prefix));
    uint32_t len;
    std::memcpy(&len, prefix, sizeof(len));
    out.resize(len);
    size_t got = 0;
    while (got < len) {
      size_t n = bytes_.pop(out.data() + got, len - got);
      if (n == 0) std::this_thread::yield();
      got += n;
    }
    return true;
  }

  bool empty() const { return bytes_.read_available() == 0; }

 private:
  boost::lockfree::spsc_queue<uint8_t> bytes_;
};

}  // namespace yagura
