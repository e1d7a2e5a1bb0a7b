/*
 * debug.c - see debug.h.
 */
#include "debug.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

static bool enabled;

void debug_enable(bool on)
{
	__atomic_store_n(&enabled, on, __ATOMIC_RELEASE);
}

static void write_line(const char *format, va_list ap)
{
	char line[1024] = HPG_MESSAGE_PREFIX;
	size_t prefix = strlen(line);
	vsnprintf(line + prefix, sizeof line - prefix - 1, format, ap);
	size_t length = strlen(line);
	line[length++] = '\n';
	/* One write(2): lines from several threads do not interleave, and the
	 * program's stdio buffers are left alone. */
	ssize_t ignored = write(STDERR_FILENO, line, length);
	(void)ignored;
}

void hpg_debug(const char *format, ...)
{
	if (!__atomic_load_n(&enabled, __ATOMIC_ACQUIRE))
		return;
	va_list ap;
	va_start(ap, format);
	write_line(format, ap);
	va_end(ap);
}

void hpg_notice(const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	write_line(format, ap);
	va_end(ap);
}
