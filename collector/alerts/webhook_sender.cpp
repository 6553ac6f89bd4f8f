#include "collector/alerts/webhook_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace yagura::collector {
namespace {

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// curl_global_init is not thread-safe; the first sender does it, once.
CURLcode global_init() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

// The answer is not used; reading it keeps the connection reusable.
size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

// Nonzero aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
int check_cancel(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto& f = *static_cast<const std::function<bool()>*>(cancel);
  return f && f() ? 1 : 0;
}

}  // namespace

WebhookVerdict webhook_verdict(const Result<long>& status) {
  if (!status) return WebhookVerdict::kRetry;
  if (*status >= 200 && *status < 300) return WebhookVerdict::kDelivered;
  if (*status >= 500 || *status == 429) return WebhookVerdict::kRetry;
  return WebhookVerdict::kGiveUp;
}

struct WebhookSender::Impl {
  WebhookConfig config;
  std::unique_ptr<CURL, CurlDeleter> curl;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

Result<std::unique_ptr<WebhookSender>> WebhookSender::create(const WebhookConfig& config) {
  const std::string what = "webhook " + config.name;
  if (config.url.rfind("http://", 0) != 0 && config.url.rfind("https://", 0) != 0) {
    // Not echoed: a webhook URL often carries its secret token.
    return Error{what + ": the URL must start with http:// or https://"};
  }
  if (CURLcode code = global_init(); code != CURLE_OK) {
    return Error{what + ": curl_global_init: " + curl_easy_strerror(code)};
  }
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->curl.reset(curl_easy_init());
  if (!impl->curl) return Error{what + ": curl_easy_init failed"};

  std::vector<std::string> lines = {"Content-Type: application/json",
                                    // No "100 Continue" round trip for big bodies.
                                    "Expect:"};
  for (const auto& [name, value] : config.headers) lines.push_back(name + ": " + value);
  for (const std::string& line : lines) {
    curl_slist* appended = curl_slist_append(impl->headers.get(), line.c_str());
    if (!appended) return Error{what + ": out of memory"};
    if (!impl->headers) impl->headers.reset(appended);
  }

  const WebhookConfig& c = impl->config;
  CURL* curl = impl->curl.get();
  CURLcode code = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (code == CURLE_OK) code = curl_easy_setopt(curl, option, value);
  };
  set(CURLOPT_URL, c.url.c_str());
  set(CURLOPT_ERRORBUFFER, impl->error_buffer);
  set(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: threads
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!c.ca_file.empty()) {
    set(CURLOPT_CAINFO, c.ca_file.c_str());
    set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
  }
  // "" turns off the environment's proxies; NOPROXY "" keeps no_proxy from
  // bypassing the configured one.
  set(CURLOPT_PROXY, c.proxy.c_str());
  set(CURLOPT_NOPROXY, "");
  set(CURLOPT_HTTPHEADER, impl->headers.get());
  set(CURLOPT_POST, 1L);
  set(CURLOPT_WRITEFUNCTION, &discard);
  set(CURLOPT_XFERINFOFUNCTION, &check_cancel);
  set(CURLOPT_NOPROGRESS, 0L);
  if (code != CURLE_OK) return Error{what + ": curl setup: " + curl_easy_strerror(code)};
  return std::unique_ptr<WebhookSender>(new WebhookSender(std::move(impl)));
}

WebhookSender::WebhookSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebhookSender::~WebhookSender() = default;

Result<long> WebhookSender::post(std::string_view body, std::chrono::milliseconds timeout,
                                 const std::function<bool()>& cancel) {
  CURL* curl = impl_->curl.get();
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::function<bool()>*>(&cancel));
  const long ms = static_cast<long>(std::max<int64_t>(timeout.count(), 1));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ms);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  // Never null: with a null pointer curl would read the body from stdin.
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
  impl_->error_buffer[0] = '\0';
  CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, static_cast<const char*>(nullptr));
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, static_cast<void*>(nullptr));
  const std::string what = "webhook " + impl_->config.name + ": POST: ";
  if (code == CURLE_ABORTED_BY_CALLBACK) return Error{what + "cancelled"};
  if (code != CURLE_OK) {
    return Error{what + (impl_->error_buffer[0] ? impl_->error_buffer : curl_easy_strerror(code))};
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

}  // namespace yagura::collector
