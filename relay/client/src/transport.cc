#include "galaxis/relay/transport.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <optional>
#include <vector>

#include "galaxis/common/error.h"

namespace asio = boost::asio;

namespace galaxis::relay {

namespace {
constexpr size_t kReadBufferSize = size_t{64} * 1024;

double seconds(std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; }
}  // namespace

struct Transport::Impl {
  asio::io_context io;
  asio::generic::stream_protocol::socket socket{io};
  std::optional<asio::ssl::context> ssl_context;
  std::unique_ptr<asio::ssl::stream<asio::generic::stream_protocol::socket&>> tls;
  std::vector<uint8_t> buffer = std::vector<uint8_t>(kReadBufferSize);
  size_t buffer_begin = 0;
  size_t buffer_end = 0;

  // Runs the io_context until the operation started by `start` completes or
  // `timeout` passes; on timeout the socket is closed and the handler is
  // drained. Returns the handler's error code and byte count.
  template <typename Start>
  std::pair<boost::system::error_code, size_t> run(Start&& start, std::chrono::milliseconds timeout, bool* timed_out) {
    boost::system::error_code result = asio::error::would_block;
    size_t transferred = 0;
    bool done = false;
    start([&](const boost::system::error_code& ec, size_t n) {
      result = ec;
      transferred = n;
      done = true;
    });
    io.restart();
    io.run_for(timeout);
    *timed_out = false;
    if (!done) {
      *timed_out = true;
      boost::system::error_code ignored;
      socket.close(ignored);
      io.restart();
      io.run();
    }
    return {result, transferred};
  }
};

Transport::Transport() : impl_(std::make_unique<Impl>()) {}
Transport::~Transport() { close(); }

void Transport::connect_tcp(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) throw_error(Error::Kind::kUsage, "'{}' is not an IP address (use 127.0.0.1 or ::1)", host);
  asio::ip::tcp::endpoint tcp_endpoint(address, port);
  asio::generic::stream_protocol::endpoint endpoint(tcp_endpoint);
  bool timed_out = false;
  auto [error, n] = impl_->run(
      [&](auto handler) {
        impl_->socket.async_connect(endpoint, [handler](const boost::system::error_code& e) mutable { handler(e, 0); });
      },
      timeout, &timed_out);
  (void)n;
  if (timed_out) throw_error(Error::Kind::kNetwork, "connect timed out after {:.1f} s", seconds(timeout));
  if (error) throw_error(Error::Kind::kNetwork, "connect failed: {}", error.message());
  impl_->socket.set_option(asio::ip::tcp::no_delay(true), ec);
  impl_->socket.set_option(asio::socket_base::keep_alive(true), ec);
  unix_socket_ = false;
  bytes_received_ = 0;
}

void Transport::connect_unix(const std::string& path, std::chrono::milliseconds timeout) {
  asio::local::stream_protocol::endpoint local(path);
  asio::generic::stream_protocol::endpoint endpoint(local);
  bool timed_out = false;
  auto [error, n] = impl_->run(
      [&](auto handler) {
        impl_->socket.async_connect(endpoint, [handler](const boost::system::error_code& e) mutable { handler(e, 0); });
      },
      timeout, &timed_out);
  (void)n;
  if (timed_out) throw_error(Error::Kind::kNetwork, "connect to socket {} timed out", path);
  if (error) throw_error(Error::Kind::kNetwork, "connect to socket {} failed: {}", path, error.message());
  unix_socket_ = true;
  bytes_received_ = 0;
}

