/*
 * version.c - the library's version, readable in its file without loading it.
 *
 * `hpgshim doctor` reports the version of the library the command preloads.
 * Loading the library to ask would run its constructor and hooks in the
 * doctor; instead the version sits in the file behind the what(1) marker
 * "@(#)", where the doctor (and what, or strings) finds it.  Not exported:
 * the library exports the hooked libpq functions and nothing else.
 */
#include "version.h"

__attribute__((used)) static const char version_ident[] = HPGSHIM_VERSION_IDENT;
