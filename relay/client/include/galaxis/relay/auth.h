// galaxis/relay/auth.h — the client side of the authentication plugins.
//
//   mysql_native_password:  SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw)))
//   caching_sha2_password:  SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce)
//     fast path: the server answers 0x01 0x03 then OK; full authentication
//     (0x01 0x04) sends the password in clear over TLS or a unix socket, or
//     RSA-OAEP encrypted (password+NUL XOR nonce) with the server's public
//     key, requested with 0x02.
//   client_ed25519 (MariaDB): an Ed25519 signature of the 32-byte scramble
//     with the secret scalar derived from SHA-512(password) (libsodium).
//
// Pure functions over OpenSSL; thread-safe. An empty password gives an
// empty response for both hash plugins (the server's convention).
// The password bytes never appear in an error message.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace galaxis::relay {

inline constexpr std::string_view kNativePassword = "mysql_native_password";
inline constexpr std::string_view kCachingSha2Password = "caching_sha2_password";
inline constexpr std::string_view kClientEd25519 = "client_ed25519";

std::vector<uint8_t> native_password_scramble(std::string_view password, std::span<const uint8_t> nonce);
std::vector<uint8_t> caching_sha2_scramble(std::string_view password, std::span<const uint8_t> nonce);

// (password + NUL) XOR nonce (cycled), RSA-OAEP (SHA-1 MGF1, as the server
// decrypts with RSA_PKCS1_OAEP_PADDING) encrypted with the PEM public key.
// Throws Error(kAuth) when the key cannot be parsed or encryption fails.
std::vector<uint8_t> rsa_encrypt_password(std::string_view password, std::span<const uint8_t> nonce,
                                          std::string_view pem_public_key);

// MariaDB client_ed25519: the 64-byte signature of `message` (the scramble).
std::vector<uint8_t> ed25519_password_signature(std::string_view password, std::span<const uint8_t> message);

// The first auth response for `plugin` (used in the handshake response and
// after an auth switch). Throws Error(kUnsupported) naming the plugin for
// plugins we do not implement.
std::vector<uint8_t> initial_auth_response(std::string_view plugin, std::string_view password,
                                           std::span<const uint8_t> nonce);

bool auth_plugin_supported(std::string_view plugin);

}  // namespace galaxis::relay
