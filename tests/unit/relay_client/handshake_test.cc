#include "galaxis/relay/handshake.h"

#include <gtest/gtest.h>

#include "galaxis/common/error.h"
#include "galaxis/relay/protocol.h"
#include "galaxis/relay/wire.h"
#include "test_bytes.h"

namespace galaxis::relay {
namespace {

// Captured from MariaDB 10.11.19 (Debian 12).
const char* kMariaDbHandshake =
    "0a352e352e352d31302e31312e31392d4d6172696144422d302b646562313275312d6c6f67000d0000002151563b6362415f00fef708"
    "0200ff81150000000000001d000000383c625c243d442277572b6f006d7973716c5f6e61746976655f70617373776f726400";
// Captured from MySQL 9.7.4.
const char* kMySqlHandshake =
    "0a392e372e342d320016000000573d317d6635723b00ffffff0200ffdf15000000000000000000000c2c57045d7d61483f25370c0063"
    "616368696e675f736861325f70617373776f726400";

TEST(Handshake, ParsesMariaDb) {
  auto h = parse_initial_handshake(test::hex(kMariaDbHandshake));
  EXPECT_EQ(h.protocol_version, 10);
  EXPECT_EQ(h.server_version, "5.5.5-10.11.19-MariaDB-0+deb12u1-log");
  EXPECT_TRUE(h.is_mariadb());
  EXPECT_EQ(h.connection_id, 13u);
  EXPECT_EQ(h.auth_data, test::hex("2151563b6362415f 383c625c243d442277572b6f"));
  EXPECT_EQ(h.auth_plugin, "mysql_native_password");
  EXPECT_EQ(h.charset, 8);
  EXPECT_TRUE(h.capabilities & capability::kProtocol41);
  EXPECT_TRUE(h.capabilities & capability::kPluginAuth);
  // MariaDB does not claim CLIENT_MYSQL and sends extended capabilities.
  EXPECT_FALSE(h.capabilities & capability::kLongPassword);
  EXPECT_EQ(h.mariadb_capabilities, 0x1du);
}

TEST(Handshake, ParsesMySql) {
  auto h = parse_initial_handshake(test::hex(kMySqlHandshake));
  EXPECT_EQ(h.server_version, "9.7.4-2");
  EXPECT_FALSE(h.is_mariadb());
  EXPECT_EQ(h.connection_id, 0x16u);
  EXPECT_EQ(h.auth_data, test::hex("573d317d6635723b 0c2c57045d7d61483f25370c"));
  EXPECT_EQ(h.auth_plugin, "caching_sha2_password");
  EXPECT_TRUE(h.capabilities & capability::kSsl);
  EXPECT_EQ(h.mariadb_capabilities, 0u);
}

TEST(Handshake, TruncatedHandshakeIsProtocolError) {
  auto bytes = test::hex(kMySqlHandshake);
  bytes.resize(20);
  try {
    parse_initial_handshake(bytes);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kCorrupt);
    EXPECT_NE(std::string(e.what()).find("protocol error"), std::string::npos);
  }
}

TEST(Handshake, RefusesOtherProtocolVersions) {
  auto bytes = test::hex(kMySqlHandshake);
  bytes[0] = 9;
  try {
    parse_initial_handshake(bytes);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kUnsupported);
  }
}

TEST(Handshake, ClientCapabilitiesFollowServerAndTls) {
  const auto h = parse_initial_handshake(test::hex(kMySqlHandshake));
  const uint32_t plain = client_capabilities(h.capabilities, false, false);
  EXPECT_FALSE(plain & capability::kSsl);
  EXPECT_FALSE(plain & capability::kConnectWithDb);
  EXPECT_TRUE(plain & capability::kPluginAuth);
  EXPECT_FALSE(plain & capability::kDeprecateEof);  // we parse classic EOF packets
  const uint32_t tls = client_capabilities(h.capabilities, true, true);
  EXPECT_TRUE(tls & capability::kSsl);
  EXPECT_TRUE(tls & capability::kConnectWithDb);
}

