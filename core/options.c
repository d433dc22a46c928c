/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The option vocabulary both fronts share (options.h): CWMS releases and
 * orders, path choice, validation times, fingerprints, root handling and
 * the verifier's depth limit,
 * parsed the same way for `cwms-bundle` options, cwms: URI parameters and
 * openssl.cnf, and explained the same way when a value is refused.
 *
 * CWMS 1.x and 2.0 import the server certificate first and its issuers
 * after it; CWMS 2.5 and every release since expect the reverse: the
 * intermediate nearest the root first and the server certificate last.
 * Only releases that exist are accepted, so that a typo (2.1 for 2.0? for
 * 2.5?) cannot silently pick an order. Beside the orders, the host-name
 * rules each release applies to the WebEx site URL (options.h).
 */
#include "cwms/options.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "cwms/times.h"

/*-
 * CWMS releases
 * -------------
 */

static const struct cwms_release {
    int major, minor;
    CWMS_ORDER order;
} releases[] = {
    { 1, 0, CWMS_ORDER_LEAF_FIRST }, { 1, 1, CWMS_ORDER_LEAF_FIRST },
    { 1, 5, CWMS_ORDER_LEAF_FIRST }, { 2, 0, CWMS_ORDER_LEAF_FIRST },
    { 2, 5, CWMS_ORDER_ROOT_FIRST }, { 2, 6, CWMS_ORDER_ROOT_FIRST },
    { 2, 7, CWMS_ORDER_ROOT_FIRST }, { 2, 8, CWMS_ORDER_ROOT_FIRST },
    { 3, 0, CWMS_ORDER_ROOT_FIRST }, { 4, 0, CWMS_ORDER_ROOT_FIRST },
};

#define N_RELEASES (sizeof(releases) / sizeof(releases[0]))
/* Releases of later majors are not known yet; all since 2.5 are root-first. */
#define LAST_KNOWN_MAJOR 4
#define LATER_ORDER CWMS_ORDER_ROOT_FIRST

/* Reads a decimal number of 1 to 4 digits without leading zeros at *p; -1 otherwise. */
static int number(const char **p)
{
    int n = 0, digits = 0;

    if (**p == '0' && isdigit((unsigned char)(*p)[1]))
        return -1;
    while (isdigit((unsigned char)**p)) {
        if (++digits > 4)
            return -1;
        n = n * 10 + (**p - '0');
        (*p)++;
    }
    return digits ? n : -1;
}

/* 1 when every release of major imports in one order (*order), -1 when they differ, 0 when there are none. */
static int major_order(int major, CWMS_ORDER *order)
{
    int found = 0;

    if (major > LAST_KNOWN_MAJOR) {
        *order = LATER_ORDER;
        return 1;
    }
    for (size_t i = 0; i < N_RELEASES; i++) {
        if (releases[i].major != major)
            continue;
        if (found && releases[i].order != *order)
            return -1;
        *order = releases[i].order;
        found = 1;
    }
    return found;
}

static int release_order(int major, int minor, CWMS_ORDER *order)
{
    if (major > LAST_KNOWN_MAJOR) {
        *order = LATER_ORDER;
        return 1;
    }
    for (size_t i = 0; i < N_RELEASES; i++) {
        if (releases[i].major == major && releases[i].minor == minor) {
            *order = releases[i].order;
            return 1;
        }
    }
    return 0;
}

/* "MR6", " MR6", "MR2 SP1", "mr2sp1" after a release. */
static int maintenance_suffix(const char *p)
{
    if (*p == ' ')
        p++;
    if (strncasecmp(p, "MR", 2) != 0)
        return 0;
    p += 2;
    if (number(&p) < 1)
        return 0;
    if (*p == '\0')
        return 1;
    if (*p == ' ')
        p++;
    if (strncasecmp(p, "SP", 2) != 0)
        return 0;
    p += 2;
    return number(&p) >= 1 && *p == '\0';
}

