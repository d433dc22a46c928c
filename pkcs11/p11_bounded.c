/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Calls that may block, with a bounded wait.
 *
 * C_Initialize (a network HSM connecting, a daemon not answering), C_Login
 * (a PIN pad waiting for a person, a card that went away) and C_Finalize
 * can block for as long as the module likes, and PKCS#11 has no way to
 * cancel a call (C_CancelFunction is a legacy stub). So such a call runs
 * on a helper thread of its own, and the caller waits for it at most
 * CWMS_PKCS11_TIMEOUT seconds (cwms_limits.h has the defaults). When the
 * time runs out the caller goes on without it: the call keeps running,
 * alone, on memory that is its own (its arguments were copied, and are
 * freed if it ever returns), and the module is never called again by this
 * process (no C_CloseSession, no C_Finalize, not released: P11_STARTED's
 * stuck); the thread ends with the process. Nothing else of the caller's
 * can be touched by a call that comes back late.
 *
 * The helper thread blocks every signal, so signals keep going to the
 * threads of the application. When no thread can be started the call runs
 * on the caller's thread, unbounded, as it would without this file.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cwms_limits.h"
#include "p11_internal.h"

int p11_timeout(int pinpad)
{
    const char *env = getenv("CWMS_PKCS11_TIMEOUT");
    int t = env != NULL ? atoi(env) : 0;

    if (t > 0 && t <= CWMS_P11_TIMEOUT_MAX)
        return t;
    return pinpad ? CWMS_P11_TIMEOUT_PINPAD : CWMS_P11_TIMEOUT_DEFAULT;
}

typedef struct job_st {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int finished;  /* the call returned */
    int abandoned; /* the caller stopped waiting: the thread frees the job */
    CK_RV rv;
    p11_blocking_fn fn;
    void *arg;
    void (*done)(void *arg);
} JOB;

static void job_free(JOB *j)
{
    j->done(j->arg);
    pthread_cond_destroy(&j->cond);
    pthread_mutex_destroy(&j->lock);
    OPENSSL_free(j);
}

static void *run_job(void *p)
{
    JOB *j = p;
    CK_RV rv = j->fn(j->arg);
    int abandoned;

    pthread_mutex_lock(&j->lock);
    j->rv = rv;
    j->finished = 1;
    abandoned = j->abandoned;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->lock);
    if (abandoned)
        job_free(j);
    return NULL;
}

static JOB *job_new(p11_blocking_fn fn, void *arg, void (*done)(void *))
{
    JOB *j = OPENSSL_zalloc(sizeof(*j));
    pthread_condattr_t ca;

    if (j == NULL)
        return NULL;
    if (pthread_condattr_init(&ca) != 0) {
        OPENSSL_free(j);
        return NULL;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (pthread_mutex_init(&j->lock, NULL) != 0 || pthread_cond_init(&j->cond, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        OPENSSL_free(j);
        return NULL;
    }
    pthread_condattr_destroy(&ca);
    j->fn = fn;
    j->arg = arg;
    j->done = done;
    return j;
}

/* Starts the job's thread with every signal blocked; 1 on success. */
static int start(JOB *j, pthread_t *t)
{
    sigset_t all, old;
    int rc;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(t, NULL, run_job, j);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0;
}

/* Waits until the job finished or the deadline passed; 1 when it finished (then joined). */
static int wait_for(JOB *j, pthread_t t, int seconds)
{
    struct timespec deadline;
    int finished, rc = 0;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += seconds;
    pthread_mutex_lock(&j->lock);
    while (!j->finished && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&j->cond, &j->lock, &deadline);
    finished = j->finished;
    if (!finished)
        j->abandoned = 1;
    pthread_mutex_unlock(&j->lock);
    if (!finished) {
        pthread_detach(t);
        return 0;
    }
    pthread_join(t, NULL);
    return 1;
}

int p11_run_bounded(p11_blocking_fn fn, void *arg, void (*done)(void *), int seconds, CK_RV *rv)
{
    JOB *j = job_new(fn, arg, done);
    pthread_t t;

    if (j == NULL || !start(j, &t)) {
        cwms_debug(CWMS_DEBUG_PKCS11, "no helper thread: the call runs here, without a time-out");
        if (j != NULL) {
            pthread_cond_destroy(&j->cond);
            pthread_mutex_destroy(&j->lock);
            OPENSSL_free(j);
        }
        *rv = fn(arg);
        done(arg);
        return 1;
    }
    if (!wait_for(j, t, seconds))
        return 0;
    *rv = j->rv;
    job_free(j);
    return 1;
}
