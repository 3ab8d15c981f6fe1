#include "galaxis/relay/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

#include "galaxis/common/error.h"

namespace galaxis::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct ParsedUrl {
  std::string host;
  std::string port = "80";
  std::string target = "/";
};

ParsedUrl parse_http_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  std::string_view rest = url;
  if (!rest.starts_with(kScheme)) {
    throw_error(Error::Kind::kUsage, "health URL '{}': expected http://HOST:PORT/PATH (the endpoint has no TLS)", url);
  }
  rest.remove_prefix(kScheme.size());
  ParsedUrl parsed;
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) parsed.target = std::string(rest.substr(slash));
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw_error(Error::Kind::kUsage, "health URL '{}': unclosed [", url);
    parsed.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw_error(Error::Kind::kUsage, "health URL '{}': bad host", url);
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) throw_error(Error::Kind::kUsage, "health URL '{}': no host", url);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      throw_error(Error::Kind::kUsage, "health URL '{}': bad port '{}'", url, port);
    }
    parsed.port = std::string(port);
  }
  return parsed;
}

}  // namespace

HttpResult http_get(const std::string& url, std::chrono::milliseconds timeout) {
  const ParsedUrl parsed = parse_http_url(url);
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  beast::error_code failure;
  const char* step = "resolving";
  tcp::resolver resolver(io);
  http::request<http::empty_body> request{http::verb::get, parsed.target, 11};
  request.set(http::field::host, parsed.host);
  request.set(http::field::user_agent, "galaxis-relay-status");

  // Asynchronous so that one deadline covers every step.
  resolver.async_resolve(
      parsed.host, parsed.port, [&](beast::error_code resolved, tcp::resolver::results_type results) {
        if (resolved) {
          failure = resolved;
          return;
        }
        step = "connecting";
        stream.expires_after(timeout);
        stream.async_connect(results, [&](beast::error_code connected, const tcp::endpoint&) {
          if (connected) {
            failure = connected;
            return;
          }
          step = "sending the request";
          http::async_write(stream, request, [&](beast::error_code written, size_t) {
            if (written) {
              failure = written;
              return;
            }
            step = "reading the response";
            http::async_read(stream, buffer, parser, [&](beast::error_code read, size_t) { failure = read; });
          });
        });
      });
  io.run_for(timeout);
  if (!io.stopped()) {
    resolver.cancel();
    beast::error_code ignored;
    stream.socket().close(ignored);
    io.restart();
    io.run();  // the cancelled handlers, before their captures go away
    throw_error(Error::Kind::kNetwork, "{} unreachable: no answer within {} ms ({})", url, timeout.count(), step);
  }
  if (failure) {
    throw_error(Error::Kind::kNetwork, "{} unreachable: {} failed: {}", url, step, failure.message());
  }
  HttpResult result;
  const auto& response = parser.get();
  result.status = response.result_int();
  result.content_type = std::string(response[http::field::content_type]);
  result.body = response.body();
  return result;
}

}  // namespace galaxis::relay
