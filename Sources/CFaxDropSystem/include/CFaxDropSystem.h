// libc calls that Swift's Glibc module does not expose.
#ifndef FAXDROP_C_SYSTEM_H
#define FAXDROP_C_SYSTEM_H
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef F_SETLEASE
#define F_SETLEASE 1024
#endif

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/// renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) through syscall(2), so that it
/// works with any glibc. Returns -1 and sets errno on failure.
static inline int faxdrop_rename_noreplace(const char *from, const char *to) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

/// renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) through syscall(2): both names are
/// resolved relative to directory descriptors. Returns -1 and sets errno on failure.
static inline int faxdrop_renameat_noreplace(int fromfd, const char *from, int tofd, const char *to) {
    return (int)syscall(SYS_renameat2, fromfd, from, tofd, to, RENAME_NOREPLACE);
}

/// fcntl(fd, F_SETLEASE, type): fcntl is variadic, so Swift cannot call it directly.
static inline int faxdrop_set_lease(int fd, int type) {
    return fcntl(fd, F_SETLEASE, type);
}

/// openat(dirfd, name, flags | O_CLOEXEC, mode): openat is variadic too.
static inline int faxdrop_openat(int dirfd, const char *name, int flags, mode_t mode) {
    return openat(dirfd, name, flags | O_CLOEXEC, mode);
}

/// pipe2(fds, O_CLOEXEC) through syscall(2): both ends close-on-exec from the start, so a
/// process spawned by another thread meanwhile never inherits them.
static inline int faxdrop_pipe_cloexec(int fds[2]) {
    return (int)syscall(SYS_pipe2, fds, O_CLOEXEC);
}
#endif
