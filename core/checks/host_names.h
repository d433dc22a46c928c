/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host names the server certificate must carry (host_names.c).
 */
#ifndef CWMS_CHECKS_HOST_NAMES_H
#define CWMS_CHECKS_HOST_NAMES_H

#include "cwms/diag.h"
#include "index/cert.h"
#include "paths/chain_params.h"

/*
 * Every --host (cp->hosts) and the WebEx site URL's host (cp->site)
 * covered by a subjectAltName entry, as TLS clients match names; and for
 * the site, CWMS's own rules of cp->site_rules: the CN (2.5MR5 and
 * later), the SAN naming the site and every --host (before 2.5MR5). One
 * error per name and rule broken, naming the certificate, the rule and
 * its source; *ok = 0 when one was added.
 */
void cwms_check_host_names(const CWMS_CHAIN_PARAMS *cp, CWMS_CERT *leaf, CWMS_DIAG *diag, int *ok);

#endif
