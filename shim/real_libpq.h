/*
 * real_libpq.h - finding the real libpq.  The only module that knows how.
 */
#ifndef HPGSHIM_REAL_LIBPQ_H
#define HPGSHIM_REAL_LIBPQ_H

#include "libpq_api.h"

/*
 * The real libpq's functions, resolved on first use and then kept: one
 * atomic load per call afterwards.  caller is the return address of the
 * hooked call, whose module's dependencies are searched when libpq is not
 * in the global scope.  NULL when no libpq is loaded (the hooks then fail
 * the call as libpq fails on out-of-memory); the next call tries again.
 */
const struct libpq_api *real_libpq(const void *caller);

#endif
