#include "galaxis/binlog/format_charset.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <utility>

namespace galaxis::binlog {
namespace {

using C = Charset;

// (collation id, charset), sorted by id. Generated from MariaDB 10.11's
// information_schema.COLLATION_CHARACTER_SET_APPLICABILITY, plus MySQL-only
// ids (76 utf8mb3_tolower_ci, 248..250 gb18030, 255..323 utf8mb4_*_0900_*).
// MariaDB's UCA-14.0 collations (2048..3327) are handled by range below.
constexpr std::pair<uint16_t, Charset> kCollations[] = {
    {1, C::kBig5},       {2, C::kLatin2},     {3, C::kDec8},        {4, C::kCp850},       {5, C::kLatin1},
    {6, C::kHp8},        {7, C::kKoi8r},      {8, C::kLatin1},      {9, C::kLatin2},      {10, C::kSwe7},
    {11, C::kAscii},     {12, C::kUjis},      {13, C::kSjis},       {14, C::kCp1251},     {15, C::kLatin1},
    {16, C::kHebrew},    {18, C::kTis620},    {19, C::kEuckr},      {20, C::kLatin7},     {21, C::kLatin2},
    {22, C::kKoi8u},     {23, C::kCp1251},    {24, C::kGb2312},     {25, C::kGreek},      {26, C::kCp1250},
    {27, C::kLatin2},    {28, C::kGbk},       {29, C::kCp1257},     {30, C::kLatin5},     {31, C::kLatin1},
    {32, C::kArmscii8},  {33, C::kUtf8mb3},   {34, C::kCp1250},     {35, C::kUcs2},       {36, C::kCp866},
    {37, C::kKeybcs2},   {38, C::kMacce},     {39, C::kMacroman},   {40, C::kCp852},      {41, C::kLatin7},
    {42, C::kLatin7},    {43, C::kMacce},     {44, C::kCp1250},     {45, C::kUtf8mb4},    {46, C::kUtf8mb4},
    {47, C::kLatin1},    {48, C::kLatin1},    {49, C::kLatin1},     {50, C::kCp1251},     {51, C::kCp1251},
    {52, C::kCp1251},    {53, C::kMacroman},  {54, C::kUtf16},      {55, C::kUtf16},      {56, C::kUtf16le},
    {57, C::kCp1256},    {58, C::kCp1257},    {59, C::kCp1257},     {60, C::kUtf32},      {61, C::kUtf32},
    {62, C::kUtf16le},   {63, C::kBinary},    {64, C::kArmscii8},   {65, C::kAscii},      {66, C::kCp1250},
    {67, C::kCp1256},    {68, C::kCp866},     {69, C::kDec8},       {70, C::kGreek},      {71, C::kHebrew},
    {72, C::kHp8},       {73, C::kKeybcs2},   {74, C::kKoi8r},      {75, C::kKoi8u},      {76, C::kUtf8mb3},
    {77, C::kLatin2},    {78, C::kLatin5},    {79, C::kLatin7},     {80, C::kCp850},      {81, C::kCp852},
    {82, C::kSwe7},      {83, C::kUtf8mb3},   {84, C::kBig5},       {85, C::kEuckr},      {86, C::kGb2312},
    {87, C::kGbk},       {88, C::kSjis},      {89, C::kTis620},     {90, C::kUcs2},       {91, C::kUjis},
    {92, C::kGeostd8},   {93, C::kGeostd8},   {94, C::kLatin1},     {95, C::kCp932},      {96, C::kCp932},
    {97, C::kEucjpms},   {98, C::kEucjpms},   {99, C::kCp1250},     {101, C::kUtf16},     {102, C::kUtf16},
    {103, C::kUtf16},    {104, C::kUtf16},    {105, C::kUtf16},     {106, C::kUtf16},     {107, C::kUtf16},
    {108, C::kUtf16},    {109, C::kUtf16},    {110, C::kUtf16},     {111, C::kUtf16},     {112, C::kUtf16},
    {113, C::kUtf16},    {114, C::kUtf16},    {115, C::kUtf16},     {116, C::kUtf16},     {117, C::kUtf16},
    {118, C::kUtf16},    {119, C::kUtf16},    {120, C::kUtf16},     {121, C::kUtf16},     {122, C::kUtf16},
    {123, C::kUtf16},    {124, C::kUtf16},    {128, C::kUcs2},      {129, C::kUcs2},      {130, C::kUcs2},
    {131, C::kUcs2},     {132, C::kUcs2},     {133, C::kUcs2},      {134, C::kUcs2},      {135, C::kUcs2},
    {136, C::kUcs2},     {137, C::kUcs2},     {138, C::kUcs2},      {139, C::kUcs2},      {140, C::kUcs2},
    {141, C::kUcs2},     {142, C::kUcs2},     {143, C::kUcs2},      {144, C::kUcs2},      {145, C::kUcs2},
    {146, C::kUcs2},     {147, C::kUcs2},     {148, C::kUcs2},      {149, C::kUcs2},      {150, C::kUcs2},
    {151, C::kUcs2},     {159, C::kUcs2},     {160, C::kUtf32},     {161, C::kUtf32},     {162, C::kUtf32},
    {163, C::kUtf32},    {164, C::kUtf32},    {165, C::kUtf32},     {166, C::kUtf32},     {167, C::kUtf32},
    {168, C::kUtf32},    {169, C::kUtf32},    {170, C::kUtf32},     {171, C::kUtf32},     {172, C::kUtf32},
    {173, C::kUtf32},    {174, C::kUtf32},    {175, C::kUtf32},     {176, C::kUtf32},     {177, C::kUtf32},
    {178, C::kUtf32},    {179, C::kUtf32},    {180, C::kUtf32},     {181, C::kUtf32},     {182, C::kUtf32},
    {183, C::kUtf32},    {192, C::kUtf8mb3},  {193, C::kUtf8mb3},   {194, C::kUtf8mb3},   {195, C::kUtf8mb3},
    {196, C::kUtf8mb3},  {197, C::kUtf8mb3},  {198, C::kUtf8mb3},   {199, C::kUtf8mb3},   {200, C::kUtf8mb3},
    {201, C::kUtf8mb3},  {202, C::kUtf8mb3},  {203, C::kUtf8mb3},   {204, C::kUtf8mb3},   {205, C::kUtf8mb3},
    {206, C::kUtf8mb3},  {207, C::kUtf8mb3},  {208, C::kUtf8mb3},   {209, C::kUtf8mb3},   {210, C::kUtf8mb3},
    {211, C::kUtf8mb3},  {212, C::kUtf8mb3},  {213, C::kUtf8mb3},   {214, C::kUtf8mb3},   {215, C::kUtf8mb3},
    {223, C::kUtf8mb3},  {224, C::kUtf8mb4},  {225, C::kUtf8mb4},   {226, C::kUtf8mb4},   {227, C::kUtf8mb4},
    {228, C::kUtf8mb4},  {229, C::kUtf8mb4},  {230, C::kUtf8mb4},   {231, C::kUtf8mb4},   {232, C::kUtf8mb4},
    {233, C::kUtf8mb4},  {234, C::kUtf8mb4},  {235, C::kUtf8mb4},   {236, C::kUtf8mb4},   {237, C::kUtf8mb4},
    {238, C::kUtf8mb4},  {239, C::kUtf8mb4},  {240, C::kUtf8mb4},   {241, C::kUtf8mb4},   {242, C::kUtf8mb4},
    {243, C::kUtf8mb4},  {244, C::kUtf8mb4},  {245, C::kUtf8mb4},   {246, C::kUtf8mb4},   {247, C::kUtf8mb4},
    {248, C::kGb18030},  {249, C::kGb18030},  {250, C::kGb18030},   {255, C::kUtf8mb4},   {256, C::kUtf8mb4},
    {257, C::kUtf8mb4},  {258, C::kUtf8mb4},  {259, C::kUtf8mb4},   {260, C::kUtf8mb4},   {261, C::kUtf8mb4},
    {262, C::kUtf8mb4},  {263, C::kUtf8mb4},  {264, C::kUtf8mb4},   {265, C::kUtf8mb4},   {266, C::kUtf8mb4},
    {267, C::kUtf8mb4},  {268, C::kUtf8mb4},  {269, C::kUtf8mb4},   {270, C::kUtf8mb4},   {271, C::kUtf8mb4},
    {272, C::kUtf8mb4},  {273, C::kUtf8mb4},  {274, C::kUtf8mb4},   {275, C::kUtf8mb4},   {276, C::kUtf8mb4},
    {277, C::kUtf8mb4},  {278, C::kUtf8mb4},  {279, C::kUtf8mb4},   {280, C::kUtf8mb4},   {281, C::kUtf8mb4},
    {282, C::kUtf8mb4},  {283, C::kUtf8mb4},  {284, C::kUtf8mb4},   {285, C::kUtf8mb4},   {286, C::kUtf8mb4},
    {287, C::kUtf8mb4},  {288, C::kUtf8mb4},  {289, C::kUtf8mb4},   {290, C::kUtf8mb4},   {291, C::kUtf8mb4},
    {292, C::kUtf8mb4},  {293, C::kUtf8mb4},  {294, C::kUtf8mb4},   {295, C::kUtf8mb4},   {296, C::kUtf8mb4},
    {297, C::kUtf8mb4},  {298, C::kUtf8mb4},  {299, C::kUtf8mb4},   {300, C::kUtf8mb4},   {301, C::kUtf8mb4},
    {302, C::kUtf8mb4},  {303, C::kUtf8mb4},  {304, C::kUtf8mb4},   {305, C::kUtf8mb4},   {306, C::kUtf8mb4},
    {307, C::kUtf8mb4},  {308, C::kUtf8mb4},  {309, C::kUtf8mb4},   {310, C::kUtf8mb4},   {311, C::kUtf8mb4},
    {312, C::kUtf8mb4},  {313, C::kUtf8mb4},  {314, C::kUtf8mb4},   {315, C::kUtf8mb4},   {316, C::kUtf8mb4},
    {317, C::kUtf8mb4},  {318, C::kUtf8mb4},  {319, C::kUtf8mb4},   {320, C::kUtf8mb4},   {321, C::kUtf8mb4},
    {322, C::kUtf8mb4},  {323, C::kUtf8mb4},  {576, C::kUtf8mb3},   {577, C::kUtf8mb3},   {578, C::kUtf8mb3},
    {608, C::kUtf8mb4},  {609, C::kUtf8mb4},  {610, C::kUtf8mb4},   {640, C::kUcs2},      {641, C::kUcs2},
    {642, C::kUcs2},     {672, C::kUtf16},    {673, C::kUtf16},     {674, C::kUtf16},     {736, C::kUtf32},
    {737, C::kUtf32},    {738, C::kUtf32},    {1025, C::kBig5},     {1027, C::kDec8},     {1028, C::kCp850},
    {1030, C::kHp8},     {1031, C::kKoi8r},   {1032, C::kLatin1},   {1033, C::kLatin2},   {1034, C::kSwe7},
    {1035, C::kAscii},   {1036, C::kUjis},    {1037, C::kSjis},     {1040, C::kHebrew},   {1042, C::kTis620},
    {1043, C::kEuckr},   {1046, C::kKoi8u},   {1048, C::kGb2312},   {1049, C::kGreek},    {1050, C::kCp1250},
    {1052, C::kGbk},     {1054, C::kLatin5},  {1056, C::kArmscii8}, {1057, C::kUtf8mb3},  {1059, C::kUcs2},
    {1060, C::kCp866},   {1061, C::kKeybcs2}, {1062, C::kMacce},    {1063, C::kMacroman}, {1064, C::kCp852},
    {1065, C::kLatin7},  {1067, C::kMacce},   {1069, C::kUtf8mb4},  {1070, C::kUtf8mb4},  {1071, C::kLatin1},
    {1074, C::kCp1251},  {1075, C::kCp1251},  {1077, C::kMacroman}, {1078, C::kUtf16},    {1079, C::kUtf16},
    {1080, C::kUtf16le}, {1081, C::kCp1256},  {1082, C::kCp1257},   {1083, C::kCp1257},   {1084, C::kUtf32},
    {1085, C::kUtf32},   {1086, C::kUtf16le}, {1088, C::kArmscii8}, {1089, C::kAscii},    {1090, C::kCp1250},
    {1091, C::kCp1256},  {1092, C::kCp866},   {1093, C::kDec8},     {1094, C::kGreek},    {1095, C::kHebrew},
    {1096, C::kHp8},     {1097, C::kKeybcs2}, {1098, C::kKoi8r},    {1099, C::kKoi8u},    {1101, C::kLatin2},
    {1102, C::kLatin5},  {1103, C::kLatin7},  {1104, C::kCp850},    {1105, C::kCp852},    {1106, C::kSwe7},
    {1107, C::kUtf8mb3}, {1108, C::kBig5},    {1109, C::kEuckr},    {1110, C::kGb2312},   {1111, C::kGbk},
    {1112, C::kSjis},    {1113, C::kTis620},  {1114, C::kUcs2},     {1115, C::kUjis},     {1116, C::kGeostd8},
    {1117, C::kGeostd8}, {1119, C::kCp932},   {1120, C::kCp932},    {1121, C::kEucjpms},  {1122, C::kEucjpms},
    {1125, C::kUtf16},   {1147, C::kUtf16},   {1152, C::kUcs2},     {1174, C::kUcs2},     {1184, C::kUtf32},
    {1206, C::kUtf32},   {1216, C::kUtf8mb3}, {1238, C::kUtf8mb3},  {1248, C::kUtf8mb4},  {1270, C::kUtf8mb4},
};

struct CharsetInfo {
  std::string_view name;
  const char* iconv_name;  // nullptr: no iconv conversion (handled here or unsupported)
};

constexpr CharsetInfo kCharsets[] = {
    {"unknown", nullptr},
    {"binary", nullptr},
    {"utf8mb3", nullptr},
    {"utf8mb4", nullptr},
    {"latin1", nullptr},
    {"ascii", "ASCII"},
    {"ucs2", "UCS-2BE"},
    {"utf16", "UTF-16BE"},
    {"utf16le", "UTF-16LE"},
    {"utf32", "UTF-32BE"},
    {"big5", "BIG5"},
    {"latin2", "ISO-8859-2"},
    {"dec8", "DEC-MCS"},
    {"cp850", "CP850"},
    {"hp8", "HP-ROMAN8"},
    {"koi8r", "KOI8-R"},
    {"swe7", "SEN_850200_B"},
    {"ujis", "EUC-JP"},
    {"sjis", "SHIFT_JIS"},
    {"cp1251", "CP1251"},
    {"hebrew", "ISO-8859-8"},
    {"tis620", "TIS-620"},
    {"euckr", "EUC-KR"},
    {"latin7", "ISO-8859-13"},
    {"koi8u", "KOI8-U"},
    {"gb2312", "EUC-CN"},
    {"greek", "ISO-8859-7"},
    {"cp1250", "CP1250"},
    {"gbk", "GBK"},
    {"cp1257", "CP1257"},
    {"latin5", "ISO-8859-9"},
    {"armscii8", "ARMSCII-8"},
    {"cp866", "CP866"},
    {"keybcs2", nullptr},
    {"macce", "MAC-CENTRALEUROPE"},
    {"macroman", "MACINTOSH"},
    {"cp852", "CP852"},
    {"cp1256", "CP1256"},
    {"geostd8", "GEORGIAN-PS"},
    {"cp932", "CP932"},
    {"eucjpms", "EUC-JP-MS"},
    {"gb18030", "GB18030"},
};
static_assert(std::size(kCharsets) == static_cast<size_t>(Charset::kCount_));

// MySQL latin1 is Windows-1252 whose five undefined bytes map to the C1
// controls of the same value; 0xA0..0xFF equal U+00A0..U+00FF.
constexpr uint16_t kLatin1High[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                      0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

void append_code_point(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void append_latin1(std::string_view bytes, std::string& out) {
  out.reserve(out.size() + bytes.size() + bytes.size() / 4);
  for (const char ch : bytes) {
    const auto b = static_cast<uint8_t>(ch);
    if (b < 0x80)
      out.push_back(ch);
    else if (b < 0xA0)
      append_code_point(kLatin1High[b - 0x80], out);
    else
      append_code_point(b, out);
  }
}

}  // namespace

Charset collation_charset(uint16_t collation) {
  if (collation == 63) return Charset::kBinary;
  if (collation >= 2048 && collation < 3328) {
    // MariaDB UCA-14.0 collations: 256 ids per character set.
    constexpr Charset kUca1400[] = {C::kUtf8mb3, C::kUtf8mb4, C::kUcs2, C::kUtf16, C::kUtf32};
    return kUca1400[(collation - 2048) / 256];
  }
  const auto* end = std::end(kCollations);
  const auto* it = std::lower_bound(std::begin(kCollations), end, collation,
                                    [](const auto& entry, uint16_t id) { return entry.first < id; });
  return it != end && it->first == collation ? it->second : Charset::kUnknown;
}

std::string_view charset_name(Charset charset) {
  const auto index = static_cast<size_t>(charset);
  return index < std::size(kCharsets) ? kCharsets[index].name : "unknown";
}

bool is_valid_utf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    // Fast path over ASCII, 8 bytes at a time.
    while (end - p >= 8) {
      uint64_t chunk;
      std::memcpy(&chunk, p, 8);
      if (chunk & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p >= end) break;
    const uint8_t b = *p;
    if (b < 0x80) {
      ++p;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2, cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3, cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4, cp = b & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < len) return false;
    for (size_t i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += len;
  }
  return true;
}

Utf8Converter::~Utf8Converter() {
  for (void* handle : handles_)
    if (handle != nullptr) iconv_close(static_cast<iconv_t>(handle));
}

bool Utf8Converter::append_utf8(std::string_view bytes, uint16_t collation, std::string& out) {
  const Charset charset = collation == 0 ? Charset::kUtf8mb4 : collation_charset(collation);
  switch (charset) {
    case Charset::kUtf8mb3:
    case Charset::kUtf8mb4:
      if (!is_valid_utf8(bytes)) return false;
      out.append(bytes);
      return true;
    case Charset::kLatin1: append_latin1(bytes, out); return true;
    case Charset::kUnknown:
    case Charset::kBinary: return false;
    default: break;
  }
  const auto index = static_cast<size_t>(charset);
  const char* iconv_name = kCharsets[index].iconv_name;
  if (iconv_name == nullptr) return false;
  if (handles_[index] == nullptr) {
    iconv_t handle = iconv_open("UTF-8", iconv_name);
    if (handle == reinterpret_cast<iconv_t>(-1)) return false;
    handles_[index] = handle;
  }
  auto handle = static_cast<iconv_t>(handles_[index]);
  iconv(handle, nullptr, nullptr, nullptr, nullptr);  // reset shift state

  const size_t old_size = out.size();
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  size_t capacity = bytes.size() * 2 + 16;
  for (;;) {
    const size_t used = out.size();
    out.resize(used + capacity);
    char* dst = out.data() + used;
    size_t dst_left = capacity;
    const size_t rc = iconv(handle, &in, &in_left, &dst, &dst_left);
    out.resize(out.size() - dst_left);
    if (rc != static_cast<size_t>(-1)) {
      // Flush any shift sequence.
      out.resize(out.size() + 16);
      char* tail = out.data() + out.size() - 16;
      size_t tail_left = 16;
      iconv(handle, nullptr, nullptr, &tail, &tail_left);
      out.resize(out.size() - tail_left);
      return true;
    }
    if (errno != E2BIG) {
      out.resize(old_size);
      return false;
    }
    capacity = capacity * 2;
  }
}

}  // namespace galaxis::binlog
