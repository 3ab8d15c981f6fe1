// Unit tests of fsmirror's pure parts: paths, excludes, index, plan, guard.
#include <gtest/gtest.h>

#include "galaxis/common/error.h"
#include "galaxis/fsmirror/exclude.h"
#include "galaxis/fsmirror/guard.h"
#include "galaxis/fsmirror/index.h"
#include "galaxis/fsmirror/plan.h"
#include "galaxis/fsmirror/rel_path.h"

namespace galaxis::fsmirror {
namespace {

TEST(RelPath, AcceptsOrdinaryAndHostileButSafeNames) {
  EXPECT_NO_THROW(check_rel_path("a"));
  EXPECT_NO_THROW(check_rel_path("a b/-x/\n/\xff\xfe"));
  EXPECT_NO_THROW(check_rel_path("..."));
  EXPECT_NO_THROW(check_rel_path(std::string(255, 'n')));
}

TEST(RelPath, RefusesEscapes) {
  for (const std::string bad : {"", "/etc/passwd", "..", "a/../b", "a/..", "./a", "a//b", "a/", "a/./b"}) {
    EXPECT_THROW(check_rel_path(bad), Error) << bad;
  }
  EXPECT_THROW(check_rel_path(std::string("a\0b", 3)), Error);
  EXPECT_THROW(check_rel_path(std::string(256, 'n')), Error);
  EXPECT_THROW(check_rel_path(std::string(5000, 'a')), Error);
}

TEST(RelPath, SplitsAndPrints) {
  EXPECT_EQ(parent_of("a/b/c"), "a/b");
  EXPECT_EQ(parent_of("c"), "");
  EXPECT_EQ(base_name("a/b/c"), "c");
  EXPECT_EQ(split_rel_path("a/b/c").size(), 3u);
  EXPECT_EQ(printable_path("a\nb\xff\\"), "a\\x0ab\\xff\\x5c");
}

TEST(Exclude, RsyncLikeRules) {
  ExcludeSet ex({"cache/", "*.tmp", "/logs", "sessions/sess_*", "debugbar/"});
  EXPECT_TRUE(ex.excluded("cache", true));
  EXPECT_TRUE(ex.excluded("a/b/cache", true));
  EXPECT_FALSE(ex.excluded("cache", false));  // dirs only
  EXPECT_TRUE(ex.excluded("x.tmp", false));
  EXPECT_TRUE(ex.excluded("d/x.tmp", false));
  EXPECT_TRUE(ex.excluded("logs", true));
  EXPECT_FALSE(ex.excluded("a/logs", true));  // anchored
  EXPECT_TRUE(ex.excluded("sessions/sess_1", false));
  EXPECT_TRUE(ex.excluded("w/sessions/sess_1", false));
  EXPECT_FALSE(ex.excluded("sessions/x", false));
  EXPECT_FALSE(ex.excluded("uploads/a.jpg", false));
  EXPECT_TRUE(ExcludeSet({"a/**/z"}).excluded("a/b/c/z", false));
  EXPECT_THROW(ExcludeSet({"/"}), Error);
}

Entry file(const std::string& path, uint64_t size, int64_t mtime, uint64_t inode = 0) {
  Entry e;
  e.path = path;
  e.meta.type = NodeType::kFile;
  e.meta.mode = 0644;
  e.meta.size = size;
  e.meta.mtime_ns = mtime;
  e.inode = inode;
  return e;
}
Entry dir(const std::string& path, int64_t mtime = 5) {
  Entry e;
  e.path = path;
  e.meta.type = NodeType::kDir;
  e.meta.mode = 0755;
  e.meta.mtime_ns = mtime;
  return e;
}
Entry link(const std::string& path, const std::string& target) {
  Entry e;
  e.path = path;
  e.meta.type = NodeType::kSymlink;
  e.meta.link_target = target;
  e.meta.size = target.size();
  e.meta.mtime_ns = 1;
  return e;
}

TEST(Index, RoundTripsHostileEntries) {
  Index index;
  index.source_dev = 0x801;
  index.sequence = 7;
  index.entries = {file("a\nb", 10, -5, 99), dir("d\xff"), link("d\xff/l", "../../outside")};
  index.entries[0].hash[3] = 0xab;
  index.entries[0].meta.user = "www-data";
  std::sort(index.entries.begin(), index.entries.end(), [](auto& a, auto& b) { return a.path < b.path; });
  const Index back = parse_index(serialize_index(index));
  ASSERT_EQ(back.entries.size(), 3u);
  EXPECT_EQ(back.source_dev, 0x801u);
  EXPECT_EQ(back.sequence, 7u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back.entries[i].path, index.entries[i].path);
    EXPECT_EQ(back.entries[i].meta.mtime_ns, index.entries[i].meta.mtime_ns);
    EXPECT_EQ(back.entries[i].meta.link_target, index.entries[i].meta.link_target);
    EXPECT_EQ(back.entries[i].hash, index.entries[i].hash);
    EXPECT_EQ(back.entries[i].meta.user, index.entries[i].meta.user);
  }
}

TEST(Index, RefusesDamage) {
  Index index;
  index.entries = {file("a", 1, 1)};
  const std::string bytes = serialize_index(index);
  for (size_t cut = 0; cut < bytes.size(); ++cut) EXPECT_THROW(parse_index(bytes.substr(0, cut)), Error) << cut;
  std::string evil = bytes;
  const size_t at = bytes.find('a', 8 + 24 + 4);
  evil.replace(at, 1, "/");  // "/": absolute path
  EXPECT_THROW(parse_index(evil), Error);
}

std::vector<StepKind> kinds(const Plan& plan) {
  std::vector<StepKind> out;
  for (const Step& s : plan.steps) out.push_back(s.kind);
  return out;
}

TEST(Plan, NothingChangedIsEmpty) {
  const std::vector<Entry> tree = {dir("d"), file("d/a", 3, 10, 1), link("l", "/etc")};
  EXPECT_TRUE(compute_plan(tree, tree, {}).empty());
}

TEST(Plan, OrdersAdditionsBeforeDeletesAndDirMetaLast) {
  const std::vector<Entry> source = {dir("d"), file("d/new", 3, 10), file("keep", 1, 1)};
  const std::vector<Entry> dest = {dir("d"),    file("d/old", 3, 10), file("keep", 1, 1),
                                   dir("gone"), file("gone/x", 1, 1), file("gone/y", 1, 1)};
  PlanOptions options;
  options.delete_extra = true;
  const Plan plan = compute_plan(source, dest, options);
  // copy d/new; deletes deepest first (gone, d/old) — gone's contents go with it; then d's mtime.
  EXPECT_EQ(kinds(plan),
            (std::vector<StepKind>{StepKind::kCopyFile, StepKind::kDelete, StepKind::kDelete, StepKind::kDirMeta}));
  EXPECT_EQ(plan.steps[1].entry.path, "gone");
  EXPECT_EQ(plan.steps[2].entry.path, "d/old");
  EXPECT_EQ(plan.counts.delete_files, 3u);  // d/old, gone/x, gone/y
  options.delete_extra = false;
  EXPECT_EQ(compute_plan(source, dest, options).counts.deletes, 0u);
}

TEST(Plan, DetectsChangesBySizeMtimeInodeAndHash) {
  const std::vector<Entry> dest = {file("f", 3, 10, 7)};
  EXPECT_EQ(compute_plan({file("f", 4, 10, 7)}, dest, {}).counts.files, 1u);
  EXPECT_EQ(compute_plan({file("f", 3, 11, 7)}, dest, {}).counts.files, 1u);
  EXPECT_EQ(compute_plan({file("f", 3, 10, 8)}, dest, {}).counts.files, 1u);  // replaced by rename
  Entry moded = file("f", 3, 10, 7);
  moded.meta.mode = 0600;
  const Plan meta = compute_plan({moded}, dest, {});
  EXPECT_EQ(meta.counts.files, 0u);
  EXPECT_EQ(meta.counts.meta, 1u);
  // --checksum: same size+mtime, different hash -> copy; same hash, other mtime -> meta only.
  Entry s = file("f", 3, 10, 7), d = file("f", 3, 10, 7);
  s.hash[0] = 1;
  d.hash[0] = 2;
  PlanOptions checksum;
  checksum.checksum = true;
  EXPECT_EQ(compute_plan({s}, {d}, checksum).counts.files, 1u);
  d.hash[0] = 1;
  d.meta.mtime_ns = 99;
  const Plan same = compute_plan({s}, {d}, checksum);
  EXPECT_EQ(same.counts.files, 0u);
  EXPECT_EQ(same.counts.meta, 1u);
}

TEST(Plan, TypeChangesAndSymlinks) {
  const Plan p = compute_plan({file("x", 1, 1), link("y", "../../outside")},
                              {dir("x"), file("x/in", 1, 1), file("y", 1, 1)}, PlanOptions{.delete_extra = true});
  ASSERT_EQ(p.steps.size(), 2u);  // x/in goes with the replaced directory
  EXPECT_TRUE(p.steps[0].replaces_other_type);
  EXPECT_EQ(p.steps[1].kind, StepKind::kMakeSymlink);
  EXPECT_EQ(compute_plan({link("y", "a")}, {link("y", "b")}, {}).counts.symlinks, 1u);
}

TEST(Plan, ExcludedDestinationPathsAreKept) {
  ExcludeSet ex({"cache/"});
  PlanOptions options;
  options.delete_extra = true;
  options.excludes = &ex;
  const Plan p = compute_plan({}, {dir("cache"), file("cache/x", 1, 1), file("other", 1, 1)}, options);
  ASSERT_EQ(p.counts.deletes, 1u);
  EXPECT_EQ(p.steps[0].entry.path, "other");
}

TEST(Guard, MaxDeleteParsing) {
  EXPECT_TRUE(parse_max_delete("10%").percent);
  EXPECT_EQ(parse_max_delete("500").value, 500);
  for (const char* bad : {"", "%", "-1", "x", "101%", "1.5"}) EXPECT_THROW(parse_max_delete(bad), Error) << bad;
}

TEST(Guard, RefusesWithNumbers) {
  GuardInput in;
  in.source_nodes = 10;
  in.dest_files = in.dest_nodes = 100;
  in.delete_files = 50;
  in.max_delete = parse_max_delete("10%");
  const auto refusal = check_guard(in);
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->find("50 of the destination's 100 files"), std::string::npos) << *refusal;
  in.delete_files = 10;
  EXPECT_FALSE(check_guard(in));
  in.max_delete = parse_max_delete("5");
  EXPECT_TRUE(check_guard(in));
  in.force = true;
  EXPECT_FALSE(check_guard(in));
  in = GuardInput{};
  in.source_nodes = 0;
  in.dest_nodes = 3;
  EXPECT_TRUE(check_guard(in));  // empty source
  in.source_exists = false;
  EXPECT_TRUE(check_guard(in));
  in = GuardInput{};
  in.source_nodes = 1;
  in.source_dev = 2;
  in.last_source_dev = 3;
  EXPECT_TRUE(check_guard(in));  // other file system
  in.last_source_dev = 0;
  EXPECT_FALSE(check_guard(in));
}

}  // namespace
}  // namespace galaxis::fsmirror
