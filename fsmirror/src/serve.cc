// The --serve side (serve.h).
#include "galaxis/fsmirror/serve.h"

#include <fcntl.h>

#include <cerrno>

#include <memory>
#include <optional>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/fsmirror/atomic_tree.h"
#include "galaxis/fsmirror/frame_io.h"
#include "galaxis/fsmirror/local_destination.h"
#include "galaxis/fsmirror/rel_path.h"

namespace galaxis::fsmirror {
namespace {

using protocol::FrameType;

constexpr size_t kMaxIndexBlob = size_t{4} << 30;  // 4 GiB: ~40 M entries

std::string error_payload(const Error& e) {
  std::string out(1, static_cast<char>(e.kind()));
  return out + e.what();
}

Entry entry_of(const std::string& payload, size_t* consumed = nullptr) {
  size_t used = 0;
  Entry e = read_entry(payload, &used);
  if (consumed != nullptr) {
    *consumed = used;
  } else if (used != payload.size()) {
    throw_error(Error::Kind::kCorrupt, "entry frame with {} trailing bytes", payload.size() - used);
  }
  return e;
}

uint8_t byte_at(const std::string& payload, size_t i) {
  if (i >= payload.size()) throw_error(Error::Kind::kCorrupt, "frame payload too short");
  return static_cast<uint8_t>(payload[i]);
}

class Server {
 public:
  Server(std::string root, FrameConnection& conn) : root_(std::move(root)), conn_(conn) {}

  int run() {
    Frame frame;
    bool hello = false;
    while (true) {
      try {
        if (!conn_.receive(&frame)) return 0;
      } catch (const Error& e) {
        // Bad header, oversized length, bad zstd: the stream is not trustworthy any more.
        log::error("mirror --serve: {}", e.what());
        send_error(e);
        return 1;
      }
      if (frame.type == FrameType::kBye) {
        // The destination (its lock) is released before the answer: a sender
        // that has the answer may drop the connection without waiting for
        // this process to exit, and its next run finds the lock free.
        sink_.reset();
        dest_.reset();
        conn_.send(FrameType::kOk, "");
        conn_.flush();
        return 0;
      }
      if (!hello) {
        if (frame.type != FrameType::kHello) {
          send_error(Error(Error::Kind::kCorrupt, "expected HELLO first"));
          return 1;
        }
        try {
          handle_hello(frame.payload);
          conn_.send(FrameType::kOk, "");
        } catch (const Error& e) {
          send_error(e);
          return 1;
        }
        hello = true;
        continue;
      }
      if (!handle(frame)) return 1;
    }
  }

 private:
  void handle_hello(const std::string& p) {
    if (p.size() != 8 && p.size() != 9) throw_error(Error::Kind::kCorrupt, "HELLO of {} bytes", p.size());
    uint32_t version = 0;
    for (int i = 0; i < 4; ++i) version |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
    if (version != protocol::kVersion) {
      throw_error(Error::Kind::kUnsupported,
                  "protocol version {} (this side speaks {}): install the same galaxis-relay "
                  "on both sides",
                  version, protocol::kVersion);
    }
    DestinationOptions options;
    options.fsync = p[5] != 0;
    options.set_owner = p[6] != 0;
    options.numeric_ids = p[7] != 0;
    options.atomic_tree = p.size() == 9 && p[8] != 0;
    dest_ = options.atomic_tree ? make_atomic_tree_destination(root_, options) : make_local_destination(root_, options);
    dest_->open(p[4] != 0);
  }

  static bool answered(FrameType t) {
    return t == FrameType::kLoadIndex || t == FrameType::kScan || t == FrameType::kReadMarker ||
           t == FrameType::kFileCommit || t == FrameType::kRemove || t == FrameType::kFinish || t == FrameType::kSync;
  }

  // False when the session must end (corrupt input).
  bool handle(const Frame& frame) {
    const FrameType t = frame.type;
    if (answered(t) && pending_) {
      // Report the first failure of the unanswered requests before it.
      if (t == FrameType::kFinish) skip_blob();
      send_error(*pending_);
      pending_.reset();
      if (t == FrameType::kFileCommit) sink_.reset();
      return true;
    }
    if (!answered(t) && pending_) {
      if (t == FrameType::kFileOpen || t == FrameType::kFileAbort) sink_.reset();
      return true;  // refused: nothing is written after a failure
    }
    try {
      const std::string ok_payload = run_request(frame);
      if (answered(t)) conn_.send(FrameType::kOk, ok_payload);
    } catch (const Error& e) {
      sink_.reset();
      if (e.kind() == Error::Kind::kCorrupt) log::error("mirror --serve: refused: {}", e.what());
      if (answered(t)) {
        send_error(e);
      } else {
        pending_ = e;
      }
    }
    return true;
  }

