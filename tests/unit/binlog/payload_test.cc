// TRANSACTION_PAYLOAD: TLV header and the streaming zstd reader.
#include <gtest/gtest.h>
#include <zstd.h>

#include <list>

#include "binlog_test_util.h"

namespace galaxis::binlog {
namespace {

using namespace testing;

void put_packed(Bytes& out, uint64_t v) {
  if (v < 251) {
    out.push_back(static_cast<uint8_t>(v));
  } else if (v < (1u << 16)) {
    out.push_back(0xfc), put_le(out, v, 2);
  } else if (v < (1u << 24)) {
    out.push_back(0xfd), put_le(out, v, 3);
  } else {
    out.push_back(0xfe), put_le(out, v, 8);
  }
}

void put_field(Bytes& out, uint64_t type, uint64_t value) {
  Bytes v;
  put_packed(v, value);
  put_packed(out, type);
  put_packed(out, v.size());
  out.insert(out.end(), v.begin(), v.end());
}

Bytes inner_events(size_t query_size = 5) {
  Bytes q;
  put_le(q, 1, 4), put_le(q, 0, 4), q.push_back(0), put_le(q, 0, 2), put_le(q, 0, 2), q.push_back(0);
  put_str(q, query_size == 5 ? std::string("BEGIN") : std::string(query_size, 'x'));
  Bytes all = make_event(2, q, /*checksum=*/false, 0);
  Bytes xid;
  put_le(xid, 99, 8);
  Bytes x = make_event(16, xid, false, 0);
  all.insert(all.end(), x.begin(), x.end());
  return all;
}

// payload body: TLV fields then the (compressed) bytes.
Bytes payload_body(const Bytes& plain, uint8_t compression = 0, int64_t size_delta = 0, size_t chop = 0) {
  Bytes data;
  if (compression == 0) {
    data.resize(ZSTD_compressBound(plain.size()));
    data.resize(ZSTD_compress(data.data(), data.size(), plain.data(), plain.size(), 3));
  } else {
    data = plain;
  }
  data.resize(data.size() - chop);
  Bytes body;
  put_field(body, 1, data.size());
  put_field(body, 2, compression);
  put_field(body, 3, static_cast<uint64_t>(static_cast<int64_t>(plain.size()) + size_delta));
  body.push_back(0);
  body.insert(body.end(), data.begin(), data.end());
  return body;
}

// TransactionPayloadEvent::compressed views the event bytes: keep them alive.
struct Keeper {
  std::list<Bytes> kept;
  Event decode(Decoder& d, Bytes event, uint64_t offset) {
    kept.push_back(std::move(event));
    return d.decode(kept.back(), offset);
  }
};

std::vector<Event> read_all(Decoder& d, const Event& payload_event) {
  std::vector<Event> out;
  TransactionPayloadReader reader(*payload_event.as<TransactionPayloadEvent>(), payload_event.offset);
  while (auto bytes = reader.next()) out.push_back(d.decode_inner(*bytes, payload_event.offset));
  return out;
}

TEST(TransactionPayload, HeaderAndInnerEvents) {
  const Bytes plain = inner_events();
  const Bytes ev = make_event(40, payload_body(plain), true, 3012);
  Decoder d;
  d.decode(make_fde(), 4);
  Event e = d.decode(ev, 3012);  // `ev` outlives `e`
  const auto* p = e.as<TransactionPayloadEvent>();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->compression, 0);
  EXPECT_EQ(p->uncompressed_size, plain.size());
  EXPECT_EQ(p->payload_size, p->compressed.size());
  auto inner = read_all(d, e);
  ASSERT_EQ(inner.size(), 2u);
  EXPECT_EQ(inner[0].as<QueryEvent>()->query, "BEGIN");
  EXPECT_EQ(inner[0].offset, 3012u);
  EXPECT_EQ(inner[1].as<XidEvent>()->xid, 99u);
}

TEST(TransactionPayload, LargeInnerEventGrowsTheBuffer) {
  const Bytes plain = inner_events(300 * 1024);
  Decoder d;
  Keeper keeper;
  d.decode(make_fde(), 4);
  Event e = keeper.decode(d, make_event(40, payload_body(plain), true, 500), 500);
  auto inner = read_all(d, e);
  ASSERT_EQ(inner.size(), 2u);
  EXPECT_EQ(inner[0].as<QueryEvent>()->query.size(), 300u * 1024);
}

TEST(TransactionPayload, Uncompressed) {
  Decoder d;
  Keeper keeper;
  d.decode(make_fde(), 4);
  Event e = keeper.decode(d, make_event(40, payload_body(inner_events(), 255), true, 500), 500);
  EXPECT_EQ(read_all(d, e).size(), 2u);
}

TEST(TransactionPayload, DamagedPayloadsAreCorrupt) {
  Decoder d;
  Keeper keeper;
  d.decode(make_fde(), 4);
  const Bytes plain = inner_events();
  // Truncated zstd frame.
  Event truncated = keeper.decode(d, make_event(40, payload_body(plain, 0, 0, 3), true, 500), 500);
  EXPECT_THROW(read_all(d, truncated), Error);
  // Declared uncompressed size disagrees.
  Event wrong_size = keeper.decode(d, make_event(40, payload_body(plain, 0, +7), true, 500), 500);
  try {
    read_all(d, wrong_size);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("offset 500"), std::string::npos) << e.what();
  }
  // Garbage instead of zstd.
  Bytes garbage = payload_body(plain);
  for (size_t i = garbage.size() - 10; i < garbage.size(); ++i) garbage[i] ^= 0x5a;
  Event bad = keeper.decode(d, make_event(40, garbage, true, 500), 500);
  EXPECT_THROW(read_all(d, bad), Error);
  // Inner event cut short: uncompressed payload missing its last byte.
  Bytes cut = plain;
  cut.pop_back();
  Event short_inner = keeper.decode(d, make_event(40, payload_body(cut, 255), true, 500), 500);
  EXPECT_THROW(read_all(d, short_inner), Error);
  // Payload size field larger than the bytes that follow.
  Bytes body = payload_body(plain);
  body[2] += 10;
  EXPECT_THROW(d.decode(make_event(40, body, true, 500), 500), Error);
  // Unknown compression type.
  EXPECT_THROW(d.decode(make_event(40, payload_body(plain, 7), true, 500), 500), Error);
}

}  // namespace
}  // namespace galaxis::binlog
