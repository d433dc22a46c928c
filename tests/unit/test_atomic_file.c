/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cwms_write_file_atomic: modes, replacement, and failures that leave
 * neither a changed target nor a temporary file behind; cwms_write_file_new,
 * which never replaces anything; FIFO targets without a reader.
 */
#define _XOPEN_SOURCE 700 /* mknod(), symlink() */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cwms/emit.h"
#include "cwms_limits.h"
#include "testlib.h"

static char dir[4096];

static int make_dir(void **state)
{
    (void)state;
    return t_tempdir_make(dir, sizeof(dir), "cwms-atomic");
}

static int remove_dir(void **state)
{
    (void)state;
    return t_tempdir_remove(dir);
}

static const char *in_dir(const char *name)
{
    static char buf[2][4200];
    static int which;

    which ^= 1;
    snprintf(buf[which], sizeof(buf[which]), "%s/%s", dir, name);
    return buf[which];
}

static void write_plain(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The file's text, valid until the next call. */
static const char *read_all(const char *path)
{
    static unsigned char *text;
    size_t len;

    free(text);
    text = t_slurp(path, &len);
    return (const char *)text;
}

static unsigned int file_mode(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* Entries of the test directory whose name starts with a dot (temporary files). */
static int hidden_entries(const char *where)
{
    DIR *d = opendir(where);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

typedef int (*WRITE_FN)(const char *, const unsigned char *, size_t, int, CWMS_DIAG *);

static CWMS_REASON write_fails_with(WRITE_FN fn, const char *path, const char *text, int secret)
{
    CWMS_DIAG *diag = cwms_diag_new();
    const CWMS_MSG *m;
    CWMS_REASON r;

    assert_false(fn(path, (const unsigned char *)text, strlen(text), secret, diag));
    m = cwms_diag_first_error(diag);
    assert_non_null(m);
    /* The message names the file. */
    assert_non_null(strstr(m->text, path));
    r = m->reason;
    cwms_diag_free(diag);
    return r;
}

static CWMS_REASON write_fails(const char *path, const char *text, int secret)
{
    return write_fails_with(cwms_write_file_atomic, path, text, secret);
}

static void write_ok(const char *path, const char *text, int secret)
{
    CWMS_DIAG *diag = cwms_diag_new();
    int ok = cwms_write_file_atomic(path, (const unsigned char *)text, strlen(text), secret, diag);

    if (!ok)
        fail_msg("%s", cwms_diag_first_error(diag)->text);
    cwms_diag_free(diag);
}

static void test_secret_file_is_mode_0600_whatever_the_umask(void **state)
{
    const char *path = in_dir("secret.pem");
    mode_t old = umask(0);

    (void)state;
    write_ok(path, "key\n", 1);
    umask(old);
    assert_int_equal(file_mode(path), 0600);
    assert_string_equal(read_all(path), "key\n");
    assert_int_equal(hidden_entries(dir), 0);
}

static void test_public_file_is_0644_less_the_umask(void **state)
{
    mode_t old = umask(022);

    (void)state;
    write_ok(in_dir("public-022.pem"), "cert\n", 0);
    umask(027);
    write_ok(in_dir("public-027.pem"), "cert\n", 0);
    umask(old);
    assert_int_equal(file_mode(in_dir("public-022.pem")), 0644);
    assert_int_equal(file_mode(in_dir("public-027.pem")), 0640);
}

static void test_existing_file_is_replaced_with_the_new_mode(void **state)
{
    const char *path = in_dir("replace.pem");

    (void)state;
    write_plain(path, "old content\n");
    assert_int_equal(chmod(path, 0644), 0);
    write_ok(path, "new content\n", 1);
    assert_string_equal(read_all(path), "new content\n");
    assert_int_equal(file_mode(path), 0600);
    assert_int_equal(hidden_entries(dir), 0);
}

static void test_missing_directory_fails_and_creates_nothing(void **state)
{
    const char *path = in_dir("no-such-dir/out.pem");
    struct stat st;

    (void)state;
    assert_int_equal(write_fails(path, "x\n", 1), CWMS_R_OUTPUT);
    assert_int_not_equal(stat(path, &st), 0);
    assert_int_equal(hidden_entries(dir), 0);
}

static void test_directory_as_target_fails_and_leaves_it_alone(void **state)
{
    const char *path = in_dir("a-directory");
    struct stat st;

    (void)state;
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(write_fails(path, "x\n", 0), CWMS_R_OUTPUT);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(hidden_entries(dir), 0);
}

static void test_failed_write_leaves_existing_file_untouched_and_no_temp_file(void **state)
{
    /* A file size limit makes write(2) fail for real (EFBIG) half way through. */
    const char *path = in_dir("keep.pem");
    char big[8192];
    struct rlimit old, lim;
    void (*old_handler)(int);

    (void)state;
    write_plain(path, "precious\n");
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 1024;
    old_handler = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_int_equal(write_fails(path, big, 1), CWMS_R_OUTPUT);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    assert_string_equal(read_all(path), "precious\n");
    assert_int_equal(hidden_entries(dir), 0);
}

static void test_device_target_is_written_in_place_and_stays_a_device(void **state)
{
    /*
     * `-o /dev/null` once renamed a regular file over the machine's /dev/null.
     * A private null device in the test dir stands in for it (needs root;
     * the real /dev/null is never the test subject, so a regression cannot break it).
     */
    const char *path = in_dir("null-device");
    struct stat st;

    (void)state;
    if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) != 0)
        t_skip("making a device node needs root");
    write_ok(path, "a bundle\n", 1);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_rdev, makedev(1, 3));
    assert_int_equal(hidden_entries(dir), 0);
    assert_int_equal(unlink(path), 0);
}

