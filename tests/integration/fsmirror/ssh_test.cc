// ssh:// specifics: host key and user key refusals, and the --serve side fed
// crafted frames (the equality scenarios run over ssh in local_mirror_test.cc).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "galaxis/fsmirror/index.h"
#include "galaxis/fsmirror/protocol.h"
#include "galaxis/testing/ssh_server.h"
#include "tcp_proxy.h"
#include "tree_util.h"

namespace galaxis::fsmirror::test {
namespace {

using protocol::FrameType;
using testing::shared_ssh_server;

RunResult mirror_ssh(const std::string& src, const std::string& dest, const std::string& key,
                     const std::string& known_hosts) {
  return run_cli({"mirror", "--settle", "0", "--quiet", src, shared_ssh_server().url(dest), "--identity", key,
                  "--known-hosts", known_hosts, "--remote-path", GALAXIS_BINARY});
}

TEST(SshMirror, UnknownOrChangedHostKeyIsRefusedWithFingerprint) {
  TempDir src("src"), dest("dest");
  write_file(src / "f", "f");
  const auto& sshd = shared_ssh_server();
  std::string fingerprint;
  ASSERT_EQ(shell("ssh-keygen -lf " + sshd.dir() + "/host_key.pub | cut -d' ' -f2", &fingerprint), 0);
  fingerprint.pop_back();
  ASSERT_EQ(fingerprint.rfind("SHA256:", 0), 0u);
  RunResult r = mirror_ssh(src.path(), dest.path(), sshd.user_key(), sshd.empty_known_hosts());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown host key"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(fingerprint), std::string::npos) << r.err;
  r = mirror_ssh(src.path(), dest.path(), sshd.user_key(), sshd.wrong_known_hosts());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does NOT match"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(fingerprint), std::string::npos) << r.err;
  EXPECT_EQ(walk_tree(dest.path()).size(), 1u) << "nothing may be written";
}

TEST(SshMirror, WrongOrRsaUserKeyIsRefused) {
  TempDir src("src"), dest("dest");
  write_file(src / "f", "f");
  const auto& sshd = shared_ssh_server();
  RunResult r = mirror_ssh(src.path(), dest.path(), sshd.other_key(), sshd.known_hosts());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("public key authentication failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("authorized_keys"), std::string::npos) << r.err;
  r = mirror_ssh(src.path(), dest.path(), sshd.rsa_key(), sshd.known_hosts());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("libssh2 1.10"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ed25519"), std::string::npos) << r.err;
  EXPECT_EQ(walk_tree(dest.path()).size(), 1u) << "nothing may be written";
  // And the right key works.
  r = mirror_ssh(src.path(), dest.path(), sshd.user_key(), sshd.known_hosts());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(compare_trees(src.path(), dest.path()), "");
}

TEST(SshMirror, MissingFarSideBinaryFailsWithItsErrorInsteadOfHanging) {
  // The far shell exits 127 with "No such file" on stderr; libssh2 reports
  // the channel's end only once that stderr is read (it hung forever before).
  TempDir src("src"), dest("dest");
  write_file(src / "f", "f");
  const auto& sshd = shared_ssh_server();
  std::string out;
  const int code = shell(std::string("timeout 60 ") + GALAXIS_BINARY + " mirror --settle 0 --quiet '" + src.path() +
                             "' '" + sshd.url(dest.path()) + "' --identity '" + sshd.user_key() + "' --known-hosts '" +
                             sshd.known_hosts() + "' --remote-path /nonexistent/galaxis-relay 2>&1",
                         &out);
  EXPECT_EQ(code, 1) << "124 = timed out (hung): " << out;
  EXPECT_NE(out.find("/nonexistent/galaxis-relay"), std::string::npos) << out;
  // The far shell's reason; its exit status (127) may arrive after the channel's EOF, so it is not always shown.
  EXPECT_NE(out.find("No such file or directory"), std::string::npos) << out;
  EXPECT_EQ(walk_tree(dest.path()).size(), 1u) << "nothing may be written";
}

TEST(SshMirror, WatchReconnectsAfterTheConnectionDrops) {
  TempDir src("src"), dest("dest");
  const auto& sshd = shared_ssh_server();
  testing::TcpProxy proxy(sshd.port());
  // known_hosts for the proxy's port: the same host key.
  std::string line = read_file(sshd.known_hosts());
  line.replace(line.find("]:") + 2, line.find(' ') - line.find("]:") - 2, std::to_string(proxy.port()));
  write_file(dest.path() + ".known_hosts", line);
  write_file(src / "first", "1");
  const std::string url = "ssh://" + sshd.user() + "@127.0.0.1:" + std::to_string(proxy.port()) + dest.path();
  Child watcher =
      start_cli({"mirror", "--watch", "--settle", "0", "--quiet", src.path(), url, "--identity", sshd.user_key(),
                 "--known-hosts", dest.path() + ".known_hosts", "--remote-path", GALAXIS_BINARY});
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dest / "first"); }, std::chrono::seconds(30)));
  proxy.drop_connections();
  write_file(src / "second", random_bytes(200000, 5));
  EXPECT_TRUE(wait_until([&] { return compare_trees(src.path(), dest.path()).empty(); }, std::chrono::seconds(40)))
      << compare_trees(src.path(), dest.path());
  ::kill(watcher.pid, SIGTERM);
  const RunResult r = wait_cli(watcher);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("reconnecting"), std::string::npos) << r.err;
  EXPECT_GE(proxy.connections_accepted(), 2u);
  ::unlink((dest.path() + ".known_hosts").c_str());
}

