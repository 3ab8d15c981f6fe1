#include <gtest/gtest.h>

#include <zlib.h>

#include <chrono>
#include <random>
#include <regex>

#include "binlog_test_util.h"

namespace galaxis::binlog {
namespace {

using namespace testing;

TEST(Crc32, KnownVectors) {
  const std::string check = "123456789";
  EXPECT_EQ(crc32({reinterpret_cast<const uint8_t*>(check.data()), check.size()}), 0xcbf43926u);
  EXPECT_EQ(crc32({}), 0u);
  // Incremental == one shot.
  const auto* p = reinterpret_cast<const uint8_t*>(check.data());
  EXPECT_EQ(crc32({p + 4, 5}, crc32({p, 4})), 0xcbf43926u);
}

TEST(Crc32, VerifiesEveryEventAndNamesTheOffset) {
  Decoder d(DecoderOptions{.source_name = "binlog.000007"});
  d.decode(make_fde(), 4);
  Bytes xid;
  put_le(xid, 1234, 8);
  Bytes ev = make_event(16, xid, true, 200);
  EXPECT_EQ(d.decode(ev, 200).as<XidEvent>()->xid, 1234u);
  for (size_t i = 0; i < ev.size(); ++i) {
    if (i >= 9 && i < 13) continue;  // event_size: caught as a framing error instead
    Bytes bad = ev;
    bad[i] ^= 0x40;
    try {
      d.decode(bad, 200);
      ADD_FAILURE() << "flipped byte " << i << " not detected";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::kCorrupt);
      const std::string what = e.what();
      EXPECT_NE(what.find("binlog.000007"), std::string::npos) << what;
      EXPECT_NE(what.find("offset 200"), std::string::npos) << what;
      if (i != 4) {
        EXPECT_NE(what.find("checksum mismatch"), std::string::npos) << what;
      }
    }
  }
}

TEST(Crc32, FdeInUseFlagIsClearedBeforeVerifying) {
  Bytes fde = make_fde();  // CRC computed with flags 0
  fde[17] |= 0x1;          // the server sets LOG_EVENT_BINLOG_IN_USE_F afterwards
  Decoder d;
  EXPECT_NO_THROW(d.decode(fde, 4));
  EXPECT_EQ(d.format().checksum, ChecksumAlgorithm::kCrc32);
  fde[17] |= 0x2;  // any other flag change is corruption
  Decoder d2;
  EXPECT_THROW(d2.decode(fde, 4), Error);
}

TEST(Crc32, VerificationCanBeTurnedOff) {
  Decoder d(DecoderOptions{.verify_checksums = false});
  d.decode(make_fde(), 4);
  Bytes xid;
  put_le(xid, 7, 8);
  Bytes ev = make_event(16, xid, true, 200);
  ev[ev.size() - 1] ^= 0xff;
  EXPECT_EQ(d.decode(ev, 200).as<XidEvent>()->xid, 7u);
}

TEST(Crc32, NoChecksumWhenTheFdeSaysOff) {
  Decoder d;
  d.decode(make_fde(/*crc=*/false), 4);
  EXPECT_EQ(d.checksum_length(), 0u);
  Bytes xid;
  put_le(xid, 9, 8);
  EXPECT_EQ(d.decode(make_event(16, xid, false, 200), 200).as<XidEvent>()->xid, 9u);
}

// zlib's crc32 is the oracle for our slice-by-16 code at every length and
// alignment (including the switch to zlib for long buffers).
TEST(Crc32, MatchesZlibAtEveryLengthAndAlignment) {
  Bytes data(70000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  for (size_t len : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{19}, size_t{255}, size_t{4096},
                     size_t{16383}, size_t{16384}, size_t{65537}}) {
    for (size_t align = 0; align < 8; ++align) {
      const uint32_t expected = static_cast<uint32_t>(::crc32(0, data.data() + align, static_cast<uInt>(len)));
      EXPECT_EQ(crc32({data.data() + align, len}), expected) << "len " << len << " align " << align;
    }
  }
  for (size_t len = 0; len < 300; ++len) {
    const uint32_t seed = static_cast<uint32_t>(::crc32(0, data.data(), 7));
    EXPECT_EQ(crc32({data.data() + 7, len}, seed),
              static_cast<uint32_t>(::crc32(seed, data.data() + 7, static_cast<uInt>(len))));
  }
}

// The PCLMULQDQ folding code (when this CPU has it) against the tables on
// random contents, lengths (every one to 400: the 16-byte switch, the 64-byte lanes and the tails;
// up to past the old zlib threshold), alignments and seeds.
TEST(Crc32, FoldingMatchesTheTablesOnRandomLengthsAndAlignments) {
  if (!detail::crc32_uses_clmul()) GTEST_SKIP() << "no PCLMULQDQ on this CPU: crc32() is the table version";
  std::mt19937_64 random(20261205);
  Bytes data(40000);
  for (auto& b : data) b = static_cast<uint8_t>(random());
  for (int round = 0; round < 4000; ++round) {
    const size_t align = random() % 64;
    const size_t len = round < 400 ? static_cast<size_t>(round) : random() % (round % 10 == 0 ? 39000 : 600);
    const uint32_t seed = round % 3 == 0 ? 0 : static_cast<uint32_t>(random());
    const std::span<const uint8_t> buffer{data.data() + align, len};
    ASSERT_EQ(crc32(buffer, seed), detail::crc32_tables(buffer, seed))
        << "len " << len << " align " << align << " seed " << seed;
  }
  // Incremental across the switch: 100 bytes as 40 + 60 and as one.
  const std::span<const uint8_t> all{data.data() + 3, 100};
  EXPECT_EQ(crc32(all.subspan(40), crc32(all.first(40))), detail::crc32_tables(all));
}

// Throughput on event-sized buffers: every event is checksummed, so the
// per-call cost matters (mariadb-binlog -v decodes ~55 MB/s in total).
TEST(Crc32, ThroughputOnEventSizedBuffers) {
  Bytes data(1 << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131);
  constexpr size_t kEvent = 200;
  const size_t iterations = (64u << 20) / kEvent;
  uint32_t ours = 0, theirs = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < iterations; ++i) ours ^= crc32({data.data() + (i % 4096), kEvent});
  const auto t1 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < iterations; ++i) theirs ^= static_cast<uint32_t>(::crc32(0, data.data() + (i % 4096), kEvent));
  const auto t2 = std::chrono::steady_clock::now();
  const double ours_mb = 64 / std::chrono::duration<double>(t1 - t0).count();
  const double zlib_mb = 64 / std::chrono::duration<double>(t2 - t1).count();
  std::printf("crc32 on %zu-byte events: ours %.0f MB/s, zlib %.0f MB/s\n", kEvent, ours_mb, zlib_mb);
  EXPECT_EQ(ours, theirs);
  EXPECT_GT(ours_mb, 100.0);
}

}  // namespace
}  // namespace galaxis::binlog
