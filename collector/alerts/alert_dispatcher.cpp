#include "collector/alerts/alert_dispatcher.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "collector/alerts/alert_json.h"
#include "collector/alerts/alert_outputs.h"
#include "uploader/transport/backoff.h"

namespace yagura::collector {

using Clock = std::chrono::steady_clock;
using Line = std::shared_ptr<const std::string>;

// One output: its queue, its thread and its counters. The thread takes
// lines with take() and hands them to deliver().
class DispatchOutput {
 public:
  DispatchOutput(std::string name, size_t capacity) : name_(std::move(name)), capacity_(capacity) {}
  virtual ~DispatchOutput() = default;

  virtual bool wants(const Alert&) const { return true; }

  void push(Line line) {
    {
      std::lock_guard lock(mu_);
      if (!stopping_ && queue_.size() < capacity_) {
        queue_.push_back(std::move(line));
        cv_.notify_one();
        return;
      }
    }
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }

  void start() {
    thread_ = std::thread([this] {
      for (std::vector<Line> lines = take(); !lines.empty(); lines = take()) deliver(lines);
    });
  }

  void stop(Clock::time_point deadline) {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    deadline_ = deadline;
    cv_.notify_all();
  }

  void join() {
    if (thread_.joinable()) thread_.join();
  }

  OutputStats stats() const {
    OutputStats s;
    s.output = name_;
    s.stats.delivered = delivered_.load(std::memory_order_relaxed);
    s.stats.failed = failed_.load(std::memory_order_relaxed);
    s.stats.dropped = dropped_.load(std::memory_order_relaxed);
    s.stats.retries = retries_.load(std::memory_order_relaxed);
    std::lock_guard lock(mu_);
    s.last_error = last_error_;
    return s;
  }

 protected:
  virtual void deliver(const std::vector<Line>& lines) = 0;
  // Lines one take() hands out at most.
  virtual size_t batch_limit() const = 0;

  // Waits `delay` unless stopping makes the deadline come first: then
  // false, at once, and the caller gives up.
  bool pause(Clock::duration delay) {
    const Clock::time_point until = Clock::now() + delay;
    std::unique_lock lock(mu_);
    while (Clock::now() < until) {
      if (stopping_ && until >= deadline_) return false;
      cv_.wait_until(lock, until);
    }
    return true;
  }

  // How long an attempt may take: `limit`, or less when stopping.
  Clock::duration attempt_time(Clock::duration limit) const {
    std::lock_guard lock(mu_);
    if (!stopping_) return limit;
    return std::min(limit, deadline_ - Clock::now());
  }

  // Stopping, and the deadline has passed: an attempt in flight gives up.
  bool past_deadline() const {
    std::lock_guard lock(mu_);
    return stopping_ && Clock::now() >= deadline_;
  }

  void note_error(std::string message) {
    std::lock_guard lock(mu_);
    last_error_ = std::move(message);
  }

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> retries_{0};

 private:
  // The next lines; none when stopped with nothing left, or when the stop
  // deadline has passed (what is left is then dropped).
  std::vector<Line> take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (stopping_ && Clock::now() >= deadline_) {
      dropped_.fetch_add(queue_.size(), std::memory_order_relaxed);
      queue_.clear();
    }
    std::vector<Line> lines;
    while (!queue_.empty() && lines.size() < batch_limit()) {
      lines.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return lines;
  }

  const std::string name_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Line> queue_;
  bool stopping_ = false;
  Clock::time_point deadline_;
  std::string last_error_;
  std::thread thread_;
};

namespace {

// stdout or the file: everything queued goes out in one write (one fsync).
class LinesOutput : public DispatchOutput {
 public:
  LinesOutput(std::string name, size_t capacity, std::unique_ptr<JsonLinesWriter> writer)
      : DispatchOutput(std::move(name), capacity), writer_(std::move(writer)) {}

 protected:
  size_t batch_limit() const override { return 1000; }

  void deliver(const std::vector<Line>& lines) override {
    std::string text;
    for (const Line& line : lines) {
      text += *line;
      text += '\n';
    }
    if (Status s = writer_->append(text); s) {
      delivered_.fetch_add(lines.size(), std::memory_order_relaxed);
    } else {
      failed_.fetch_add(lines.size(), std::memory_order_relaxed);
      note_error(s.error().message);
    }
  }

