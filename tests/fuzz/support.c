/*
 * support.c - see support.h.
 */
#include "support.h"

#include <string.h>

#define LIBPQ_DIRECT_MEMBER(name) .name = name,
const struct libpq_api libpq_direct = { LIBPQ_API_FUNCTIONS(LIBPQ_DIRECT_MEMBER) };

char *fuzz_string(const char *prefix, const uint8_t *data, size_t size)
{
	size_t prefix_length = strlen(prefix);
	char *text = malloc(prefix_length + size + 1);
	if (text == NULL)
		abort();
	memcpy(text, prefix, prefix_length);
	memcpy(text + prefix_length, data, size);
	text[prefix_length + size] = '\0';
	return text;
}

char *fuzz_next_line(const char **text)
{
	if (**text == '\0')
		return NULL;
	size_t length = strcspn(*text, "\n");
	char *line = strndup(*text, length);
	if (line == NULL)
		abort();
	*text += length + ((*text)[length] == '\n');
	return line;
}
