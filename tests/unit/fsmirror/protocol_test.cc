// Unit tests of the --serve protocol's pure parts and ssh:// URL parsing.
#include <gtest/gtest.h>

#include <random>

#include "galaxis/common/error.h"
#include "galaxis/fsmirror/index.h"
#include "galaxis/fsmirror/protocol.h"
#include "galaxis/fsmirror/ssh.h"

namespace galaxis::fsmirror {
namespace {

TEST(Protocol, HeaderRoundTripAndLimits) {
  const std::string h = protocol::encode_header(protocol::FrameType::kFileData, 1, 1234);
  const protocol::FrameHeader back = protocol::parse_header(h);
  EXPECT_EQ(back.type, protocol::FrameType::kFileData);
  EXPECT_EQ(back.flags, 1);
  EXPECT_EQ(back.length, 1234u);
  EXPECT_THROW(
      protocol::parse_header(protocol::encode_header(protocol::FrameType::kFileData, 0, protocol::kMaxFrame + 1)),
      Error);
  EXPECT_THROW(protocol::parse_header(std::string("\x7f\0\0\0\0\0", 6)), Error);
  EXPECT_THROW(protocol::parse_header(protocol::encode_header(protocol::FrameType::kOk, 2, 0)), Error);
}

TEST(Protocol, CompressionRoundTripAndBombs) {
  const std::string text(100000, 'a');
  std::string packed;
  ASSERT_TRUE(protocol::compress(text, &packed));
  EXPECT_LT(packed.size(), text.size() / 10);
  EXPECT_EQ(protocol::decompress(packed, protocol::kMaxFrame), text);
  EXPECT_THROW(protocol::decompress(packed, 1000), Error);
  EXPECT_THROW(protocol::decompress("garbage!", 1000), Error);
  std::mt19937 rng(7);
  std::string incompressible;
  for (int i = 0; i < 4096; ++i) incompressible += static_cast<char>(rng());
  EXPECT_FALSE(protocol::compress(incompressible, &packed));
}

// LOAD_INDEX's answer: the three kinds round-trip; damaged answers (as a
// broken or hostile far side could send) are refused with what is wrong.
TEST(Protocol, IndexAnswersRoundTripAndDamageIsRefused) {
  using protocol::IndexAnswerKind;
  const std::string none = protocol::encode_index_answer(IndexAnswerKind::kNone);
  EXPECT_EQ(protocol::parse_index_answer(none).kind, IndexAnswerKind::kNone);
  const std::string identity = "2049:131:1049332:1796520000.5:1796520000.5";
  const std::string index(70000, 'i');  // longer than a u16: only the identity is length-prefixed
  const std::string bytes = protocol::encode_index_answer(IndexAnswerKind::kBytes, identity, index);
  protocol::IndexAnswer a = protocol::parse_index_answer(bytes);
  EXPECT_EQ(a.kind, IndexAnswerKind::kBytes);
  EXPECT_EQ(a.identity, identity);
  EXPECT_EQ(a.bytes, index);
  const std::string unchanged = protocol::encode_index_answer(IndexAnswerKind::kUnchanged, identity);
  a = protocol::parse_index_answer(unchanged);
  EXPECT_EQ(a.kind, IndexAnswerKind::kUnchanged);
  EXPECT_EQ(a.identity, identity);
  EXPECT_TRUE(a.bytes.empty());

  const auto refused = [](const std::string& blob, const std::string& says) {
    try {
      protocol::parse_index_answer(blob);
      ADD_FAILURE() << "accepted: " << says;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::kCorrupt);
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused("", "empty");
  refused(std::string(1, '\3'), "unknown kind 3");
  refused(none + "x", "after an index answer 'none'");
  refused(std::string(1, '\1') + "\5", "index answer of 2 bytes");
  refused(bytes.substr(0, 10), "identity of 42 bytes, 7 there");
  refused(unchanged + "x", "after an index answer 'unchanged'");
  EXPECT_THROW(protocol::encode_index_answer(IndexAnswerKind::kBytes, std::string(70000, 'x')), Error);
}

TEST(Protocol, EntryRecordsCheckPaths) {
  Entry e;
  e.path = "a/b";
  e.meta.type = NodeType::kSymlink;
  e.meta.link_target = "../../x";
  std::string bytes;
  append_entry(bytes, e);
  size_t used = 0;
  EXPECT_EQ(read_entry(bytes, &used).meta.link_target, "../../x");
  EXPECT_EQ(used, bytes.size());
  e.path = "a/../b";
  bytes.clear();
  append_entry(bytes, e);
  EXPECT_THROW(read_entry(bytes), Error);
}

TEST(SshUrl, Parses) {
  SshUrl u = parse_ssh_url("ssh://web@10.0.0.5:2222/var/www/uploads");
  EXPECT_EQ(u.user, "web");
  EXPECT_EQ(u.host, "10.0.0.5");
  EXPECT_EQ(u.port, 2222);
  EXPECT_EQ(u.path, "/var/www/uploads");
  u = parse_ssh_url("ssh://a@[::1]/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 22);
  for (const char* bad : {"ssh://a@h", "ssh://a@h/", "ssh://a@h:0/x", "ssh://a@h:x/x", "http://a@h/x"}) {
    EXPECT_THROW(parse_ssh_url(bad), Error) << bad;
  }
}

TEST(SshKeys, FingerprintAndKeyType) {
  unsigned char digest[32] = {};
  EXPECT_EQ(sha256_fingerprint(digest), "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(private_key_type("-----BEGIN RSA PRIVATE KEY-----\nMII...\n-----END RSA PRIVATE KEY-----\n"), "ssh-rsa");
  // openssh-key-v1 blob whose public part names ssh-ed25519 (base64 of the magic + type string).
  EXPECT_EQ(private_key_type("-----BEGIN OPENSSH PRIVATE KEY-----\n"
                             "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
                             "QyNTUxOQ==\n-----END OPENSSH PRIVATE KEY-----\n"),
            "ssh-ed25519");
  EXPECT_EQ(private_key_type("not a key"), "");
}

}  // namespace
}  // namespace galaxis::fsmirror
