// tests/unit/relay_client/replay_source.h — a BinlogSource that replays real MySQL
// 9.7 binlog files from the corpus (tests/data/binlog/mysql-9.7-live) like a
// master would, with injectable failures. Used by the ReplicationStream and
// the Pipeline/daemon unit tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "galaxis/binlog/file_reader.h"
#include "galaxis/relay/binlog_source.h"

namespace galaxis::relay {

inline const std::string kCorpus = std::string(GALAXIS_SOURCE_DIR) + "/tests/data/binlog/mysql-9.7-live/";

// Replays binlog files like a master would: at open() the FDE of the start
// file (artificial when starting mid-file), then the events from the start
// offset, following ROTATE into the next file, then the end (non-blocking).
class ReplaySource : public BinlogSource {
 public:
  explicit ReplaySource(std::vector<std::string> names) : names_(std::move(names)) {}

  void open(const StartPosition& from) override {
    ++opens;
    file_index_ = 0;
    if (!from.file.empty()) {
      while (file_index_ < names_.size() && names_[file_index_] != from.file) ++file_index_;
      if (file_index_ == names_.size()) throw Error(Error::Kind::kServer, "unknown file " + from.file);
    }
    open_file(from.file.empty() ? 4 : from.offset);
  }

  std::optional<SourceEvent> next() override {
    if (fail_after_events >= 0 && delivered_ == fail_after_events) {
      fail_after_events = -1;
      throw Error(failure_kind, "injected failure");
    }
    if (pending_fde_) {
      pending_fde_ = false;
      ++delivered_;
      return SourceEvent{fde_, names_[file_index_], position_.offset, position_.offset, true};
    }
    auto raw = reader_->next();
    if (!raw) return std::nullopt;
    bytes_.assign(raw->bytes.begin(), raw->bytes.end());
    SourceEvent out{bytes_, names_[file_index_], raw->offset, raw->offset + raw->bytes.size(), false};
    position_.offset = out.next_position;
    name_ = names_[file_index_];
    if (bytes_[4] == 4 /* ROTATE */ && file_index_ + 1 < names_.size()) {
      ++file_index_;
      open_file(4);
      pending_fde_ = false;
    }
    ++delivered_;
    out.file = name_;
    return out;
  }

  void close() override {}
  std::string describe() const override { return "replay"; }
  binlog::BinlogPosition position() const override { return position_; }

  int fail_after_events = -1;  // throw before the (n+1)-th event delivered since construction
  Error::Kind failure_kind = Error::Kind::kNetwork;
  int opens = 0;

 private:
  void open_file(uint64_t offset) {
    reader_ = std::make_unique<binlog::BinlogFileReader>(kCorpus + names_[file_index_]);
    auto fde = reader_->next();
    fde_.assign(fde->bytes.begin(), fde->bytes.end());
    position_ = binlog::BinlogPosition{names_[file_index_], offset, ""};
    if (offset > 4) {
      reader_->seek(offset);
      pending_fde_ = true;  // re-sent, artificial
    } else {
      reader_->seek(4);
      pending_fde_ = false;
    }
  }

  std::vector<std::string> names_;
  size_t file_index_ = 0;
  std::unique_ptr<binlog::BinlogFileReader> reader_;
  std::vector<uint8_t> fde_;
  std::vector<uint8_t> bytes_;
  bool pending_fde_ = false;
  std::string name_;
  binlog::BinlogPosition position_;
  int delivered_ = 0;
};

inline const std::vector<std::string> kFiles = {"binlog.000001", "binlog.000002", "binlog.000003"};

}  // namespace galaxis::relay
