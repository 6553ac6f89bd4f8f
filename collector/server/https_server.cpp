#include "collector/server/https_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "collector/server/https_session.h"

namespace yagura::collector {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpsServer::Impl {
  Impl(const HttpsServerOptions& o, RequestHandler& h, std::unique_ptr<net::ssl::context> t)
      : options(o), handler(h), tls(std::move(t)) {}

  Status listen();
  void accept();
  void on_accept(boost::beast::error_code ec, tcp::socket socket);
  void run_thread();
  void stop();

  const HttpsServerOptions options;
  RequestHandler& handler;
  std::unique_ptr<net::ssl::context> tls;
  detail::ServerCounters counters;
  detail::SessionSet sessions;
  detail::SessionContext context{options, handler, *tls, counters, sessions};
  // Reset in stop(), before the members above go: destroying the context
  // destroys the sessions its pending handlers still own.
  std::optional<net::io_context> io;
  // Keeps the threads in run() when nothing is pending, e.g. during stop()
  // between the last connection closing and a handler posted to it.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;   // on a strand of its own
  std::optional<net::steady_timer> retry;  // on the acceptor's strand
  uint16_t port = 0;
  std::vector<std::thread> threads;
  std::mutex stop_mutex;
  bool stopped = false;
};

Status HttpsServer::Impl::listen() {
  const std::string where = options.address + ":" + std::to_string(options.port);
  boost::beast::error_code ec;
  auto address = net::ip::make_address(options.address, ec);
  if (ec) return Error{"listen: '" + options.address + "' is not an IP address"};
  tcp::endpoint endpoint(address, options.port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Error{"cannot listen on " + where + ": " + ec.message(), ec.value()};
  port = acceptor->local_endpoint(ec).port();
  return ok_status();
}

void HttpsServer::Impl::accept() {
  // Each connection gets a strand: its handlers never run concurrently.
  acceptor->async_accept(net::make_strand(*io),
                         [this](boost::beast::error_code ec, tcp::socket socket) {
                           on_accept(ec, std::move(socket));
                         });
}

void HttpsServer::Impl::on_accept(boost::beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted) return;  // stop()
  if (ec) {
    // Out of file descriptors, most likely: retry shortly instead of
    // spinning on the same error.
    detail::log_line("accept: " + ec.message());
    retry->expires_after(std::chrono::milliseconds(100));
    retry->async_wait([this](boost::beast::error_code wait_ec) {
      if (!wait_ec) accept();
    });
    return;
  }
  if (sessions.size() >= options.max_connections) {
    counters.connections_refused++;
    socket.close(ec);
  } else {
    // Whatever happens to this connection, the next one is accepted.
    try {
      auto session = std::make_shared<detail::Session>(std::move(socket), context);
      if (!sessions.add(session)) return;  // stopping; the session closes as it goes
      counters.connections++;
      session->start();
    } catch (const std::exception& e) {
      detail::log_line(std::string("cannot serve a connection: ") + e.what());
    }
  }
  accept();
}

void HttpsServer::Impl::run_thread() {
  // A handler that throws would end run(); sessions catch what they call,
  // so this is a last resort that keeps the thread serving.
  for (;;) {
    try {
      io->run();
      return;
    } catch (const std::exception& e) {
      detail::log_line(std::string("unexpected error: ") + e.what());
    } catch (...) {
      detail::log_line("unexpected error");
    }
  }
}

void HttpsServer::Impl::stop() {
  std::lock_guard lock(stop_mutex);
  if (stopped) return;
  stopped = true;
  net::post(acceptor->get_executor(), [this] {
    boost::beast::error_code ignored;
    acceptor->close(ignored);
    retry->cancel();
  });
  for (auto& session : sessions.begin_stop()) session->stop_if_idle();
  if (!sessions.wait_empty(std::chrono::steady_clock::now() + options.timeouts.stop))
    counters.aborted_at_stop += sessions.size();
  io->stop();
  for (auto& t : threads) t.join();
  retry.reset();
  acceptor.reset();
  work.reset();
  io.reset();
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsServer::~HttpsServer() { stop(); }

Result<std::unique_ptr<HttpsServer>> HttpsServer::start(const HttpsServerOptions& options,
                                                        RequestHandler& handler) {
  if (options.threads == 0) return Error{"threads must be at least 1"};
  auto tls = make_tls_server_context(options.tls);
  if (!tls) return tls.error();
  auto impl = std::make_unique<Impl>(options, handler, std::move(*tls));
  impl->io.emplace(static_cast<int>(options.threads));
  impl->work.emplace(impl->io->get_executor());
  impl->acceptor.emplace(net::make_strand(*impl->io));
  impl->retry.emplace(impl->acceptor->get_executor());
  if (Status s = impl->listen(); !s) return s.error();
  impl->accept();
  for (uint32_t i = 0; i < options.threads; ++i)
    impl->threads.emplace_back([raw = impl.get()] { raw->run_thread(); });
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(impl)));
}

uint16_t HttpsServer::port() const { return impl_->port; }

void HttpsServer::stop() { impl_->stop(); }

ServerStats HttpsServer::stats() const {
  const detail::ServerCounters& c = impl_->counters;
  return ServerStats{.connections = c.connections,
                     .connections_open = impl_->sessions.size(),
                     .connections_refused = c.connections_refused,
                     .tls_failures = c.tls_failures,
                     .requests = c.requests,
                     .client_errors = c.client_errors,
                     .server_errors = c.server_errors,
                     .body_bytes = c.body_bytes,
                     .aborted_at_stop = c.aborted_at_stop};
}

}  // namespace yagura::collector
