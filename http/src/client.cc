#include "galaxis/http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

#include "galaxis/common/error.h"

namespace galaxis::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
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
    throw_error(Error::Kind::kUsage, "URL '{}': expected http://HOST:PORT/PATH (no TLS here)", url);
  }
  rest.remove_prefix(kScheme.size());
  ParsedUrl parsed;
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) parsed.target = std::string(rest.substr(slash));
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw_error(Error::Kind::kUsage, "URL '{}': unclosed [", url);
    parsed.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw_error(Error::Kind::kUsage, "URL '{}': bad host", url);
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) throw_error(Error::Kind::kUsage, "URL '{}': no host", url);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      throw_error(Error::Kind::kUsage, "URL '{}': bad port '{}'", url, port);
    }
    parsed.port = std::string(port);
  }
  return parsed;
}

}  // namespace

Result request(const ClientRequest& spec) {
  const ParsedUrl parsed = parse_http_url(spec.url);
  const std::string& url = spec.url;
  const auto timeout = spec.timeout;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);
  beast::error_code failure;
  const char* step = "resolving";
  tcp::resolver resolver(io);
  bhttp::request<bhttp::string_body> message{bhttp::string_to_verb(spec.method), parsed.target, 11};
  if (message.method() == bhttp::verb::unknown) message.method_string(spec.method);
  message.set(bhttp::field::host, parsed.host);
  message.set(bhttp::field::user_agent, "galaxis-relay");
  for (const auto& [name, value] : spec.headers) message.set(name, value);
  message.body() = spec.body;
  if (!spec.body.empty() || message.method() == bhttp::verb::post) message.prepare_payload();

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
          bhttp::async_write(stream, message, [&](beast::error_code written, size_t) {
            if (written) {
              failure = written;
              return;
            }
            step = "reading the response";
            bhttp::async_read(stream, buffer, parser, [&](beast::error_code read, size_t) { failure = read; });
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
  Result result;
  const auto& response = parser.get();
  result.status = response.result_int();
  result.content_type = std::string(response[bhttp::field::content_type]);
  result.body = response.body();
  return result;
}

Result get(const std::string& url, std::chrono::milliseconds timeout) {
  ClientRequest spec;
  spec.url = url;
  spec.timeout = timeout;
  return request(spec);
}

}  // namespace galaxis::http
