/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The debug channels: one switch, CWMS_DEBUG, for the CLI, the provider
 * and the PKCS#11 helper.
 *
 * CWMS_DEBUG is a comma-separated list of channels — "path", "pkcs11",
 * "provider", "input" — or "all". Unknown names are ignored. The value is
 * read once, at the first question, and holds for the life of the process.
 * CWMS_PROVIDER_DEBUG (any non-empty value), the provider's older switch,
 * still turns the provider channel on.
 *
 * A trace is for people sorting out a problem: one line per event on
 * stderr, "cwms-bundle: CHANNEL: ..." ("cwms provider: ..." for the
 * provider channel). Secrets (passphrases, PINs, key bytes) never go into
 * a trace. Safe to call from any thread; a line is written whole.
 */
#ifndef CWMS_DEBUG_H
#define CWMS_DEBUG_H

typedef enum {
    CWMS_DEBUG_PATH = 1 << 0,     /* path building: candidates, verdicts, ranks, budget */
    CWMS_DEBUG_PKCS11 = 1 << 1,   /* every Cryptoki call and its result */
    CWMS_DEBUG_PROVIDER = 1 << 2, /* the notes and warnings the silent provider drops */
    CWMS_DEBUG_INPUT = 1 << 3     /* what each source yielded, how a file was read */
} CWMS_DEBUG_CHANNEL;

/* 1 when channel is on. Cheap after the first call: test it before building costly text. */
int cwms_debug_on(CWMS_DEBUG_CHANNEL channel);

/* Writes one trace line (no "\n" in fmt) on channel when it is on. */
void cwms_debug(CWMS_DEBUG_CHANNEL channel, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
