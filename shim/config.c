/*
 * config.c - see config.h.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "debug.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct hpg_config config;

long config_parse_number(const char *text, long fallback, long max)
{
	if (text == NULL || text[0] == '\0')
		return fallback;
	char *end;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < 0 || value > max)
		return fallback;
	return value;
}

long config_parse_seconds(const char *text, long fallback)
{
	return config_parse_number(text, fallback, 24 * 3600);
}

/* A copy that stays valid if the program later calls setenv(); a copy
 * that cannot be made marks the configuration incomplete, rather than
 * passing for an unset variable. */
static const char *env_copy(const char *name)
{
	const char *value = getenv(name);
	if (value == NULL || value[0] == '\0')
		return NULL;
	char *copy = strdup(value);
	if (copy == NULL)
		config.incomplete = true;
	return copy;
}

static void read_environment(void)
{
	const char *debug = getenv("HPGSHIM_DEBUG");
	config.debug = debug != NULL && debug[0] != '\0' && strcmp(debug, "0") != 0;
	config.token = env_copy("HEROKU_API_KEY");
	config.heroku_host = env_copy("HEROKU_HOST");
	config.cainfo = env_copy("HPGSHIM_CAINFO");
	config.cache_dir = env_copy("HPGSHIM_CACHE_DIR");
	config.timeout_seconds = config_parse_seconds(getenv("HPGSHIM_TIMEOUT"),
						      HPGSHIM_DEFAULT_TIMEOUT);
	if (config.timeout_seconds == 0)
		config.timeout_seconds = HPGSHIM_DEFAULT_TIMEOUT;
	config.cache_ttl_seconds = config_parse_seconds(getenv("HPGSHIM_CACHE_TTL"),
							HPGSHIM_DEFAULT_CACHE_TTL);
	config.rotation_wait_seconds = config_parse_seconds(getenv("HPGSHIM_ROTATION_WAIT"),
							    HPGSHIM_DEFAULT_ROTATION_WAIT);
	config.stale_if_error_seconds = config_parse_seconds(getenv("HPGSHIM_STALE_IF_ERROR"),
							     HPGSHIM_DEFAULT_STALE_IF_ERROR);
	config.ratelimit_floor = config_parse_number(getenv("HPGSHIM_RATELIMIT_FLOOR"),
						     HPGSHIM_DEFAULT_RATELIMIT_FLOOR, 1000000);
	debug_enable(config.debug);
}

const struct hpg_config *config_get(void)
{
	pthread_once(&once, read_environment);
	return &config;
}
