#include "galaxis/http/server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <strings.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <thread>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "short_slice.h"

namespace galaxis::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;

// The I/O thread's scheduler slice: the kernel's minimum (short_slice.h).
constexpr uint64_t kIoThreadSliceNs = 100'000;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

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
  unsigned active = 0;                // open connections; touched on the I/O thread only
  std::unique_ptr<ssl::context> tls;  // null: plain HTTP
};

// Counts an open connection for max_connections from accept to close,
// whichever object (detector, session) owns it.
class Slot {
 public:
  explicit Slot(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) { ++shared_->active; }
  ~Slot() {
    if (shared_) --shared_->active;
  }
  Slot(Slot&& other) noexcept = default;
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  Slot& operator=(Slot&&) = delete;
  Shared& operator*() const { return *shared_; }
  Shared* operator->() const { return shared_.get(); }

 private:
  std::shared_ptr<Shared> shared_;
};

std::string remote_of(tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string() : endpoint.address().to_string();
}

// One connection's requests, over beast::tcp_stream (plain) or TlsStream.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Slot slot, std::string remote, beast::flat_buffer buffer)
      : stream_(std::move(stream)), shared_(std::move(slot)), remote_(std::move(remote)), buffer_(std::move(buffer)) {}

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
    beast::get_lowest_layer(stream_).expires_after(shared_->limits.read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
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
                      [self = this->shared_from_this()](beast::error_code read_ec, size_t) { self->on_read(read_ec); });
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
    beast::get_lowest_layer(stream_).expires_after(shared_->limits.read_timeout);
    bhttp::async_write(stream_, *response_,
                       [self = this->shared_from_this(), keep](beast::error_code write_ec, size_t) {
                         if (write_ec || !keep) {
                           self->close();
                           return;
                         }
                         self->read();
                       });
  }

  void close() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      // close_notify first, so a client reading to the end sees a clean
      // end of stream; bounded by the deadline like everything else.
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_socket(); });
    } else {
      close_socket();
    }
  }

  void close_socket() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  Stream stream_;
  Slot shared_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  unsigned served_ = 0;
};

// TLS port: looks at the first bytes. A TLS ClientHello gets the
// handshake (with the bytes already read) and then a Session; anything else
// (plain HTTP to the HTTPS port) is answered 400 in plain text, once, and
// closed — a clear refusal instead of a handshake error on the client.
class Detector : public std::enable_shared_from_this<Detector> {
 public:
  Detector(tcp::socket socket, Slot slot) : stream_(std::move(socket)), slot_(std::move(slot)) {
    remote_ = remote_of(stream_.socket());
  }

  void start() {
    stream_.expires_after(slot_->limits.read_timeout);
    beast::async_detect_ssl(stream_, buffer_, [self = shared_from_this()](beast::error_code ec, bool tls) {
      if (ec) {
        log::debug("{}: connection from {}: {}", self->slot_->what, self->remote_, ec.message());
        return;  // the socket closes with this object
      }
      if (tls) {
        self->handshake();
      } else {
        self->refuse_plain();
      }
    });
  }

 private:
  void handshake() {
    auto tls = std::make_shared<TlsStream>(std::move(stream_), *slot_->tls);
    tls->async_handshake(
        ssl::stream_base::server, buffer_.data(), [self = shared_from_this(), tls](beast::error_code ec, size_t used) {
          if (ec) {
            log::debug("{}: TLS handshake with {}: {}", self->slot_->what, self->remote_, ec.message());
            return;
          }
          self->buffer_.consume(used);
          std::make_shared<Session<TlsStream>>(std::move(*tls), std::move(self->slot_), std::move(self->remote_),
                                               std::move(self->buffer_))
              ->start();
        });
  }

  void refuse_plain() {
    log::debug("{}: plain HTTP from {} on the TLS port; refused", slot_->what, remote_);
    static constexpr std::string_view kBody = "this port speaks HTTPS, not plain HTTP\n";
    reply_ = fmt::format(
        "HTTP/1.1 400 Bad Request\r\nServer: galaxis-relay\r\nContent-Type: text/plain\r\nConnection: close\r\n"
        "Content-Length: {}\r\n\r\n{}",
        kBody.size(), kBody);
    stream_.expires_after(std::chrono::seconds(2));
    asio::async_write(stream_, asio::buffer(reply_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->drain();
    });
  }

  // Reads what the client still sends until it closes (or the deadline):
  // closing with unread bytes would send a RST that can destroy the 400
  // before the client reads it.
  void drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->drain();
    });
  }

  beast::tcp_stream stream_;
  Slot slot_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::string reply_;
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
        beast::error_code ignored;
        // Answers are one small write each; never hold one back for an ACK
        // (Nagle + the client's delayed ACK can add 40 ms).
        socket.set_option(tcp::no_delay(true), ignored);
        Slot slot(shared);
        if (shared->tls) {
          std::make_shared<Detector>(std::move(socket), std::move(slot))->start();
        } else {
          std::string remote = remote_of(socket);
          std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), std::move(slot),
                                                       std::move(remote), beast::flat_buffer())
              ->start();
        }
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

namespace {

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::unique_ptr<ssl::context> make_tls_context(const TlsFiles& files, const std::string& what) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  // TLS 1.2 and 1.3 only; OpenSSL's default cipher list for them.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(ctx, files.certificate_file.c_str()) != 1)
    throw_error(Error::Kind::kUsage, "{}: cannot load the TLS certificate {}: {}", what, files.certificate_file,
                openssl_error());
  if (SSL_CTX_use_PrivateKey_file(ctx, files.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw_error(Error::Kind::kUsage, "{}: cannot load the TLS key {}: {}", what, files.private_key_file,
                openssl_error());
  if (SSL_CTX_check_private_key(ctx) != 1)
    throw_error(Error::Kind::kUsage, "{}: the key {} does not match the certificate {}", what, files.private_key_file,
                files.certificate_file);
  return context;
}

}  // namespace

Server::Server(const ListenAddress& address, Handler handler, Limits limits, std::string what,
               std::optional<TlsFiles> tls)
    : impl_(std::make_unique<Impl>(
          std::make_shared<Shared>(Shared{std::move(handler), limits, std::move(what), 0, nullptr}))) {
  if (tls) impl_->shared->tls = make_tls_context(*tls, impl_->shared->what);
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
    // Answers within a fraction of a ms of being woken, also on a busy box
    // (short_slice.h).
    if (!request_short_slice(kIoThreadSliceNs)) {
      log::debug("{}: short scheduler slice not available: {}", impl_->shared->what, std::strerror(errno));
    }
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
