/*
 * connect_in_constructor.h - what the library's constructor did.
 */
#ifndef HPGSHIM_TEST_CONNECT_IN_CONSTRUCTOR_H
#define HPGSHIM_TEST_CONNECT_IN_CONSTRUCTOR_H

/* A constructor takes no arguments: it connects to the integration tests'
 * demo app, whose DATABASE_URL names this user. */
#define CONSTRUCTOR_PLACEHOLDER "heroku://demo-app"
#define CONSTRUCTOR_EXPECTED_USER "app_user"

/* "ok user=USER", or "failed: WHY". */
const char *constructor_outcome(void);

#endif