// Frames a hostile peer could send to --serve.
std::string frame(FrameType type, const std::string& payload, uint8_t flags = 0) {
  return protocol::encode_header(type, flags, static_cast<uint32_t>(payload.size())) + payload;
}

std::string hello() {
  std::string p(8, '\0');
  p[0] = static_cast<char>(protocol::kVersion);
  return frame(FrameType::kHello, p);
}

std::string entry_bytes(const std::string& path, NodeType type = NodeType::kFile, const std::string& target = "") {
  Entry e;
  e.path = path;
  e.meta.type = type;
  e.meta.mode = 0644;
  e.meta.size = type == NodeType::kSymlink ? target.size() : 1;
  e.meta.link_target = target;
  std::string out;
  append_entry(out, e);
  return out;
}

// Runs --serve on `root` with `input` as stdin; returns the answers' types and texts.
struct Answers {
  int exit_code;
  std::vector<std::pair<FrameType, std::string>> frames;
  std::string all_errors() const {
    std::string out;
    for (const auto& [t, text] : frames) {
      if (t == FrameType::kError) out += text + "\n";
    }
    return out;
  }
};

Answers serve(const std::string& root, const std::string& input) {
  TempDir io("io");
  write_file(io / "in", input);
  std::string out;
  const int code = shell(std::string(GALAXIS_BINARY) + " mirror --serve '" + root + "' < " + io / "in" + " > " +
                         io / "out" + " 2>/dev/null");
  out = read_file(io / "out");
  Answers answers{code, {}};
  size_t pos = 0;
  while (pos + protocol::kHeaderSize <= out.size()) {
    const protocol::FrameHeader h = protocol::parse_header(std::string_view(out).substr(pos));
    const std::string payload = out.substr(pos + protocol::kHeaderSize, h.length);
    answers.frames.emplace_back(h.type, payload.size() > 1 ? payload.substr(1) : payload);
    pos += protocol::kHeaderSize + h.length;
  }
  return answers;
}

TEST(ServeSide, RefusesEscapingPathsWhateverThePeerSends) {
  TempDir root("root"), outside("outside");
  ::symlink(outside.path().c_str(), (root / "link").c_str());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"../evil", "'..' component"},
      {"a/../../evil", "'..' component"},
      {outside / "abs", "absolute path"},
      {"link/through", "refusing to write through"},
      {std::string(300, 'n'), "bytes (longest allowed 255)"},
  };
  for (const auto& [path, expected] : cases) {
    const std::string input = hello() + frame(FrameType::kFileOpen, path) + frame(FrameType::kFileData, "x") +
                              frame(FrameType::kFileCommit, entry_bytes("ok")) + frame(FrameType::kBye, "");
    const Answers a = serve(root.path(), input);
    EXPECT_NE(a.all_errors().find(expected), std::string::npos) << path << ": " << a.all_errors();
  }
  // Entries with bad paths (symlink, mkdir, remove, set-meta).
  for (FrameType type : {FrameType::kSymlink, FrameType::kSetMeta, FrameType::kRemove}) {
    const std::string input = hello() + frame(type, entry_bytes("../../x", NodeType::kSymlink, "/etc/passwd")) +
                              frame(FrameType::kSync, "") + frame(FrameType::kBye, "");
    const Answers a = serve(root.path(), input);
    EXPECT_NE(a.all_errors().find("'..' component"), std::string::npos) << a.all_errors();
  }
  EXPECT_EQ(walk_tree(outside.path()).size(), 1u) << "something was written outside the root";
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(root.path()).parent_path() / "evil"));
  // Only ours: link + the state folder (hidden by walk_tree).
  EXPECT_EQ(walk_tree(root.path()).size(), 2u);
}

TEST(ServeSide, RefusesOversizedAndMalformedFrames) {
  TempDir root("root");
  // A length over the limit: refused before allocating, session ends.
  Answers a = serve(root.path(), hello() + protocol::encode_header(FrameType::kFileData, 0, 0).substr(0, 2) +
                                     std::string("\xff\xff\xff\xff", 4));
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_NE(a.all_errors().find("longer than the limit"), std::string::npos) << a.all_errors();
  // Unknown frame type.
  a = serve(root.path(), hello() + std::string("\x7f\0\0\0\0\0", 6));
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_NE(a.all_errors().find("unknown frame type"), std::string::npos) << a.all_errors();
  // A small zstd payload expanding beyond the frame limit.
  std::string bomb;
  ASSERT_TRUE(protocol::compress(std::string(5 << 20, '\0'), &bomb));
  ASSERT_LT(bomb.size(), 4096u);
  a = serve(root.path(), hello() + frame(FrameType::kFileOpen, "f") + frame(FrameType::kFileData, bomb, 1));
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_NE(a.all_errors().find("zstd"), std::string::npos) << a.all_errors();
  // Truncated entry record.
  a = serve(root.path(),
            hello() + frame(FrameType::kRemove, entry_bytes("x").substr(0, 7)) + frame(FrameType::kBye, ""));
  EXPECT_NE(a.all_errors().find("truncated"), std::string::npos) << a.all_errors();
  // No HELLO first.
  a = serve(root.path(), frame(FrameType::kSync, ""));
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_NE(a.all_errors().find("expected HELLO"), std::string::npos) << a.all_errors();
  EXPECT_EQ(walk_tree(root.path()).size(), 1u);
}

}  // namespace
}  // namespace galaxis::fsmirror::test
