// Frame headers and zstd payloads of the --serve protocol (protocol.h).
#include "galaxis/fsmirror/protocol.h"

#include <zstd.h>

#include "galaxis/common/error.h"

namespace galaxis::fsmirror::protocol {

const char* frame_type_name(FrameType type) {
  switch (type) {
    case FrameType::kHello: return "HELLO";
    case FrameType::kLoadIndex: return "LOAD_INDEX";
    case FrameType::kScan: return "SCAN";
    case FrameType::kBeginCycle: return "BEGIN_CYCLE";
    case FrameType::kMakeDir: return "MAKE_DIR";
    case FrameType::kFileOpen: return "FILE_OPEN";
    case FrameType::kFileData: return "FILE_DATA";
    case FrameType::kFileCommit: return "FILE_COMMIT";
    case FrameType::kFileAbort: return "FILE_ABORT";
    case FrameType::kSymlink: return "SYMLINK";
    case FrameType::kSetMeta: return "SET_META";
    case FrameType::kRemove: return "REMOVE";
    case FrameType::kRootMeta: return "ROOT_META";
    case FrameType::kFinish: return "FINISH";
    case FrameType::kReadMarker: return "READ_MARKER";
    case FrameType::kSync: return "SYNC";
    case FrameType::kBlobPart: return "BLOB_PART";
    case FrameType::kBlobEnd: return "BLOB_END";
    case FrameType::kBye: return "BYE";
    case FrameType::kOk: return "OK";
    case FrameType::kError: return "ERROR";
  }
  return nullptr;
}

std::string encode_index_answer(IndexAnswerKind kind, std::string_view identity, std::string_view bytes) {
  std::string out(1, static_cast<char>(kind));
  if (kind == IndexAnswerKind::kNone) return out;
  if (identity.size() > 0xffff) throw_error(Error::Kind::kRuntime, "index identity of {} bytes", identity.size());
  out += static_cast<char>(identity.size() & 0xff);
  out += static_cast<char>(identity.size() >> 8);
  out.append(identity);
  if (kind == IndexAnswerKind::kBytes) out.append(bytes);
  return out;
}

IndexAnswer parse_index_answer(std::string_view blob) {
  if (blob.empty()) throw_error(Error::Kind::kCorrupt, "empty index answer");
  IndexAnswer answer;
  const auto kind = static_cast<uint8_t>(blob[0]);
  if (kind > static_cast<uint8_t>(IndexAnswerKind::kUnchanged)) {
    throw_error(Error::Kind::kCorrupt, "index answer of unknown kind {}", kind);
  }
  answer.kind = static_cast<IndexAnswerKind>(kind);
  if (answer.kind == IndexAnswerKind::kNone) {
    if (blob.size() != 1) throw_error(Error::Kind::kCorrupt, "{} bytes after an index answer 'none'", blob.size() - 1);
    return answer;
  }
  if (blob.size() < 3) throw_error(Error::Kind::kCorrupt, "index answer of {} bytes", blob.size());
  const size_t length = static_cast<uint8_t>(blob[1]) | static_cast<size_t>(static_cast<uint8_t>(blob[2])) << 8;
  if (blob.size() < 3 + length) {
    throw_error(Error::Kind::kCorrupt, "index answer: identity of {} bytes, {} there", length, blob.size() - 3);
  }
  answer.identity = blob.substr(3, length);
  answer.bytes = blob.substr(3 + length);
  if (answer.kind == IndexAnswerKind::kUnchanged && !answer.bytes.empty()) {
    throw_error(Error::Kind::kCorrupt, "{} bytes after an index answer 'unchanged'", answer.bytes.size());
  }
  return answer;
}

std::string encode_header(FrameType type, uint8_t flags, uint32_t length) {
  std::string out(kHeaderSize, '\0');
  out[0] = static_cast<char>(type);
  out[1] = static_cast<char>(flags);
  for (int i = 0; i < 4; ++i) out[2 + i] = static_cast<char>((length >> (8 * i)) & 0xff);
  return out;
}

FrameHeader parse_header(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) throw_error(Error::Kind::kCorrupt, "frame header of {} bytes", bytes.size());
  FrameHeader h;
  h.type = static_cast<FrameType>(static_cast<uint8_t>(bytes[0]));
  if (frame_type_name(h.type) == nullptr) {
    throw_error(Error::Kind::kCorrupt, "unknown frame type {}", static_cast<unsigned>(static_cast<uint8_t>(bytes[0])));
  }
  h.flags = static_cast<uint8_t>(bytes[1]);
  if (h.flags > 1)
    throw_error(Error::Kind::kCorrupt, "frame {}: unknown flags {:#x}", frame_type_name(h.type), h.flags);
  h.length = 0;
  for (int i = 0; i < 4; ++i) h.length |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[2 + i])) << (8 * i);
  if (h.length > kMaxFrame) {
    throw_error(Error::Kind::kCorrupt, "frame {} of {} bytes is longer than the limit of {}", frame_type_name(h.type),
                h.length, kMaxFrame);
  }
  return h;
}

bool compress(std::string_view in, std::string* out) {
  if (in.size() < 512) return false;
  out->resize(ZSTD_compressBound(in.size()));
  const size_t n = ZSTD_compress(out->data(), out->size(), in.data(), in.size(), 1);
  if (ZSTD_isError(n) || n >= in.size() - in.size() / 16) return false;  // not worth it
  out->resize(n);
  return true;
}

std::string decompress(std::string_view in, size_t max_size) {
  const unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    throw_error(Error::Kind::kCorrupt, "zstd payload without a valid content size");
  }
  if (size > max_size)
    throw_error(Error::Kind::kCorrupt, "zstd payload expands to {} bytes (limit {})", size, max_size);
  std::string out(static_cast<size_t>(size), '\0');
  const size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != size) {
    throw_error(Error::Kind::kCorrupt, "zstd payload: {}", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short output");
  }
  return out;
}

}  // namespace galaxis::fsmirror::protocol
