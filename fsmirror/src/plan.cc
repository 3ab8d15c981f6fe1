// compute_plan (plan.h): a merge join of two path-sorted lists.
#include "galaxis/fsmirror/plan.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "galaxis/fsmirror/rel_path.h"

namespace galaxis::fsmirror {
namespace {

bool under(std::string_view path, std::string_view dir) {
  return !dir.empty() && path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

bool same_owner(const Meta& a, const Meta& b) {
  if (!a.user.empty() && !b.user.empty() && !a.group.empty() && !b.group.empty()) {
    return a.user == b.user && a.group == b.group;
  }
  return a.uid == b.uid && a.gid == b.gid;
}

// Excluded itself or below an excluded directory.
bool excluded_with_ancestors(const ExcludeSet* excludes, const Entry& e) {
  if (excludes == nullptr || excludes->empty()) return false;
  if (excludes->excluded(e.path, e.meta.type == NodeType::kDir)) return true;
  for (size_t pos = e.path.find('/'); pos != std::string::npos; pos = e.path.find('/', pos + 1)) {
    if (excludes->excluded(std::string_view(e.path).substr(0, pos), true)) return true;
  }
  return false;
}

}  // namespace

bool Plan::empty() const { return steps.empty(); }

Plan compute_plan(const std::vector<Entry>& source, const std::vector<Entry>& dest, const PlanOptions& options) {
  std::vector<Step> make_dirs, copies, metas, deletes;
  std::vector<const Entry*> source_dirs;
  std::unordered_set<std::string> dirty_dirs;  // directories whose mode/mtime must be (re)set
  PlanCounts counts;
  auto touch_parent = [&](const std::string& path) { dirty_dirs.insert(std::string(parent_of(path))); };

  std::string deleted_dir;   // dest-only directory being deleted: its contents go with it
  std::string replaced_dir;  // dest directory replaced by a non-directory: same
  size_t i = 0, j = 0;
  while (i < source.size() || j < dest.size()) {
    const int order = i == source.size() ? 1 : j == dest.size() ? -1 : source[i].path.compare(dest[j].path);
    if (order > 0) {  // only on the destination
      const Entry& d = dest[j++];
      if (under(d.path, replaced_dir)) continue;
      if (under(d.path, deleted_dir)) {
        if (d.meta.type != NodeType::kDir) ++counts.delete_files;
        continue;
      }
      if (!options.delete_extra || excluded_with_ancestors(options.excludes, d)) continue;
      deletes.push_back(Step{StepKind::kDelete, d, false});
      ++counts.deletes;
      if (d.meta.type == NodeType::kDir) {
        deleted_dir = d.path;
      } else {
        ++counts.delete_files;
      }
      touch_parent(d.path);
      continue;
    }
    const Entry& s = source[i++];
    const Entry* d = nullptr;
    if (order == 0) d = &dest[j++];
    const bool other_type = d != nullptr && d->meta.type != s.meta.type;
    if (other_type && d->meta.type == NodeType::kDir) replaced_dir = d->path;
    const bool missing = d == nullptr || other_type;
    const Meta& sm = s.meta;
    switch (sm.type) {
      case NodeType::kDir: {
        source_dirs.push_back(&s);
        if (missing) {
          make_dirs.push_back(Step{StepKind::kMakeDir, s, other_type});
          ++counts.dirs;
          touch_parent(s.path);
          dirty_dirs.insert(s.path);
        } else if (d->meta.mode != sm.mode || d->meta.mtime_ns != sm.mtime_ns ||
                   (options.owners && !same_owner(d->meta, sm))) {
          dirty_dirs.insert(s.path);
        }
        break;
      }
      case NodeType::kFile: {
        bool copy = missing;
        if (!copy) {
          if (options.checksum && hash_known(s.hash) && hash_known(d->hash)) {
            copy = s.hash != d->hash;
          } else {
            copy = d->meta.size != sm.size || d->meta.mtime_ns != sm.mtime_ns ||
                   (d->inode != 0 && s.inode != 0 && d->inode != s.inode);
          }
        }
        if (copy) {
          copies.push_back(Step{StepKind::kCopyFile, s, other_type});
          ++counts.files;
          counts.bytes += sm.size;
          touch_parent(s.path);
        } else if (d->meta.mode != sm.mode || d->meta.mtime_ns != sm.mtime_ns ||
                   (options.owners && !same_owner(d->meta, sm))) {
          metas.push_back(Step{StepKind::kSetMeta, s, false});
          ++counts.meta;
        }
        break;
      }
      case NodeType::kSymlink: {
        if (missing || d->meta.link_target != sm.link_target) {
          copies.push_back(Step{StepKind::kMakeSymlink, s, other_type});
          ++counts.symlinks;
          touch_parent(s.path);
        } else if (d->meta.mtime_ns != sm.mtime_ns || (options.owners && !same_owner(d->meta, sm))) {
          metas.push_back(Step{StepKind::kSetMeta, s, false});
          ++counts.meta;
        }
        break;
      }
    }
  }

  Plan plan;
  plan.counts = counts;
  plan.steps.reserve(make_dirs.size() + copies.size() + metas.size() + deletes.size() + dirty_dirs.size());
  for (Step& s : make_dirs) plan.steps.push_back(std::move(s));
  for (Step& s : copies) plan.steps.push_back(std::move(s));
  for (Step& s : metas) plan.steps.push_back(std::move(s));
  // Deepest first: reverse path order puts "a/b" before "a".
  for (auto it = deletes.rbegin(); it != deletes.rend(); ++it) plan.steps.push_back(std::move(*it));
  for (auto it = source_dirs.rbegin(); it != source_dirs.rend(); ++it) {
    if (dirty_dirs.count((*it)->path) != 0) plan.steps.push_back(Step{StepKind::kDirMeta, **it, false});
  }
  return plan;
}

}  // namespace galaxis::fsmirror
