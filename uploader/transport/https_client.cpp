#include "uploader/transport/https_client.h"

#include <curl/curl.h>
#include <fcntl.h>

#include <mutex>

#include "common/unique_fd.h"

namespace yagura {
namespace {

// An answer bigger than this is refused: the collector's answers are small
// (an acknowledgement, a policy document), so a huge one is a fault.
constexpr curl_off_t kMaxResponseBytes = 64 << 20;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using CurlHeaders = std::unique_ptr<curl_slist, SlistDeleter>;

// curl_global_init is not thread-safe; the first client does it, once.
CURLcode global_init() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

bool append_header(CurlHeaders& headers, const std::string& line) {
  curl_slist* appended = curl_slist_append(headers.get(), line.c_str());
  if (!appended) return false;
  if (!headers) headers.reset(appended);  // later appends extend the list in place
  return true;
}

Status check_readable(const char* what, const std::string& path) {
  if (path.empty()) return Error{std::string("https client: no ") + what + " configured"};
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::from_errno(std::string("https client: ") + what + " " + path);
  return ok_status();
}

// Reassembles curl's setopt varargs into one checked call.
struct Setter {
  CURL* curl;
  CURLcode code = CURLE_OK;
  const char* failed = nullptr;

  template <typename T>
  Setter& set(CURLoption option, const char* name, T value) {
    if (code == CURLE_OK) {
      code = curl_easy_setopt(curl, option, value);
      if (code != CURLE_OK) failed = name;
    }
    return *this;
  }
};
#define YAGURA_OPT(option) option, #option

}  // namespace

struct HttpsClient::Impl {
  HttpsClientOptions options;
  CurlHandle curl;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::string response_body;
  bool response_too_big = false;
  uint64_t bytes_sent = 0;

