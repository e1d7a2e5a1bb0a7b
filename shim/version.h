/* version.h - the one place the version is written. */
#ifndef HPGSHIM_VERSION_H
#define HPGSHIM_VERSION_H

#define HPGSHIM_VERSION "0.1.0"
#define HPGSHIM_USER_AGENT "hpgshim/" HPGSHIM_VERSION

#endif