TEST(Handshake, BuildsSslRequestAndResponse) {
  const uint32_t caps = capability::kProtocol41 | capability::kSecureConnection | capability::kPluginAuth |
                        capability::kPluginAuthLenencData | capability::kConnectAttrs;
  const auto ssl = build_ssl_request(caps);
  ASSERT_EQ(ssl.size(), 32u);
  EXPECT_EQ(ssl[1] & 0x08, 0x08);  // CLIENT_SSL (0x800) in the second byte

  HandshakeResponse r;
  r.capabilities = caps;
  r.user = "repl";
  r.auth_response = test::hex("0102");
  r.auth_plugin = "mysql_native_password";
  r.attributes = {{"a", "b"}};
  const auto bytes = build_handshake_response(r);
  WireReader reader(bytes);
  EXPECT_EQ(reader.u32("caps"), caps);
  EXPECT_EQ(reader.u32("max packet"), kClientMaxPacket);
  EXPECT_EQ(reader.u8("charset"), kClientCharset);
  reader.skip(23, "filler");
  EXPECT_EQ(reader.null_string("user"), "repl");
  EXPECT_EQ(reader.lenenc_string("auth"), "\x01\x02");
  EXPECT_EQ(reader.null_string("plugin"), "mysql_native_password");
  EXPECT_EQ(reader.lenenc_int("attrs length"), 4u);
  EXPECT_EQ(reader.lenenc_string("key"), "a");
  EXPECT_EQ(reader.lenenc_string("value"), "b");
  EXPECT_TRUE(reader.empty());
}

TEST(Protocol, ParsesErrWithAndWithoutSqlState) {
  const auto with_state = test::hex("ff 15 04 23 32 38 30 30 30 41 63 63 65 73 73");  // 1045 #28000 Access
  ServerError e = parse_err_packet(with_state);
  EXPECT_EQ(e.code(), 1045);
  EXPECT_EQ(e.sql_state(), "28000");
  EXPECT_EQ(e.server_message(), "Access");
  EXPECT_EQ(e.kind(), Error::Kind::kAuth);
  const auto without = test::hex("ff d4 04 42 61 64");  // 1236 Bad
  ServerError f = parse_err_packet(without);
  EXPECT_EQ(f.code(), 1236);
  EXPECT_EQ(f.sql_state(), "");
  EXPECT_EQ(f.server_message(), "Bad");
  EXPECT_EQ(f.kind(), Error::Kind::kServer);
}

TEST(Protocol, ParsesOkAndRecognisesEof) {
  const auto ok = parse_ok_packet(test::hex("00 fc 10 27 05 02 00 01 00"));
  EXPECT_EQ(ok.affected_rows, 10000u);
  EXPECT_EQ(ok.last_insert_id, 5u);
  EXPECT_EQ(ok.status, 2);
  EXPECT_EQ(ok.warnings, 1);
  EXPECT_TRUE(is_eof_packet(test::hex("fe 00 00 02 00")));
  EXPECT_FALSE(is_eof_packet(test::hex("fe 00 00 02 00 00 00 00 00 00")));  // a lenenc 0xFE row value
}

TEST(Wire, LengthEncodedIntegersRoundTrip) {
  for (uint64_t v : {0ull, 250ull, 251ull, 0xffffull, 0x10000ull, 0xffffffull, 0x1000000ull, ~0ull}) {
    WireWriter w;
    w.lenenc_int(v);
    WireReader r(w.data());
    EXPECT_EQ(r.lenenc_int("v"), v);
    EXPECT_TRUE(r.empty());
  }
  WireWriter w;
  w.lenenc_int(251);
  EXPECT_EQ(w.data(), test::hex("fc fb 00"));
}

TEST(Wire, LengthBeyondPacketIsRefused) {
  const auto bytes = test::hex("fd ff ff ff 41");
  WireReader r(bytes);
  EXPECT_THROW(r.lenenc_string("value"), Error);
}

}  // namespace
}  // namespace galaxis::relay

namespace galaxis::relay {
namespace {

// Hostile bytes: every truncation and many single-byte mutations of real
// packets either parse or throw galaxis::Error — never crash or read out of
// bounds (run under ASan with GALAXIS_SANITIZE=ON).
TEST(Handshake, SurvivesTruncationAndMutation) {
  for (const char* hex_packet : {kMariaDbHandshake, kMySqlHandshake}) {
    const auto original = test::hex(hex_packet);
    for (size_t n = 0; n <= original.size(); ++n) {
      std::vector<uint8_t> cut(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(n));
      try {
        parse_initial_handshake(cut);
      } catch (const Error&) {
      }
    }
    uint32_t seed = 12345;
    for (int round = 0; round < 5000; ++round) {
      auto mutated = original;
      seed = seed * 1103515245 + 12345;
      mutated[(seed >> 8) % mutated.size()] = static_cast<uint8_t>(seed >> 16);
      try {
        parse_initial_handshake(mutated);
        parse_err_packet(mutated);
        parse_ok_packet(mutated);
      } catch (const Error&) {
      }
    }
  }
}

}  // namespace
}  // namespace galaxis::relay
