#include "galaxis/common/url.h"

#include <charconv>

#include "galaxis/common/error.h"

namespace galaxis {
namespace {

[[noreturn]] void bad_url(std::string_view why) { throw_error(Error::Kind::kUsage, "invalid connection URL: {}", why); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) bad_url("truncated percent escape");
    const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
    if (hi < 0 || lo < 0) bad_url("bad percent escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace

SslMode parse_ssl_mode(std::string_view name) {
  std::string lower;
  for (char c : name) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c == '_' ? '-' : c));
  if (lower == "disabled") return SslMode::kDisabled;
  if (lower == "preferred") return SslMode::kPreferred;
  if (lower == "required") return SslMode::kRequired;
  if (lower == "verify-ca") return SslMode::kVerifyCa;
  if (lower == "verify-identity") return SslMode::kVerifyIdentity;
  throw_error(Error::Kind::kUsage,
              "unknown ssl-mode '{}' (expected disabled, preferred, required, verify-ca or verify-identity)", name);
}

std::string_view to_string(SslMode mode) {
  switch (mode) {
    case SslMode::kDisabled: return "disabled";
    case SslMode::kPreferred: return "preferred";
    case SslMode::kRequired: return "required";
    case SslMode::kVerifyCa: return "verify-ca";
    case SslMode::kVerifyIdentity: return "verify-identity";
  }
  return "?";
}

std::string ConnectionUrl::display() const {
  if (!socket.empty()) return fmt::format("{}@socket:{}", user, socket);
  if (host.find(':') != std::string::npos) return fmt::format("{}@[{}]:{}", user, host, port);
  return fmt::format("{}@{}:{}", user, host, port);
}

ConnectionUrl parse_connection_url(std::string_view url) {
  constexpr std::string_view kScheme = "mysql://";
  constexpr std::string_view kSchemeMaria = "mariadb://";
  if (url.starts_with(kScheme)) {
    url.remove_prefix(kScheme.size());
  } else if (url.starts_with(kSchemeMaria)) {
    url.remove_prefix(kSchemeMaria.size());
  } else {
    bad_url("must start with mysql:// (e.g. mysql://repl@127.0.0.1:3306)");
  }
  ConnectionUrl out;
  std::string_view query;
  if (auto q = url.find('?'); q != std::string_view::npos) {
    query = url.substr(q + 1);
    url = url.substr(0, q);
  }
  if (auto slash = url.find('/'); slash != std::string_view::npos) {
    out.database = percent_decode(url.substr(slash + 1));
    url = url.substr(0, slash);
  }
  auto at = url.rfind('@');
  if (at == std::string_view::npos) bad_url("missing user (expected user@host)");
  std::string_view userinfo = url.substr(0, at);
  if (userinfo.find(':') != std::string_view::npos)
    bad_url(
        "a password in the URL is not accepted; use GALAXIS_SOURCE_PASSWORD/GALAXIS_TARGET_PASSWORD or "
        "--*-password-file");
  out.user = percent_decode(userinfo);
  if (out.user.empty()) bad_url("empty user name");
  std::string_view hostport = url.substr(at + 1);
  std::string_view port_text;
  if (hostport.starts_with('[')) {
    auto close = hostport.find(']');
    if (close == std::string_view::npos) bad_url("unterminated '[' in IPv6 host");
    out.host = std::string(hostport.substr(1, close - 1));
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') bad_url("expected ':port' after ']'");
      port_text = rest.substr(1);
    }
  } else {
    auto colon = hostport.find(':');
    out.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port_text = hostport.substr(colon + 1);
  }
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 || value > 65535)
      bad_url(fmt::format("bad port '{}' (expected 1-65535)", port_text));
    out.port = static_cast<uint16_t>(value);
  }
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) bad_url(fmt::format("query parameter '{}' has no value", pair));
    std::string_view key = pair.substr(0, eq);
    std::string value = percent_decode(pair.substr(eq + 1));
    if (key == "socket") {
      out.socket = value;
    } else if (key == "ssl-mode" || key == "ssl_mode" || key == "sslmode") {
      out.ssl_mode = parse_ssl_mode(value);
    } else if (key == "ssl-ca" || key == "ssl_ca") {
      out.ssl_ca = value;
    } else {
      bad_url(fmt::format("unknown query parameter '{}' (known: socket, ssl-mode, ssl-ca)", key));
    }
  }
  if (out.host.empty() && out.socket.empty()) bad_url("missing host");
  if (out.host.empty()) out.host = "localhost";
  return out;
}

}  // namespace galaxis
