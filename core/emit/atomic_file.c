/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Atomic file writes: see emit.h.
 *
 * The bytes go to a temporary file next to the target (same directory, so
 * same file system, so rename(2) is atomic), which is synced and then
 * renamed over the target; the directory is synced so the new name
 * survives a crash. Until the rename the target is untouched, and every
 * failure before it removes the temporary file: an admin never finds half
 * a bundle or a stray ".cwms-bundle.XXXXXX" behind.
 *
 * Where the file system allows it the bytes go to an unnamed O_TMPFILE
 * first, which gets a name (linkat) only once complete and synced, just
 * before the rename: a process killed while writing leaves nothing, not a
 * named file holding the private key. The pending name is kept where
 * cwms_atomic_write_abort() (async-signal-safe) can unlink it, for the
 * CLI's SIGINT/SIGTERM/SIGHUP handlers.
 *
 * Only regular files are replaced. A symbolic link is followed, so the file
 * it points to is replaced and the link stays — under the kernel's
 * protected_symlinks rule: in a sticky world-writable directory (/tmp) a
 * link is followed only when the caller or the directory's owner owns it,
 * so another user's link cannot redirect root's key file. A device, FIFO or
 * socket (-o /dev/null, -o /dev/stdout, a pipe) is written in place:
 * renaming over it would turn /dev/null into a regular file for the whole
 * machine.
 */
#define _GNU_SOURCE /* O_TMPFILE, realpath() */
#include "cwms/emit.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cwms_file_io.h"
#include "cwms_write_all.h"

/* What to do about errno when writing path. */
static const char *output_hint(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return "check that the directory exists (create it first)";
    case EACCES:
    case EPERM:
    case EROFS:
        return "choose a directory you can write to, or fix its permissions";
    case EISDIR:
        return "the output is a directory: give a file name with -o";
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return "free some space or write somewhere else";
    default:
        return "choose another output file with -o";
    }
}

/*
 * The temporary file's name while it exists, for cwms_atomic_write_abort.
 * pending_set is cleared before the name changes, so a signal never sees
 * half a name.
 */
static char pending_name[4096];
static volatile sig_atomic_t pending_set;

static void pending_begin(const char *name)
{
    pending_set = 0;
    if (strlen(name) < sizeof(pending_name)) {
        memcpy(pending_name, name, strlen(name) + 1);
        pending_set = 1;
    }
}

static void pending_end(void)
{
    pending_set = 0;
}

void cwms_atomic_write_abort(void)
{
    if (pending_set) {
        pending_set = 0;
        unlink(pending_name);
    }
}

static void output_error(CWMS_DIAG *diag, const char *path, const char *doing, int err)
{
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT, "cannot write '%s': %s: %s; %s", path, doing,
                  strerror(err), output_hint(err));
}

/*
 * The process umask without changing it where the kernel tells it
 * (Linux 4.7+: /proc/self/status), else by the umask(2) round trip.
 */
static mode_t current_umask(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[128];
    mode_t mask;

    if (f != NULL) {
        while (fgets(line, sizeof(line), f) != NULL) {
            unsigned int m;

            if (sscanf(line, "Umask: %o", &m) == 1) {
                fclose(f);
                return (mode_t)m;
            }
        }
        fclose(f);
    }
    mask = umask(022);
    umask(mask);
    return mask;
}

/* The directory part of path ("." when there is none); OPENSSL_free. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return OPENSSL_strdup(".");
    if (slash == path)
        return OPENSSL_strdup("/");
    return OPENSSL_strndup(path, (size_t)(slash - path));
}

/*
 * Devices, FIFOs, sockets: nothing to replace atomically, write into them
 * (a FIFO's reader waited for within bounds, common/cwms_file_io.h).
 */
static int write_in_place(const char *path, const unsigned char *data, size_t len, CWMS_DIAG *diag)
{
    const char *doing = NULL;
    int err = 0;

    if (cwms_file_write_in_place(path, data, len, &err, &doing))
        return 1;
    if (err == CWMS_FILE_NO_READER || err == CWMS_FILE_STALLED)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT,
                      "cannot write '%s': it is a named pipe (FIFO) %s; start its reader first, "
                      "or write to a regular file",
                      path,
                      err == CWMS_FILE_NO_READER ? "nothing read from within the wait"
                                                 : "whose reader stopped reading");
    else
        output_error(diag, path, doing, err);
    return 0;
}

