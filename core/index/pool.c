/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pool: an array of entries in input order, plus open-addressing hash
 * tables of indexes into it: one by DER (duplicates: a fast hash of the
 * bytes, confirmed with memcmp), one by subject name key (issuer lookup)
 * and one by issuer name key (what a certificate issued: is it a CA even
 * without basicConstraints). Name keys are namekey.h's. Entries sharing a
 * name key are chained through `next` so a lookup walks only its own name;
 * the chain's head remembers its tail so appending stays O(1) even when
 * thousands of certificates share one name.
 */
#include "index/pool.h"
#include "index/namekey.h"

#include <string.h>

#include <openssl/crypto.h>

#define EMPTY ((size_t)-1)

/* Entries chained by one of their name keys. */
typedef struct name_index_st {
    CWMS_NAME_FIELD field;
    size_t *next;  /* next entry with the same key, or EMPTY */
    size_t *tail;  /* for a chain head: the chain's last entry */
    size_t *heads; /* table of chain head indexes, EMPTY when free */
} NAME_INDEX;

struct cwms_pool_st {
    CWMS_CERT **certs;
    size_t count, cap;
    size_t *by_der; /* table of entry indexes, EMPTY when free */
    NAME_INDEX by_subject, by_issuer;
    size_t table_size; /* power of two, at least 2 * cap */
};

static uint64_t name_key(const CWMS_CERT *c, CWMS_NAME_FIELD field)
{
    return cwms_cert_name_key(c, field);
}

CWMS_POOL *cwms_pool_new(void)
{
    CWMS_POOL *pool = OPENSSL_zalloc(sizeof(CWMS_POOL));

    if (pool != NULL) {
        pool->by_subject.field = CWMS_NAME_SUBJECT;
        pool->by_issuer.field = CWMS_NAME_ISSUER;
    }
    return pool;
}

static void name_index_free(NAME_INDEX *x)
{
    OPENSSL_free(x->next);
    OPENSSL_free(x->tail);
    OPENSSL_free(x->heads);
}

void cwms_pool_free(CWMS_POOL *pool)
{
    if (pool == NULL)
        return;
    for (size_t i = 0; i < pool->count; i++)
        cwms_cert_free(pool->certs[i]);
    OPENSSL_free(pool->certs);
    OPENSSL_free(pool->by_der);
    name_index_free(&pool->by_subject);
    name_index_free(&pool->by_issuer);
    OPENSSL_free(pool);
}

/* Slot of the chain head for key in x, or the empty slot where it would go. */
static size_t find_name_slot(const CWMS_POOL *pool, const NAME_INDEX *x, uint64_t key)
{
    /* Name keys are avalanched: their low bits are as good as any. */
    size_t mask = pool->table_size - 1, i = (size_t)key & mask;

    while (x->heads[i] != EMPTY && name_key(pool->certs[x->heads[i]], x->field) != key)
        i = (i + 1) & mask;
    return i;
}

/* Slot of the entry with the same DER as cert, or the empty slot where it would go. */
static size_t find_der_slot(const CWMS_POOL *pool, const CWMS_CERT *cert)
{
    size_t mask = pool->table_size - 1, i = (size_t)cwms_cert_der_hash(cert) & mask;

    while (pool->by_der[i] != EMPTY && !cwms_cert_same_der(pool->certs[pool->by_der[i]], cert))
        i = (i + 1) & mask;
    return i;
}

/* Appends entry idx to its chain, so lookups return certificates in input order. */
static void chain_entry(CWMS_POOL *pool, NAME_INDEX *x, size_t idx)
{
    size_t s = find_name_slot(pool, x, name_key(pool->certs[idx], x->field));

    x->next[idx] = EMPTY;
    if (x->heads[s] == EMPTY) {
        x->heads[s] = idx;
        x->tail[idx] = idx;
    } else {
        size_t head = x->heads[s];

        x->next[x->tail[head]] = idx;
        x->tail[head] = idx;
    }
}

static void index_entry(CWMS_POOL *pool, size_t idx)
{
    pool->by_der[find_der_slot(pool, pool->certs[idx])] = idx;
    chain_entry(pool, &pool->by_subject, idx);
    chain_entry(pool, &pool->by_issuer, idx);
}

/* A new table of size entries, all EMPTY. */
static size_t *empty_table(size_t size)
{
    size_t *t = OPENSSL_malloc(size * sizeof(*t));

    if (t != NULL)
        memset(t, 0xff, size * sizeof(*t));
    return t;
}

/* Room for cap entries in x's chains (a larger array is harmless if growing fails later). */
static int name_index_reserve(NAME_INDEX *x, size_t cap)
{
    size_t *next = OPENSSL_realloc(x->next, cap * sizeof(*next)), *tail;

    if (next == NULL)
        return 0;
    x->next = next;
    if ((tail = OPENSSL_realloc(x->tail, cap * sizeof(*tail))) == NULL)
        return 0;
    x->tail = tail;
    return 1;
}

