/* Logging (internal side): everything the library says goes through here. */
#ifndef STRATA_CORE_LOG_H
#define STRATA_CORE_LOG_H

#include <strata/common.h>

/* Log through `fn` (NULL: the process-wide handler). */
void strata__log(strata_log_fn fn, void *ud, strata_log_level level, const char *fmt, ...) STRATA_PRINTF(4, 5);

#endif