/* What may follow a release: nothing, MRn [SPn], or .PATCH.BUILD (four parts in all). */
static int release_suffix(const char *p)
{
    if (*p == '\0')
        return 1;
    if (*p != '.')
        return maintenance_suffix(p);
    p++;
    if (number(&p) < 0 || *p != '.')
        return 0;
    p++;
    return number(&p) >= 0 && *p == '\0';
}

/*
 * The number of digits of a bare number of two or more digits ("20",
 * "25"), else 0: a release typed without its dot. Taken as a later major
 * it would pick the root-first order for 2.0, 1.0 and 1.5, the very error
 * CWMS reports; later majors are written with a dot (5.0) too.
 */
static size_t dotless(const char *version)
{
    size_t n = strspn(version, "0123456789");

    return n >= 2 && version[n] == '\0' ? n : 0;
}

/* A bare major ("2", "3.x"): its number, or -1 when version is something else. */
static int bare_major(const char *version)
{
    const char *p = version;
    int major = number(&p);

    if (major < 1)
        return -1;
    if (*p == '\0' || ((p[0] == '.' && (p[1] == 'x' || p[1] == 'X')) && p[2] == '\0'))
        return major;
    return -1;
}

int cwms_order_for_version(const char *version, CWMS_ORDER *order)
{
    const char *p = version;
    CWMS_ORDER o = LATER_ORDER;
    int major, minor;

    if (version == NULL || dotless(version))
        return 0;
    if ((major = bare_major(version)) >= 0) {
        if (major_order(major, &o) != 1)
            return 0;
    } else {
        if ((major = number(&p)) < 1 || *p++ != '.' || (minor = number(&p)) < 0
            || !release_order(major, minor, &o) || !release_suffix(p))
            return 0;
    }
    *order = o;
    return 1;
}

/*-
 * CWMS's host-name rules
 * ----------------------
 * Keyed by release like the orders above (options.h says where each rule
 * comes from): an entry holds from its release, and maintenance release,
 * on until the next entry.
 */

static const struct cwms_site_rules {
    int major, minor, mr; /* the first release (MRn; 0 = the release itself) they hold for */
    unsigned rules;
} site_rules[] = {
    { 1, 0, 0, CWMS_SITE_RULE_SAN }, /* Cisco's "TOI for CWMS SSL certificates" */
    { 2, 5, 5, CWMS_SITE_RULE_CN },  /* the 2.5 and 2.6 guides, "Importing an SSL certificate" */
};

/* Any maintenance release: a larger MR number than any release has. */
#define ANY_MR 9999
#define ANY_MINOR 9999

static unsigned site_rules_at(int major, int minor, int mr)
{
    unsigned rules = CWMS_SITE_RULES_ALL;

    for (size_t i = 0; i < sizeof(site_rules) / sizeof(site_rules[0]); i++) {
        const struct cwms_site_rules *r = &site_rules[i];

        if (major > r->major || (major == r->major && minor > r->minor)
            || (major == r->major && minor == r->minor && mr >= r->mr))
            rules = r->rules;
    }
    return rules;
}

/* The rules every release from (major, from_minor, from_mr) to (major, to_minor, to_mr) shares. */
static unsigned site_rules_span(int major, int from_minor, int from_mr, int to_minor, int to_mr)
{
    unsigned first = site_rules_at(major, from_minor, from_mr);

    return first == site_rules_at(major, to_minor, to_mr) ? first : CWMS_SITE_RULES_ALL;
}

unsigned cwms_site_rules_for_version(const char *version)
{
    const char *p = version;
    CWMS_ORDER o;
    int major, minor, mr;

    if (version == NULL || !cwms_order_for_version(version, &o))
        return CWMS_SITE_RULES_ALL;
    if ((major = bare_major(version)) >= 0)
        return site_rules_span(major, 0, 0, ANY_MINOR, ANY_MR);
    major = number(&p);
    p++;
    minor = number(&p);
    if (*p == ' ')
        p++;
    if (strncasecmp(p, "MR", 2) != 0) /* the release alone, or a four-part build */
        return site_rules_span(major, minor, 0, minor, ANY_MR);
    p += 2;
    mr = number(&p);
    return site_rules_at(major, minor, mr);
}

