// libc calls that Swift's Glibc module does not expose.
#ifndef FAXDROP_C_SYSTEM_H
#define FAXDROP_C_SYSTEM_H
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <signal.h>
#include <sys/prctl.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/// renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) through syscall(2), so that it
/// works with any glibc. Returns -1 and sets errno on failure.
static inline int faxdrop_rename_noreplace(const char *from, const char *to) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

/// prctl(PR_SET_PDEATHSIG, signal): the kernel sends `signal` to this process when its
/// parent exits (prctl is variadic, so it cannot be called from Swift).
static inline int faxdrop_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}
#endif
