// One webhook endpoint: POSTs an alert's JSON to a URL (a chat channel, a
// ticketing system, a SOAR) over HTTP or HTTPS through libcurl, and says
// whether the answer is worth a retry. The retrying itself, and the thread
// it runs on, are the dispatcher's (alert_dispatcher.h).
//
// HTTPS verifies the server against the system CAs, or only `ca_file` when
// set. Redirects are not followed (a webhook that moved is a configuration
// to fix, not something to chase with alert contents). Routing follows the
// configuration only: `proxy` or none, never http(s)_proxy from the
// environment. One connection is kept alive between posts. Not
// thread-safe: one sender per thread.
//
//   auto sender = WebhookSender::create({.name = "team-web", .url = "https://chat/hook"});
//   auto status = (*sender)->post(alert_to_json(alert), std::chrono::seconds(10));
//   switch (webhook_verdict(status)) { ... }
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "collector/alerts/alert.h"
#include "common/result.h"

namespace yagura::collector {

struct WebhookConfig {
  std::string name;  // in counters and logs
  std::string url;   // http:// or https://
  Severity min_severity = Severity::kLow;
  Tags tags;                                   // all must match the alert's host tags
  std::string ca_file;                         // empty: system CAs
  std::map<std::string, std::string> headers;  // e.g. Authorization
  std::string proxy;                           // "http://proxy:3128"; empty: direct
  uint32_t timeout_seconds = 10;               // one attempt, connection included
  uint32_t max_attempts = 8;
};

enum class WebhookVerdict {
  kDelivered,  // 2xx
  kRetry,      // no answer (connection, TLS, timeout), 5xx or 429
  kGiveUp,     // any other answer: the request itself is wrong
};

// The verdict on post()'s outcome.
WebhookVerdict webhook_verdict(const Result<long>& status);

class WebhookSender {
 public:
  // Fails on a URL that is not http(s) or when curl cannot be set up;
  // nothing is connected until the first post.
  static Result<std::unique_ptr<WebhookSender>> create(const WebhookConfig& config);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // The HTTP status of the answer, or an Error when none came within
  // `timeout` (at least 1 ms) or `cancel` answered true (it is asked about
  // once a second, and more often while data flows). The answer's body is
  // read and discarded.
  Result<long> post(std::string_view body, std::chrono::milliseconds timeout,
                    const std::function<bool()>& cancel = {});

 private:
  struct Impl;
  explicit WebhookSender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yagura::collector
