/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Passphrases and PINs, asked for once and kept for the life of one build.
 *
 * The CLI's source is --passin (pass:, env:, file:, fd:, stdin, or a
 * terminal prompt); the provider's is OpenSSL's passphrase callback. The
 * core only sees a cwms_pass_cb and caches its answer, so a PKCS#12 file
 * and an encrypted key under the same passphrase ask the user once.
 */
#ifndef CWMS_PASS_H
#define CWMS_PASS_H

#include <stddef.h>

#include "cwms_limits.h" /* CWMS_PASS_MAX: the longest passphrase the cache holds */

/*
 * Writes a passphrase of at most size bytes to buf and its length to *len.
 * what names the object ("PKCS#12 file 'server.p12'", "token 'webex'").
 * Returns 1 on success, 0 when no passphrase can be had (no source, no
 * terminal) — the caller then reports CWMS_R_NO_PASSPHRASE —, or -1 when
 * the source failed and already reported why (an unset environment
 * variable, no terminal to ask on): the caller then adds no second error
 * for the same cause (see cwms_pass_reported).
 */
typedef int (*cwms_pass_cb)(char *buf, size_t size, size_t *len, const char *what, void *arg);

typedef struct cwms_pass_st CWMS_PASS;

/* A cache in front of cb (which may be NULL: no source at all). Free with cwms_pass_free. */
CWMS_PASS *cwms_pass_new(cwms_pass_cb cb, void *arg);
/* Cleanses and frees the cached passphrase. */
void cwms_pass_free(CWMS_PASS *pass);

/*
 * The passphrase: the cached one, else asks cb once. *out points into the
 * cache (valid until cwms_pass_free; not NUL-terminated beyond *len, but
 * a NUL follows it). Returns 1 on success, 0 when none is available.
 */
int cwms_pass_get(CWMS_PASS *pass, const char *what, const char **out, size_t *len);

/* 1 when a passphrase was obtained already (so a failure means it was wrong). */
int cwms_pass_known(const CWMS_PASS *pass);

/*
 * 1 when the source failed and reported why itself (its callback returned
 * -1): a caller whose cwms_pass_get failed then reports nothing more.
 */
int cwms_pass_reported(const CWMS_PASS *pass);

/*
 * Marks the source as given by the user (--passin): asking it prompts
 * nobody, so readers try it before the empty passphrases a file exported
 * without one uses (each try of a PKCS#12 MAC can cost seconds).
 */
void cwms_pass_set_given(CWMS_PASS *pass);
/* 1 when the passphrase is known or its source was marked given. */
int cwms_pass_given(const CWMS_PASS *pass);

/*
 * Says where the passphrase comes from, for messages ("--passin env:PW",
 * "the passphrase typed at the terminal"; copied, never the passphrase
 * itself), and how many answers the source may give when one turns out
 * wrong (a person at a terminal mistypes: 3, as ssh-keygen asks; a
 * file or variable says the same every time: 1).
 */
void cwms_pass_set_source(CWMS_PASS *pass, const char *source, int max_tries);
/* The description set with cwms_pass_set_source, or NULL. */
const char *cwms_pass_source(const CWMS_PASS *pass);
/* 1 when the source may be asked again after a wrong answer. */
int cwms_pass_may_retry(const CWMS_PASS *pass);
/*
 * The passphrase known turned out wrong: forgets it, so the next
 * cwms_pass_get asks the source again. 1 when a try is left; 0 (nothing
 * forgotten) when the source has given all the answers it may.
 */
int cwms_pass_retry(CWMS_PASS *pass);

#endif