  static size_t on_body(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<Impl*>(self_ptr);
    size_t n = size * count;
    if (self->response_body.size() + n > static_cast<size_t>(kMaxResponseBytes)) {
      self->response_too_big = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    self->response_body.append(data, n);
    return n;
  }

  // Runs the request set up on `curl`; `headers` must outlive it.
  Result<HttpResponse> perform(const char* method, std::string_view path, curl_slist* headers);
};

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(const HttpsClientOptions& options) {
  if (options.base_url.rfind("https://", 0) != 0) {
    return Error{"https client: base URL must start with https://: '" + options.base_url + "'"};
  }
  for (auto [what, path] :
       {std::pair{"CA file", &options.ca_file}, std::pair{"client certificate", &options.cert_file},
        std::pair{"client key", &options.key_file}}) {
    if (Status s = check_readable(what, *path); !s) return s.error();
  }
  if (CURLcode code = global_init(); code != CURLE_OK) {
    return Error{std::string("https client: curl_global_init: ") + curl_easy_strerror(code)};
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->curl.reset(curl_easy_init());
  if (!impl->curl) return Error{"https client: curl_easy_init failed"};

  const HttpsClientOptions& o = impl->options;
  Setter s{impl->curl.get()};
  s.set(YAGURA_OPT(CURLOPT_ERRORBUFFER), impl->error_buffer)
      .set(YAGURA_OPT(CURLOPT_NOSIGNAL), 1L)  // no SIGALRM for DNS timeouts: threads
      .set(YAGURA_OPT(CURLOPT_PROTOCOLS_STR), "https")
      .set(YAGURA_OPT(CURLOPT_FOLLOWLOCATION), 0L)
      // The collector speaks HTTP/1.1, and one request at a time gains
      // nothing from HTTP/2.
      .set(YAGURA_OPT(CURLOPT_HTTP_VERSION), static_cast<long>(CURL_HTTP_VERSION_1_1))
      .set(YAGURA_OPT(CURLOPT_TCP_KEEPALIVE), 1L)
      .set(YAGURA_OPT(CURLOPT_SSLVERSION), static_cast<long>(CURL_SSLVERSION_TLSv1_2))
      .set(YAGURA_OPT(CURLOPT_SSL_VERIFYPEER), 1L)
      .set(YAGURA_OPT(CURLOPT_SSL_VERIFYHOST), 2L)
      // Only the configured CA: CAINFO replaces the built-in bundle, and the
      // built-in directory (/etc/ssl/certs on Debian) is switched off.
      .set(YAGURA_OPT(CURLOPT_CAINFO), o.ca_file.c_str())
      .set(YAGURA_OPT(CURLOPT_CAPATH), static_cast<const char*>(nullptr))
      .set(YAGURA_OPT(CURLOPT_SSLCERTTYPE), "PEM")
      .set(YAGURA_OPT(CURLOPT_SSLCERT), o.cert_file.c_str())
      .set(YAGURA_OPT(CURLOPT_SSLKEYTYPE), "PEM")
      .set(YAGURA_OPT(CURLOPT_SSLKEY), o.key_file.c_str())
      // Only the configured proxy: "" turns off http(s)_proxy/all_proxy from
      // the environment, and an empty NOPROXY keeps no_proxy from bypassing
      // the configured one. A service's routing follows its configuration.
      .set(YAGURA_OPT(CURLOPT_PROXY), o.proxy.c_str())
      .set(YAGURA_OPT(CURLOPT_NOPROXY), "")
      .set(YAGURA_OPT(CURLOPT_HTTPPROXYTUNNEL), 1L)
      .set(YAGURA_OPT(CURLOPT_CONNECTTIMEOUT_MS), static_cast<long>(o.connect_timeout.count()))
      .set(YAGURA_OPT(CURLOPT_TIMEOUT_MS), static_cast<long>(o.request_timeout.count()))
      .set(YAGURA_OPT(CURLOPT_MAX_SEND_SPEED_LARGE),
           static_cast<curl_off_t>(o.max_send_bytes_per_second))
      // Refused from the Content-Length already; on_body caps the rest.
      .set(YAGURA_OPT(CURLOPT_MAXFILESIZE_LARGE), kMaxResponseBytes)
      .set(YAGURA_OPT(CURLOPT_WRITEFUNCTION), &Impl::on_body)
      .set(YAGURA_OPT(CURLOPT_WRITEDATA), static_cast<void*>(impl.get()));
  if (!o.pinned_public_key.empty()) {
    s.set(YAGURA_OPT(CURLOPT_PINNEDPUBLICKEY), o.pinned_public_key.c_str());
  }
  if (s.code != CURLE_OK) {
    return Error{std::string("https client: ") + s.failed + ": " + curl_easy_strerror(s.code)};
  }
  return std::unique_ptr<HttpsClient>(new HttpsClient(std::move(impl)));
}
#undef YAGURA_OPT

HttpsClient::HttpsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsClient::~HttpsClient() = default;

Result<HttpResponse> HttpsClient::post(std::string_view path, std::string_view body,
                                       std::string_view content_type,
                                       std::string_view content_encoding) {
  CurlHeaders headers;
  bool ok = append_header(headers, "Content-Type: " + std::string(content_type));
  if (!content_encoding.empty()) {
    ok = ok && append_header(headers, "Content-Encoding: " + std::string(content_encoding));
  }
  // curl 7.88 asks for "100 Continue" before bodies over 1 MiB and then
  // waits up to a second for it; the collector need not send one.
  ok = ok && append_header(headers, "Expect:");
  if (!ok) return Error{"POST " + impl_->options.base_url + std::string(path) + ": out of memory"};

  CURL* curl = impl_->curl.get();
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  // Never null: with a null pointer curl would read the body from stdin.
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
  Result<HttpResponse> response = impl_->perform("POST", path, headers.get());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, static_cast<const char*>(nullptr));
  return response;
}

Result<HttpResponse> HttpsClient::get(std::string_view path) {
  curl_easy_setopt(impl_->curl.get(), CURLOPT_HTTPGET, 1L);
  return impl_->perform("GET", path, nullptr);
}

uint64_t HttpsClient::bytes_sent() const { return impl_->bytes_sent; }

Result<HttpResponse> HttpsClient::Impl::perform(const char* method, std::string_view path,
                                                curl_slist* headers) {
  CURL* handle = curl.get();
  const std::string url = options.base_url + std::string(path);
  const std::string what = std::string(method) + " " + url;
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  error_buffer[0] = '\0';
  response_body.clear();
  response_too_big = false;

  CURLcode code = curl_easy_perform(handle);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
  curl_off_t uploaded = 0;
  if (curl_easy_getinfo(handle, CURLINFO_SIZE_UPLOAD_T, &uploaded) == CURLE_OK && uploaded > 0) {
    bytes_sent += static_cast<uint64_t>(uploaded);
  }
  if (response_too_big || code == CURLE_FILESIZE_EXCEEDED) {
    response_body.clear();
    return Error{what + ": response body over " + std::to_string(kMaxResponseBytes) + " bytes"};
  }
  if (code != CURLE_OK) {
    return Error{what + ": " + (error_buffer[0] ? error_buffer : curl_easy_strerror(code))};
  }
  HttpResponse response;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  const char* content_type = nullptr;
  if (curl_easy_getinfo(handle, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type) {
    response.content_type = content_type;
  }
  response.body = std::move(response_body);
  response_body = {};
  return response;
}

}  // namespace yagura
