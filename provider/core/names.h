/*
 * Interned distinguished names: one decoded X509_NAME per distinct DER
 * encoding, shared read-only by every certificate entry that carries it.
 *
 * Decoding a Name (d2i_X509_NAME builds OpenSSL's canonical form) is the
 * most expensive step of indexing a certificate, and names repeat: the
 * issuer of every intermediate is the subject of another certificate, and
 * a pool of 1,600 CA certificates holds about 1,500 distinct names in its
 * 3,200 subject and issuer fields. Interning decodes each once.
 *
 * The table is process-wide and locked, so entries of different pools,
 * trust stores and threads share it. A shared name must never be
 * modified or freed with X509_NAME_free: give it back with
 * cwms_name_release.
 */
#ifndef CWMS_NAMES_H
#define CWMS_NAMES_H

#include <stddef.h>

#include <openssl/x509.h>

/*
 * The shared name for the DER encoding der (a whole Name TLV, nothing
 * after it), decoded on first use. Sets *hash to X509_NAME_hash_ex of it.
 * Returns a reference to give back with cwms_name_release, or NULL when
 * der is not a Name (or on allocation failure).
 */
X509_NAME *cwms_name_intern_der(const unsigned char *der, size_t len, unsigned long *hash);

/* The same for an existing name (by its DER encoding); name itself is not kept. */
X509_NAME *cwms_name_intern(const X509_NAME *name, unsigned long *hash);

/* Gives back one reference; the name is freed with its last one. NULL is ignored. */
void cwms_name_release(X509_NAME *name);

/* How many distinct names are held (for tests). */
size_t cwms_name_count(void);

#endif
