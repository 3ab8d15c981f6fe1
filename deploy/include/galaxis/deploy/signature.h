// galaxis/deploy/signature.h — is this webhook request from our forge?
//
// Pure functions over the raw body and the request headers:
//  - GitHub (and Gitea >= 1.19): X-Hub-Signature-256: sha256=<hex HMAC-SHA256
//    of the raw body keyed with the secret>;
//  - Gitea / Forgejo: X-Gitea-Signature / X-Forgejo-Signature: <hex HMAC>;
//  - GitLab: X-Gitlab-Token: the secret itself.
// Every comparison is constant-time (CRYPTO_memcmp over equal lengths). It
// fails closed: no recognised header, an empty secret, a SHA-1-only
// X-Hub-Signature or a malformed value is "not verified". The first header
// present in the order above decides; a wrong one is not rescued by another.
// The reason never contains a digest or the secret — it goes into the 401.
#pragma once

#include <string>
#include <string_view>

#include "galaxis/common/secret.h"
#include "galaxis/http/server.h"

namespace galaxis::deploy {

// Lower-case hex of HMAC-SHA256(key, data).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

struct Verdict {
  bool ok = false;
  std::string provider;  // "github", "gitea", "forgejo", "gitlab" or "" when none
  std::string reason;    // why not, without any digest
};

Verdict verify_signature(const http::Request& request, const Secret& secret);

}  // namespace galaxis::deploy
