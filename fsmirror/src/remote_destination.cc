// RemoteDestination (remote_destination.h).
#include "galaxis/fsmirror/remote_destination.h"

#include <optional>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/fsmirror/index.h"
#include "index_cache.h"

namespace galaxis::fsmirror {
namespace {

using protocol::FrameType;

constexpr size_t kMaxBlob = size_t{4} << 30;
constexpr size_t kDataChunk = 1 << 20;

class RemoteDestination;

class RemoteFileSink : public FileSink {
 public:
  RemoteFileSink(RemoteDestination& owner, std::string path) : owner_(owner), path_(std::move(path)) {}
  ~RemoteFileSink() override { abort(); }
  void write(const uint8_t* data, size_t size) override;
  void commit(const Entry& entry) override;
  void abort() noexcept override;

 private:
  void send_chunk(std::string_view chunk);
  RemoteDestination& owner_;
  std::string path_;
  std::string pending_;
  bool open_ = true;
  bool compressible_ = true;  // until a chunk of this file did not shrink
};

class RemoteDestination : public Destination {
 public:
  RemoteDestination(ByteStream& stream, std::string describe, DestinationOptions options,
                    const std::string& index_cache_dir)
      : conn_(stream), describe_(std::move(describe)), options_(options) {
    if (!index_cache_dir.empty()) cache_.emplace(index_cache_dir, describe_);
  }

  // Says goodbye and waits for the answer: the far side has released the
  // destination's lock by then, so the transport may be torn down without
  // waiting for the far process to exit (ssh.cc).
  ~RemoteDestination() override {
    try {
      read_hello_answer();  // throws if the far side never opened: nothing to close then
      drain_after_failure();
      conn_.send(FrameType::kBye, "");
      Frame frame;
      conn_.flush();
      while (conn_.receive(&frame) && frame.type != FrameType::kOk && frame.type != FrameType::kError) {
      }
    } catch (const Error&) {
      // The far side is gone already; nothing to say goodbye to.
    }
  }

  std::string describe() const override { return describe_; }

  void open(bool read_only) override {
    std::string hello(8, '\0');
    for (int i = 0; i < 4; ++i) hello[i] = static_cast<char>((protocol::kVersion >> (8 * i)) & 0xff);
    hello[4] = read_only;
    hello[5] = options_.fsync;
    hello[6] = options_.set_owner;
    hello[7] = options_.numeric_ids;
    // A 9th byte only when asked for, so a plain mirror still talks to an
    // older far side (which refuses a 9-byte HELLO by its length).
    if (options_.atomic_tree) hello += '\1';
    conn_.send(FrameType::kHello, hello);
    // Not waited for here: the first requests of a cycle (LOAD_INDEX,
    // READ_MARKER) follow in the same write, and the answers are read in
    // order (each round trip waits for the far process to be scheduled, which
    // on a loaded machine is milliseconds each).
    hello_pending_ = true;
  }

  std::optional<Index> load_index() override {
    drain_after_failure();
    prefetched_marker_.reset();
    std::string cached_identity, cached_bytes;
    if (cache_) cache_->load(&cached_identity, &cached_bytes);
    conn_.send(FrameType::kLoadIndex, cached_identity);
    // A cycle reads the completion marker right after the index: ask for
    // both at once.
    conn_.send(FrameType::kReadMarker, "");
    std::string blob;
    try {
      blob = receive_blob("loading the index");
      expect_ok("loading the index");
    } catch (const Error&) {
      // Keep the stream in step (--watch retries on this connection): the
      // marker's answer follows the index's error.
      try {
        receive_blob("reading the completion marker");
        expect_ok("reading the completion marker");
      } catch (const Error& e) {
        log::debug("mirror: the completion marker's answer after a failed index load: {}", e.what());
      }
      throw;
    }
    prefetched_marker_ = receive_blob("reading the completion marker");
    expect_ok("reading the completion marker");
    return index_from_answer(blob, cached_bytes);
  }