/*-
 * Host names
 * ----------
 */

#define HOST_MAX 253
#define LABEL_MAX 63

/* One label of a host name, n characters at p: NULL, or the rule it breaks. */
static const char *label_error(const char *p, size_t n)
{
    if (n == 0 || n > LABEL_MAX)
        return "each label between the dots has 1 to 63 characters";
    if (p[0] == '-' || p[n - 1] == '-')
        return "a label does not start or end with a hyphen";
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)p[i]) && p[i] != '-')
            return p[i] == '*'
                ? "a wildcard is allowed only as the whole first label (*.example.com)"
                : "only letters, digits and hyphens are allowed";
    return NULL;
}

int cwms_host_name_check(const char *host, const char **why)
{
    const char *p = host, *last;
    size_t labels = 0, len = strlen(host);

    if (len == 0 || len > HOST_MAX) {
        *why = "a host name has 1 to 253 characters";
        return 0;
    }
    if (strncmp(p, "*.", 2) == 0)
        p += 2;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);

        if ((*why = label_error(p, n)) != NULL)
            return 0;
        labels++;
        if (dot == NULL)
            break;
        p = dot + 1;
    }
    if (labels < 2) {
        *why = "CWMS is reached by fully qualified names (webex.example.com), not short ones";
        return 0;
    }
    /* The last label of a real domain is not all digits: that is an IPv4 address. */
    last = strrchr(host, '.') + 1;
    if (strspn(last, "0123456789") == strlen(last)) {
        *why = "CWMS is reached by host names, not IP addresses";
        return 0;
    }
    return 1;
}

/* The host of a --site value at *host (n characters): NULL, or why the value is refused. */
static const char *site_host(const char *s, const char **host, size_t *n)
{
    static const char scheme[] = "https://";
    const char *end;

    if (strncasecmp(s, scheme, sizeof(scheme) - 1) == 0) {
        s += sizeof(scheme) - 1;
        end = s + strcspn(s, "/");
        if (strcspn(s, ":@?#") < (size_t)(end - s))
            return "the site URL is https://NAME/ or https://NAME/PATH: no port, user, query "
                   "or fragment";
    } else {
        if (strstr(s, "://") != NULL)
            return "the WebEx site URL is an https:// URL";
        if (strchr(s, '/') != NULL)
            return "a path goes with the whole URL: https://NAME/PATH";
        end = s + strlen(s);
    }
    *host = s;
    *n = (size_t)(end - s);
    return NULL;
}

/* Why s is no --site value; NULL when it is one (then host holds the name). */
static const char *site_error(const char *s, char host[CWMS_SITE_MAX + 1])
{
    const char *h, *why;
    size_t n;

    if (s == NULL)
        return "no value";
    if ((why = site_host(s, &h, &n)) != NULL)
        return why;
    if (n == 0 || n > CWMS_SITE_MAX)
        return "a host name has 1 to 253 characters";
    memcpy(host, h, n);
    host[n] = '\0';
    return cwms_host_name_check(host, &why) ? NULL : why;
}

int cwms_parse_site(const char *s, char host[CWMS_SITE_MAX + 1])
{
    char h[CWMS_SITE_MAX + 1];

    if (site_error(s, h) != NULL)
        return 0;
    memcpy(host, h, strlen(h) + 1);
    return 1;
}

/*-
 * The other values
 * ----------------
 */

/* Values named by a fixed set of words. */
typedef struct keyword_st {
    const char *word;
    int value;
} KEYWORD;

