// `galaxis-relay mirror SRC DEST` on real trees. Every check compares DEST
// with SRC by an independent walk (tree_util.h), and with rsync/diff as
// oracles; nothing trusts the mirror's own index.
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "galaxis/fsmirror/index.h"
#include "galaxis/testing/ssh_server.h"
#include "tree_util.h"

namespace galaxis::fsmirror::test {
namespace {

// Oracles: rsync's itemised dry run and diff must both see no difference.
void expect_oracles_agree(const std::string& src, const std::string& dest) {
  std::string out;
  EXPECT_EQ(shell("rsync -ani --delete --exclude=/.galaxis-mirror '" + src + "/' '" + dest + "/' 2>&1", &out), 0);
  EXPECT_EQ(out, "") << "rsync --dry-run --itemize-changes sees differences";
  EXPECT_EQ(shell("diff -r --no-dereference -x .galaxis-mirror '" + src + "' '" + dest + "' 2>&1", &out), 0) << out;
}

void expect_mirrored(const std::string& src, const std::string& dest) {
  EXPECT_EQ(compare_trees(src, dest), "");
  EXPECT_TRUE(temp_files(dest).empty());
  expect_oracles_agree(src, dest);
}

// Each scenario runs local -> local and local -> ssh (the harness's sshd):
// in ssh mode a destination folder argument becomes ssh://user@127.0.0.1:PORT/folder.
bool g_ssh = false;

std::vector<std::string> mirror_args(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"mirror", "--settle", "0", "--quiet"};
  for (const std::string& a : args) {
    if (g_ssh && a.rfind("/tmp/gx-fsmirror-dest-", 0) == 0) {
      all.push_back(testing::shared_ssh_server().url(a));
    } else {
      all.push_back(a);
    }
  }
  if (g_ssh) {
    const testing::SshServer& sshd = testing::shared_ssh_server();
    all.insert(all.end(),
               {"--identity", sshd.user_key(), "--known-hosts", sshd.known_hosts(), "--remote-path", GALAXIS_BINARY});
  }
  return all;
}

RunResult mirror(const std::vector<std::string>& args) { return run_cli(mirror_args(args)); }

class Mirror : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { g_ssh = GetParam() == "ssh"; }
  void TearDown() override { g_ssh = false; }
};

nlohmann::json summary(const RunResult& r) {
  const size_t start = r.out.find('{');
  return start == std::string::npos ? nlohmann::json() : nlohmann::json::parse(r.out.substr(start));
}

void make_sample_tree(const std::string& src) {
  make_dirs(src + "/uploads/2024/05");
  make_dirs(src + "/sessions");
  write_file(src + "/uploads/2024/05/a.jpg", random_bytes(300000, 1));
  write_file(src + "/uploads/2024/05/empty", "");
  write_file(src + "/uploads/private.txt", "secret", 0600);
  write_file(src + "/uploads/run.sh", "#!/bin/sh\n", 0755);
  write_file(src + "/sessions/sess_1", "s1", 0600);
  ::symlink("2024/05/a.jpg", (src + "/uploads/latest.jpg").c_str());
  ::chmod((src + "/sessions").c_str(), 0700);
  set_mtime(src + "/uploads/private.txt", 1500000000);
}

