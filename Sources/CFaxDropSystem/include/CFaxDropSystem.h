// libc calls that Swift's Glibc module does not expose.
#ifndef FAXDROP_C_SYSTEM_H
#define FAXDROP_C_SYSTEM_H
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/// renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) through syscall(2), so that it
/// works with any glibc. Returns -1 and sets errno on failure.
static inline int faxdrop_rename_noreplace(const char *from, const char *to) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

/// pipe2(fds, O_CLOEXEC) through syscall(2): both ends close-on-exec from the start, so a
/// process spawned by another thread meanwhile never inherits them.
static inline int faxdrop_pipe_cloexec(int fds[2]) {
    return (int)syscall(SYS_pipe2, fds, O_CLOEXEC);
}
#endif