/* Sets *value to the value of s's word in k (n entries); 0 when s is none of them. */
static int keyword(const char *s, const KEYWORD *k, size_t n, int *value)
{
    for (size_t i = 0; s != NULL && i < n; i++) {
        if (strcmp(s, k[i].word) == 0) {
            *value = k[i].value;
            return 1;
        }
    }
    return 0;
}

int cwms_parse_order(const char *s, CWMS_ORDER *order)
{
    static const KEYWORD words[] = { { "leaf-first", CWMS_ORDER_LEAF_FIRST },
                                     { "root-first", CWMS_ORDER_ROOT_FIRST } };
    int v;

    if (!keyword(s, words, sizeof(words) / sizeof(words[0]), &v))
        return 0;
    *order = (CWMS_ORDER)v;
    return 1;
}

int cwms_parse_path_choice(const char *s, CWMS_PATH_CHOICE *path)
{
    static const KEYWORD words[] = { { "complete", CWMS_PATH_COMPLETE },
                                     { "shortest", CWMS_PATH_SHORTEST } };
    int v;

    if (!keyword(s, words, sizeof(words) / sizeof(words[0]), &v))
        return 0;
    *path = (CWMS_PATH_CHOICE)v;
    return 1;
}

int cwms_parse_root(const char *s, int *include_root)
{
    static const KEYWORD words[] = { { "include", 1 } };

    return keyword(s, words, sizeof(words) / sizeof(words[0]), include_root);
}

int cwms_parse_sha256(const char *s, unsigned char out[32])
{
    unsigned char buf[32];
    size_t len = 0;
    int ok;

    if (s == NULL)
        return 0;
    /* Hex with or without colons, as `openssl x509 -fingerprint -sha256` prints it. */
    ERR_set_mark();
    ok = OPENSSL_hexstr2buf_ex(buf, sizeof(buf), &len, s, ':') && len == sizeof(buf);
    ERR_pop_to_mark();
    if (ok)
        memcpy(out, buf, sizeof(buf));
    return ok;
}

int cwms_parse_verify_depth(const char *s, int *depth)
{
    int n = 0;

    if (s == NULL || *s == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 4)
        return 0;
    for (; *s != '\0'; s++)
        n = n * 10 + (*s - '0');
    if (n > CWMS_VERIFY_DEPTH_MAX)
        return 0;
    *depth = n;
    return 1;
}

/* 9999-12-31T23:59:59Z: the last second a GeneralizedTime can hold. */
#define LAST_SECOND 253402300799LL

/* s has pattern's shape exactly: 'D' a digit, any other character itself (T and Z in either case). */
static int shaped(const char *s, const char *pattern)
{
    for (; *pattern != '\0'; s++, pattern++) {
        if (*pattern == 'D' ? !isdigit((unsigned char)*s) : toupper((unsigned char)*s) != *pattern)
            return 0;
    }
    return *s == '\0';
}

int cwms_parse_time(const char *s, int64_t *out)
{
    char digits[16] = "00000000000000Z";
    size_t n = 0;
    int64_t t64;
    int ok;
    ASN1_GENERALIZEDTIME *t;

    if (s == NULL || *s == '\0')
        return 0;
    if (strspn(s, "0123456789") == strlen(s)) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0' || v > LAST_SECOND)
            return 0;
        *out = (int64_t)v;
        return 1;
    }
    /* UTC only: an offset would be one more way to be an hour off. */
    if (!shaped(s, "DDDD-DD-DD") && !shaped(s, "DDDD-DD-DDTDD:DD:DDZ"))
        return 0;
    for (const char *p = s; *p != '\0'; p++)
        if (isdigit((unsigned char)*p))
            digits[n++] = *p;
    if ((t = ASN1_GENERALIZEDTIME_new()) == NULL)
        return 0;
    /* ASN1_GENERALIZEDTIME_set_string checks the calendar (no 2023-02-30, no 25:00). */
    ok = ASN1_GENERALIZEDTIME_set_string(t, digits) && cwms_asn1_time_to_epoch(t, &t64);
    ASN1_GENERALIZEDTIME_free(t);
    if (ok)
        *out = t64;
    return ok;
}

