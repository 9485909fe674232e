/*
 * strata/dialect.h: the SQL dialects Strata speaks.  The layers that only
 * turn text and models into text (schema, sql, diff, lint's rules) name a
 * dialect with this header and never see a connection; strata/db.h
 * includes it.
 */
#ifndef STRATA_DIALECT_H
#define STRATA_DIALECT_H

#ifdef __cplusplus
extern "C" {
#endif

/* A database backend, and the SQL dialect it speaks. */
typedef enum strata_backend {
	STRATA_BACKEND_SQLITE = 1,
	STRATA_BACKEND_POSTGRES = 2
} strata_backend;

#ifdef __cplusplus
}
#endif
#endif
