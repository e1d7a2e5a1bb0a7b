/*
 * support.h - shared by the libFuzzer targets of the shim's core.
 *
 * The targets call the core directly, as the unit tests do: libpq is the
 * system's, linked in (libpq_direct); cJSON and libcurl come from
 * lazy_libs.c, opened with dlopen as in the library.  Each target checks the
 * properties its module promises and abort()s when one does not hold, so
 * that libFuzzer reports it as a crash and saves the input.  (The library
 * itself never aborts; these test programs may.)
 */
#ifndef HPGSHIM_FUZZ_SUPPORT_H
#define HPGSHIM_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lazy_libs.h"
#include "libpq_api.h"

/* The libpq this program links, as the core's function table. */
extern const struct libpq_api libpq_direct;

/* cJSON, opened as the library opens it; abort()s when it cannot be. */
const struct cjson_api *fuzz_cjson(void);

/* prefix + data as one NUL-terminated string, malloc'd (a NUL byte in data
 * ends the string early, as it would for any C caller). */
char *fuzz_string(const char *prefix, const uint8_t *data, size_t size);

/* The next line of *text (without its '\n'), malloc'd, advancing *text past
 * it; NULL once *text is used up. */
char *fuzz_next_line(const char **text);

#define FUZZ_CHECK(property)                                                     \
	do {                                                                     \
		if (!(property)) {                                               \
			fprintf(stderr, "%s:%d: property does not hold: %s\n",   \
				__FILE__, __LINE__, #property);                  \
			abort();                                                 \
		}                                                                \
	} while (0)

#endif
