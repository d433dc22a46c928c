/* SPDX-License-Identifier: Apache-2.0 */
/*
 * p11-kit, opened at run time (private to the PKCS#11 helper).
 *
 * The helper does not link libp11-kit: cwms.so is loaded by every `openssl`
 * command that names the provider, and linking p11-kit (and, through it,
 * libffi) made each of those pay for mapping, relocating and initialising
 * both, although most never touch a pkcs11: URI. The first URI the helper
 * parses opens libp11-kit.so.0 and fills this table; p11-kit's own headers
 * still give the types and prototypes, so every member below has exactly
 * the signature p11-kit declares.
 */
#ifndef CWMS_P11_KIT_DL_H
#define CWMS_P11_KIT_DL_H

#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "cwms_p11.h"

/* The soname opened; a build may name another one (the unit test of the error does). */
#ifndef CWMS_P11_KIT_SONAME
#define CWMS_P11_KIT_SONAME "libp11-kit.so.0"
#endif

/* Member NAME is p11_kit_NAME (p11_kit_dl.c resolves each by that symbol). */
typedef struct p11_kit_api_st {
    /* error strings */
    __typeof__(p11_kit_strerror) *strerror;
    __typeof__(p11_kit_message) *message;
    /* URIs */
    __typeof__(p11_kit_uri_new) *uri_new;
    __typeof__(p11_kit_uri_free) *uri_free;
    __typeof__(p11_kit_uri_parse) *uri_parse;
    __typeof__(p11_kit_uri_format) *uri_format;
    __typeof__(p11_kit_uri_message) *uri_message;
    __typeof__(p11_kit_uri_any_unrecognized) *uri_any_unrecognized;
    __typeof__(p11_kit_uri_get_attribute) *uri_get_attribute;
    __typeof__(p11_kit_uri_set_attribute) *uri_set_attribute;
    __typeof__(p11_kit_uri_get_module_info) *uri_get_module_info;
    __typeof__(p11_kit_uri_get_slot_info) *uri_get_slot_info;
    __typeof__(p11_kit_uri_get_token_info) *uri_get_token_info;
    __typeof__(p11_kit_uri_get_slot_id) *uri_get_slot_id;
    __typeof__(p11_kit_uri_get_module_path) *uri_get_module_path;
    __typeof__(p11_kit_uri_set_module_path) *uri_set_module_path;
    __typeof__(p11_kit_uri_get_module_name) *uri_get_module_name;
    __typeof__(p11_kit_uri_get_pin_value) *uri_get_pin_value;
    __typeof__(p11_kit_uri_set_pin_value) *uri_set_pin_value;
    __typeof__(p11_kit_uri_get_pin_source) *uri_get_pin_source;
    __typeof__(p11_kit_uri_match_module_info) *uri_match_module_info;
    __typeof__(p11_kit_uri_match_slot_info) *uri_match_slot_info;
    __typeof__(p11_kit_uri_match_token_info) *uri_match_token_info;
    /* modules */
    __typeof__(p11_kit_module_load) *module_load;
    __typeof__(p11_kit_module_initialize) *module_initialize;
    __typeof__(p11_kit_module_finalize) *module_finalize;
    __typeof__(p11_kit_module_release) *module_release;
    __typeof__(p11_kit_module_get_name) *module_get_name;
    __typeof__(p11_kit_module_get_filename) *module_get_filename;
    __typeof__(p11_kit_module_for_name) *module_for_name;
    __typeof__(p11_kit_modules_load) *modules_load;
    __typeof__(p11_kit_modules_finalize) *modules_finalize;
    __typeof__(p11_kit_modules_release) *modules_release;
} P11_KIT_API;

/*
 * Opens p11-kit on the first call in this process image (thread-safe, done
 * once; the table never changes after). Returns the table, or NULL with
 * err set to "cannot load p11-kit (libp11-kit.so.0): <why>; install ..."
 * (the same answer on every call). err may be NULL.
 */
const P11_KIT_API *p11_kit_api_open(CWMS_P11_ERROR *err);

/*
 * The table, or NULL when p11-kit cannot be loaded. Every way into the
 * helper parses a URI first (cwms_p11_uri_parse opens p11-kit and fails
 * when it cannot), so code running on a parsed URI gets non-NULL here.
 */
const P11_KIT_API *p11_kit_api(void);

#endif
