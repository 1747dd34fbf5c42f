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

/* mlockall(MCL_CURRENT | MCL_FUTURE): no page fault may stall a tick. */
int traction_lock_all_memory(void);

/* pthread_setschedparam(pthread_self(), SCHED_FIFO, priority). */
int traction_set_fifo_priority(int priority);

/* The calling thread's scheduling policy (SCHED_OTHER, SCHED_FIFO...). */
int traction_current_policy(void);

/* pthread_setname_np for the calling thread (at most 15 bytes). */
int traction_set_thread_name(const char *name);

#endif
