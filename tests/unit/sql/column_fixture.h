// A column description for the literal and bulk-binding tests: only what
// literal() and bulk_bindable() read (type, signedness, character set).
#pragma once

#include <string>
#include <utility>

#include "galaxis/sql/schema.h"

namespace galaxis::sql::testing {

inline ColumnSchema col(std::string data_type, bool is_unsigned = false, std::string charset = "") {
  ColumnSchema c;
  c.name = "c";
  c.data_type = std::move(data_type);
  c.is_unsigned = is_unsigned;
  c.charset = std::move(charset);
  return c;
}

}  // namespace galaxis::sql::testing
