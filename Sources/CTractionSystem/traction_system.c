#define _GNU_SOURCE
#include "traction_system.h"

#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
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

struct lock_progress {
    int error;
    unsigned long bytes;
};

/* dl_iterate_phdr visits the main program first (empty name); only it is locked. */
static int lock_main_program(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct lock_progress *progress = data;
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (int index = 0; index < info->dlpi_phnum; index++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[index];
        if (segment->p_type != PT_LOAD || segment->p_memsz == 0) {
            continue;
        }
        uintptr_t start = (uintptr_t)info->dlpi_addr + segment->p_vaddr;
        uintptr_t end = start + segment->p_memsz;
        start &= ~(page - 1);
        end = (end + page - 1) & ~(page - 1);
        if (mlock((const void *)start, end - start) != 0) {
            progress->error = errno;
            return 1;
        }
        progress->bytes += end - start;
    }
    return 1; /* stop after the main program */
}

int traction_lock_executable(unsigned long *bytes) {
    struct lock_progress progress = { 0, 0 };
    dl_iterate_phdr(lock_main_program, &progress);
    if (bytes != NULL) {
        *bytes = progress.bytes;
    }
    return progress.error;
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
