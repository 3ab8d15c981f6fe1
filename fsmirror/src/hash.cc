// SHA-256 for content hashes (hash.h).
#include "galaxis/fsmirror/hash.h"

#include <openssl/evp.h>

#include "galaxis/common/error.h"

namespace galaxis::fsmirror {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    throw_error(Error::Kind::kRuntime, "SHA-256: cannot initialise OpenSSL digest");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(const uint8_t* data, size_t size) {
  if (size > 0 && EVP_DigestUpdate(ctx_, data, size) != 1) throw_error(Error::Kind::kRuntime, "SHA-256 update failed");
}

ContentHash Sha256::finish() {
  ContentHash out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != out.size() ||
      EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    throw_error(Error::Kind::kRuntime, "SHA-256 final failed");
  }
  return out;
}

}  // namespace galaxis::fsmirror
