/*
 * Numbers as text, the same everywhere a double leaves the process as text
 * (PostgreSQL parameters and COPY, array literals, JSON).
 */
#ifndef STRATA_CORE_NUMBER_H
#define STRATA_CORE_NUMBER_H

/*
 * The shortest %g text that strtod() reads back as `v` ("0.1", not
 * "0.10000000000000001", so a double bound to a PostgreSQL numeric stores
 * what the caller wrote); "inf", "-inf" and "nan" as printf has them.
 */
void strata__double_text(double v, char out[32]);

#endif
