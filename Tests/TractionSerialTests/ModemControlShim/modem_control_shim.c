// Test-only LD_PRELOAD shim: lets libserialport open a pseudo-terminal.
//
// Ptys have no modem-control lines, so the kernel answers TIOCMGET, TIOCMSET,
// TIOCMBIS and TIOCMBIC with ENOTTY and libserialport's sp_open gives up.
// This shim makes exactly those four requests succeed when, and only when,
// the kernel says ENOTTY (TIOCMGET reports no lines asserted). Every other
// ioctl, and every answer other than ENOTTY, passes through unchanged.
//
// Built and used only by scripts/checks/libserialport-path.sh; never linked
// into a product.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>

typedef int (*ioctl_function)(int, unsigned long, ...);

int ioctl(int descriptor, unsigned long request, ...) {
    static ioctl_function real_ioctl;
    if (real_ioctl == 0) {
        real_ioctl = (ioctl_function)dlsym(RTLD_NEXT, "ioctl");
    }
    va_list arguments;
    va_start(arguments, request);
    void *argument = va_arg(arguments, void *);
    va_end(arguments);

    int result = real_ioctl(descriptor, request, argument);
    int is_modem_control = request == TIOCMGET || request == TIOCMSET || request == TIOCMBIS || request == TIOCMBIC;
    if (result == -1 && errno == ENOTTY && is_modem_control) {
        if (request == TIOCMGET && argument != 0) {
            *(int *)argument = 0;
        }
        errno = 0;
        return 0;
    }
    return result;
}