  // The index a LOAD_INDEX answer stands for (protocol.h): none, the bytes
  // sent, or the cached copy the far side confirmed as current.
  std::optional<Index> index_from_answer(const std::string& blob, const std::string& cached_bytes) {
    protocol::IndexAnswer answer;
    try {
      answer = protocol::parse_index_answer(blob);
    } catch (Error& e) {
      e.add_context(describe_);
      throw;
    }
    if (answer.kind == protocol::IndexAnswerKind::kNone) {
      if (cache_) cache_->forget();
      return std::nullopt;
    }
    if (answer.kind == protocol::IndexAnswerKind::kUnchanged) {
      log::debug("mirror: the index of {} is unchanged since the cached copy ({} bytes not sent)", describe_,
                 cached_bytes.size());
      try {
        return parse_index(cached_bytes);
      } catch (const Error& e) {
        if (e.kind() != Error::Kind::kCorrupt || !cache_) throw;
        log::warn("mirror: ignoring the cached index {} ({}); loading it from {}", cache_->path(), e.what(), describe_);
        cache_->forget();
        conn_.send(FrameType::kLoadIndex, "");  // an empty identity never matches: the bytes come
        const std::string again = receive_blob("loading the index");
        expect_ok("loading the index");
        if (protocol::parse_index_answer(again).kind == protocol::IndexAnswerKind::kUnchanged) {
          throw_error(Error::Kind::kCorrupt, "{}: index answer 'unchanged' to an empty identity", describe_);
        }
        return index_from_answer(again, "");
      }
    }
    // The far side sends its index file unparsed: a corrupt one is treated
    // as a local destination treats it (warn, scan DEST instead).
    try {
      Index index = parse_index(answer.bytes);
      if (cache_) cache_->store(answer.identity, answer.bytes);
      return index;
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::kCorrupt) throw;
      log::warn("mirror: ignoring the index of {} ({}); scanning the destination", describe_, e.what());
      if (cache_) cache_->forget();
      return std::nullopt;
    }
  }

  ScanResult scan(bool hash_files) override {
    drain_after_failure();
    prefetched_marker_.reset();
    conn_.send(FrameType::kScan, std::string(1, hash_files ? '\1' : '\0'));
    const std::string blob = receive_blob("scanning the destination");
    expect_ok("scanning the destination");
    ScanResult result;
    result.root_exists = true;
    result.entries = parse_index(blob).entries;
    return result;
  }

  void begin_cycle() override {
    prefetched_marker_.reset();
    conn_.send(FrameType::kBeginCycle, "");
  }

  void make_dir(const Entry& entry, bool replace) override {
    std::string p;
    append_entry(p, entry);
    p += replace ? '\1' : '\0';
    conn_.send(FrameType::kMakeDir, p);
  }

  std::unique_ptr<FileSink> open_file(const std::string& path) override {
    conn_.send(FrameType::kFileOpen, path);
    return std::make_unique<RemoteFileSink>(*this, path);
  }

  void make_symlink(const Entry& entry) override { send_entry(FrameType::kSymlink, entry); }
  void set_meta(const Entry& entry) override { send_entry(FrameType::kSetMeta, entry); }
  void remove(const Entry& entry) override {
    drain();  // every addition confirmed before anything is deleted
    send_entry(FrameType::kRemove, entry);
    expect_ok("deleting");
  }
  void set_root_meta(const Meta& meta) override {
    Entry root;
    root.path = "-root-";  // ignored by the far side; a valid record needs a path
    root.meta = meta;
    std::string p;
    append_entry(p, root);
    conn_.send(FrameType::kRootMeta, p);
  }

  void finish_cycle(const Index& index, bool entries_changed, const std::string& marker_json) override {
    prefetched_marker_.reset();
    drain();  // the marker only after every file is confirmed
    conn_.send(FrameType::kFinish, std::string(1, entries_changed ? '\1' : '\0') + marker_json);
    const std::string bytes = entries_changed ? serialize_index(index) : std::string();
    conn_.send_blob(bytes);
    const std::string identity = expect_ok("finishing the cycle");
    // What the far side stored is what was sent: the next cycle's LOAD_INDEX
    // need not bring it back. (Unchanged entries: the index file and its
    // identity are as they were, and so is the cached copy.)
    if (cache_ && entries_changed) cache_->store(identity, bytes);
  }

  std::string read_marker() override {
    if (prefetched_marker_) {  // asked for with the index just before
      std::string marker = std::move(*prefetched_marker_);
      prefetched_marker_.reset();
      return marker;
    }
    drain_after_failure();
    conn_.send(FrameType::kReadMarker, "");
    std::string blob = receive_blob("reading the completion marker");
    expect_ok("reading the completion marker");
    return blob;
  }

  FrameConnection& conn() { return conn_; }

  // A file commit is answered, but its answer is read later: up to
  // kMaxInFlight commits are in flight, so the far side writes one file while
  // this side reads the next. Any failure still surfaces before a deletion
  // or the completion marker (both drain first).
  void commit_sent() {
    ++in_flight_;
    if (in_flight_ > kMaxInFlight) {
      --in_flight_;
      expect_ok("publishing a file");
    }
  }

  void drain() {
    while (in_flight_ > 0) {
      --in_flight_;
      expect_ok("publishing a file");
    }
  }

  // Answers left over from a cycle that failed part-way (--watch retries on
  // the same connection): already reported by that cycle's error.
  void drain_after_failure() {
    while (in_flight_ > 0) {
      --in_flight_;
      try {
        expect_ok("publishing a file");
      } catch (const Error& e) {
        if (e.retryable()) throw;
        log::debug("mirror: answer of the failed cycle: {}", e.what());
      }
    }
  }