TEST_P(Mirror, CopiesThenUpdatesThenDeletes) {
  TempDir src("src"), dest("dest");
  make_sample_tree(src.path());
  RunResult r = mirror({src.path(), dest.path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_mirrored(src.path(), dest.path());
  nlohmann::json j = summary(r);
  EXPECT_EQ(j["done"]["files"], 5);
  EXPECT_EQ(j["sequence"], 1);
  const nlohmann::json marker = nlohmann::json::parse(read_file(dest / ".galaxis-mirror/complete.json"));
  EXPECT_EQ(marker["sequence"], 1);
  EXPECT_EQ(marker["files"], 5);
  EXPECT_EQ(marker["bytes"], 300000 + 6 + 10 + 2);
  EXPECT_FALSE(marker["source_host"].get<std::string>().empty());

  // No change: nothing copied, marker sequence advances.
  r = mirror({src.path(), dest.path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = summary(r);
  EXPECT_EQ(j["done"]["files"], 0);
  EXPECT_EQ(j["done"]["deleted"], 0);
  EXPECT_EQ(j["sequence"], 2);

  // Change, add, chmod, retarget a link, delete (with --delete, within --max-delete).
  write_file(src / "uploads/2024/05/a.jpg", random_bytes(1000, 2));
  write_file(src / "uploads/new file", "n");
  ::chmod((src / "uploads/run.sh").c_str(), 0700);
  ::unlink((src / "uploads/latest.jpg").c_str());
  ::symlink("private.txt", (src / "uploads/latest.jpg").c_str());
  ::unlink((src / "sessions/sess_1").c_str());
  r = mirror({src.path(), dest.path(), "--delete", "--max-delete", "50%", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_mirrored(src.path(), dest.path());
  j = summary(r);
  EXPECT_EQ(j["done"]["deleted"], 1);
  EXPECT_EQ(j["done"]["files"], 2);
}

// The far side sends its index file unparsed (serve.cc): a corrupt one must
// make the sender scan DEST, as a local destination does, not fail the cycle.
TEST_P(Mirror, CorruptIndexFallsBackToScanningTheDestination) {
  TempDir src("src"), dest("dest");
  make_sample_tree(src.path());
  ASSERT_EQ(mirror({src.path(), dest.path()}).exit_code, 0);
  const std::string index = read_file(dest / ".galaxis-mirror/index");
  ASSERT_GT(index.size(), 100u);
  write_file(dest / ".galaxis-mirror/index", index.substr(0, index.size() / 2), 0600);  // truncated
  write_file(src / "uploads/2024/05/a.jpg", random_bytes(2000, 3));
  RunResult r = mirror({src.path(), dest.path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("ignoring"), std::string::npos) << r.err;
  EXPECT_EQ(summary(r)["done"]["files"], 1);
  expect_mirrored(src.path(), dest.path());
  // The cycle wrote a good index again: the next one trusts it.
  r = mirror({src.path(), dest.path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("ignoring"), std::string::npos) << r.err;
  EXPECT_EQ(summary(r)["done"]["files"], 0);
}

TEST_P(Mirror, ChecksumFindsSameSizeSameMtimeChanges) {
  TempDir src("src"), dest("dest");
  write_file(src / "f", "aaaa");
  write_file(src / "g", "gggg");
  set_mtime(src / "f", 1600000000);
  ASSERT_EQ(mirror({src.path(), dest.path()}).exit_code, 0);
  // Rewrite in place (same inode), same size, restore the mtime.
  write_file(src / "f", "bbbb");
  set_mtime(src / "f", 1600000000);
  RunResult r = mirror({src.path(), dest.path(), "--json"});
  EXPECT_EQ(summary(r)["done"]["files"], 0);  // size+mtime+inode equal: not noticed
  // The index of plain cycles holds no content hashes: --checksum hashes DEST.
  r = mirror({src.path(), dest.path(), "--json", "--checksum"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary(r)["done"]["files"], 1);
  expect_mirrored(src.path(), dest.path());
  // Now the index has them: the next --checksum cycle compares with it.
  write_file(src / "f", "cccc");
  set_mtime(src / "f", 1600000000);
  r = mirror({src.path(), dest.path(), "--json", "--checksum"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary(r)["done"]["files"], 1);
  expect_mirrored(src.path(), dest.path());
  r = mirror({src.path(), dest.path(), "--json"});
  EXPECT_EQ(summary(r)["done"]["files"], 0);
}

TEST_P(Mirror, HostileNamesAndSymlinksAreCopiedAsLinks) {
  TempDir src("src"), dest("dest"), outside("outside");
  const std::vector<std::string> names = {"with space",           "new\nline",           "-leading-dash", "--delete",
                                          "\xff\xfe-latin1-\xe9", std::string(255, 'L'), "back\\slash",   "*glob?[x]"};
  for (const std::string& n : names) write_file(src / n, n);
  std::string deep = src.path();
  for (int i = 0; i < 100; ++i) deep += "/d" + std::to_string(i % 10);
  make_dirs(deep);
  write_file(deep + "/bottom", "deep");
  make_dirs(src / "a/b");
  ::symlink("/etc", (src / "etc-link").c_str());
  ::symlink("../../outside", (src / "a/b/out").c_str());
  ::symlink(outside.path().c_str(), (src / "abs-outside").c_str());
  ::symlink("dangling/target", (src / "dangling").c_str());
  write_file(outside / "sentinel", "x");

  RunResult r = mirror({src.path(), dest.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_mirrored(src.path(), dest.path());
  struct stat st;
  ASSERT_EQ(::lstat((dest / "etc-link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(::lstat((dest / "a/b/out").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  // Nothing behind the links was read or written.
  EXPECT_EQ(walk_tree(outside.path()).size(), 2u);  // root + sentinel
  EXPECT_EQ(walk_tree(dest.path()).count("etc-link/passwd"), 0u);

  // DEST tampered with: a directory replaced by a symlink to elsewhere. The
  // writer must not follow it: with the index it fails, with --verify it replaces the link.
  write_file(src / "a/b/new", "new");
  std::filesystem::remove_all(dest / "a/b");
  ::symlink(outside.path().c_str(), (dest / "a/b").c_str());
  r = mirror({src.path(), dest.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("refusing to write through it"), std::string::npos) << r.err;
  EXPECT_EQ(walk_tree(outside.path()).size(), 2u);
  r = mirror({src.path(), dest.path(), "--verify"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_mirrored(src.path(), dest.path());
  EXPECT_EQ(walk_tree(outside.path()).size(), 2u);
}

// The index is what the next cycle trusts instead of looking at DEST: after
// every cycle it must describe DEST's nodes exactly (type, size, mtime, mode,
// link target), compared with an independent walk of DEST. The cycles cover
// what the index is built from: copies, kept excluded and (without --delete)
// extra nodes, a directory replaced by a file and a file by a directory,
// deletions, metadata-only changes.
void expect_index_matches(const std::string& dest) {
  const std::map<std::string, Node> walked = walk_tree(dest);
  const Index index = parse_index(read_file(dest + "/.galaxis-mirror/index"));
  std::map<std::string, Node> indexed;
  for (const Entry& e : index.entries) {
    Node n;
    n.type = e.meta.type == NodeType::kFile ? 'f' : e.meta.type == NodeType::kDir ? 'd' : 'l';
    n.mode = e.meta.mode;
    n.size = e.meta.type == NodeType::kDir ? 0 : e.meta.size;
    n.mtime_ns = e.meta.mtime_ns;
    n.target = e.meta.link_target;
    indexed.emplace(e.path, n);
  }
  for (const auto& [path, node] : walked) {
    if (path.empty()) continue;  // the root itself is not an entry
    auto it = indexed.find(path);
    if (it == indexed.end()) {
      ADD_FAILURE() << path << " is on DEST but not in the index";
      continue;
    }
    EXPECT_EQ(it->second.type, node.type) << path;
    if (node.type != 'l') {  // a link's mode means nothing
      EXPECT_EQ(it->second.mode, node.mode) << path;
    }
    if (node.type != 'd') {
      EXPECT_EQ(it->second.size, node.size) << path;
      EXPECT_EQ(it->second.mtime_ns, node.mtime_ns) << path;  // a directory's mtime: set after the index
    }
    EXPECT_EQ(it->second.target, node.target) << path;
    indexed.erase(it);
  }
  for (const auto& [path, node] : indexed) ADD_FAILURE() << path << " is in the index but not on DEST";
}

TEST_P(Mirror, IndexDescribesTheDestinationAfterEveryCycle) {
  TempDir src("src"), dest("dest");
  make_sample_tree(src.path());
  make_dirs(src / "cache/x");
  write_file(src / "cache/x/kept", "k");
  make_dirs(src / "becomes-file/sub");
  write_file(src / "becomes-file/sub/f", "under a directory that turns into a file");
  write_file(src / "becomes-dir", "a file that turns into a directory");
  for (int i = 0; i < 40; ++i) write_file(src / ("uploads/many-" + std::to_string(i)), random_bytes(100 + i, i));
  ASSERT_EQ(mirror({src.path(), dest.path()}).exit_code, 0);
  expect_index_matches(dest.path());

  // Excluded on DEST from now on (kept there); a directory becomes a file, a
  // file a directory; some files change, one only its mode; one is deleted.
  std::filesystem::remove_all(src / "becomes-file");
  write_file(src / "becomes-file", "now a file");
  ::unlink((src / "becomes-dir").c_str());
  make_dirs(src / "becomes-dir/inner");
  write_file(src / "becomes-dir/inner/g", "now below a directory");
  for (int i = 0; i < 40; i += 3)
    write_file(src / ("uploads/many-" + std::to_string(i)), random_bytes(900 + i, 100 + i));
  ::chmod((src / "uploads/many-1").c_str(), 0600);
  ::unlink((src / "uploads/many-2").c_str());
  std::filesystem::remove_all(src / "cache");
  RunResult r = mirror({src.path(), dest.path(), "--delete", "--max-delete", "100%", "--exclude", "cache/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dest / "cache/x/kept"));
  expect_index_matches(dest.path());

  // Without --delete: what the source dropped stays on DEST and in the index,
  // but a directory the source turned into a file goes with all below it.
  ::unlink((src / "uploads/many-4").c_str());
  std::filesystem::remove_all(src / "uploads/2024");
  write_file(src / "uploads/2024", "a file where a directory was");
  write_file(src / "uploads/many-5", random_bytes(77, 5));
  r = mirror({src.path(), dest.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dest / "uploads/many-4"));
  EXPECT_FALSE(std::filesystem::exists(dest / "uploads/2024/05"));
  expect_index_matches(dest.path());

  // And the index is right: a no-change cycle trusting it copies nothing and
  // a --verify cycle (scanning DEST) agrees.
  r = mirror({src.path(), dest.path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary(r)["done"]["files"], 0);
  r = mirror({src.path(), dest.path(), "--json", "--verify"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary(r)["done"]["files"], 0);
}

TEST_P(Mirror, ExcludeAndDryRun) {
  TempDir src("src"), dest("dest");
  make_sample_tree(src.path());
  make_dirs(src / "cache/x");
  write_file(src / "cache/x/big", "c");
  write_file(src / "uploads/x.tmp", "t");
  RunResult r = mirror({src.path(), dest / "sub", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("copy    uploads/2024/05/a.jpg (300000 bytes)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("symlink uploads/latest.jpg -> 2024/05/a.jpg"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dest / "sub"));
  r = mirror({src.path(), dest.path(), "--exclude", "cache/", "--exclude", "*.tmp"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dest / "cache"));
  EXPECT_FALSE(std::filesystem::exists(dest / "uploads/x.tmp"));
  // Apart from the excluded paths (and the mtimes of their directories), equal.
  std::filesystem::remove_all(src / "cache");
  ::unlink((src / "uploads/x.tmp").c_str());
  r = mirror({src.path(), dest.path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary(r)["done"]["files"], 0);
  expect_mirrored(src.path(), dest.path());
}

TEST_P(Mirror, DeleteGuardRefusesAndForceProceeds) {
  TempDir src("src"), dest("dest");
  make_dirs(src / "u");
  for (int i = 0; i < 20; ++i) write_file(src / ("u/f" + std::to_string(i)), std::to_string(i));
  ASSERT_EQ(mirror({src.path(), dest.path(), "--delete"}).exit_code, 0);
  const auto before = walk_tree(dest.path());

  // 50% deleted.
  for (int i = 0; i < 10; ++i) ::unlink((src / ("u/f" + std::to_string(i))).c_str());
  RunResult r = mirror({src.path(), dest.path(), "--delete"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("would delete 10 of the destination's 20 files (50.0%)"), std::string::npos) << r.err;
  EXPECT_EQ(walk_tree(dest.path()), before);
  r = mirror({src.path(), dest.path(), "--delete", "--max-delete", "10"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_mirrored(src.path(), dest.path());
  const auto half = walk_tree(dest.path());

  // Emptied source (even without --delete: the empty source is suspicious).
  std::filesystem::remove_all(src / "u");
  r = mirror({src.path(), dest.path(), "--delete"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("source root is empty"), std::string::npos) << r.err;
  EXPECT_EQ(walk_tree(dest.path()), half);

  // Missing source.
  r = mirror({src / "nonexistent", dest.path(), "--delete"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  EXPECT_EQ(walk_tree(dest.path()), half);

  // An empty file system mounted over the source; then one with the same files.
  make_dirs(src / "u");
  for (int i = 10; i < 20; ++i) write_file(src / ("u/f" + std::to_string(i)), std::to_string(i));
  ASSERT_EQ(shell("mount -t tmpfs -o size=1m gx-fsmirror-src '" + src.path() + "'"), 0);
  r = mirror({src.path(), dest.path(), "--delete"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(walk_tree(dest.path()), half);
  ASSERT_EQ(shell("cp -a '" + dest.path() + "/u' '" + src.path() + "/'"), 0);
  r = mirror({src.path(), dest.path(), "--delete"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("another file system"), std::string::npos) << r.err;
  EXPECT_EQ(walk_tree(dest.path()), half);
  // --force-delete proceeds (and remembers the new file system).
  ::unlink((src / "u/f10").c_str());
  r = mirror({src.path(), dest.path(), "--delete", "--force-delete"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_mirrored(src.path(), dest.path());
  r = mirror({src.path(), dest.path(), "--delete"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Mirror, SigkillMidCopyThenRerunConverges) {
  TempDir src("src"), dest("dest");
  write_file(src / "small", "s");
  ASSERT_EQ(mirror({src.path(), dest.path()}).exit_code, 0);
  const std::string big = random_bytes(24 << 20, 3);
  write_file(src / "big", big);
  write_file(src / "small", "changed");
  // --bwlimit makes the copy take ~6 s, so the kill lands mid-file for sure.
  Child child = start_cli(mirror_args({"--bwlimit", "4096", src.path(), dest.path()}));
  ASSERT_TRUE(wait_until(
      [&] {
        for (const std::string& t : temp_files(dest.path())) {
          struct stat st;
          if (::stat((dest / t).c_str(), &st) == 0 && st.st_size > (256 << 10)) return true;
        }
        return false;
      },
      // Generous: an ssh session takes seconds to start on a loaded 2-core machine.
      std::chrono::seconds(90)));
  ::kill(child.pid, SIGKILL);
  const RunResult killed = wait_cli(child);
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(dest / "big"));  // never visible partially
  if (!g_ssh) {
    // Locally the killed process leaves its temp file: the next run must clean it.
    // (Over ssh the far side sees the connection end and removes its own temp.)
    EXPECT_FALSE(temp_files(dest.path()).empty());
  }
  const RunResult r = mirror({src.path(), dest.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  if (!g_ssh) {
    EXPECT_NE(r.err.find("did not finish"), std::string::npos) << r.err;
  }
  expect_mirrored(src.path(), dest.path());
  EXPECT_EQ(read_file(dest / "big"), big);
}

// Files that replace existing ones are renamed on a pool of threads
// (task_pool.h) while the next files are copied: every one must be complete
// and in place, and every directory's mtime set after the renames into it.
TEST_P(Mirror, ReplacedFilesRenamedOnThePoolAreComplete) {
  TempDir src("src"), dest("dest");
  for (int d = 0; d < 4; ++d) make_dirs(src / ("d" + std::to_string(d)));
  for (int i = 0; i < 160; ++i) {
    write_file(src / ("d" + std::to_string(i % 4) + "/f" + std::to_string(i)),
               random_bytes(static_cast<size_t>(100 + (i * 7919) % 60000), static_cast<uint64_t>(i)));
  }
  ASSERT_EQ(mirror({src.path(), dest.path()}).exit_code, 0);
  expect_mirrored(src.path(), dest.path());
  for (int i = 0; i < 160; ++i) {  // same sizes, new bytes: every file replaced
    const std::string rel = "d" + std::to_string(i % 4) + "/f" + std::to_string(i);
    write_file(src / rel, random_bytes(static_cast<size_t>(100 + (i * 7919) % 60000), static_cast<uint64_t>(i + 1000)));
    set_mtime(src / rel, 1700000000 + i);
  }
  for (int d = 0; d < 4; ++d) set_mtime(src / ("d" + std::to_string(d)), 1600000000 + d);
  const RunResult r = mirror({src.path(), dest.path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary(r)["done"]["files"], 160);
  expect_mirrored(src.path(), dest.path());  // contents (SHA-256), sizes, modes and mtimes, directories too
}

// A rename that fails on the pool's thread fails the cycle with an error
// naming that file; no temp file is left, the marker stays at the last
// complete cycle, and once the cause is gone the next cycle converges.
TEST_P(Mirror, RenameFailureOnThePoolNamesThePathAndLeavesNoTemps) {
  TempDir src("src"), dest("dest");
  make_dirs(src / "d");
  for (int i = 0; i < 60; ++i)
    write_file(src / ("d/f" + std::to_string(i)), random_bytes(5000, static_cast<uint64_t>(i)));
  ASSERT_EQ(mirror({src.path(), dest.path()}).exit_code, 0);
  for (int i = 0; i < 60; ++i) {
    write_file(src / ("d/f" + std::to_string(i)), random_bytes(5000, static_cast<uint64_t>(i + 500)));
    set_mtime(src / ("d/f" + std::to_string(i)), 1700000000 + i);
  }
  // An immutable file cannot be replaced by rename, even by root.
  if (shell("chattr +i '" + dest / "d/f17" + "' 2>/dev/null") != 0) GTEST_SKIP() << "chattr +i not supported here";
  const RunResult r = mirror({src.path(), dest.path()});
  shell("chattr -i '" + dest / "d/f17" + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("rename into"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("d/f17"), std::string::npos) << r.err;
  EXPECT_TRUE(temp_files(dest.path()).empty());
  const nlohmann::json marker = nlohmann::json::parse(read_file(dest / ".galaxis-mirror/complete.json"));
  EXPECT_EQ(marker["sequence"], 1);
  ASSERT_EQ(mirror({src.path(), dest.path()}).exit_code, 0);
  expect_mirrored(src.path(), dest.path());
}

TEST_P(Mirror, FullDestinationFailsCleanly) {
  TempDir src("src"), dest("dest");
  write_file(src / "a-small", "small");
  write_file(src / "b-big", random_bytes(3 << 20, 4));
  make_dirs(dest / "d");
  ASSERT_EQ(shell("mount -t tmpfs -o size=1m gx-fsmirror-full '" + dest / "d" + "'"), 0);
  const RunResult r = mirror({src.path(), dest / "d"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no space left"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("b-big"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dest / "d/b-big"));
  EXPECT_TRUE(temp_files(dest / "d").empty());
  EXPECT_FALSE(std::filesystem::exists(dest / "d/.galaxis-mirror/complete.json"));
}

TEST(LocalMirror, FileStillBeingWrittenIsLeftForLaterAndMarkerStays) {
  TempDir src("src"), dest("dest");
  write_file(src / "old", "o");
  set_mtime(src / "old", 1600000000);
  ASSERT_EQ(run_cli({"mirror", "--quiet", "--settle", "5", src.path(), dest.path()}).exit_code, 0);
  const std::string marker = read_file(dest / ".galaxis-mirror/complete.json");
  write_file(src / "uploading", "part");  // modified just now: not settled
  write_file(src / "done", "d");
  set_mtime(src / "done", 1600000000);
  RunResult r = run_cli({"mirror", "--quiet", "--settle", "5", "--settle-wait", "0.2", src.path(), dest.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("still being written"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dest / "uploading"));
  EXPECT_EQ(read_file(dest / "done"), "d");
  EXPECT_EQ(read_file(dest / ".galaxis-mirror/complete.json"), marker) << "an incomplete cycle advanced the marker";
  // The index still describes DEST exactly: no dirty flag, so no DEST rescan next time.
  EXPECT_FALSE(std::filesystem::exists(dest / ".galaxis-mirror/dirty"));
  r = run_cli({"mirror", "--quiet", "--settle", "0", src.path(), dest.path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(compare_trees(src.path(), dest.path()), "");
}

// A local copy goes through copy_file_range; between two file systems (tmpfs
// SRC, DEST on /tmp) the kernel refuses it and the copy falls back to
// read/write. Both must give the same tree.
TEST(LocalMirror, SourceOnAnotherFileSystemIsCopiedByReadWrite) {
  char shm[] = "/dev/shm/gx-fsmirror-src-XXXXXX";
  if (::mkdtemp(shm) == nullptr) GTEST_SKIP() << "no /dev/shm";
  const std::string src = shm;
  TempDir dest("dest");
  make_dirs(src + "/a/b");
  write_file(src + "/a/b/big", random_bytes(3 << 20, 7));
  write_file(src + "/a/small", "s");
  write_file(src + "/empty", "");
  RunResult r = run_cli({"mirror", "--quiet", "--settle", "0", src, dest.path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_mirrored(src, dest.path());
  write_file(src + "/a/b/big", random_bytes(1 << 20, 8));
  r = run_cli({"mirror", "--quiet", "--settle", "0", src, dest.path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_mirrored(src, dest.path());
  std::filesystem::remove_all(src);
}

TEST(LocalMirror, ConfigFileAndUsageErrors) {
  TempDir src("src"), dest("dest");
  write_file(src / "f", "f");
  const std::string config = dest.path() + ".toml";
  write_file(config, "source = \"mysql://x@db:3306\"\n[mirror]\nsource = \"" + src.path() + "\"\ndest = \"" +
                         dest.path() + "\"\nsettle = 0\nexclude = [\"*.tmp\"]\n");
  RunResult r = run_cli({"mirror", "--quiet", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(compare_trees(src.path(), dest.path()), "");
  r = run_cli({"mirror", src.path()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_cli({"mirror", src.path(), dest.path(), "--max-delete", "lots"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  ::unlink(config.c_str());
}

// Over ssh the far side's index is cached on this side between runs: a
// cycle after one that left the index as it was (or wrote the index this
// side sent) gets "unchanged" instead of the bytes. A cache the far side's
// index moved away from (another writer), or a damaged one, costs a
// transfer, never a wrong cycle.
TEST(SshMirror, UnchangedIndexIsNotSentAgainAndAStaleOrDamagedCacheIsNotTrusted) {
  struct SshMode {
    SshMode() { g_ssh = true; }
    ~SshMode() { g_ssh = false; }
  } ssh_mode;
  TempDir src("src"), dest("dest"), cache("cache");
  ASSERT_EQ(::setenv("XDG_CACHE_HOME", cache.path().c_str(), 1), 0);
  struct Unset {
    ~Unset() { ::unsetenv("XDG_CACHE_HOME"); }
  } unset;
  std::string last_err;
  const auto cycle = [&](bool* cached) {
    std::vector<std::string> args = {"--log-level", "debug"};
    for (const std::string& a : mirror_args({src.path(), dest.path(), "--json"})) args.push_back(a);
    const RunResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    *cached = r.err.find("unchanged since the cached copy") != std::string::npos;
    last_err = r.err;
    expect_mirrored(src.path(), dest.path());
    return summary(r)["done"]["files"].get<int>();
  };
  make_sample_tree(src.path());
  bool cached = true;
  EXPECT_EQ(cycle(&cached), 5);
  EXPECT_FALSE(cached);  // nothing cached before the first cycle
  EXPECT_EQ(cycle(&cached), 0);
  EXPECT_TRUE(cached) << "the first cycle's index (sent by this side) was not cached";
  write_file(src / "uploads/private.txt", "changed", 0600);
  EXPECT_EQ(cycle(&cached), 1);
  EXPECT_TRUE(cached);
  EXPECT_EQ(cycle(&cached), 0);
  EXPECT_TRUE(cached) << "the index written by the last cycle was not cached";

  // Another writer rewrites DEST's index (a local mirror into the same
  // folder): the cached copy is stale and must not be used.
  write_file(src / "uploads/run.sh", "#!/bin/sh\necho 2\n", 0755);
  const RunResult local = run_cli({"mirror", "--settle", "0", "--quiet", src.path(), dest.path()});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_EQ(cycle(&cached), 0);
  EXPECT_FALSE(cached) << "a stale cached index was trusted";

  // A damaged cache whose identity still matches: loaded again from DEST.
  std::vector<std::string> files;
  for (const auto& f : std::filesystem::recursive_directory_iterator(cache.path())) {
    if (f.path().extension() == ".index") files.push_back(f.path());
  }
  ASSERT_EQ(files.size(), 1u);
  std::string bytes = read_file(files[0]);
  ASSERT_GT(bytes.size(), 200u);
  bytes.resize(bytes.size() - 100);  // the index part truncated, the identity intact
  write_file(files[0], bytes, 0600);
  write_file(src / "uploads/new", "n");
  EXPECT_EQ(cycle(&cached), 1);
  EXPECT_NE(last_err.find("ignoring the cached index"), std::string::npos) << last_err;
  EXPECT_EQ(cycle(&cached), 0);
  EXPECT_TRUE(cached);
}

INSTANTIATE_TEST_SUITE_P(Destinations, Mirror, ::testing::Values("local", "ssh"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace galaxis::fsmirror::test
