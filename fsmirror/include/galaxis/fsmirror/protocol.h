// galaxis/fsmirror/protocol.h — the framed protocol between a sender and
// `galaxis-relay mirror --serve PATH` (over an SSH exec channel, or any pipe).
//
// A frame is: u8 type, u8 flags, u32 length (little endian), payload.
// flags bit 0: the payload is one zstd frame (FILE_DATA only; sent raw when
// compression does not help). Lengths are limited (kMaxFrame, and the
// decompressed size of a zstd payload too): a longer frame is refused before
// anything is allocated. Large values (the index, a scan) travel as BLOB_PART
// frames ended by BLOB_END.
//
// Requests are answered in order, so the sender may send several before
// reading (HELLO, LOAD_INDEX and READ_MARKER go out together). Answered: HELLO, LOAD_INDEX, SCAN,
// READ_MARKER, FILE_COMMIT, REMOVE, FINISH, SYNC (OK/ERROR, data before
// them as blobs). Not answered, to keep the pipe full: MAKE_DIR, FILE_OPEN,
// FILE_DATA, FILE_ABORT, SYMLINK, SET_META, ROOT_META, BEGIN_CYCLE — the
// first failing one makes the server refuse everything after it until the
// next answered request, which reports that first error. So nothing is
// written after a failure, and deletions (REMOVE, answered) never run
// after a failed addition.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "galaxis/fsmirror/entry.h"

namespace galaxis::fsmirror::protocol {

// 2: LOAD_INDEX names the sender's cached copy, FINISH answers the new identity.
inline constexpr uint32_t kVersion = 2;
inline constexpr uint32_t kMaxFrame = 4u << 20;  // 4 MiB, compressed or not
inline constexpr size_t kHeaderSize = 6;

enum class FrameType : uint8_t {
  // sender -> server
  kHello = 1,  // u32 version, u8 read_only, u8 fsync, u8 set_owner, u8 numeric_ids[, u8 atomic_tree]
  // LOAD_INDEX: the identity of the sender's cached copy ("" = none) -> blob:
  // u8 0 (no usable index) | u8 1, u16 len, identity, index bytes | u8 2,
  // u16 len, identity (the cached copy is current: no bytes), then OK.
  kLoadIndex = 2,
  kScan = 3,  // u8 hash -> blob (index bytes of the scan), OK
  kBeginCycle = 4,
  kMakeDir = 5,     // entry, u8 replace
  kFileOpen = 6,    // path
  kFileData = 7,    // bytes (maybe zstd)
  kFileCommit = 8,  // entry -> OK
  kFileAbort = 9,
  kSymlink = 10,   // entry
  kSetMeta = 11,   // entry
  kRemove = 12,    // entry -> OK
  kRootMeta = 13,  // entry (path ignored)
  kFinish = 14,    // u8 entries_changed, marker json, then a blob of index bytes -> OK (payload: the index's identity)
  kReadMarker = 15,  // -> blob (marker), OK
  kSync = 16,        // -> OK (reports a pending error)
  kBlobPart = 17,
  kBlobEnd = 18,
  kBye = 19,  // -> OK, sent after the server released the destination (its lock): the sender may then drop
              // the connection without waiting for the server process to exit
  // server -> sender
  kOk = 64,
  kError = 65,  // u8 error kind, message
};

const char* frame_type_name(FrameType type);

struct FrameHeader {
  FrameType type;
  uint8_t flags;
  uint32_t length;
};

// Encodes a header. parse_header refuses unknown types and lengths over kMaxFrame
// (Error kCorrupt naming them).
std::string encode_header(FrameType type, uint8_t flags, uint32_t length);
FrameHeader parse_header(std::string_view bytes);

// Entries travel as index records (index.h: append_entry / read_entry).

// LOAD_INDEX's answer blob (see kLoadIndex). `identity` and `bytes` view the
// parsed blob.
enum class IndexAnswerKind : uint8_t { kNone = 0, kBytes = 1, kUnchanged = 2 };
struct IndexAnswer {
  IndexAnswerKind kind = IndexAnswerKind::kNone;
  std::string_view identity;  // kBytes, kUnchanged
  std::string_view bytes;     // kBytes: the index file as it is
};
// Throws Error(kRuntime) for an identity over 65,535 bytes.
std::string encode_index_answer(IndexAnswerKind kind, std::string_view identity = {}, std::string_view bytes = {});
// Throws Error(kCorrupt) naming what is wrong: empty, an unknown kind, a
// truncated identity, bytes after a "none" or "unchanged" answer.
IndexAnswer parse_index_answer(std::string_view blob);

// zstd helpers: compress (empty optional-like: returns false when it does not shrink),
// decompress refusing outputs larger than `max_size`.
bool compress(std::string_view in, std::string* out);
std::string decompress(std::string_view in, size_t max_size);

}  // namespace galaxis::fsmirror::protocol
