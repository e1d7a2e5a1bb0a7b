/*
 * api_handle.h - the process's libcurl handle for the Heroku API, reused.
 *
 * Reusing one easy handle lets libcurl keep the connection alive and resume
 * the TLS session, so the next fetch costs a request, not a handshake.  A
 * handle serves one thread at a time: acquiring lends it out, and a thread
 * that finds it lent gets a fresh one of its own.  No lock is held during a
 * request, so fork() never waits for the network.  A handle never crosses
 * fork(): a child that inherits an idle one abandons it (cleaning it up
 * would send the parent's TLS close_notify on a socket the parent still
 * uses) and makes its own.
 */
#ifndef HPGSHIM_API_HANDLE_H
#define HPGSHIM_API_HANDLE_H

#include "lazy_libs.h"

/* A handle for this thread's request, or NULL when libcurl cannot make one. */
CURL *api_handle_acquire(const struct curl_api *curl);

/* Gives the handle back for the next request to reuse. */
void api_handle_release(const struct curl_api *curl, CURL *handle);

#endif
