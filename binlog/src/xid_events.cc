// XID (16) and XA_PREPARE (38).
#include "event_decoding.h"

namespace galaxis::binlog::detail {

XidEvent decode_xid(ByteReader& body) {
  XidEvent x;
  x.xid = body.u64("xid");
  return x;
}

// one_phase 1, format id 4, gtrid length 4, bqual length 4, gtrid + bqual
// (at most 64 bytes each, as in the XA standard).
XaPrepareEvent decode_xa_prepare(ByteReader& body) {
  constexpr uint32_t kMaxXidPart = 64;
  XaPrepareEvent x;
  x.one_phase = body.u8("one phase flag") != 0;
  x.format_id = static_cast<int32_t>(body.u32("format id"));
  const uint32_t gtrid_length = body.u32("gtrid length");
  const uint32_t bqual_length = body.u32("bqual length");
  if (gtrid_length > kMaxXidPart) body.fail_value("XA gtrid length", gtrid_length);
  if (bqual_length > kMaxXidPart) body.fail_value("XA bqual length", bqual_length);
  x.gtrid = body.string(gtrid_length, "gtrid");
  x.bqual = body.string(bqual_length, "bqual");
  return x;
}

}  // namespace galaxis::binlog::detail
