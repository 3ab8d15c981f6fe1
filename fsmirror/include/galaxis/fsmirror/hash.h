// galaxis/fsmirror/hash.h — streaming SHA-256 of file content (OpenSSL EVP;
// SHA-NI makes it cheap next to the copy itself).
#pragma once

#include <cstddef>
#include <cstdint>

#include "galaxis/fsmirror/entry.h"

struct evp_md_ctx_st;

namespace galaxis::fsmirror {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const uint8_t* data, size_t size);
  ContentHash finish();  // then the object is reset for a new hash

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace galaxis::fsmirror
