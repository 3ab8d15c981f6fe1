#include "known_hosts.h"

#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "galaxis/common/error.h"

namespace galaxis::deploy::detail {

namespace {

std::string base64_decode(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0) return "";
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return "";
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

}  // namespace

std::vector<std::string> known_host_keys(const std::string& path, const std::string& host, unsigned port) {
  std::ifstream in(path);
  if (!in) throw_error(Error::Kind::kUsage, "--known-hosts {}: cannot read it", path);
  const std::string wanted = port == 0 || port == 22 ? host : "[" + host + "]:" + std::to_string(port);
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string hosts, type, key;
    if (!(words >> hosts >> type >> key) || hosts.empty() || hosts[0] == '#' || hosts[0] == '@') continue;
    std::istringstream patterns(hosts);
    std::string pattern;
    while (std::getline(patterns, pattern, ',')) {
      if (pattern == wanted) keys.push_back(base64_decode(key));
    }
  }
  return keys;
}

}  // namespace galaxis::deploy::detail
