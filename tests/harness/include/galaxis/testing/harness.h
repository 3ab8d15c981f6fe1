// galaxis/testing/harness.h — everything an integration test needs.
#pragma once

#include "galaxis/testing/compare.h"
#include "galaxis/testing/flavor.h"
#include "galaxis/testing/server.h"
#include "galaxis/testing/sql_connection.h"
