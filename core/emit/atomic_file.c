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
 * Only regular files are replaced. A symbolic link is followed, so the file
 * it points to is replaced and the link stays. A device, FIFO or socket
 * (-o /dev/null, -o /dev/stdout, a pipe) is written in place: renaming over
 * it would turn /dev/null into a regular file for the whole machine.
 */
#define _XOPEN_SOURCE 700   /* realpath() */
#include "cwms/emit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

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

static void output_error(CWMS_DIAG *diag, const char *path, const char *doing, int err)
{
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT, "cannot write '%s': %s: %s; %s",
                  path, doing, strerror(err), output_hint(err));
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

/* Devices, FIFOs, sockets: nothing to replace atomically, write into them. */
static int write_in_place(const char *path, const unsigned char *data, size_t len,
                          CWMS_DIAG *diag)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);

    if (fd < 0) {
        output_error(diag, path, "cannot open it", errno);
        return 0;
    }
    if (!cwms_write_all(fd, data, len)) {
        output_error(diag, path, "writing failed", errno);
        close(fd);
        return 0;
    }
    if (close(fd) != 0) {
        output_error(diag, path, "closing failed", errno);
        return 0;
    }
    return 1;
}

int cwms_write_file_atomic(const char *path, const unsigned char *data, size_t len,
                           int secret, CWMS_DIAG *diag)
{
    char *dir = NULL, *tmp = NULL, *resolved = NULL;
    const char *target = path;
    size_t tmp_size;
    int fd = -1, dfd, err, ok = 0;
    mode_t mode;
    struct stat st;

    if (path == NULL || *path == '\0') {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT, "no output file name given");
        return 0;
    }
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* Replace what the link points to, not the link. A dangling link stays an error. */
        if ((resolved = realpath(path, NULL)) == NULL) {
            output_error(diag, path, "cannot follow the symbolic link", errno);
            return 0;
        }
        target = resolved;
    }
    if (stat(target, &st) == 0) {
        /* rename(2) would replace an empty directory without complaint: refuse first. */
        if (S_ISDIR(st.st_mode)) {
            output_error(diag, path, "it is a directory", EISDIR);
            goto end;
        }
        if (!S_ISREG(st.st_mode)) {
            ok = write_in_place(target, data, len, diag);
            goto end;
        }
    }
    if ((dir = dir_of(target)) == NULL)
        goto oom;
    tmp_size = strlen(dir) + sizeof("/.cwms-bundle.XXXXXX");
    if ((tmp = OPENSSL_malloc(tmp_size)) == NULL)
        goto oom;
    snprintf(tmp, tmp_size, "%s/.cwms-bundle.XXXXXX", dir);

    if ((fd = mkstemp(tmp)) < 0) {
        output_error(diag, path, "cannot create a temporary file in its directory", errno);
        goto end;
    }
    /* Set the mode before a single byte of a key lands in the file. */
    mode = secret ? 0600 : (0644 & ~current_umask());
    if (fchmod(fd, mode) != 0) {
        output_error(diag, path, "cannot set the file mode", errno);
        goto fail;
    }
    if (!cwms_write_all(fd, data, len)) {
        output_error(diag, path, "writing failed", errno);
        goto fail;
    }
    if (fsync(fd) != 0) {
        output_error(diag, path, "cannot flush the file to disk", errno);
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        output_error(diag, path, "closing failed", errno);
        goto fail;
    }
    fd = -1;
    if (rename(tmp, target) != 0) {
        output_error(diag, path, "cannot put the new file in place", errno);
        goto fail;
    }
    ok = 1;
    /* The file is in place; a directory that cannot be synced is no reason to fail. */
    if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        if (fsync(dfd) != 0 && errno != EINVAL && errno != EROFS)
            cwms_diag_add(diag, CWMS_WARNING, CWMS_R_OUTPUT,
                          "wrote '%s' but could not sync its directory: %s",
                          path, strerror(errno));
        close(dfd);
    }
    goto end;

 fail:
    err = errno;
    if (fd >= 0)
        close(fd);
    fd = -1;
    unlink(tmp);
    errno = err;
    goto end;
 oom:
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
 end:
    if (fd >= 0)
        close(fd);
    OPENSSL_free(tmp);
    OPENSSL_free(dir);
    free(resolved);
    return ok;
}
