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
  EXPECT_EQ(initial_auth_response("mysql_native_password", "secret", kNonce), native_password_scramble("secret", kNonce));
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
