/*
 * libpq, loaded when the first PostgreSQL connection opens (src/core/dl.h).
 *
 * Files of src/driver/ include this header instead of <libpq-fe.h> and call
 * the PQ functions by their usual names: each name below is a macro for a
 * pointer in strata__pq, filled by strata__pq_load().  Call
 * strata__pq_load() before the first PQ call of a code path that does not
 * start from an open PostgreSQL connection.
 *
 * To use another libpq function, add it to STRATA__PQ_FUNCTIONS (the
 * library then needs it at run time: Debian 12's libpq5 is version 15).
 */
#ifndef STRATA_DRIVER_PQ_H
#define STRATA_DRIVER_PQ_H

#include <libpq-fe.h>

// clang-format off
#define STRATA__PQ_FUNCTIONS(X)                                                                         \
	X(PQcancel) X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) X(PQconninfo) X(PQconninfoFree)      \
	X(PQconninfoParse) X(PQconsumeInput) X(PQdb) X(PQerrorMessage) X(PQexec) X(PQfinish) X(PQfname) \
	X(PQfreeCancel) X(PQfreemem) X(PQftype) X(PQgetCancel) X(PQgetResult) X(PQgetisnull)           \
	X(PQgetlength) X(PQgetvalue) X(PQisBusy) X(PQnfields) X(PQntuples) X(PQparameterStatus) X(PQputCopyData) X(PQputCopyEnd) \
	X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) X(PQsendPrepare) X(PQsendQuery) \
	X(PQsendQueryParams) X(PQsendQueryPrepared) X(PQsetNoticeProcessor) X(PQsocket) X(PQstatus)    \
	X(PQunescapeBytea) X(PQconnectStartParams) X(PQconnectPoll) X(PQsetnonblocking) X(PQflush)        \
	X(PQenterPipelineMode) X(PQpipelineSync) X(PQexitPipelineMode) X(PQtransactionStatus)
// clang-format on

#define STRATA__PQ_MEMBER(f) __typeof__(f) *f;
typedef struct strata__pq_api {
	STRATA__PQ_FUNCTIONS(STRATA__PQ_MEMBER)
} strata__pq_api;
#undef STRATA__PQ_MEMBER

extern strata__pq_api strata__pq;

/*
 * Make libpq's functions callable.  Returns STRATA_OK, or
 * STRATA_EUNSUPPORTED when libpq is not installed (the message names the
 * Debian package).  Thread-safe; cheap after the first call.
 */
int strata__pq_load(void);

#ifndef STRATA__PQ_NO_REDIRECT
/* each PQ name now reads the table's pointer of the same name */
#define PQcancel	     strata__pq.PQcancel
#define PQclear		     strata__pq.PQclear
#define PQcmdTuples	     strata__pq.PQcmdTuples
#define PQconnectdbParams    strata__pq.PQconnectdbParams
#define PQconninfo	     strata__pq.PQconninfo
#define PQconninfoFree	     strata__pq.PQconninfoFree
#define PQconninfoParse	     strata__pq.PQconninfoParse
#define PQconsumeInput	     strata__pq.PQconsumeInput
#define PQdb		     strata__pq.PQdb
#define PQerrorMessage	     strata__pq.PQerrorMessage
#define PQexec		     strata__pq.PQexec
#define PQfinish	     strata__pq.PQfinish
#define PQfname		     strata__pq.PQfname
#define PQfreeCancel	     strata__pq.PQfreeCancel
#define PQfreemem	     strata__pq.PQfreemem
#define PQftype		     strata__pq.PQftype
#define PQgetCancel	     strata__pq.PQgetCancel
#define PQgetResult	     strata__pq.PQgetResult
#define PQgetisnull	     strata__pq.PQgetisnull
#define PQgetlength	     strata__pq.PQgetlength
#define PQgetvalue	     strata__pq.PQgetvalue
#define PQisBusy	     strata__pq.PQisBusy
#define PQnfields	     strata__pq.PQnfields
#define PQntuples	     strata__pq.PQntuples
#define PQparameterStatus    strata__pq.PQparameterStatus
#define PQputCopyData	     strata__pq.PQputCopyData
#define PQputCopyEnd	     strata__pq.PQputCopyEnd
#define PQresultErrorField   strata__pq.PQresultErrorField
#define PQresultErrorMessage strata__pq.PQresultErrorMessage
#define PQresultStatus	     strata__pq.PQresultStatus
#define PQsendPrepare	     strata__pq.PQsendPrepare
#define PQsendQuery	     strata__pq.PQsendQuery
#define PQsendQueryParams    strata__pq.PQsendQueryParams
#define PQsendQueryPrepared  strata__pq.PQsendQueryPrepared
#define PQtransactionStatus  strata__pq.PQtransactionStatus
#define PQsetNoticeProcessor strata__pq.PQsetNoticeProcessor
#define PQsocket	     strata__pq.PQsocket
#define PQstatus	     strata__pq.PQstatus
#define PQunescapeBytea	     strata__pq.PQunescapeBytea
#define PQconnectStartParams strata__pq.PQconnectStartParams
#define PQconnectPoll	     strata__pq.PQconnectPoll
#define PQsetnonblocking     strata__pq.PQsetnonblocking
#define PQflush		     strata__pq.PQflush
#define PQenterPipelineMode  strata__pq.PQenterPipelineMode
#define PQpipelineSync	     strata__pq.PQpipelineSync
#define PQconnectStartParams strata__pq.PQconnectStartParams
#define PQconnectPoll	     strata__pq.PQconnectPoll
#define PQsetnonblocking     strata__pq.PQsetnonblocking
#define PQflush		     strata__pq.PQflush
#define PQenterPipelineMode  strata__pq.PQenterPipelineMode
#define PQexitPipelineMode   strata__pq.PQexitPipelineMode
#define PQpipelineSync	     strata__pq.PQpipelineSync
/* a function in the list without its #define above fails to compile here */
#define STRATA__PQ_STR(x)  #x
#define STRATA__PQ_XSTR(x) STRATA__PQ_STR(x)
#define STRATA__PQ_CHECK(f) \
	_Static_assert(sizeof(STRATA__PQ_XSTR(f)) > sizeof(#f), #f " needs its #define in driver/pq.h");
STRATA__PQ_FUNCTIONS(STRATA__PQ_CHECK)
#undef STRATA__PQ_CHECK
#endif

#endif