  // Reads the next answer; returns an OK's payload, throws an error's.
  std::string expect_ok(const char* what) {
    read_hello_answer();
    conn_.flush();
    Frame frame;
    if (!conn_.receive(&frame)) throw_error(Error::Kind::kNetwork, "{}: the far side closed the connection", describe_);
    if (frame.type == FrameType::kOk) return std::move(frame.payload);
    if (frame.type == FrameType::kError) throw_remote(frame.payload, what);
    throw_error(Error::Kind::kCorrupt, "{}: {}: unexpected answer {}", describe_, what,
                protocol::frame_type_name(frame.type));
  }

 private:
  void send_entry(FrameType type, const Entry& entry) {
    std::string p;
    append_entry(p, entry);
    conn_.send(type, p);
  }

  // The HELLO's answer, before any later answer (open() did not wait for it).
  void read_hello_answer() {
    if (!hello_pending_) return;
    hello_pending_ = false;
    try {
      expect_ok("opening the destination");
    } catch (...) {
      hello_pending_ = true;  // the far side never opened: no goodbye either
      throw;
    }
  }

  std::string receive_blob(const char* what) {
    read_hello_answer();
    conn_.flush();
    std::string out;
    Frame frame;
    while (true) {
      if (!conn_.receive(&frame))
        throw_error(Error::Kind::kNetwork, "{}: the far side closed the connection", describe_);
      if (frame.type == FrameType::kBlobEnd) return out;
      if (frame.type == FrameType::kError) throw_remote(frame.payload, what);
      if (frame.type != FrameType::kBlobPart || out.size() + frame.payload.size() > kMaxBlob) {
        throw_error(Error::Kind::kCorrupt, "{}: {}: unexpected frame {}", describe_, what,
                    protocol::frame_type_name(frame.type));
      }
      out += frame.payload;
    }
  }

  [[noreturn]] void throw_remote(const std::string& payload, const char* what) {
    Error::Kind kind = Error::Kind::kRuntime;
    if (!payload.empty() && static_cast<uint8_t>(payload[0]) <= static_cast<uint8_t>(Error::Kind::kAuth)) {
      kind = static_cast<Error::Kind>(static_cast<uint8_t>(payload[0]));
    }
    // A usage error on the far side is not the operator's command line here.
    if (kind == Error::Kind::kUsage) kind = Error::Kind::kRuntime;
    throw Error(kind, fmt::format("{}: {}: {}", describe_, what, payload.size() > 1 ? payload.substr(1) : "error"));
  }

  static constexpr int kMaxInFlight = 64;
  FrameConnection conn_;
  std::string describe_;
  DestinationOptions options_;
  int in_flight_ = 0;
  bool hello_pending_ = false;
  std::optional<std::string> prefetched_marker_;
  std::optional<IndexCache> cache_;  // none: every LOAD_INDEX brings the whole index
};

void RemoteFileSink::write(const uint8_t* data, size_t size) {
  pending_.append(reinterpret_cast<const char*>(data), size);
  while (pending_.size() >= kDataChunk) {
    send_chunk(std::string_view(pending_).substr(0, kDataChunk));
    pending_.erase(0, kDataChunk);
  }
}

void RemoteFileSink::commit(const Entry& entry) {
  if (!pending_.empty()) send_chunk(pending_);
  pending_.clear();
  std::string p;
  append_entry(p, entry);
  owner_.conn().send(FrameType::kFileCommit, p);
  open_ = false;
  owner_.commit_sent();
}

// Compressed media (JPEG, PDF, ZIP) does not shrink: after one chunk that
// did not, the rest of the file goes raw instead of paying zstd for nothing.
// A 16 KiB sample decides for a large chunk: compressing a whole incompressible
// MiB only to throw the result away cost more than the encryption.
void RemoteFileSink::send_chunk(std::string_view chunk) {
  constexpr size_t kSample = 16 << 10;
  if (compressible_ && chunk.size() > 4 * kSample) {
    std::string scratch;
    if (!protocol::compress(chunk.substr(0, kSample), &scratch)) compressible_ = false;
  }
  const bool sent_compressed = owner_.conn().send(FrameType::kFileData, chunk, compressible_);
  if (compressible_ && !sent_compressed && chunk.size() >= 4096) compressible_ = false;
}

void RemoteFileSink::abort() noexcept {
  if (!open_) return;
  open_ = false;
  try {
    owner_.conn().send(FrameType::kFileAbort, "");
  } catch (const Error&) {
    // Connection gone: the far side removes the temp when its sink dies.
  }
}

}  // namespace

std::unique_ptr<Destination> make_remote_destination(ByteStream& stream, std::string describe,
                                                     const DestinationOptions& options,
                                                     const std::string& index_cache_dir) {
  return std::make_unique<RemoteDestination>(stream, std::move(describe), options, index_cache_dir);
}

}  // namespace galaxis::fsmirror