/*
 * The kernel's protected_symlinks rule (fs.protected_symlinks=1), applied
 * whatever the sysctl says: a link in a sticky world-writable directory is
 * followed only when its owner is the caller or the directory's owner.
 */
static int link_may_be_followed(const char *path, const struct stat *link, CWMS_DIAG *diag)
{
    char *dir = dir_of(path);
    struct stat ds;
    int ok = 1;

    if (dir == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    if (stat(dir, &ds) == 0 && (ds.st_mode & S_ISVTX) && (ds.st_mode & S_IWOTH)
        && link->st_uid != geteuid() && link->st_uid != ds.st_uid) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT,
                      "cannot write '%s': it is a symbolic link owned by another user (uid %lu) "
                      "in the shared directory '%s', which could redirect the output anywhere; "
                      "remove the link or write elsewhere",
                      path, (unsigned long)link->st_uid, dir);
        ok = 0;
    }
    OPENSSL_free(dir);
    return ok;
}

/*
 * An unnamed file in dir (O_TMPFILE), or -1 when the kernel or the file
 * system has none (then mkstemp). It gets its name from give_name.
 */
static int open_unnamed(const char *dir, mode_t mode)
{
#ifdef O_TMPFILE
    return open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
#else
    (void)dir;
    (void)mode;
    errno = EOPNOTSUPP;
    return -1;
#endif
}

/* Links the unnamed file fd as tmp (a fresh name from template). 0 with errno. */
static int give_name(int fd, char *tmp)
{
    char proc[64];
    size_t len = strlen(tmp);

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    for (int tries = 0; tries < 100; tries++) {
        unsigned char rnd[6];
        static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        int rfd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

        if (rfd < 0 || read(rfd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd)) {
            if (rfd >= 0)
                close(rfd);
            return 0;
        }
        close(rfd);
        for (size_t i = 0; i < 6; i++)
            tmp[len - 6 + i] = abc[rnd[i] % (sizeof(abc) - 1)];
        pending_begin(tmp);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
            return 1;
        pending_end();
        if (errno != EEXIST)
            return 0;
    }
    return 0;
}

/* One write in progress: the temporary file and where it goes. */
typedef struct {
    const char *path;   /* as given, for messages */
    const char *target; /* where the file goes: path, or the file its link names */
    char *dir, *tmp;    /* target's directory; the temporary file's name there */
    int fd, unnamed, named;
} PENDING;

static void exists_error(CWMS_DIAG *diag, const char *path)
{
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT_EXISTS,
                  "cannot write '%s': it exists (another program made it while this one ran, or "
                  "it is a link), and a new file never replaces one; choose another file name",
                  path);
}

/* The temporary file in the target's directory, holding data, synced; its mode set first. */
static int write_temporary(PENDING *w, const unsigned char *data, size_t len, int secret,
                           CWMS_DIAG *diag)
{
    mode_t mode = secret ? 0600 : (0644 & ~current_umask());
    size_t tmp_size;

    if ((w->dir = dir_of(w->target)) == NULL
        || (w->tmp = OPENSSL_malloc(tmp_size = strlen(w->dir) + sizeof("/.cwms-bundle.XXXXXX")))
            == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    snprintf(w->tmp, tmp_size, "%s/.cwms-bundle.XXXXXX", w->dir);
    if ((w->fd = open_unnamed(w->dir, 0600)) >= 0) {
        w->unnamed = 1;
    } else if ((w->fd = mkstemp(w->tmp)) >= 0) {
        w->named = 1;
        pending_begin(w->tmp);
    } else {
        output_error(diag, w->path, "cannot create a temporary file in its directory", errno);
        return 0;
    }
    /* Set the mode before a single byte of a key lands in the file. */
    if (fchmod(w->fd, mode) != 0) {
        output_error(diag, w->path, "cannot set the file mode", errno);
        return 0;
    }
    if (!cwms_write_all(w->fd, data, len)) {
        output_error(diag, w->path, "writing failed", errno);
        return 0;
    }
    if (fsync(w->fd) != 0) {
        output_error(diag, w->path, "cannot flush the file to disk", errno);
        return 0;
    }
    return 1;
}

/* The temporary file, named, renamed over the target. */
static int replace_target(PENDING *w, CWMS_DIAG *diag)
{
    if (w->unnamed) {
        if (!give_name(w->fd, w->tmp)) {
            output_error(diag, w->path, "cannot give the new file a name in its directory", errno);
            return 0;
        }
        w->named = 1;
    }
    if (close(w->fd) != 0) {
        w->fd = -1;
        output_error(diag, w->path, "closing failed", errno);
        return 0;
    }
    w->fd = -1;
    if (rename(w->tmp, w->target) != 0) {
        output_error(diag, w->path, "cannot put the new file in place", errno);
        return 0;
    }
    w->named = 0; /* the name is the target's now */
    pending_end();
    return 1;
}

/*
 * The temporary file linked under the target's name, which must still be
 * free: link(2) never replaces, so of two runs racing for one name one
 * fails here with EEXIST.
 */
static int link_as_target(PENDING *w, CWMS_DIAG *diag)
{
    char proc[64];
    int rc;

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w->fd);
    rc = w->unnamed ? linkat(AT_FDCWD, proc, AT_FDCWD, w->target, AT_SYMLINK_FOLLOW)
                    : link(w->tmp, w->target);
    if (rc == 0)
        return 1; /* a named temporary file is removed with the rest */
    if (errno == EEXIST)
        exists_error(diag, w->path);
    else
        output_error(diag, w->path, "cannot give the new file its name", errno);
    return 0;
}

