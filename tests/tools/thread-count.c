/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LD_PRELOAD=thread-count.so: counts the threads a process starts through
 * pthread_create (the CLI directly, the provider inside `openssl`) and, at
 * exit, writes the number to the file named by $CWMS_THREAD_COUNT_FILE.
 * Preloaded, its pthread_create comes before libc's for the executable and
 * every module it loads; it counts and hands over to the next definition.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

typedef int create_fn(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static atomic_int started;

__attribute__((visibility("default"))) int pthread_create(pthread_t *thread,
                                                          const pthread_attr_t *attr,
                                                          void *(*start)(void *), void *arg)
{
    create_fn *next = (create_fn *)dlsym(RTLD_NEXT, "pthread_create");

    if (next == NULL)
        abort();
    atomic_fetch_add(&started, 1);
    return next(thread, attr, start, arg);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("CWMS_THREAD_COUNT_FILE");
    FILE *f;

    if (path != NULL && (f = fopen(path, "w")) != NULL) {
        fprintf(f, "%d\n", atomic_load(&started));
        fclose(f);
    }
}
