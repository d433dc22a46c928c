/* SPDX-License-Identifier: Apache-2.0 */
/* Key-derivation iteration counts: see kdf_limit.h. */
#include "input/kdf_limit.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

static int integer_value(const ASN1_INTEGER *i, uint64_t *out)
{
    int64_t v;

    /* Negative or beyond 64 bits: as good as infinite. */
    if (i == NULL)
        return 0;
    if (!ASN1_INTEGER_get_int64(&v, i) || v < 0)
        *out = UINT64_MAX;
    else
        *out = (uint64_t)v;
    return 1;
}

static int pbes2_iterations(const ASN1_TYPE *param, uint64_t *iter)
{
    PBE2PARAM *pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), param);
    PBKDF2PARAM *kdf = NULL;
    int ok = 0;

    if (pbe2 != NULL && pbe2->keyfunc != NULL
        && OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2
        && (kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter))
            != NULL)
        ok = integer_value(kdf->iter, iter);
    PBKDF2PARAM_free(kdf);
    PBE2PARAM_free(pbe2);
    return ok;
}

int cwms_pbe_iterations(const X509_ALGOR *alg, uint64_t *iter)
{
    PBEPARAM *pbe;
    int ok = 0;

    if (alg == NULL || alg->parameter == NULL)
        return 0;
    ERR_set_mark();
    if (OBJ_obj2nid(alg->algorithm) == NID_pbes2) {
        ok = pbes2_iterations(alg->parameter, iter);
    } else if ((pbe = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter))
               != NULL) {
        ok = integer_value(pbe->iter, iter);
        PBEPARAM_free(pbe);
    }
    ERR_pop_to_mark();
    return ok;
}

int cwms_kdf_iterations_ok(uint64_t iter)
{
    return iter <= CWMS_KDF_ITERATIONS_MAX;
}

int cwms_read_check_iterations(CWMS_READ *r, const char *what, uint64_t iter)
{
    if (cwms_kdf_iterations_ok(iter))
        return 1;
    cwms_read_error(r, CWMS_R_KDF_ITERATIONS,
                    "'%s': %s asks for %llu key-derivation iterations, more than the limit of "
                    "%d (deriving them would take minutes): re-export the file with a usual "
                    "count (a few hundred thousand: `openssl pkcs12 -export -iter N` or "
                    "`openssl pkcs8 -topk8 -iter N`)",
                    r->name, what, (unsigned long long)iter, CWMS_KDF_ITERATIONS_MAX);
    return 0;
}

int cwms_read_check_pbe(CWMS_READ *r, const char *what, const X509_ALGOR *alg)
{
    uint64_t iter;

    return !cwms_pbe_iterations(alg, &iter) || cwms_read_check_iterations(r, what, iter);
}

int cwms_read_check_sig_pbe(CWMS_READ *r, const char *what, const X509_SIG *p8)
{
    const X509_ALGOR *alg = NULL;

    if (p8 == NULL)
        return 1;
    X509_SIG_get0(p8, &alg, NULL);
    return cwms_read_check_pbe(r, what, alg);
}