  // Runs one request; returns the payload of its OK answer (if answered).
  std::string run_request(const Frame& frame) {
    const std::string& p = frame.payload;
    std::string ok_payload;
    switch (frame.type) {
      case FrameType::kLoadIndex: {
        using protocol::IndexAnswerKind;
        // The sender's cached copy is current: say so instead of sending it.
        const std::string identity = dest_->index_identity();
        if (!identity.empty() && identity == p) {
          conn_.send_blob(protocol::encode_index_answer(IndexAnswerKind::kUnchanged, identity));
          break;
        }
        // The index file as it is: parsing it here only to serialize it
        // again cost a third of a no-change cycle's work on this side.
        std::optional<std::string> index = dest_->load_index_bytes();
        conn_.send_blob(index ? protocol::encode_index_answer(IndexAnswerKind::kBytes, identity, *index)
                              : protocol::encode_index_answer(IndexAnswerKind::kNone));
        break;
      }
      case FrameType::kScan: {
        ScanResult scan = dest_->scan(byte_at(p, 0) != 0);
        Index as_index;
        as_index.entries = std::move(scan.entries);
        conn_.send_blob(serialize_index(as_index));
        break;
      }
      case FrameType::kReadMarker: conn_.send_blob(dest_->read_marker()); break;
      case FrameType::kSync: break;
      case FrameType::kBeginCycle: dest_->begin_cycle(); break;
      case FrameType::kMakeDir: {
        size_t used = 0;
        const Entry e = entry_of(p, &used);
        dest_->make_dir(e, byte_at(p, used) != 0);
        break;
      }
      case FrameType::kFileOpen: {
        sink_.reset();
        if (p.size() > kMaxPathBytes) throw_error(Error::Kind::kCorrupt, "FILE_OPEN path of {} bytes", p.size());
        sink_path_ = p;
        sink_ = dest_->open_file(p);
        break;
      }
      case FrameType::kFileData:
        if (!sink_) throw_error(Error::Kind::kCorrupt, "FILE_DATA without FILE_OPEN");
        sink_->write(reinterpret_cast<const uint8_t*>(p.data()), p.size());
        break;
      case FrameType::kFileCommit: {
        if (!sink_) throw_error(Error::Kind::kCorrupt, "FILE_COMMIT without FILE_OPEN");
        const Entry e = entry_of(p);
        if (e.path != sink_path_) {
          throw_error(Error::Kind::kCorrupt, "FILE_COMMIT for '{}' but '{}' is open", printable_path(e.path),
                      printable_path(sink_path_));
        }
        std::unique_ptr<FileSink> sink = std::move(sink_);
        sink->commit(e);
        break;
      }
      case FrameType::kFileAbort: sink_.reset(); break;
      case FrameType::kSymlink: dest_->make_symlink(entry_of(p)); break;
      case FrameType::kSetMeta: dest_->set_meta(entry_of(p)); break;
      case FrameType::kRemove: dest_->remove(entry_of(p)); break;
      case FrameType::kRootMeta: {
        const Entry e = entry_of(p);
        dest_->set_root_meta(e.meta);
        break;
      }
      case FrameType::kFinish: {
        const bool changed = byte_at(p, 0) != 0;
        const std::string marker = p.substr(1);
        const std::string index_bytes = conn_.receive_blob(kMaxIndexBlob);
        const Index index = changed ? parse_index(index_bytes) : Index{};
        dest_->finish_cycle(index, changed, marker);
        ok_payload = dest_->index_identity();  // the sender caches the index it sent under it
        break;
      }
      default: throw_error(Error::Kind::kCorrupt, "unexpected frame {}", protocol::frame_type_name(frame.type));
    }
    return ok_payload;
  }

  void skip_blob() {
    try {
      conn_.receive_blob(kMaxIndexBlob);
    } catch (const Error& e) {
      log::warn("mirror --serve: skipping a blob: {}", e.what());
    }
  }

  void send_error(const Error& e) {
    try {
      conn_.send(FrameType::kError, error_payload(e));
      conn_.flush();
    } catch (const Error& write_error) {
      log::error("mirror --serve: cannot report '{}': {}", e.what(), write_error.what());
    }
  }

  std::string root_;
  FrameConnection& conn_;
  std::unique_ptr<Destination> dest_;
  std::unique_ptr<FileSink> sink_;
  std::string sink_path_;
  std::optional<Error> pending_;
};

// sshd hands the sender's bytes to this process through a pipe (64 KiB by
// default). While this side writes a file the pipe fills, and sshd keeps the
// rest in its channel buffer, which it grows by reallocating and copying (a
// fresh mmap each step: perf showed most of sshd's CPU in page faults under
// that memmove, 1.0–1.5 s per 45 MB cycle against the far side's 0.2 s).
// A pipe as large as the channel window (2 MiB in OpenSSH; the limit is
// /proc/sys/fs/pipe-max-size, 1 MiB, unless root) lets sshd write every packet
// straight through. Not a pipe (a socket, a file, a terminal): nothing to do.
void grow_input_pipe(int fd) {
  for (int size : {2 << 20, 1 << 20}) {
    if (::fcntl(fd, F_SETPIPE_SZ, size) >= 0) {
      log::debug("mirror --serve: input pipe grown to {} bytes", size);
      return;
    }
    if (errno == EBADF) return;  // not a pipe
  }
}

}  // namespace

int run_serve(const std::string& root, int in_fd, int out_fd) {
  grow_input_pipe(in_fd);
  FdStream stream(in_fd, out_fd);
  FrameConnection conn(stream);
  Server server(root, conn);
  const int code = server.run();
  stream.flush();
  return code;
}

}  // namespace galaxis::fsmirror
