#define _GNU_SOURCE
#include "traction_system.h"

#include <errno.h>
#include <unistd.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>

int traction_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0) == 0 ? 0 : errno;
}

int traction_lock_memory_on_fault(void) {
#ifdef MCL_ONFAULT
    return mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0 ? 0 : errno;
#else
    return EINVAL;
#endif
}

int traction_lock_all_memory(void) {
    return mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? 0 : errno;
}

void traction_prefault_stack(unsigned long bytes) {
    /* A variable-length array on this frame, written once per page; volatile
     * keeps the compiler from removing the writes. */
    volatile unsigned char block[bytes];
    const unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
    for (unsigned long offset = 0; offset < bytes; offset += page) {
        block[offset] = 0;
    }
}

int traction_set_fifo_priority(int priority) {
    struct sched_param parameters = { .sched_priority = priority };
    return pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters);
}

int traction_current_policy(void) {
    int policy = 0;
    struct sched_param parameters;
    if (pthread_getschedparam(pthread_self(), &policy, &parameters) != 0) {
        return -1;
    }
    return policy;
}

int traction_set_thread_name(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}
