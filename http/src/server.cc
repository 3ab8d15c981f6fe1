#include "galaxis/http/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <strings.h>
#include <atomic>
#include <exception>
#include <limits>
#include <optional>
#include <thread>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"

namespace galaxis::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

const std::string* Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) return &value;
  }
  return nullptr;
}

std::string_view Request::path() const {
  const std::string_view t = target;
  return t.substr(0, t.find('?'));
}

ListenAddress parse_listen_address(std::string_view text, std::string_view flag) {
  ListenAddress address;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw_error(Error::Kind::kUsage, "{} '{}': expected [ADDR]:PORT", flag, text);
    }
    address.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      throw_error(Error::Kind::kUsage, "{} '{}': expected ADDR:PORT, e.g. 127.0.0.1:9101", flag, text);
    }
    address.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  if (port_text.empty() || port_text.size() > 5) throw_error(Error::Kind::kUsage, "{} '{}': bad port", flag, text);
  for (char c : port_text) {
    if (c < '0' || c > '9') throw_error(Error::Kind::kUsage, "{} '{}': bad port", flag, text);
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) throw_error(Error::Kind::kUsage, "{} '{}': port out of range", flag, text);
  address.port = static_cast<uint16_t>(port);
  boost::system::error_code ec;
  asio::ip::make_address(address.host, ec);
  if (ec) throw_error(Error::Kind::kUsage, "{} '{}': '{}' is not an IP address", flag, text, address.host);
  return address;
}

namespace {

// What every session shares; outlives the sessions still queued in the
// io_context when the server is destroyed.
struct Shared {
  Handler handler;
  Limits limits;
  std::string what;
  unsigned active = 0;  // open sessions; touched on the I/O thread only
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared) : stream_(std::move(socket)), shared_(std::move(shared)) {
    ++shared_->active;
    beast::error_code ec;
    const auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
  }
  ~Session() { --shared_->active; }

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->limits.header_bytes));
    // No body limit while reading the header: Beast would refuse a large
    // Content-Length before the header counts as read, and we want to answer
    // 413 then. The limit is set in on_header().
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // not boost::none: 1.74 compares it as 0
    // One deadline for the whole request, header and body: a client that
    // trickles bytes (slow loris) is cut off after it.
    stream_.expires_after(shared_->limits.read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      on_read(ec);
      return;
    }
    const auto length = parser_->content_length();
    if (length && *length > shared_->limits.body_bytes) {
      too_large();
      return;
    }
    parser_->body_limit(shared_->limits.body_bytes);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code read_ec, size_t) { self->on_read(read_ec); });
  }

  // Says why before closing; the rest of the body is never read.
  void too_large() {
    Response reply{413, "text/plain", fmt::format("request body exceeds {} bytes\n", shared_->limits.body_bytes), {}};
    write(std::move(reply), parser_->get().version(), false, false);
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::body_limit && parser_->is_header_done()) {  // chunked, past the limit
      too_large();
      return;
    }
    if (ec) {
      if (ec != bhttp::error::end_of_stream)
        log::debug("{}: request from {}: {}", shared_->what, remote_, ec.message());
      close();
      return;
    }
    const auto& message = parser_->get();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) request.headers.emplace_back(field.name_string(), field.value());
    request.body = std::move(parser_->get().body());
    request.remote = remote_;
    Response response;
    try {
      response = shared_->handler(request);
    } catch (const std::exception& e) {
      log::error("{}: handler failed for {} {}: {}", shared_->what, request.method, request.path(), e.what());
      response = Response{500, "text/plain", "internal error\n", {}};
    }
    ++served_;
    const bool keep = message.keep_alive() && served_ < shared_->limits.max_requests_per_connection;
    write(std::move(response), message.version(), message.method() == bhttp::verb::head, keep);
  }

  void write(Response reply, unsigned version, bool head, bool keep) {
    response_.emplace();
    response_->version(version);
    response_->result(reply.status);
    response_->set(bhttp::field::server, "galaxis-relay");
    response_->set(bhttp::field::content_type, reply.content_type);
    response_->set(bhttp::field::cache_control, "no-store");
    for (const auto& [name, value] : reply.headers) response_->set(name, value);
    response_->keep_alive(keep);
    response_->body() = std::move(reply.body);
    response_->prepare_payload();
    if (head) response_->body().clear();
    stream_.expires_after(shared_->limits.read_timeout);
    bhttp::async_write(stream_, *response_, [self = shared_from_this(), keep](beast::error_code write_ec, size_t) {
      if (write_ec || !keep) {
        self->close();
        return;
      }
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Shared> shared_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  unsigned served_ = 0;
};

}  // namespace

struct Server::Impl {
  explicit Impl(std::shared_ptr<Shared> s) : shared(std::move(s)), acceptor(io) {}

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        log::debug("{}: accept: {}", shared->what, ec.message());
      } else if (shared->active >= shared->limits.max_connections) {
        // Over the limit: close at once rather than let it wait in the queue.
        log::debug("{}: {} connections open, refusing one more", shared->what, shared->active);
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), shared)->start();
      }
      accept();
    });
  }

  std::shared_ptr<Shared> shared;
  asio::io_context io;
  tcp::acceptor acceptor;
  uint16_t port = 0;  // kept: the acceptor is closed by stop()
  std::thread thread;
};

Server::Server(const ListenAddress& address, Handler handler, Limits limits, std::string what)
    : impl_(std::make_unique<Impl>(std::make_shared<Shared>(Shared{std::move(handler), limits, std::move(what), 0}))) {
  const tcp::endpoint endpoint(asio::ip::make_address(address.host), address.port);
  beast::error_code ec;
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw_error(Error::Kind::kIo, "{}: cannot listen on {}:{}: {}", impl_->shared->what, address.host, address.port,
                ec.message());
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
}

Server::~Server() { stop(); }

uint16_t Server::port() const { return impl_->port; }

void Server::start() {
  if (impl_->thread.joinable()) return;
  impl_->accept();
  impl_->thread = std::thread([this] {
    try {
      impl_->io.run();
    } catch (const std::exception& e) {
      log::error("{} stopped: {}", impl_->shared->what, e.what());
    }
  });
}

void Server::stop() {
  if (!impl_) return;
  if (impl_->thread.joinable()) {
    impl_->io.stop();
    impl_->thread.join();
  }
  // Closed, not just idle: a stopped server refuses connections instead of
  // leaving clients hanging in the listen backlog.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace galaxis::http
