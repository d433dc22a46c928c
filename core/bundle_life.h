/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The life of a CWMS_BUNDLE (bundle_life.c): made from the chosen path by
 * the chain build (chain.c), freed with cwms_bundle_free (cwms/types.h) by
 * whoever got it. Below chain.c and bundle.c, so that a front freeing a
 * bundle links neither the readers nor the path builder, and the chain
 * build that makes one depends on nothing that depends back on it.
 */
#ifndef CWMS_BUNDLE_LIFE_H
#define CWMS_BUNDLE_LIFE_H

#include "cwms/diag.h"
#include "cwms/types.h"
#include "input/input.h"
#include "paths/path.h"

/*
 * A new bundle of path in opts->order (the self-signed root left out
 * unless opts->include_root), with key (may be NULL) up-ref'd and its
 * PKCS#8 and origin copied. NULL with an error in diag when out of memory.
 */
CWMS_BUNDLE *cwms_bundle_from_path(const CWMS_OPTIONS *opts, const CWMS_PATH *path,
                                   const CWMS_KEY *key, CWMS_DIAG *diag);

#endif
