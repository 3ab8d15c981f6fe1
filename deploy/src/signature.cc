#include "galaxis/deploy/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "galaxis/common/error.h"

namespace galaxis::deploy {

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), digest, &length) == nullptr) {
    throw_error(Error::Kind::kRuntime, "HMAC-SHA256 failed (OpenSSL)");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  OPENSSL_cleanse(digest, sizeof digest);
  return out;
}

namespace {

// Constant time for equal lengths; a length mismatch says only "wrong".
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

Verdict hmac_check(const std::string& provider, std::string_view given, const http::Request& request,
                   const Secret& secret) {
  const std::string expected = hmac_sha256_hex(secret.reveal(), request.body);
  // Hex case is not significant; the length check is not secret (64 always).
  if (same(lower(given), expected)) return {true, provider, ""};
  return {false, provider, "signature does not match the body (check the webhook secret)"};
}

}  // namespace

Verdict verify_signature(const http::Request& request, const Secret& secret) {
  if (secret.empty()) return {false, "", "no webhook secret configured"};
  if (const std::string* value = request.header("X-Hub-Signature-256")) {
    std::string_view v = *value;
    if (!v.starts_with("sha256=")) return {false, "github", "X-Hub-Signature-256 is not sha256=<hex>"};
    v.remove_prefix(7);
    return hmac_check("github", v, request, secret);
  }
  if (const std::string* value = request.header("X-Gitea-Signature")) {
    return hmac_check("gitea", *value, request, secret);
  }
  if (const std::string* value = request.header("X-Forgejo-Signature")) {
    return hmac_check("forgejo", *value, request, secret);
  }
  if (const std::string* value = request.header("X-Gitlab-Token")) {
    if (same(*value, secret.reveal())) return {true, "gitlab", ""};
    return {false, "gitlab", "X-Gitlab-Token does not match the configured token"};
  }
  if (request.header("X-Hub-Signature") != nullptr) {
    return {false, "github", "only an SHA-1 X-Hub-Signature was sent; SHA-256 (X-Hub-Signature-256) is required"};
  }
  return {false, "",
          "no signature header (X-Hub-Signature-256, X-Gitea-Signature, X-Forgejo-Signature or "
          "X-Gitlab-Token)"};
}

}  // namespace galaxis::deploy
