/* version.h - the one place the version is written. */
#ifndef HPGSHIM_VERSION_H
#define HPGSHIM_VERSION_H

#define HPGSHIM_VERSION "0.1.0"
#define HPGSHIM_USER_AGENT "hpgshim/" HPGSHIM_VERSION
/* In the library's file (version.c), for `hpgshim doctor` and what(1). */
#define HPGSHIM_VERSION_IDENT_MARK "@(#)hpgshim "
#define HPGSHIM_VERSION_IDENT HPGSHIM_VERSION_IDENT_MARK HPGSHIM_VERSION

#endif
