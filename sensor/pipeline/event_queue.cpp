#include "sensor/pipeline/event_queue.h"

namespace yagura {

EventQueue::EventQueue(size_t capacity, unsigned low_watermark_percent)
    : items_(capacity), pressure_(capacity, low_watermark_percent) {}

EventQueue::~EventQueue() {
  while (pop()) {
  }
}

bool EventQueue::offer(std::unique_ptr<OutputItem> item, ItemClass cls) {
  const size_t used = pressure_.capacity() - items_.write_available();
  if (!pressure_.admit(used, 1, cls)) return false;
  // Admitted, so it fits: only this thread adds items.
  items_.push(item.release());
  ready_.notify();
  return true;
}

std::unique_ptr<OutputItem> EventQueue::pop() {
  OutputItem* item = nullptr;
  if (!items_.pop(item)) return nullptr;
  return std::unique_ptr<OutputItem>(item);
}

}  // namespace yagura
