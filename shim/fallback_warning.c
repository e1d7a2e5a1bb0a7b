/*
 * fallback_warning.c - see fallback_warning.h.
 */
#define _GNU_SOURCE
#include "fallback_warning.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug.h"
#include "fork_safety.h"

/* The placeholders warned about, in this process (a fork starts afresh). */
struct warned {
	struct warned *next;
	char *placeholder;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct warned *warned;
static unsigned long warned_generation;

bool fallback_warning_applies(const struct credential_answer *answer)
{
	return answer->origin == CREDENTIAL_STALE_FALLBACK ||
	       answer->origin == CREDENTIAL_HELD_RETRY_AFTER;
}

void fallback_warning_age(long seconds, char *text, size_t size)
{
	if (seconds < 60)
		snprintf(text, size, "%ld s", seconds < 0 ? 0 : seconds);
	else if (seconds < 3600)
		snprintf(text, size, "%ld min", seconds / 60);
	else
		snprintf(text, size, "%ld h %ld min", seconds / 3600, seconds % 3600 / 60);
}

/* True the first time placeholder is claimed in this process. */
static bool claim(const char *placeholder)
{
	fork_safety_register(&lock);
	pthread_mutex_lock(&lock);
	unsigned long generation = fork_safety_generation();
	if (generation != warned_generation) {
		/* A child's first fallback is its own to tell (the parent's list is
		 * a copy that nobody frees: a few bytes, once). */
		warned = NULL;
		warned_generation = generation;
	}
	bool first = true;
	for (struct warned *w = warned; w != NULL && first; w = w->next)
		first = strcmp(w->placeholder, placeholder) != 0;
	struct warned *w = first ? calloc(1, sizeof *w) : NULL;
	if (w != NULL && (w->placeholder = strdup(placeholder)) != NULL) {
		w->next = warned;
		warned = w;
	} else {
		free(w);
	}
	pthread_mutex_unlock(&lock);
	return first;
}

void fallback_warning_once(const char *placeholder, const struct credential_answer *answer)
{
	if (placeholder == NULL || !fallback_warning_applies(answer) || !claim(placeholder))
		return;
	char age[48];
	fallback_warning_age(answer->age_seconds, age, sizeof age);
	hpg_notice("warning: %s; %s connected with the credential fetched %s ago",
		   answer->api_failure, placeholder, age);
}
