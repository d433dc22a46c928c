/*
 * The pool: an array of entries in input order, plus two open-addressing
 * hash tables of indexes into it, one by DER (duplicates: a fast hash of
 * the bytes, confirmed with memcmp) and one by
 * subject name key (namekey.h; issuer lookup). Entries sharing a subject
 * key are chained through subject_next so a lookup walks only its own name;
 * the chain's head remembers its tail so appending stays O(1) even when
 * thousands of certificates share one name.
 */
#include "pool.h"
#include "namekey.h"

#include <string.h>

#include <openssl/crypto.h>

#define EMPTY ((size_t)-1)

struct cwms_pool_st {
    CWMS_CERT **certs;
    size_t *subject_next;   /* next entry with the same subject key, or EMPTY */
    size_t *subject_tail;   /* for a chain head: the chain's last entry */
    size_t count, cap;
    size_t *by_der;         /* table of entry indexes, EMPTY when free */
    size_t *by_subject;     /* head entry index per subject key */
    size_t table_size;      /* power of two, at least 2 * cap */
};

CWMS_POOL *cwms_pool_new(void)
{
    return OPENSSL_zalloc(sizeof(CWMS_POOL));
}

void cwms_pool_free(CWMS_POOL *pool)
{
    if (pool == NULL)
        return;
    for (size_t i = 0; i < pool->count; i++)
        cwms_cert_free(pool->certs[i]);
    OPENSSL_free(pool->certs);
    OPENSSL_free(pool->subject_next);
    OPENSSL_free(pool->subject_tail);
    OPENSSL_free(pool->by_der);
    OPENSSL_free(pool->by_subject);
    OPENSSL_free(pool);
}

/* Slot of the subject chain head for key, or the empty slot where it would go. */
static size_t find_subject_slot(const CWMS_POOL *pool, uint64_t key)
{
    /* Name keys are avalanched: their low bits are as good as any. */
    size_t mask = pool->table_size - 1, i = (size_t)key & mask;

    while (pool->by_subject[i] != EMPTY
           && pool->certs[pool->by_subject[i]]->info.subject_key != key)
        i = (i + 1) & mask;
    return i;
}

/* Slot of the entry with the same DER as cert, or the empty slot where it would go. */
static size_t find_der_slot(const CWMS_POOL *pool, const CWMS_CERT *cert)
{
    size_t mask = pool->table_size - 1, i = (size_t)cert->der_hash & mask;

    while (pool->by_der[i] != EMPTY && !cwms_cert_same_der(pool->certs[pool->by_der[i]], cert))
        i = (i + 1) & mask;
    return i;
}

static void index_entry(CWMS_POOL *pool, size_t idx)
{
    size_t s = find_subject_slot(pool, pool->certs[idx]->info.subject_key);

    pool->by_der[find_der_slot(pool, pool->certs[idx])] = idx;
    /* Append to the chain so lookups return certificates in input order. */
    pool->subject_next[idx] = EMPTY;
    if (pool->by_subject[s] == EMPTY) {
        pool->by_subject[s] = idx;
        pool->subject_tail[idx] = idx;
    } else {
        size_t head = pool->by_subject[s];

        pool->subject_next[pool->subject_tail[head]] = idx;
        pool->subject_tail[head] = idx;
    }
}

static int grow(CWMS_POOL *pool)
{
    size_t cap = pool->cap ? pool->cap * 2 : 64, size = cap * 2;
    CWMS_CERT **certs = OPENSSL_realloc(pool->certs, cap * sizeof(*certs));
    size_t *next, *by_der, *by_subject;

    if (certs == NULL)
        return 0;
    pool->certs = certs;
    next = OPENSSL_realloc(pool->subject_next, cap * sizeof(*next));
    if (next == NULL)
        return 0;
    pool->subject_next = next;
    next = OPENSSL_realloc(pool->subject_tail, cap * sizeof(*next));
    if (next == NULL)
        return 0;
    pool->subject_tail = next;
    by_der = OPENSSL_malloc(size * sizeof(*by_der));
    by_subject = OPENSSL_malloc(size * sizeof(*by_subject));
    if (by_der == NULL || by_subject == NULL) {
        OPENSSL_free(by_der);
        OPENSSL_free(by_subject);
        return 0;
    }
    memset(by_der, 0xff, size * sizeof(*by_der));
    memset(by_subject, 0xff, size * sizeof(*by_subject));
    OPENSSL_free(pool->by_der);
    OPENSSL_free(pool->by_subject);
    pool->by_der = by_der;
    pool->by_subject = by_subject;
    pool->table_size = size;
    pool->cap = cap;
    for (size_t i = 0; i < pool->count; i++)
        index_entry(pool, i);
    return 1;
}

int cwms_pool_add(CWMS_POOL *pool, CWMS_CERT *cert, CWMS_CERT **kept)
{
    if (pool->count > 0) {
        size_t s = find_der_slot(pool, cert);

        if (pool->by_der[s] != EMPTY) {
            if (kept != NULL)
                *kept = pool->certs[pool->by_der[s]];
            cwms_cert_free(cert);
            return 0;
        }
    }
    if (pool->count == pool->cap && !grow(pool)) {
        cwms_cert_free(cert);
        return -1;
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

            if (c->info.is_ca != want_ca)
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
    size_t n = 0;
    uint64_t key;

    if (cwms_pool_count(pool) == 0 || !cwms_name_key(name, &key))
        return 0;
    for (size_t i = pool->by_subject[find_subject_slot(pool, key)];
         i != EMPTY; i = pool->subject_next[i]) {
        /* Equal keys are not equal names: confirm (by DER, else X509_NAME_cmp). */
        if (!cwms_cert_name_is(pool->certs[i], CWMS_NAME_SUBJECT, name, key))
            continue;
        if (n < max)
            out[n] = pool->certs[i];
        n++;
    }
    return n;
}