static void test_fifo_target_receives_the_bytes_and_stays_a_fifo(void **state)
{
    const char *path = in_dir("fifo");
    char buf[64];
    struct stat st;
    ssize_t n;
    int rd;

    (void)state;
    assert_int_equal(mkfifo(path, 0600), 0);
    /* Open the reading end first (non-blocking) so the writer does not wait. */
    rd = open(path, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    write_ok(path, "through the pipe\n", 1);
    n = read(rd, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "through the pipe\n");
    close(rd);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(hidden_entries(dir), 0);
    assert_int_equal(unlink(path), 0);
}

static void test_symlink_target_replaces_the_file_and_keeps_the_link(void **state)
{
    const char *file = in_dir("real.pem");
    const char *link = in_dir("link.pem");
    struct stat st;

    (void)state;
    write_plain(file, "old\n");
    assert_int_equal(symlink("real.pem", link), 0);
    write_ok(link, "new\n", 1);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(read_all(file), "new\n");
    assert_int_equal(file_mode(file), 0600);
    assert_int_equal(hidden_entries(dir), 0);
}

static void test_new_file_is_created_0600_and_never_replaces_one(void **state)
{
    const char *path = in_dir("new.key");
    const char *link = in_dir("dangling.key");
    CWMS_DIAG *diag = cwms_diag_new();

    (void)state;
    assert_int_equal(cwms_write_file_new(path, (const unsigned char *)"key 1\n", 6, 1, diag), 1);
    assert_int_equal(file_mode(path), 0600);
    assert_string_equal(read_all(path), "key 1\n");
    cwms_diag_free(diag);
    /* A second run for the same name fails and the first key stays. */
    assert_int_equal(write_fails_with(cwms_write_file_new, path, "key 2\n", 1),
                     CWMS_R_OUTPUT_EXISTS);
    assert_string_equal(read_all(path), "key 1\n");
    /* Even a dangling link is something a new file must not go through. */
    assert_int_equal(symlink("nowhere.key", link), 0);
    assert_int_equal(write_fails_with(cwms_write_file_new, link, "key 3\n", 1),
                     CWMS_R_OUTPUT_EXISTS);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(unlink(path), 0);
    /* (in_dir's buffers are reused: path and link are gone now) */
    assert_int_equal(access(in_dir("nowhere.key"), F_OK), -1);
    assert_int_equal(hidden_entries(dir), 0);
}

/* Several processes create one name at once: exactly one succeeds, and its bytes are there. */
static void test_new_file_races_have_one_winner(void **state)
{
    const char *path = in_dir("raced.key");

    (void)state;
    for (int round = 0; round < 20; round++) {
        pid_t kids[4];
        int winners = 0, winner = -1;
        char want[32];

        unlink(path);
        for (int k = 0; k < 4; k++) {
            if ((kids[k] = fork()) == 0) {
                char text[32];
                CWMS_DIAG *diag = cwms_diag_new();

                snprintf(text, sizeof(text), "writer %d\n", k);
                _exit(cwms_write_file_new(path, (const unsigned char *)text, strlen(text), 1, diag)
                          ? 0
                          : 1);
            }
            assert_true(kids[k] > 0);
        }
        for (int k = 0; k < 4; k++) {
            int st;

            assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
            assert_true(WIFEXITED(st));
            if (WEXITSTATUS(st) == 0) {
                winners++;
                winner = k;
            }
        }
        assert_int_equal(winners, 1);
        snprintf(want, sizeof(want), "writer %d\n", winner);
        assert_string_equal(read_all(path), want);
        assert_int_equal(hidden_entries(dir), 0);
    }
    assert_int_equal(unlink(path), 0);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A FIFO nobody reads: an output error after the bounded wait, not a hang; it stays a FIFO. */
static void test_fifo_target_without_reader_fails_in_bounded_time(void **state)
{
    const char *path = in_dir("lonely.fifo");
    struct timespec t0;
    struct stat st;
    double took;

    (void)state;
    assert_int_equal(mkfifo(path, 0600), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(write_fails(path, "nobody reads this\n", 1), CWMS_R_OUTPUT);
    took = seconds_since(&t0);
    assert_true(took >= CWMS_FIFO_WAIT_MS / 1000.0 - 0.5 && took < CWMS_FIFO_WAIT_MS / 1000.0 + 5);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(unlink(path), 0);
}

/* A reader that comes a little later gets the bytes; one that leaves early is an error, no SIGPIPE. */
static void test_fifo_target_waits_for_a_late_reader(void **state)
{
    const char *path = in_dir("late.fifo");
    static unsigned char big[1 << 20];
    char buf[64];
    pid_t kid;
    int st, fd;
    ssize_t n;

    (void)state;
    assert_int_equal(mkfifo(path, 0600), 0);
    if ((kid = fork()) == 0) {
        struct timespec pause = { 0, 300 * 1000 * 1000 };

        nanosleep(&pause, NULL);
        fd = open(path, O_RDONLY);
        n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
        _exit(n > 0 && memcmp(buf, "late\n", 5) == 0 ? 0 : 1);
    }
    write_ok(path, "late\n", 0);
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if ((kid = fork()) == 0) {
        fd = open(path, O_RDONLY);
        n = fd < 0 ? -1 : read(fd, buf, 1);
        _exit(n == 1 ? 0 : 1); /* gone after one byte of a megabyte */
    }
    memset(big, 'x', sizeof(big));
    {
        CWMS_DIAG *diag = cwms_diag_new();

        assert_false(cwms_write_file_atomic(path, big, sizeof(big), 0, diag));
        assert_int_equal(cwms_diag_first_error(diag)->reason, CWMS_R_OUTPUT);
        cwms_diag_free(diag);
    }
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_int_equal(unlink(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_file_is_mode_0600_whatever_the_umask),
        cmocka_unit_test(test_public_file_is_0644_less_the_umask),
        cmocka_unit_test(test_existing_file_is_replaced_with_the_new_mode),
        cmocka_unit_test(test_missing_directory_fails_and_creates_nothing),
        cmocka_unit_test(test_directory_as_target_fails_and_leaves_it_alone),
        cmocka_unit_test(test_failed_write_leaves_existing_file_untouched_and_no_temp_file),
        cmocka_unit_test(test_device_target_is_written_in_place_and_stays_a_device),
        cmocka_unit_test(test_fifo_target_receives_the_bytes_and_stays_a_fifo),
        cmocka_unit_test(test_symlink_target_replaces_the_file_and_keeps_the_link),
        cmocka_unit_test(test_new_file_is_created_0600_and_never_replaces_one),
        cmocka_unit_test(test_new_file_races_have_one_winner),
        cmocka_unit_test(test_fifo_target_without_reader_fails_in_bounded_time),
        cmocka_unit_test(test_fifo_target_waits_for_a_late_reader),
    };

    return t_exit(cmocka_run_group_tests(tests, make_dir, remove_dir));
}