/* The file is in place; a directory that cannot be synced is no reason to fail. */
static void sync_directory(const PENDING *w, CWMS_DIAG *diag)
{
    int dfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (dfd < 0)
        return;
    if (fsync(dfd) != 0 && errno != EINVAL && errno != EROFS)
        cwms_diag_add(diag, CWMS_WARNING, CWMS_R_OUTPUT,
                      "wrote '%s' but could not sync its directory: %s", w->path, strerror(errno));
    close(dfd);
}

static void pending_cleanup(PENDING *w)
{
    int err = errno;

    if (w->fd >= 0)
        close(w->fd);
    pending_end();
    if (w->named)
        unlink(w->tmp);
    OPENSSL_free(w->tmp);
    OPENSSL_free(w->dir);
    errno = err;
}

static int output_named(const char *path, CWMS_DIAG *diag)
{
    if (path != NULL && *path != '\0')
        return 1;
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT, "no output file name given");
    return 0;
}

/*
 * Where path's bytes go: *target is path or, for a symbolic link, the file
 * it names (*resolved, free()). *in_place for what is not a regular file.
 */
static int resolve_target(const char *path, char **resolved, const char **target, int *in_place,
                          CWMS_DIAG *diag)
{
    struct stat st;

    *target = path;
    *in_place = 0;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        if (!link_may_be_followed(path, &st, diag))
            return 0;
        /* Replace what the link points to, not the link. A dangling link stays an error. */
        if ((*resolved = realpath(path, NULL)) == NULL) {
            output_error(diag, path, "cannot follow the symbolic link", errno);
            return 0;
        }
        *target = *resolved;
    }
    if (stat(*target, &st) == 0) {
        /* rename(2) would replace an empty directory without complaint: refuse first. */
        if (S_ISDIR(st.st_mode)) {
            output_error(diag, path, "it is a directory", EISDIR);
            return 0;
        }
        *in_place = !S_ISREG(st.st_mode);
    }
    return 1;
}

int cwms_write_file_atomic(const char *path, const unsigned char *data, size_t len, int secret,
                           CWMS_DIAG *diag)
{
    PENDING w = { path, path, NULL, NULL, -1, 0, 0 };
    char *resolved = NULL;
    int in_place = 0, ok = 0;

    if (!output_named(path, diag) || !resolve_target(path, &resolved, &w.target, &in_place, diag))
        goto end;
    if (in_place)
        ok = write_in_place(w.target, data, len, diag);
    else if ((ok = write_temporary(&w, data, len, secret, diag) && replace_target(&w, diag)))
        sync_directory(&w, diag);
end:
    pending_cleanup(&w);
    free(resolved);
    return ok;
}

int cwms_write_file_new(const char *path, const unsigned char *data, size_t len, int secret,
                        CWMS_DIAG *diag)
{
    PENDING w = { path, path, NULL, NULL, -1, 0, 0 };
    struct stat st;
    int ok = 0;

    if (!output_named(path, diag))
        return 0;
    if (lstat(path, &st) == 0) {
        exists_error(diag, path);
        return 0;
    }
    if ((ok = write_temporary(&w, data, len, secret, diag) && link_as_target(&w, diag)))
        sync_directory(&w, diag);
    pending_cleanup(&w);
    return ok;
}
