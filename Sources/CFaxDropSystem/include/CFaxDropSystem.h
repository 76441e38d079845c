// libc calls that Swift's Glibc module does not expose.
#ifndef FAXDROP_C_SYSTEM_H
#define FAXDROP_C_SYSTEM_H
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <spawn.h>

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

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif

/// openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode): a file with no name yet in
/// the folder, given one only by `faxdrop_link_unnamed` once it is whole. Fails with
/// EOPNOTSUPP or EISDIR where the filesystem or kernel has no O_TMPFILE.
static inline int faxdrop_open_unnamed(int dirfd, mode_t mode) {
    return openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
}

/// linkat of an O_TMPFILE descriptor to `name` in `todir` through /proc/self/fd (which,
/// unlike AT_EMPTY_PATH, needs no privilege). Fails with EEXIST if the name is taken.
static inline int faxdrop_link_unnamed(int fd, int todir, const char *name) {
    char path[40] = "/proc/self/fd/";
    char digits[12];
    int n = 0;
    unsigned int v = (unsigned int)fd;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v != 0 && n < 11);
    size_t at = 14;
    while (n > 0) path[at++] = digits[--n];
    path[at] = '\0';
    return linkat(AT_FDCWD, path, todir, name, AT_SYMLINK_FOLLOW);
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
// MARK: Landlock (kernel >= 5.13). The constants and structures are spelled out here, so
// the target builds against any kernel headers (Debian 12's stop at ABI 2); the running
// kernel's ABI version decides which of them are used.
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

/// `struct landlock_ruleset_attr` of ABI 6 (the kernel reads only the size it is given).
struct faxdrop_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

/// `struct landlock_path_beneath_attr` (packed, as in the kernel's UAPI header).
struct __attribute__((packed)) faxdrop_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
};

/// landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the kernel's
/// Landlock ABI version, or -1 with errno (ENOSYS: not built in; EOPNOTSUPP: disabled).
static inline int faxdrop_landlock_abi_version(void) {
    return (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1U << 0);
}

/// landlock_create_ruleset with the first `size` bytes of `attr`; a new ruleset fd or -1.
static inline int faxdrop_landlock_create_ruleset(const struct faxdrop_landlock_ruleset_attr *attr, size_t size) {
    return (int)syscall(SYS_landlock_create_ruleset, attr, size, 0U);
}

/// landlock_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, {allowed, parent_fd}, 0).
static inline int faxdrop_landlock_add_path_rule(int ruleset_fd, int parent_fd, uint64_t allowed) {
    struct faxdrop_landlock_path_beneath_attr rule = { .allowed_access = allowed, .parent_fd = parent_fd };
    return (int)syscall(SYS_landlock_add_rule, ruleset_fd, 1 /* LANDLOCK_RULE_PATH_BENEATH */, &rule, 0U);
}

/// landlock_restrict_self(ruleset, 0): confines the calling thread (and what it forks).
static inline int faxdrop_landlock_restrict_self(int ruleset_fd) {
    return (int)syscall(SYS_landlock_restrict_self, ruleset_fd, 0U);
}

#ifndef O_PATH
#define O_PATH 010000000
#endif

/// open(path, O_PATH | O_CLOEXEC): a handle naming a file or folder for a Landlock rule.
static inline int faxdrop_open_path(const char *path) {
    return open(path, O_PATH | O_CLOEXEC);
}

/// prctl(PR_SET_NO_NEW_PRIVS, 1): required before an unprivileged landlock_restrict_self.
static inline int faxdrop_set_no_new_privs(void) {
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/// prctl(PR_SET_PDEATHSIG, sig): `sig` is sent to this process when its parent thread ends.
static inline int faxdrop_set_parent_death_signal(int sig) {
    return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0);
}

/// prctl(PR_SET_NAME, name): names the calling thread (at most 15 bytes are kept).
static inline int faxdrop_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34 and later), which <spawn.h> declares
/// only under _GNU_SOURCE.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

/// Adds to `actions` the closing of every descriptor from `from` up (close_range(2) in the
/// child), so a spawned program holds only the descriptors its file actions gave it.
static inline int faxdrop_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

/// fork(2), which Swift's Glibc module does not offer.
static inline pid_t faxdrop_fork(void) {
    return fork();
}
#endif
