#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "binlog_test_util.h"

namespace galaxis::binlog {
namespace {

using namespace testing;

class FileReaderTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const Bytes& data) {
    auto path = std::filesystem::temp_directory_path() / ("galaxis-fr-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (auto& p : paths_) std::filesystem::remove(p);
  }
  std::vector<std::filesystem::path> paths_;
};

Bytes magic() { return {0xfe, 'b', 'i', 'n'}; }

Bytes xid_event(uint64_t xid, uint64_t offset) {
  Bytes b;
  put_le(b, xid, 8);
  return make_event(16, b, true, offset);
}

// magic + FDE + n XIDs with correct positions.
Bytes small_binlog(int n) {
  Bytes file = magic();
  Bytes fde = make_fde();
  file.insert(file.end(), fde.begin(), fde.end());
  for (int i = 0; i < n; ++i) {
    Bytes x = xid_event(static_cast<uint64_t>(i), file.size());
    file.insert(file.end(), x.begin(), x.end());
  }
  return file;
}

TEST_F(FileReaderTest, ReadsEveryEventWithItsOffset) {
  const auto path = write("ok", small_binlog(3));
  BinlogFileReader reader(path.string());
  Decoder d;
  std::vector<uint64_t> offsets;
  while (auto raw = reader.next()) {
    offsets.push_back(raw->offset);
    Event e = d.decode(raw->bytes, raw->offset);
    EXPECT_EQ(e.header.next_position, raw->offset + raw->bytes.size());
  }
  ASSERT_EQ(offsets.size(), 4u);
  EXPECT_EQ(offsets[0], 4u);
  EXPECT_EQ(offsets[1], 4u + make_fde().size());
  EXPECT_FALSE(reader.next().has_value());  // stays at the end
}

TEST_F(FileReaderTest, SeekToAnEventBoundary) {
  const Bytes file = small_binlog(3);
  const auto path = write("seek", file);
  BinlogFileReader reader(path.string());
  const uint64_t third = 4 + make_fde().size() + xid_event(0, 0).size();
  reader.seek(third);
  auto raw = reader.next();
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->offset, third);
  Decoder d;
  d.decode(make_fde(), 4);
  EXPECT_EQ(d.decode(raw->bytes, raw->offset).as<XidEvent>()->xid, 1u);
}

TEST_F(FileReaderTest, EventsLargerThanTheReadBlock) {
  Bytes file = magic();
  Bytes fde = make_fde();
  file.insert(file.end(), fde.begin(), fde.end());
  Bytes q;
  put_le(q, 1, 4), put_le(q, 0, 4), q.push_back(0), put_le(q, 0, 2), put_le(q, 0, 2), q.push_back(0);
  put_str(q, std::string(1 << 20, 'z'));
  for (int i = 0; i < 3; ++i) {
    Bytes ev = make_event(2, q, true, file.size());
    file.insert(file.end(), ev.begin(), ev.end());
  }
  const auto path = write("large", file);
  BinlogFileReader reader(path.string());
  Decoder d;
  int queries = 0;
  while (auto raw = reader.next()) {
    Event e = d.decode(raw->bytes, raw->offset);
    if (const auto* query = e.as<QueryEvent>()) {
      EXPECT_EQ(query->query.size(), 1u << 20);
      ++queries;
    }
  }
  EXPECT_EQ(queries, 3);
}

TEST_F(FileReaderTest, TruncatedFinalEventNamesFileAndOffset) {
  Bytes file = small_binlog(2);
  const uint64_t last = file.size() - xid_event(0, 0).size();
  file.resize(file.size() - 5);
  const auto path = write("trunc", file);
  BinlogFileReader reader(path.string());
  reader.next(), reader.next();
  try {
    reader.next();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kCorrupt);
    const std::string what = e.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find("truncated event at offset " + std::to_string(last)), std::string::npos) << what;
  }
}

TEST_F(FileReaderTest, TruncatedHeader) {
  Bytes file = small_binlog(0);
  file.insert(file.end(), {1, 2, 3, 4, 5});
  const auto path = write("trunc-header", file);
  BinlogFileReader reader(path.string());
  reader.next();
  EXPECT_THROW(reader.next(), Error);
}

TEST_F(FileReaderTest, ImpossibleSizeIsCorruptNotAllocated) {
  Bytes file = small_binlog(0);
  Bytes ev = xid_event(1, file.size());
  ev[9] = 0xff, ev[10] = 0xff, ev[11] = 0xff, ev[12] = 0xff;  // 4 GiB claim
  file.insert(file.end(), ev.begin(), ev.end());
  const auto path = write("huge", file);
  BinlogFileReader reader(path.string());
  reader.next();
  EXPECT_THROW(reader.next(), Error);
  Bytes tiny = small_binlog(0);
  Bytes ev2 = xid_event(1, tiny.size());
  ev2[9] = 3, ev2[10] = ev2[11] = ev2[12] = 0;  // size < header
  tiny.insert(tiny.end(), ev2.begin(), ev2.end());
  BinlogFileReader reader2(write("tiny", tiny).string());
  reader2.next();
  EXPECT_THROW(reader2.next(), Error);
}

TEST_F(FileReaderTest, MagicChecks) {
  try {
    BinlogFileReader reader(write("enc", {0xfd, 'b', 'i', 'n', 1, 2, 3}).string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("encrypted binlog"), std::string::npos) << e.what();
  }
  EXPECT_THROW(BinlogFileReader(write("bad", {'G', 'I', 'F', '8', '9'}).string()), Error);
  EXPECT_THROW(BinlogFileReader(write("short", {0xfe, 'b'}).string()), Error);
  try {
    BinlogFileReader reader("/nonexistent/binlog.000001");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kIo);
  }
}

TEST_F(FileReaderTest, StopsAfterMariaDbStartEncryption) {
  Bytes file = magic();
  Bytes fde = make_event(15, make_fde_body("10.11.6-MariaDB-log", 1, 171));
  file.insert(file.end(), fde.begin(), fde.end());
  Bytes se;
  se.push_back(1), put_le(se, 1, 4);
  for (int i = 0; i < 12; ++i) se.push_back(0);
  const uint64_t start = file.size();
  Bytes enc = make_event(164, se, true, start);
  file.insert(file.end(), enc.begin(), enc.end());
  for (int i = 0; i < 64; ++i) file.push_back(static_cast<uint8_t>(i * 37 + 11));  // ciphertext
  const auto path = write("maria-enc", file);
  BinlogFileReader reader(path.string());
  reader.next(), reader.next();
  try {
    reader.next();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("encrypted binlog"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("offset " + std::to_string(start)), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace galaxis::binlog
