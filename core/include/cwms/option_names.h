/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How an option is called where the user wrote it. The core's messages
 * tell the user what to change ("use --passin"); a user of the provider
 * never typed a CLI flag, so the same advice names the cwms: URI
 * parameter ("root=include") or openssl's own option ("-passin") instead.
 */
#ifndef CWMS_OPTION_NAMES_H
#define CWMS_OPTION_NAMES_H

/* Where the options came from. Zero (the CLI) is the default of a zeroed struct. */
typedef enum {
    CWMS_FRONT_CLI = 0, /* cwms-bundle's command line */
    CWMS_FRONT_URI = 1  /* a cwms: or pkcs11: URI through the provider */
} CWMS_FRONT;

typedef enum {
    CWMS_OPT_KEY,          /* --key / key= */
    CWMS_OPT_NO_KEY,       /* --no-key / nokey */
    CWMS_OPT_LEAF,         /* --leaf / leaf= */
    CWMS_OPT_TRUST,        /* --trust / trust= */
    CWMS_OPT_INCLUDE_ROOT, /* --include-root / root=include */
    CWMS_OPT_PASSIN,       /* --passin / openssl's -passin */
    CWMS_OPT_PIN,          /* --pin / openssl's -passin (pin-source= is the URI's own) */
    CWMS_OPT_FETCH,        /* --fetch / fetch */
    CWMS_OPT_VERIFY_DEPTH, /* --verify-depth / verify-depth= */
    CWMS_OPT_PATH          /* --path / path= */
} CWMS_OPTION;

/* The option's name for front, for messages; static, never NULL. */
const char *cwms_option_name(CWMS_FRONT front, CWMS_OPTION opt);
/*
 * What goes between an option's name and its value for front, so that a
 * message can write "--path shortest" or "path=shortest": static.
 */
const char *cwms_option_value_sep(CWMS_FRONT front);

#endif
