/*
 * monotonic.h - the one clock the shim measures durations with.
 *
 * CLOCK_MONOTONIC: deadlines, pauses and a cached credential's age must not
 * jump when the wall clock is set.
 */
#ifndef HPGSHIM_MONOTONIC_H
#define HPGSHIM_MONOTONIC_H

/* Milliseconds since an arbitrary point, never going back. */
long monotonic_ms(void);

/* Sleeps for ms milliseconds (less if a signal interrupts it). */
void monotonic_sleep_ms(long ms);

#endif
