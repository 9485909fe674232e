/* strata.h: the whole public API of libstrata. */
#ifndef STRATA_H
#define STRATA_H

#include "strata/common.h"
#include "strata/value.h"
#include "strata/dialect.h"
#include "strata/env.h"
#include "strata/db.h"
#include "strata/async.h"
#include "strata/copy.h"
#include "strata/gen.h"
#include "strata/backup.h"
#include "strata/migrate.h"
#include "strata/schema.h"
#include "strata/sql.h"
#include "strata/inspect.h"
#include "strata/diff.h"
#include "strata/pool.h"
#include "strata/query_stats.h"
#include "strata/activity.h"
#include "strata/matview.h"
#include "strata/health.h"
#include "strata/lint.h"

#endif