/*-
 * Messages
 * --------
 */

/* A message being written into a caller's buffer; excess is cut off. */
typedef struct msg_st {
    char *buf;
    size_t size, len;
} MSG;

static void add(MSG *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(MSG *m, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (m->len + 1 >= m->size)
        return;
    va_start(ap, fmt);
    n = vsnprintf(m->buf + m->len, m->size - m->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        m->len = (size_t)n < m->size - m->len ? m->len + (size_t)n : m->size - 1;
}

/* The separator between option and value: "--cwms 2.5", "version=2.5", "cwms-version = 2.5". */
static const char *separator(const char *option)
{
    size_t n = strlen(option);

    if (option[0] == '-')
        return " ";
    return n > 0 && option[n - 1] == '=' ? "" : " = ";
}

/* The option with a value the user gave: quoted, bounded, control bytes made visible. */
#define QUOTED_MAX 64

static void add_given(MSG *m, const char *option, const char *value)
{
    char q[QUOTED_MAX + 4];
    size_t i;

    for (i = 0; value[i] != '\0' && i < QUOTED_MAX; i++) {
        unsigned char c = (unsigned char)value[i];

        q[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (value[i] != '\0') {
        memcpy(q + i, "...", 3);
        i += 3;
    }
    q[i] = '\0';
    add(m, "%s%s'%s'", option, separator(option), q);
}

/* The option with a value to suggest: "--cwms 2.5". */
static void add_example(MSG *m, const char *option, const char *value)
{
    add(m, "%s%s%s", option, separator(option), value);
}

static const char *order_words(CWMS_ORDER order)
{
    return order == CWMS_ORDER_LEAF_FIRST ? "leaf-first: server certificate first"
                                          : "root-first: root-side intermediate first";
}

/* "1.0, 1.1, 1.5, 2.0 (leaf-first...); 2.5, ... 4.0 and any later major (root-first...)". */
static void add_known_releases(MSG *m)
{
    add(m, "known releases: ");
    for (size_t i = 0; i < N_RELEASES; i++) {
        int last_of_order = i + 1 == N_RELEASES || releases[i + 1].order != releases[i].order;

        add(m, "%d.%d", releases[i].major, releases[i].minor);
        if (i + 1 == N_RELEASES)
            add(m, " and any later major");
        if (last_of_order)
            add(m, " (%s)%s", order_words(releases[i].order), i + 1 < N_RELEASES ? "; " : "");
        else
            add(m, ", ");
    }
    add(m,
        "; each may end in MRn, MRn SPn or a four-part build number "
        "(2.5MR6, 4.0MR2 SP1, 2.8.1.1)");
}

/* "20": did you mean 2.0? (when the dotted release exists). */
static void dotless_error(MSG *m, const char *option, const char *value)
{
    CWMS_ORDER o;
    char ex[8];

    add(m, " is not a CWMS release: ");
    if (dotless(value) == 2 && release_order(value[0] - '0', value[1] - '0', &o)) {
        snprintf(ex, sizeof(ex), "%c.%c", value[0], value[1]);
        add(m, "did you mean %s (", ex);
        add_example(m, option, ex);
        add(m, ", %s)? Releases", order_words(o));
    } else {
        add(m, "releases");
    }
    add(m, " are written with a dot, later majors too (5.0); ");
}

static void version_error(MSG *m, const char *option, const char *value)
{
    int major = bare_major(value);
    CWMS_ORDER o;

    add_given(m, option, value);
    if (dotless(value)) {
        dotless_error(m, option, value);
    } else if (major >= 0 && major_order(major, &o) < 0) {
        const struct cwms_release *leaf = NULL, *root = NULL;
        char ex[24];

        for (size_t i = 0; i < N_RELEASES; i++) {
            if (releases[i].major != major)
                continue;
            if (releases[i].order == CWMS_ORDER_LEAF_FIRST && leaf == NULL)
                leaf = &releases[i];
            if (releases[i].order == CWMS_ORDER_ROOT_FIRST && root == NULL)
                root = &releases[i];
        }
        add(m,
            " is not one CWMS release: %d.%d is %s, %d.%d and later are %s; give the "
            "release, e.g. ",
            leaf->major, leaf->minor, order_words(leaf->order), root->major, root->minor,
            order_words(root->order));
        snprintf(ex, sizeof(ex), "%d.%d", leaf->major, leaf->minor);
        add_example(m, option, ex);
        add(m, " or ");
        snprintf(ex, sizeof(ex), "%d.%d", root->major, root->minor);
        add_example(m, option, ex);
        add(m, "; ");
    } else {
        add(m, " is not a CWMS release; ");
    }
    add_known_releases(m);
}

const char *cwms_option_error(CWMS_OPTION_KIND kind, const char *option, const char *value,
                              char *buf, size_t size)
{
    MSG m = { buf, size, 0 };

    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (value == NULL)
        value = "";
    switch (kind) {
    case CWMS_OPTION_VERSION:
        version_error(&m, option, value);
        break;
    case CWMS_OPTION_ORDER:
        add_given(&m, option, value);
        add(&m,
            " is not an order: use leaf-first (CWMS 1.x and 2.0) or root-first "
            "(CWMS 2.5 and later)");
        break;
    case CWMS_OPTION_PATH:
        add_given(&m, option, value);
        add(&m,
            " is not a path choice: use complete (as far as the inputs go) or shortest "
            "(stop at the first certificate a trust anchor issued)");
        break;
    case CWMS_OPTION_ATTIME:
        add_given(&m, option, value);
        add(&m,
            " is not a time: give seconds since 1970-01-01 UTC, a UTC date or a UTC date "
            "and time, e.g. ");
        add_example(&m, option, "2017-12-01");
        add(&m, " or ");
        add_example(&m, option, "2017-12-01T10:00:00Z");
        break;
    case CWMS_OPTION_SHA256:
        add_given(&m, option, value);
        add(&m,
            " is not a SHA-256 fingerprint: give 64 hex digits, colons allowed, as "
            "'openssl x509 -noout -fingerprint -sha256' prints them");
        break;
    case CWMS_OPTION_ROOT:
        add_given(&m, option, value);
        add(&m, ": the only setting is ");
        add_example(&m, option, "include");
        add(&m, " (leave it out to drop the self-signed root)");
        break;
    case CWMS_OPTION_SITE: {
        char host[CWMS_SITE_MAX + 1];
        const char *why = site_error(value, host);

        add_given(&m, option, value);
        add(&m,
            " is not the WebEx site URL's host name: %s; give the name (meet.example.com) or "
            "the site URL (https://meet.example.com/)",
            why != NULL ? why : "it is one");
        break;
    }
    case CWMS_OPTION_VERIFY_DEPTH:
        add_given(&m, option, value);
        add(&m,
            " is not a chain depth: give the most intermediate CA certificates the chain may "
            "have, a whole number from 0 to %d (neither the server certificate nor the trust "
            "anchor counts, as with openssl verify -verify_depth), e.g. ",
            CWMS_VERIFY_DEPTH_MAX);
        add_example(&m, option, "2");
        break;
    }
    return buf;
}

void cwms_options_init(CWMS_OPTIONS *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->order = CWMS_ORDER_ROOT_FIRST; /* every CWMS since 2.5 */
    opts->path = CWMS_PATH_COMPLETE;
    opts->attime = (int64_t)time(NULL);
    opts->site_rules = CWMS_SITE_RULES_ALL; /* no release given: the strictest */
}
