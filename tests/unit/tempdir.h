/* A private temporary directory for unit tests that write files. */
#ifndef CWMS_TEST_TEMPDIR_H
#define CWMS_TEST_TEMPDIR_H

#include <stddef.h>

/* Creates $TMPDIR/PREFIX.XXXXXX (default /tmp) into buf; 0 on success, -1 on failure. */
int test_tempdir_make(char *buf, size_t size, const char *prefix);
/* Removes the directory and everything below it; 0 on success. */
int test_tempdir_remove(const char *dir);

#endif