 private:
  std::unique_ptr<JsonLinesWriter> writer_;
};

class WebhookOutput : public DispatchOutput {
 public:
  WebhookOutput(const WebhookConfig& config, const AlertOutputsConfig& outputs,
                std::unique_ptr<WebhookSender> sender)
      : DispatchOutput("webhook:" + config.name, outputs.queue_alerts),
        config_(config),
        sender_(std::move(sender)),
        backoff_(outputs.retry_initial, outputs.retry_max, std::random_device{}()) {}

  bool wants(const Alert& alert) const override {
    if (alert.severity < config_.min_severity) return false;
    for (const auto& [key, value] : config_.tags) {
      auto it = alert.tags.find(key);
      if (it == alert.tags.end() || it->second != value) return false;
    }
    return true;
  }

 protected:
  size_t batch_limit() const override { return 1; }

  void deliver(const std::vector<Line>& lines) override {
    const std::string& body = *lines.front();
    backoff_.reset();
    for (uint32_t attempt = 1;; ++attempt) {
      auto time = std::chrono::duration_cast<std::chrono::milliseconds>(
          attempt_time(std::chrono::seconds(std::max(config_.timeout_seconds, 1u))));
      if (time.count() <= 0) break;  // stopping, and the deadline has passed
      Result<long> status = sender_->post(body, time, [this] { return past_deadline(); });
      WebhookVerdict verdict = webhook_verdict(status);
      if (verdict == WebhookVerdict::kDelivered) {
        delivered_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      note_error(status ? "webhook " + config_.name + ": HTTP " + std::to_string(*status)
                        : status.error().message);
      if (verdict == WebhookVerdict::kGiveUp || attempt >= config_.max_attempts) break;
      if (!pause(backoff_.next())) break;
      retries_.fetch_add(1, std::memory_order_relaxed);
    }
    failed_.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  const WebhookConfig config_;
  std::unique_ptr<WebhookSender> sender_;
  Backoff backoff_;
};

}  // namespace

Result<std::unique_ptr<AlertDispatcher>> AlertDispatcher::start(const AlertOutputsConfig& config) {
  std::vector<std::unique_ptr<DispatchOutput>> outputs;
  if (config.stdout_lines) {
    outputs.push_back(std::make_unique<LinesOutput>("stdout", config.queue_alerts,
                                                    JsonLinesWriter::for_fd(STDOUT_FILENO)));
  }
  if (!config.file.empty()) {
    auto writer = JsonLinesWriter::open_file(config.file);
    if (!writer) return Error{"alert file: " + writer.error().message, writer.error().code};
    outputs.push_back(
        std::make_unique<LinesOutput>("file", config.queue_alerts, std::move(*writer)));
  }
  for (const WebhookConfig& webhook : config.webhooks) {
    auto sender = WebhookSender::create(webhook);
    if (!sender) return sender.error();
    outputs.push_back(std::make_unique<WebhookOutput>(webhook, config, std::move(*sender)));
  }
  for (auto& output : outputs) output->start();
  return std::unique_ptr<AlertDispatcher>(
      new AlertDispatcher(std::move(outputs), config.stop_timeout));
}

AlertDispatcher::AlertDispatcher(std::vector<std::unique_ptr<DispatchOutput>> outputs,
                                 std::chrono::milliseconds stop_timeout)
    : outputs_(std::move(outputs)), stop_timeout_(stop_timeout) {}

AlertDispatcher::~AlertDispatcher() { stop(); }

void AlertDispatcher::deliver(const Alert& alert) {
  Line line;  // serialized once, shared by the outputs' queues
  for (auto& output : outputs_) {
    if (!output->wants(alert)) continue;
    if (!line) line = std::make_shared<const std::string>(alert_to_json(alert));
    output->push(line);
  }
}

void AlertDispatcher::stop() {
  const Clock::time_point deadline = Clock::now() + stop_timeout_;
  for (auto& output : outputs_) output->stop(deadline);
  for (auto& output : outputs_) output->join();
}

std::vector<OutputStats> AlertDispatcher::stats() const {
  std::vector<OutputStats> out;
  for (const auto& output : outputs_) out.push_back(output->stats());
  return out;
}

}  // namespace yagura::collector
