/*
 * Interned names: see names.h.
 *
 * A chained hash table keyed by the DER bytes of the Name, each entry
 * holding the decoded name, its X509_NAME_hash_ex and a reference count.
 * Decoding happens outside the lock; if two threads decode the same name
 * at once the second one's copy is dropped. The bucket array is freed when
 * the last name goes, so nothing outlives the certificates that used it.
 */
#include "names.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

typedef struct name_entry_st {
    struct name_entry_st *next;
    uint64_t key;               /* hash of the DER bytes */
    const unsigned char *der;   /* the name's own encoding (X509_NAME_get0_der) */
    size_t der_len;
    X509_NAME *name;
    unsigned long hash;         /* X509_NAME_hash_ex */
    size_t refs;
} NAME_ENTRY;

static CRYPTO_ONCE once = CRYPTO_ONCE_STATIC_INIT;
static CRYPTO_RWLOCK *lock;
static NAME_ENTRY **buckets;    /* power-of-two count, NULL when empty */
static size_t n_buckets, n_names;

static void init_lock(void)
{
    lock = CRYPTO_THREAD_lock_new();
}

/*
 * The lock outlives every name, so it goes when this image does: at exit
 * for the CLI, at dlclose for cwms.so — which OpenSSL unloads (and may
 * load again) while the process goes on, taking the static pointer with it.
 */
__attribute__((destructor)) static void free_lock(void)
{
    CRYPTO_THREAD_lock_free(lock);
    lock = NULL;
}

static int lock_table(void)
{
    return CRYPTO_THREAD_run_once(&once, init_lock) && lock != NULL
           && CRYPTO_THREAD_write_lock(lock);
}

/* FNV-1a: the key only spreads names over buckets; equality is memcmp. */
static uint64_t der_key(const unsigned char *der, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++)
        h = (h ^ der[i]) * 0x100000001b3ULL;
    return h;
}

static NAME_ENTRY *find_inlock(uint64_t key, const unsigned char *der, size_t len)
{
    if (buckets == NULL)
        return NULL;
    for (NAME_ENTRY *e = buckets[key & (n_buckets - 1)]; e != NULL; e = e->next)
        if (e->key == key && e->der_len == len && memcmp(e->der, der, len) == 0)
            return e;
    return NULL;
}

/* Keeps at most one name per bucket on average. */
static int grow_inlock(void)
{
    size_t n = n_buckets ? n_buckets * 2 : 256;
    NAME_ENTRY **b = OPENSSL_zalloc(n * sizeof(*b));

    if (b == NULL)
        return 0;
    for (size_t i = 0; i < n_buckets; i++) {
        for (NAME_ENTRY *e = buckets[i], *next; e != NULL; e = next) {
            next = e->next;
            e->next = b[e->key & (n - 1)];
            b[e->key & (n - 1)] = e;
        }
    }
    OPENSSL_free(buckets);
    buckets = b;
    n_buckets = n;
    return 1;
}

/* A freshly decoded name and its hash, or NULL. */
static X509_NAME *decode(const unsigned char *der, size_t len, unsigned long *hash)
{
    const unsigned char *p = der;
    X509_NAME *name;
    int ok = 0;

    if (len > LONG_MAX)
        return NULL;
    name = d2i_X509_NAME(NULL, &p, (long)len);
    if (name != NULL && p == der + len)
        *hash = X509_NAME_hash_ex(name, NULL, NULL, &ok);
    if (!ok) {
        X509_NAME_free(name);
        return NULL;
    }
    return name;
}

X509_NAME *cwms_name_intern_der(const unsigned char *der, size_t len, unsigned long *hash)
{
    uint64_t key = der_key(der, len);
    NAME_ENTRY *e, *fresh;
    X509_NAME *name;
    const unsigned char *own;
    size_t own_len;

    if (!lock_table())
        return NULL;
    if ((e = find_inlock(key, der, len)) != NULL) {
        e->refs++;
        *hash = e->hash;
        CRYPTO_THREAD_unlock(lock);
        return e->name;
    }
    CRYPTO_THREAD_unlock(lock);

    /* Decode without holding the lock: it is the slow part. */
    if ((fresh = OPENSSL_zalloc(sizeof(*fresh))) == NULL)
        return NULL;
    if ((fresh->name = decode(der, len, &fresh->hash)) == NULL
        || !X509_NAME_get0_der(fresh->name, &own, &own_len)
        || own_len != len || memcmp(own, der, len) != 0) {
        /* A name whose re-encoding differs is not shared by bytes: refuse it. */
        X509_NAME_free(fresh->name);
        OPENSSL_free(fresh);
        return NULL;
    }
    fresh->key = key;
    fresh->der = own;
    fresh->der_len = own_len;
    fresh->refs = 1;

    if (!lock_table()) {
        X509_NAME_free(fresh->name);
        OPENSSL_free(fresh);
        return NULL;
    }
    if ((e = find_inlock(key, der, len)) != NULL) {
        /* Another thread got there first. */
        e->refs++;
        *hash = e->hash;
        name = e->name;
        CRYPTO_THREAD_unlock(lock);
        X509_NAME_free(fresh->name);
        OPENSSL_free(fresh);
        return name;
    }
    if (n_names >= n_buckets && !grow_inlock()) {
        CRYPTO_THREAD_unlock(lock);
        X509_NAME_free(fresh->name);
        OPENSSL_free(fresh);
        return NULL;
    }
    fresh->next = buckets[key & (n_buckets - 1)];
    buckets[key & (n_buckets - 1)] = fresh;
    n_names++;
    *hash = fresh->hash;
    name = fresh->name;
    CRYPTO_THREAD_unlock(lock);
    return name;
}

X509_NAME *cwms_name_intern(const X509_NAME *name, unsigned long *hash)
{
    const unsigned char *der;
    size_t len;

    if (name == NULL || !X509_NAME_get0_der(name, &der, &len))
        return NULL;
    return cwms_name_intern_der(der, len, hash);
}

void cwms_name_release(X509_NAME *name)
{
    const unsigned char *der;
    size_t len;
    NAME_ENTRY **pe, *e;

    if (name == NULL)
        return;
    /* A shared name is never modified, so its encoding is the key it was stored under. */
    if (!X509_NAME_get0_der(name, &der, &len) || !lock_table())
        return;
    for (pe = buckets == NULL ? NULL : &buckets[der_key(der, len) & (n_buckets - 1)];
         pe != NULL && *pe != NULL; pe = &(*pe)->next) {
        if ((*pe)->name != name)
            continue;
        e = *pe;
        if (--e->refs > 0)
            break;
        *pe = e->next;
        X509_NAME_free(e->name);
        OPENSSL_free(e);
        if (--n_names == 0) {
            OPENSSL_free(buckets);
            buckets = NULL;
            n_buckets = 0;
        }
        break;
    }
    CRYPTO_THREAD_unlock(lock);
}

size_t cwms_name_count(void)
{
    size_t n;

    if (!lock_table())
        return 0;
    n = n_names;
    CRYPTO_THREAD_unlock(lock);
    return n;
}