void Transport::start_tls(SslMode mode, const std::string& ca_file, const std::string& host) {
  if (impl_->buffer_end != impl_->buffer_begin) {
    throw_error(Error::Kind::kCorrupt, "protocol error: server sent data before the TLS handshake");
  }
  impl_->ssl_context.emplace(asio::ssl::context::tls_client);
  auto& ctx = *impl_->ssl_context;
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  const bool verify = mode == SslMode::kVerifyCa || mode == SslMode::kVerifyIdentity;
  if (verify) {
    boost::system::error_code ec;
    if (!ca_file.empty()) {
      ctx.load_verify_file(ca_file, ec);
      if (ec) throw_error(Error::Kind::kUsage, "cannot load ssl-ca {}: {}", ca_file, ec.message());
    } else {
      ctx.set_default_verify_paths(ec);
    }
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (mode == SslMode::kVerifyIdentity) ctx.set_verify_callback(asio::ssl::host_name_verification(host));
  } else {
    ctx.set_verify_mode(asio::ssl::verify_none);
  }
  impl_->tls = std::make_unique<asio::ssl::stream<asio::generic::stream_protocol::socket&>>(impl_->socket, ctx);
  boost::system::error_code not_an_ip;
  asio::ip::make_address(host, not_an_ip);
  if (!unix_socket_ && not_an_ip) SSL_set_tlsext_host_name(impl_->tls->native_handle(), host.c_str());
  bool timed_out = false;
  auto [error, n] = impl_->run(
      [&](auto handler) {
        impl_->tls->async_handshake(asio::ssl::stream_base::client,
                                    [handler](const boost::system::error_code& e) mutable { handler(e, 0); });
      },
      timeout_, &timed_out);
  (void)n;
  if (timed_out) throw_error(Error::Kind::kNetwork, "TLS handshake timed out after {:.1f} s", seconds(timeout_));
  if (error) {
    const long verify_result = SSL_get_verify_result(impl_->tls->native_handle());
    impl_->tls.reset();
    if (verify && verify_result != X509_V_OK) {
      throw_error(Error::Kind::kAuth, "TLS certificate verification failed (ssl-mode={}): {}", to_string(mode),
                  X509_verify_cert_error_string(verify_result));
    }
    throw_error(Error::Kind::kNetwork, "TLS handshake failed: {}", error.message());
  }
}

bool Transport::tls_active() const { return impl_->tls != nullptr; }

std::string Transport::tls_description() const {
  if (!impl_->tls) return "";
  SSL* ssl = impl_->tls->native_handle();
  return std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
}

size_t Transport::read_some(uint8_t* out, size_t n) {
  bool timed_out = false;
  auto [error, got] = impl_->run(
      [&](auto handler) {
        if (impl_->tls) {
          impl_->tls->async_read_some(asio::buffer(out, n), handler);
        } else {
          impl_->socket.async_read_some(asio::buffer(out, n), handler);
        }
      },
      timeout_, &timed_out);
  if (timed_out) {
    throw_error(Error::Kind::kNetwork, "no data for {:.1f} s (stalled connection)", seconds(timeout_));
  }
  if (error == asio::error::eof || error == asio::ssl::error::stream_truncated) {
    throw_error(Error::Kind::kNetwork, "connection closed by the server (unexpected EOF)");
  }
  if (error) throw_error(Error::Kind::kNetwork, "read failed: {}", error.message());
  bytes_received_ += got;
  return got;
}

void Transport::read_exact(uint8_t* out, size_t n) {
  while (n > 0) {
    const size_t buffered = impl_->buffer_end - impl_->buffer_begin;
    if (buffered > 0) {
      const size_t take = std::min(buffered, n);
      std::memcpy(out, impl_->buffer.data() + impl_->buffer_begin, take);
      impl_->buffer_begin += take;
      out += take;
      n -= take;
      continue;
    }
    if (n >= kReadBufferSize) {
      // Large bodies go straight into the destination.
      const size_t got = read_some(out, n);
      out += got;
      n -= got;
      continue;
    }
    impl_->buffer_begin = 0;
    impl_->buffer_end = read_some(impl_->buffer.data(), impl_->buffer.size());
  }
}

void Transport::write_all(std::span<const uint8_t> data) {
  bool timed_out = false;
  auto [error, n] = impl_->run(
      [&](auto handler) {
        if (impl_->tls) {
          asio::async_write(*impl_->tls, asio::buffer(data.data(), data.size()), handler);
        } else {
          asio::async_write(impl_->socket, asio::buffer(data.data(), data.size()), handler);
        }
      },
      timeout_, &timed_out);
  (void)n;
  if (timed_out) throw_error(Error::Kind::kNetwork, "write timed out after {:.1f} s", seconds(timeout_));
  if (error) throw_error(Error::Kind::kNetwork, "write failed: {}", error.message());
}

void Transport::close() {
  if (!impl_) return;
  impl_->tls.reset();
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
  impl_->buffer_begin = impl_->buffer_end = 0;
}

bool Transport::is_open() const { return impl_->socket.is_open(); }

}  // namespace galaxis::relay
