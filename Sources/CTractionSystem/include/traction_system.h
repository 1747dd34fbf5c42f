#ifndef TRACTION_SYSTEM_H
#define TRACTION_SYSTEM_H

/*
 * Thin C wrappers for the few system calls Swift cannot reach directly:
 * prctl(2) is variadic, so Swift cannot call it. Each function returns 0 on
 * success or the errno value on failure, so the caller can report precisely
 * why a real-time feature was not obtained.
 */

/* prctl(PR_SET_TIMERSLACK, nanoseconds): the kernel's default 50 us slack
 * would otherwise be added to every absolute-deadline sleep. */
int traction_set_timer_slack(unsigned long nanoseconds);

/* mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT): every page the process
 * has touched or will touch stays resident, but pages never touched (most of
 * Foundation's 38 MB ICU data table, the unused part of each thread stack)
 * are not made resident just to be locked. Returns EINVAL on a kernel older
 * than 4.4, which lacks MCL_ONFAULT; the caller then uses the plain form. */
int traction_lock_memory_on_fault(void);

/* mlockall(MCL_CURRENT | MCL_FUTURE): every mapped page made resident now. */
int traction_lock_all_memory(void);

/* Touch `bytes` of the calling thread's stack below the current frame so that
 * the control thread's stack pages are resident (and, once memory is locked,
 * locked) before the first tick. */
void traction_prefault_stack(unsigned long bytes);

/* pthread_setschedparam(pthread_self(), SCHED_FIFO, priority). */
int traction_set_fifo_priority(int priority);

/* The calling thread's scheduling policy (SCHED_OTHER, SCHED_FIFO...). */
int traction_current_policy(void);

/* pthread_setname_np for the calling thread (at most 15 bytes). */
int traction_set_thread_name(const char *name);

#endif
