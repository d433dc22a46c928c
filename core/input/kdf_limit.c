/* SPDX-License-Identifier: Apache-2.0 */
/* Key-derivation costs: see kdf_limit.h. */
#include "input/kdf_limit.h"

#include <string.h>

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

static int scrypt_cost(const ASN1_TYPE *param, CWMS_KDF_COST *cost)
{
    SCRYPT_PARAMS *sp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS), param);
    int ok = sp != NULL && integer_value(sp->costParameter, &cost->n)
        && integer_value(sp->blockSize, &cost->r)
        && integer_value(sp->parallelizationParameter, &cost->p);

    cost->scrypt = 1;
    SCRYPT_PARAMS_free(sp);
    return ok;
}

static int pbes2_cost(const ASN1_TYPE *param, CWMS_KDF_COST *cost)
{
    PBE2PARAM *pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), param);
    PBKDF2PARAM *kdf = NULL;
    int ok = 0;

    if (pbe2 == NULL || pbe2->keyfunc == NULL)
        goto end;
    if (OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_scrypt) {
        ok = scrypt_cost(pbe2->keyfunc->parameter, cost);
    } else if (OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2
               && (kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
                                                   pbe2->keyfunc->parameter))
                   != NULL) {
        ok = integer_value(kdf->iter, &cost->iter);
    }
end:
    PBKDF2PARAM_free(kdf);
    PBE2PARAM_free(pbe2);
    return ok;
}

int cwms_pbe_cost(const X509_ALGOR *alg, CWMS_KDF_COST *cost)
{
    PBEPARAM *pbe;
    int ok = 0;

    memset(cost, 0, sizeof(*cost));
    if (alg == NULL || alg->parameter == NULL)
        return 0;
    ERR_set_mark();
    if (OBJ_obj2nid(alg->algorithm) == NID_pbes2) {
        ok = pbes2_cost(alg->parameter, cost);
    } else if ((pbe = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter))
               != NULL) {
        ok = integer_value(pbe->iter, &cost->iter);
        PBEPARAM_free(pbe);
    }
    ERR_pop_to_mark();
    return ok;
}

/* scrypt's memory (128 * r * (N + p + 2) bytes, as OpenSSL allocates it) and work (N * r * p). */
static int scrypt_within(const CWMS_KDF_COST *c, uint64_t *memory, uint64_t *work)
{
    uint64_t blocks;

    *memory = *work = UINT64_MAX;
    return !__builtin_add_overflow(c->n, c->p, &blocks)
        && !__builtin_add_overflow(blocks, 2, &blocks)
        && !__builtin_mul_overflow(blocks, c->r, &blocks)
        && !__builtin_mul_overflow(blocks, 128, memory) && !__builtin_mul_overflow(c->n, c->r, work)
        && !__builtin_mul_overflow(*work, c->p, work) && *memory <= CWMS_SCRYPT_MAX_MEMORY
        && *work <= CWMS_SCRYPT_MAX_WORK;
}

int cwms_kdf_cost_ok(const CWMS_KDF_COST *cost)
{
    uint64_t memory, work;

    return cost->scrypt ? scrypt_within(cost, &memory, &work)
                        : cost->iter <= CWMS_KDF_ITERATIONS_MAX;
}

int cwms_read_check_iterations(CWMS_READ *r, const char *what, uint64_t iter)
{
    CWMS_KDF_COST cost = { 0, iter, 0, 0, 0 };

    if (cwms_kdf_cost_ok(&cost))
        return 1;
    cwms_read_error(r, CWMS_R_KDF_ITERATIONS,
                    "'%s': %s asks for %llu key-derivation iterations, more than the limit of "
                    "%d (deriving them would take minutes): re-export the file with a usual "
                    "count (a few hundred thousand: `openssl pkcs12 -export -iter N` or "
                    "`openssl pkcs8 -topk8 -iter N`)",
                    r->name, what, (unsigned long long)iter, CWMS_KDF_ITERATIONS_MAX);
    return 0;
}

static int check_scrypt(CWMS_READ *r, const char *what, const CWMS_KDF_COST *c)
{
    uint64_t memory, work;

    if (scrypt_within(c, &memory, &work))
        return 1;
    cwms_read_error(r, CWMS_R_KDF_ITERATIONS,
                    "'%s': %s asks for scrypt with N=%llu, r=%llu, p=%llu, more than the limits "
                    "of %llu MiB of memory and N*r*p=%llu (deriving it would take minutes or "
                    "gigabytes): re-export the key with usual parameters (`openssl pkcs8 -topk8 "
                    "-scrypt` writes N=16384, r=8, p=1) or with PBKDF2",
                    r->name, what, (unsigned long long)c->n, (unsigned long long)c->r,
                    (unsigned long long)c->p, CWMS_SCRYPT_MAX_MEMORY >> 20, CWMS_SCRYPT_MAX_WORK);
    return 0;
}

int cwms_read_check_pbe(CWMS_READ *r, const char *what, const X509_ALGOR *alg)
{
    CWMS_KDF_COST cost;

    if (!cwms_pbe_cost(alg, &cost))
        return 1;
    return cost.scrypt ? check_scrypt(r, what, &cost)
                       : cwms_read_check_iterations(r, what, cost.iter);
}

int cwms_read_check_sig_pbe(CWMS_READ *r, const char *what, const X509_SIG *p8)
{
    const X509_ALGOR *alg = NULL;

    if (p8 == NULL)
        return 1;
    X509_SIG_get0(p8, &alg, NULL);
    return cwms_read_check_pbe(r, what, alg);
}
