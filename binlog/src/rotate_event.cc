// ROTATE (4): position of the first event in the next file (absent in
// binlog v1, whose post-header length is 0), then the next file's name.
#include "event_decoding.h"

namespace galaxis::binlog::detail {

RotateEvent decode_rotate(ByteReader& body, const FormatDescriptionEvent& format) {
  RotateEvent r;
  const size_t post_header = format.post_header_length(static_cast<uint8_t>(EventType::kRotate));
  if (post_header >= 8) {
    r.position = body.u64("position");
    body.skip(post_header - 8, "post-header");
  } else {
    r.position = 4;
  }
  r.next_file = body.string(body.remaining(), "next file name");
  return r;
}

}  // namespace galaxis::binlog::detail
