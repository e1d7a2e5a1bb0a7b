/*
 * real_libpq.h - finding the real libpq.  The only module that knows how.
 */
#ifndef HPGSHIM_REAL_LIBPQ_H
#define HPGSHIM_REAL_LIBPQ_H

#include "libpq_api.h"

/*
 * The functions of the libpq that caller (the return address of a hooked
 * call) would reach without the shim: one table per libpq object, so that
 * any number of libpqs serve the modules linked with them, and a
 * connection stays with the libpq that made it (its PQfinish, PQreset and
 * the rest come from a caller linked with that libpq).  Resolved on a
 * caller object's first call, then a lookup without a lock.  NULL when no
 * libpq is loaded (the hooks then fail the call as libpq fails on
 * out-of-memory); the next call tries again.
 */
const struct libpq_api *real_libpq(const void *caller);

#endif
