#include "error.h"

#include <stdarg.h>
#include <stdio.h>

void hpg_error_set(struct hpg_error *err, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	vsnprintf(err->text, sizeof err->text, format, ap);
	va_end(ap);
}
