#include "galaxis/relay/auth.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

#include "galaxis/common/error.h"
#include "test_bytes.h"

namespace galaxis::relay {
namespace {

// Expected values computed independently with Python's hashlib:
//   s1=sha1(pw); m=sha1(nonce+sha1(s1)); s1 XOR m
//   d1=sha256(pw); m=sha256(sha256(d1)+nonce); d1 XOR m
const std::vector<uint8_t> kNonce = test::hex("0102030405060708090a0b0c0d0e0f1011121314");

TEST(Auth, NativePasswordScramble) {
  EXPECT_EQ(native_password_scramble("secret", kNonce), test::hex("b32bb3a583e1340c0a1108d58b1be49781ad8c2f"));
  EXPECT_TRUE(native_password_scramble("", kNonce).empty());
}

TEST(Auth, CachingSha2Scramble) {
  EXPECT_EQ(caching_sha2_scramble("secret", kNonce),
            test::hex("746ebe205d56a0707acb3e796e834e0dd7b1d61743b26bd5202c7a623230c7c9"));
  EXPECT_TRUE(caching_sha2_scramble("", kNonce).empty());
}

TEST(Auth, InitialResponseByPlugin) {
  EXPECT_EQ(initial_auth_response("mysql_native_password", "secret", kNonce),
            native_password_scramble("secret", kNonce));
  EXPECT_EQ(initial_auth_response("caching_sha2_password", "secret", kNonce), caching_sha2_scramble("secret", kNonce));
  try {
    initial_auth_response("auth_gssapi_client", "secret", kNonce);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported);
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos);
  }
}

TEST(Auth, RsaEncryptedPasswordDecryptsWithThePrivateKey) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), &EVP_PKEY_free);
  ASSERT_TRUE(key);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), key.get()), 1);
  char* pem_data = nullptr;
  const long pem_length = BIO_get_mem_data(bio.get(), &pem_data);
  const std::string pem(pem_data, static_cast<size_t>(pem_length));

  const auto cipher = rsa_encrypt_password("secret", kNonce, pem);
  ASSERT_EQ(cipher.size(), 256u);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key.get(), nullptr),
                                                                  &EVP_PKEY_CTX_free);
  ASSERT_EQ(EVP_PKEY_decrypt_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING), 1);
  std::vector<uint8_t> plain(256);
  size_t plain_length = plain.size();
  ASSERT_EQ(EVP_PKEY_decrypt(ctx.get(), plain.data(), &plain_length, cipher.data(), cipher.size()), 1);
  plain.resize(plain_length);
  // (password + NUL) XOR nonce
  std::vector<uint8_t> expected = {'s', 'e', 'c', 'r', 'e', 't', 0};
  for (size_t i = 0; i < expected.size(); ++i) expected[i] ^= kNonce[i % kNonce.size()];
  EXPECT_EQ(plain, expected);
}

TEST(Auth, BadPublicKeyIsAuthError) {
  try {
    rsa_encrypt_password("secret", kNonce, "not a key");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kAuth);
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos);
  }
}

}  // namespace
}  // namespace galaxis::relay

namespace galaxis::relay {
namespace {

// For a 32-byte password MariaDB's client_ed25519 is RFC 8032 Ed25519 with
// the password as the seed: check against RFC 8032 test 1 and against
// OpenSSL's independent Ed25519 for random seeds and 32-byte scrambles.
TEST(Auth, Ed25519MatchesRfc8032) {
  const auto seed = test::hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const std::string password(seed.begin(), seed.end());
  EXPECT_EQ(ed25519_password_signature(password, {}),
            test::hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
                      "d25bf5f0595bbe24655141438e7a100b"));
}

TEST(Auth, Ed25519MatchesOpenSsl) {
  for (int round = 0; round < 20; ++round) {
    std::vector<uint8_t> seed(32), scramble(32);
    for (size_t i = 0; i < 32; ++i) {
      seed[i] = static_cast<uint8_t>(round * 37 + i * 11 + 5);
      scramble[i] = static_cast<uint8_t>(round * 13 + i * 7 + 1);
    }
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()), &EVP_PKEY_free);
    ASSERT_TRUE(key);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    ASSERT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()), 1);
    std::vector<uint8_t> expected(64);
    size_t length = expected.size();
    ASSERT_EQ(EVP_DigestSign(ctx.get(), expected.data(), &length, scramble.data(), scramble.size()), 1);
    EXPECT_EQ(ed25519_password_signature(std::string(seed.begin(), seed.end()), scramble), expected) << round;
  }
  // Any password length works (MariaDB hashes it whole).
  EXPECT_EQ(ed25519_password_signature("secret", kNonce).size(), 64u);
  EXPECT_EQ(initial_auth_response("client_ed25519", "secret", kNonce), ed25519_password_signature("secret", kNonce));
}

}  // namespace
}  // namespace galaxis::relay
