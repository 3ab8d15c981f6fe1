#include "galaxis/relay/auth.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <memory>

#include "galaxis/common/error.h"

namespace galaxis::relay {

namespace {

template <size_t N>
using Digest = std::array<uint8_t, N>;

template <size_t N>
Digest<N> digest(const EVP_MD* md, std::span<const uint8_t> a, std::span<const uint8_t> b) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  Digest<N> out;
  unsigned int length = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 || EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1 ||
      length != N) {
    throw_error(Error::Kind::kRuntime, "OpenSSL digest failed");
  }
  return out;
}

Digest<20> sha1(std::span<const uint8_t> a, std::span<const uint8_t> b = {}) { return digest<20>(EVP_sha1(), a, b); }
Digest<32> sha256(std::span<const uint8_t> a, std::span<const uint8_t> b = {}) {
  return digest<32>(EVP_sha256(), a, b);
}

std::span<const uint8_t> bytes_of(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

}  // namespace

std::vector<uint8_t> native_password_scramble(std::string_view password, std::span<const uint8_t> nonce) {
  if (password.empty()) return {};
  const auto stage1 = sha1(bytes_of(password));
  const auto stage2 = sha1(stage1);
  const auto mix = sha1(nonce.first(std::min<size_t>(nonce.size(), 20)), stage2);
  std::vector<uint8_t> out(stage1.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = stage1[i] ^ mix[i];
  return out;
}

std::vector<uint8_t> caching_sha2_scramble(std::string_view password, std::span<const uint8_t> nonce) {
  if (password.empty()) return {};
  const auto digest1 = sha256(bytes_of(password));
  const auto digest2 = sha256(digest1);
  const auto mix = sha256(digest2, nonce.first(std::min<size_t>(nonce.size(), 20)));
  std::vector<uint8_t> out(digest1.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = digest1[i] ^ mix[i];
  return out;
}

std::vector<uint8_t> rsa_encrypt_password(std::string_view password, std::span<const uint8_t> nonce,
                                          std::string_view pem_public_key) {
  if (nonce.empty()) throw_error(Error::Kind::kAuth, "RSA password exchange: empty nonce");
  std::vector<uint8_t> plain(password.begin(), password.end());
  plain.push_back(0);
  for (size_t i = 0; i < plain.size(); ++i) plain[i] ^= nonce[i % nonce.size()];

  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem_public_key.data(), static_cast<int>(pem_public_key.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
                                                          &EVP_PKEY_free);
  if (!key) throw_error(Error::Kind::kAuth, "cannot parse the server's RSA public key: {}", openssl_error());
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key.get(), nullptr),
                                                                  &EVP_PKEY_CTX_free);
  size_t out_length = 0;
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &out_length, plain.data(), plain.size()) <= 0) {
    std::fill(plain.begin(), plain.end(), 0);
    throw_error(Error::Kind::kAuth, "RSA encryption setup failed: {}", openssl_error());
  }
  std::vector<uint8_t> out(out_length);
  const int rc = EVP_PKEY_encrypt(ctx.get(), out.data(), &out_length, plain.data(), plain.size());
  std::fill(plain.begin(), plain.end(), 0);
  if (rc <= 0) {
    throw_error(Error::Kind::kAuth, "RSA encryption of the password failed (password too long for the key?): {}",
                openssl_error());
  }
  out.resize(out_length);
  return out;
}

bool auth_plugin_supported(std::string_view plugin) {
  return plugin == kNativePassword || plugin == kCachingSha2Password || plugin == kClientEd25519;
}

std::vector<uint8_t> initial_auth_response(std::string_view plugin, std::string_view password,
                                           std::span<const uint8_t> nonce) {
  if (plugin == kNativePassword) return native_password_scramble(password, nonce);
  if (plugin == kCachingSha2Password) return caching_sha2_scramble(password, nonce);
  if (plugin == kClientEd25519) return ed25519_password_signature(password, nonce);
  throw_error(Error::Kind::kUnsupported,
              "authentication plugin '{}' is not supported (supported: mysql_native_password, caching_sha2_password, "
              "client_ed25519); "
              "create the replication user WITH mysql_native_password or caching_sha2_password",
              plugin);
}

}  // namespace galaxis::relay
