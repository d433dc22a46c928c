/* SPDX-License-Identifier: Apache-2.0 */
/* Time conversions shared by the core and the fronts: see cwms/times.h. */
#include "cwms/times.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int cwms_asn1_time_to_epoch(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;

    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    *out = days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400
        + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 1;
}

/*
 * "YYYY-MM-DD<sep>hh:mm:ss<zone>" with at least four year digits: strftime's
 * %Y writes the year 950 as "950", which no reader of RFC 3339 accepts.
 */
static void format_tm(const struct tm *tm, const char *sep, const char *zone, char *out,
                      size_t size)
{
    char buf[96]; /* room for any int the compiler cannot rule out; a real tm needs 32 */
    int n = snprintf(buf, sizeof(buf), "%04lld-%02d-%02d%s%02d:%02d:%02d%s",
                     (long long)tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, sep, tm->tm_hour,
                     tm->tm_min, tm->tm_sec, zone);
    size_t len = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;

    memcpy(out, buf, len);
    out[len] = '\0';
}

char *cwms_time_format(int64_t t, char out[CWMS_TIME_TEXT_SIZE])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL)
        snprintf(out, CWMS_TIME_TEXT_SIZE, "@%lld", (long long)t);
    else
        format_tm(&tm, " ", " UTC", out, CWMS_TIME_TEXT_SIZE);
    return out;
}

char *cwms_asn1_time_rfc3339(const ASN1_TIME *t, char out[CWMS_TIME_TEXT_SIZE])
{
    struct tm tm;

    out[0] = '\0';
    /* OpenSSL reads four year digits at most: 0000..9999, what RFC 3339 allows. */
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
        return NULL;
    format_tm(&tm, "T", "Z", out, CWMS_TIME_TEXT_SIZE);
    return out;
}
