/*
 * support.c - see support.h.
 */
#include "support.h"

#include <string.h>

#define LIBPQ_DIRECT_MEMBER(name) .name = name,
const struct libpq_api libpq_direct = { LIBPQ_API_FUNCTIONS(LIBPQ_DIRECT_MEMBER) };

const struct cjson_api *fuzz_cjson(void)
{
	static const struct cjson_api *api;
	if (api == NULL) {
		struct hpg_error err;
		api = lazy_libs_cjson(&err);
		if (api == NULL) {
			fprintf(stderr, "fuzz: %s\n", err.text);
			abort();
		}
	}
	return api;
}

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
