// MariaDB's client_ed25519: an Ed25519 signature of the server's scramble
// whose secret scalar comes from SHA-512 of the password itself (MariaDB's
// ref10 crypto_sign takes the password where standard Ed25519 takes a
// 32-byte seed), so OpenSSL's EVP_PKEY_ED25519 (seed only) cannot produce
// it. The scalar and point arithmetic is libsodium's; the steps follow
// RFC 8032 section 5.1.6 with az = SHA-512(password):
//   a = clamp(az[0..32]), A = a·B
//   r = SHA-512(az[32..64] || M) mod L, R = r·B
//   h = SHA-512(R || A || M) mod L, S = (r + h·a) mod L, signature R || S
// For a 32-byte password this is exactly RFC 8032 Ed25519 with that seed,
// which is what the unit test checks.
#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <cstring>

#include "galaxis/common/error.h"
#include "galaxis/relay/auth.h"

namespace galaxis::relay {

namespace {

void sha512(std::initializer_list<std::span<const uint8_t>> parts, uint8_t out[64]) {
  crypto_hash_sha512_state state;
  crypto_hash_sha512_init(&state);
  for (auto part : parts) crypto_hash_sha512_update(&state, part.data(), part.size());
  crypto_hash_sha512_final(&state, out);
}

}  // namespace

std::vector<uint8_t> ed25519_password_signature(std::string_view password, std::span<const uint8_t> message) {
  if (sodium_init() < 0) throw_error(Error::Kind::kRuntime, "libsodium failed to initialise");
  uint8_t az[64];
  sha512({std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(password.data()), password.size())}, az);
  az[0] &= 248;
  az[31] &= 63;
  az[31] |= 64;

  std::array<uint8_t, 32> public_key{};
  std::array<uint8_t, 64> signature{};
  uint8_t nonce_hash[64];
  uint8_t r[32];
  uint8_t h_hash[64];
  uint8_t h[32];
  uint8_t a_wide[64] = {};
  uint8_t a[32];
  uint8_t ha[32];
  bool ok = crypto_scalarmult_ed25519_base_noclamp(public_key.data(), az) == 0;
  sha512({std::span<const uint8_t>(az + 32, 32), message}, nonce_hash);
  crypto_core_ed25519_scalar_reduce(r, nonce_hash);
  ok = ok && crypto_scalarmult_ed25519_base_noclamp(signature.data(), r) == 0;
  sha512({std::span<const uint8_t>(signature.data(), 32), public_key, message}, h_hash);
  crypto_core_ed25519_scalar_reduce(h, h_hash);
  std::memcpy(a_wide, az, 32);
  crypto_core_ed25519_scalar_reduce(a, a_wide);
  crypto_core_ed25519_scalar_mul(ha, h, a);
  crypto_core_ed25519_scalar_add(signature.data() + 32, ha, r);
  sodium_memzero(az, sizeof az);
  sodium_memzero(a, sizeof a);
  sodium_memzero(a_wide, sizeof a_wide);
  sodium_memzero(nonce_hash, sizeof nonce_hash);
  sodium_memzero(r, sizeof r);
  if (!ok) throw_error(Error::Kind::kAuth, "client_ed25519: signing failed");
  return std::vector<uint8_t>(signature.begin(), signature.end());
}

}  // namespace galaxis::relay
