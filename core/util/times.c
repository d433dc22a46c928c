/* SPDX-License-Identifier: Apache-2.0 */
/* Time conversions shared by the core and the fronts: see cwms/times.h. */
#include "cwms/times.h"

#include <stdio.h>
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

char *cwms_time_format(int64_t t, char out[CWMS_TIME_TEXT_SIZE])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL
        || strftime(out, CWMS_TIME_TEXT_SIZE, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(out, CWMS_TIME_TEXT_SIZE, "@%lld", (long long)t);
    return out;
}
