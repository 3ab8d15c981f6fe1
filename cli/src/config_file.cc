// --config merging (config_file.h).
#include "config_file.h"

#include <vector>

#include "galaxis/common/error.h"

namespace galaxis::cli {

void merge_config_file(CLI::App& command, const std::string& path) {
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(path);
  } catch (const CLI::Error& e) {
    throw_error(Error::Kind::kUsage, "--config {}: {}", path, e.what());
  }
  const std::string name = command.get_name();
  bool has_own_section = false;
  for (const CLI::ConfigItem& item : items) {
    if (item.parents.size() == 1 && item.parents[0] == name && item.name != "++" && item.name != "--") {
      has_own_section = true;
    }
  }
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    const bool own_section = item.parents.size() == 1 && item.parents[0] == name;
    // A section for another command ([run] in a file read by `mirror`): not ours.
    if (!item.parents.empty() && !own_section && item.parents.size() == 1 &&
        (item.parents[0] == "run" || item.parents[0] == "mirror")) {
      continue;
    }
    // `mirror` with its own [mirror] section reads only that section: the
    // top level then belongs to `run` (whose `source` is a database URL).
    if (item.parents.empty() && has_own_section && name == "mirror") continue;
    const std::string key = item.parents.empty() || own_section ? item.name : item.fullname();
    CLI::Option* option = nullptr;
    try {
      option = command.get_option("--" + key);
    } catch (const CLI::Error&) {
      throw_error(Error::Kind::kUsage, "--config {}: unknown key '{}' (keys are the flags of `{}` without --)", path,
                  item.fullname(), name);
    }
    if (key == "config") throw_error(Error::Kind::kUsage, "--config {}: a config file cannot name another", path);
    if (option->count() > 0) continue;  // the command line wins
    try {
      for (const std::string& input : item.inputs) option->add_result(input);
      option->run_callback();
    } catch (const CLI::Error& e) {
      throw_error(Error::Kind::kUsage, "--config {}: {}: {}", path, key, e.what());
    }
  }
}

}  // namespace galaxis::cli