/* Doubles the capacity and rebuilds the tables; on failure the pool is as it was. */
static int grow(CWMS_POOL *pool)
{
    size_t cap = pool->cap ? pool->cap * 2 : 64, size = cap * 2;
    size_t *by_der = empty_table(size), *subjects = empty_table(size), *issuers = empty_table(size);
    CWMS_CERT **certs;

    if (by_der == NULL || subjects == NULL || issuers == NULL)
        goto err;
    if ((certs = OPENSSL_realloc(pool->certs, cap * sizeof(*certs))) == NULL)
        goto err;
    pool->certs = certs;
    if (!name_index_reserve(&pool->by_subject, cap) || !name_index_reserve(&pool->by_issuer, cap))
        goto err;
    OPENSSL_free(pool->by_der);
    OPENSSL_free(pool->by_subject.heads);
    OPENSSL_free(pool->by_issuer.heads);
    pool->by_der = by_der;
    pool->by_subject.heads = subjects;
    pool->by_issuer.heads = issuers;
    pool->table_size = size;
    pool->cap = cap;
    for (size_t i = 0; i < pool->count; i++)
        index_entry(pool, i);
    return 1;
err:
    OPENSSL_free(by_der);
    OPENSSL_free(subjects);
    OPENSSL_free(issuers);
    return 0;
}

int cwms_pool_add(CWMS_POOL *pool, CWMS_CERT *cert, CWMS_CERT **kept)
{
    if (pool->count > 0) {
        size_t s = find_der_slot(pool, cert);

        if (pool->by_der[s] != EMPTY) {
            if (kept != NULL)
                *kept = pool->certs[pool->by_der[s]];
            cwms_cert_free(cert);
            return 1;
        }
    }
    if (pool->count == pool->cap && !grow(pool)) {
        cwms_cert_free(cert);
        return 0;
    }
    pool->certs[pool->count] = cert;
    index_entry(pool, pool->count);
    pool->count++;
    if (kept != NULL)
        *kept = cert;
    return 1;
}

size_t cwms_pool_count(const CWMS_POOL *pool)
{
    return pool == NULL ? 0 : pool->count;
}

CWMS_CERT *cwms_pool_get(const CWMS_POOL *pool, size_t i)
{
    return i < cwms_pool_count(pool) ? pool->certs[i] : NULL;
}

/*
 * Fingerprints are computed on demand, so this scans. --leaf names a server
 * certificate, so end-entity entries are fingerprinted first and the CA
 * certificates (nearly all of an issuer pool) only when none matches.
 */
CWMS_CERT *cwms_pool_find_sha256(const CWMS_POOL *pool, const unsigned char sha256[32])
{
    for (int want_ca = 0; want_ca < 2; want_ca++) {
        for (size_t i = 0; i < cwms_pool_count(pool); i++) {
            CWMS_CERT *c = pool->certs[i];
            const unsigned char *fp;

            if (cwms_cert_is_ca(c) != want_ca)
                continue;
            if ((fp = cwms_cert_sha256(c)) != NULL && memcmp(fp, sha256, 32) == 0)
                return c;
        }
    }
    return NULL;
}

size_t cwms_pool_find_subject(const CWMS_POOL *pool, const X509_NAME *name, CWMS_CERT **out,
                              size_t max)
{
    const NAME_INDEX *x = &pool->by_subject;
    size_t n = 0;
    uint64_t key;

    if (cwms_pool_count(pool) == 0 || !cwms_name_key(name, &key))
        return 0;
    for (size_t i = x->heads[find_name_slot(pool, x, key)]; i != EMPTY; i = x->next[i]) {
        /* Equal keys are not equal names: confirm (by DER, else X509_NAME_cmp). */
        if (!cwms_cert_name_is(pool->certs[i], CWMS_NAME_SUBJECT, name, key))
            continue;
        if (n < max)
            out[n] = pool->certs[i];
        n++;
    }
    return n;
}

int cwms_pool_issues_another(const CWMS_POOL *pool, CWMS_CERT *cert)
{
    const NAME_INDEX *x = &pool->by_issuer;

    if (cwms_pool_count(pool) == 0)
        return 0;
    for (size_t i = x->heads[find_name_slot(pool, x, cwms_cert_name_key(cert, CWMS_NAME_SUBJECT))];
         i != EMPTY; i = x->next[i]) {
        CWMS_CERT *o = pool->certs[i];

        if (o != cert && cwms_cert_names_equal(o, CWMS_NAME_ISSUER, cert, CWMS_NAME_SUBJECT))
            return 1;
    }
    return 0;
}
