
/*
 * Business hours: weekly schedules, time zones from TZif bytes and POSIX
 * TZ strings, and whether a schedule is open at an instant.
 */


#include <stdio.h>
#include <string.h>

#include "ngx_live_help_hours.h"


/* instants are taken within this many seconds of the epoch */
#define NGX_LIVE_HELP_TIME_LIMIT   ((int64_t) 1 << 40)

#define NGX_LIVE_HELP_TZIF_HEADER  44
#define NGX_LIVE_HELP_TZIF_COUNT   (1 << 20)


/* an offset change: from at on, the offset is off */
typedef struct {
    int64_t   at;
    int32_t   off;
} ngx_live_help_tz_change_t;


static int ngx_live_help_hours_error(char *err, size_t err_size,
    const char *what, const unsigned char *p, size_t len, const char *why);
static const unsigned char *ngx_live_help_hours_skip(const unsigned char *p,
    const unsigned char *last);
static const unsigned char *ngx_live_help_hours_word(const unsigned char *p,
    const unsigned char *last);
static int ngx_live_help_hours_is(const unsigned char *p, size_t len,
    const char *word);
static int ngx_live_help_hours_day(const unsigned char *p, size_t len);
static int ngx_live_help_hours_days(const unsigned char *p, size_t len,
    int *first, int *last, char *err, size_t err_size);
static int ngx_live_help_hours_time(const unsigned char *p,
    const unsigned char *last);
static int ngx_live_help_hours_range(unsigned char *week, int first,
    int last, const unsigned char *p, size_t len, char *err,
    size_t err_size);
static int ngx_live_help_hours_spans(ngx_live_help_hours_t *h,
    const unsigned char *week, const unsigned char *s, size_t len,
    char *err, size_t err_size);

static int64_t ngx_live_help_clamp(int64_t t);
static int64_t ngx_live_help_floor_div(int64_t a, int64_t b);
static int64_t ngx_live_help_days_from_civil(int64_t y, unsigned m,
    unsigned d);
static int64_t ngx_live_help_year_of_day(int64_t day);

static int ngx_live_help_tz_digits(const unsigned char **pp,
    const unsigned char *last, int max_digits, int max, int *v);
static int ngx_live_help_tz_hms(const unsigned char **pp,
    const unsigned char *last, int max_hours, int32_t *secs);
static int ngx_live_help_tz_abbr(const unsigned char **pp,
    const unsigned char *last);
static int ngx_live_help_tz_rule(const unsigned char **pp,
    const unsigned char *last, ngx_live_help_tz_rule_t *r);
static int ngx_live_help_tz_posix_parse(ngx_live_help_tz_posix_t *px,
    const unsigned char *p, const unsigned char *last);
static int64_t ngx_live_help_tz_rule_day(const ngx_live_help_tz_rule_t *r,
    int64_t year);
static unsigned ngx_live_help_tz_posix_changes(
    const ngx_live_help_tz_posix_t *px, int64_t t, unsigned nyears,
    ngx_live_help_tz_change_t *c);
static int32_t ngx_live_help_tz_posix_offset(
    const ngx_live_help_tz_posix_t *px, int64_t t);
static int64_t ngx_live_help_tz_posix_next(const ngx_live_help_tz_posix_t *px,
    int64_t t);
static uint32_t ngx_live_help_tz_search(const ngx_live_help_tz_t *tz,
    int64_t t);
static int ngx_live_help_tz_header(const unsigned char *p,
    const unsigned char *last, uint32_t *cnt);
static size_t ngx_live_help_tz_block_size(const uint32_t *cnt, size_t tsize);
static int ngx_live_help_tz_block(ngx_live_help_tz_t *tz,
    const unsigned char *p, const uint32_t *cnt, size_t tsize, char *err,
    size_t err_size);
static int64_t ngx_live_help_tz_first_at(const ngx_live_help_tz_t *tz,
    int64_t local);
static int ngx_live_help_hours_verdict(int64_t from, int64_t to,
    int64_t now, int64_t *next);


static const char  *ngx_live_help_day_names[] = {
    "mon", "tue", "wed", "thu", "fri", "sat", "sun"
};

/* TZif count fields, in file order */
enum {
    NGX_LIVE_HELP_TZIF_ISUT = 0,
    NGX_LIVE_HELP_TZIF_ISSTD,
    NGX_LIVE_HELP_TZIF_LEAP,
    NGX_LIVE_HELP_TZIF_TIME,
    NGX_LIVE_HELP_TZIF_TYPE,
    NGX_LIVE_HELP_TZIF_CHAR
};


/*
 * Writes `what "part"why` (or `whatwhy` without a part) to err, the part
 * cut to 32 bytes and anything unprintable in it shown as '?': it ends up
 * in nginx's error log.
 */

static int
ngx_live_help_hours_error(char *err, size_t err_size, const char *what,
    const unsigned char *p, size_t len, const char *why)
{
    char    part[40];
    size_t  i, n;

    if (p == NULL) {
        if (err_size) {
            snprintf(err, err_size, "%s%s", what, why);
        }

        return -1;
    }

    n = len < 32 ? len : 32;

    for (i = 0; i < n; i++) {
        part[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char) p[i] : '?';
    }

    if (len > n) {
        memcpy(part + n, "...", 3);
        n += 3;
    }

    part[n] = '\0';

    if (err_size) {
        snprintf(err, err_size, "%s \"%s\"%s", what, part, why);
    }

    return -1;
}


static const unsigned char *
ngx_live_help_hours_skip(const unsigned char *p, const unsigned char *last)
{
    while (p < last
           && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    {
        p++;
    }

    return p;
}


/* the end of the word at p: up to white space or a comma */

static const unsigned char *
ngx_live_help_hours_word(const unsigned char *p, const unsigned char *last)
{
    while (p < last && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n'
           && *p != ',')
    {
        p++;
    }

    return p;
}


static int
ngx_live_help_hours_is(const unsigned char *p, size_t len, const char *word)
{
    size_t  i;

    if (len != strlen(word)) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if ((p[i] | 0x20) != (unsigned char) word[i]) {
            return 0;
        }
    }

    return 1;
}


static int
ngx_live_help_hours_day(const unsigned char *p, size_t len)
{
    int  d;

    for (d = 0; d < 7; d++) {
        if (ngx_live_help_hours_is(p, len, ngx_live_help_day_names[d])) {
            return d;
        }
    }

    return -1;
}


/* "Mon", "Sat-Mon" (wraps), "daily" */

static int
ngx_live_help_hours_days(const unsigned char *p, size_t len, int *first,
    int *last, char *err, size_t err_size)
{
    size_t                n;
    const unsigned char  *dash;

    if (ngx_live_help_hours_is(p, len, "daily")) {
        *first = 0;
        *last = 6;
        return 0;
    }

    if (p[0] >= '0' && p[0] <= '9') {
        return ngx_live_help_hours_error(err, err_size,
                                         "expected days before", p, len,
                                         ", such as \"Mon-Fri\"");
    }

    dash = memchr(p, '-', len);
    n = dash ? (size_t) (dash - p) : len;

    *first = ngx_live_help_hours_day(p, n);
    *last = *first;

    if (*first >= 0 && dash) {
        p = dash + 1;
        n = len - n - 1;
        *last = ngx_live_help_hours_day(p, n);
    }

    if (*first < 0 || *last < 0) {
        return ngx_live_help_hours_error(err, err_size, "unknown day", p, n,
                                         ": days are Mon, Tue, Wed, Thu, "
                                         "Fri, Sat, Sun or daily");
    }

    return 0;
}


/* "9:00", "09:00", "24:00": minutes, or -1 */

static int
ngx_live_help_hours_time(const unsigned char *p, const unsigned char *last)
{
    int  hours, minutes;

    if (last - p < 4 || last - p > 5 || last[-3] != ':') {
        return -1;
    }

    if (last - p == 5 && (p[0] < '0' || p[0] > '9')) {
        return -1;
    }

    if (last[-4] < '0' || last[-4] > '9' || last[-2] < '0' || last[-2] > '5'
        || last[-1] < '0' || last[-1] > '9')
    {
        return -1;
    }

    hours = (last - p == 5 ? (p[0] - '0') * 10 : 0) + (last[-4] - '0');
    minutes = (last[-2] - '0') * 10 + (last[-1] - '0');

    if (hours > 24 || (hours == 24 && minutes != 0)) {
        return -1;
    }

    return hours * 60 + minutes;
}


/*
 * "09:00-17:00" on each day from first to last; "22:00-02:00" goes on
 * into the next day, Sunday's into Monday's.
 */

static int
ngx_live_help_hours_range(unsigned char *week, int first, int last,
    const unsigned char *p, size_t len, char *err, size_t err_size)
{
    int                   from, to, day, m, end;
    const unsigned char  *dash;

    dash = memchr(p, '-', len);
    if (dash == NULL) {
        return ngx_live_help_hours_error(err, err_size, "expected hours, not",
                                         p, len, ": HH:MM-HH:MM");
    }

    from = ngx_live_help_hours_time(p, dash);
    to = ngx_live_help_hours_time(dash + 1, p + len);

    if (from < 0 || to < 0) {
        return ngx_live_help_hours_error(err, err_size, "bad time in", p, len,
                                         ": HH:MM-HH:MM, from 00:00 to "
                                         "24:00");
    }

    if (from == 24 * 60) {
        return ngx_live_help_hours_error(err, err_size, "hours", p, len,
                                         " start at 24:00: start at 00:00");
    }

    if (from == to) {
        return ngx_live_help_hours_error(err, err_size, "empty hours", p, len,
                                         ": the whole day is 00:00-24:00");
    }

    day = first;

    for ( ;; ) {
        end = day * 1440 + (to > from ? to : 1440 + to);

        for (m = day * 1440 + from; m < end; m++) {
            week[(m % NGX_LIVE_HELP_HOURS_WEEK) / 8] |= 1 << (m % 8);
        }

        if (day == last) {
            break;
        }

        day = (day + 1) % 7;
    }

    return 0;
}


static int
ngx_live_help_hours_spans(ngx_live_help_hours_t *h, const unsigned char *week,
    const unsigned char *s, size_t len, char *err, size_t err_size)
{
    int  m, from;

    h->nspans = 0;
    m = 0;

    while (m < NGX_LIVE_HELP_HOURS_WEEK) {

        if (!(week[m / 8] & (1 << (m % 8)))) {
            m++;
            continue;
        }

        from = m;

        while (m < NGX_LIVE_HELP_HOURS_WEEK && (week[m / 8] & (1 << (m % 8))))
        {
            m++;
        }

        if (h->nspans == NGX_LIVE_HELP_HOURS_SPANS) {
            return ngx_live_help_hours_error(err, err_size,
                                             "too many opening periods in",
                                             s, len, ": at most 64 a week");
        }

        h->span[h->nspans].from = (uint16_t) from;
        h->span[h->nspans].to = (uint16_t) m;
        h->nspans++;
    }

    return 0;
}


/*
 * The week is drawn minute by minute first: overlapping and touching
 * hours merge on their own, whatever order they were written in.
 */

int
ngx_live_help_hours_parse(ngx_live_help_hours_t *h, const unsigned char *s,
    size_t len, char *err, size_t err_size)
{
    int                   first, last, ranges;
    size_t                ndays;
    unsigned char         week[NGX_LIVE_HELP_HOURS_WEEK / 8];
    const unsigned char  *p, *end, *word, *days;

    h->nspans = 0;
    first = 0;
    last = 0;
    memset(week, 0, sizeof(week));

    p = ngx_live_help_hours_skip(s, s + len);
    end = s + len;

    word = ngx_live_help_hours_word(p, end);

    if (word == p) {
        return ngx_live_help_hours_error(err, err_size, "empty schedule", s,
                                         len, ": e.g. \"Mon-Fri 09:00-17:00\"");
    }

    if (ngx_live_help_hours_skip(word, end) == end) {

        if (ngx_live_help_hours_is(p, word - p, "always")) {
            h->span[0].from = 0;
            h->span[0].to = NGX_LIVE_HELP_HOURS_WEEK;
            h->nspans = 1;
            return 0;
        }

        if (ngx_live_help_hours_is(p, word - p, "never")) {
            return 0;
        }
    }

    for ( ;; ) {
        word = ngx_live_help_hours_word(p, end);

        if (word == p) {
            return ngx_live_help_hours_error(err, err_size,
                                             "expected days after a comma in",
                                             s, len, "");
        }

        days = p;
        ndays = word - p;

        if (ngx_live_help_hours_days(days, ndays, &first, &last, err,
                                     err_size)
            != 0)
        {
            return -1;
        }

        ranges = 0;

        for ( ;; ) {
            p = ngx_live_help_hours_skip(word, end);

            if (p == end || *p == ',') {
                break;
            }

            word = ngx_live_help_hours_word(p, end);

            if (ngx_live_help_hours_range(week, first, last, p, word - p,
                                          err, err_size)
                != 0)
            {
                return -1;
            }

            ranges++;
        }

        if (ranges == 0) {
            return ngx_live_help_hours_error(err, err_size,
                                             "no hours after", days, ndays,
                                             ": e.g. \"09:00-17:00\"");
        }

        if (p == end) {
            break;
        }

        p = ngx_live_help_hours_skip(p + 1, end);
    }

    return ngx_live_help_hours_spans(h, week, s, len, err, err_size);
}


static int64_t
ngx_live_help_clamp(int64_t t)
{
    if (t > NGX_LIVE_HELP_TIME_LIMIT) {
        return NGX_LIVE_HELP_TIME_LIMIT;
    }

    if (t < -NGX_LIVE_HELP_TIME_LIMIT) {
        return -NGX_LIVE_HELP_TIME_LIMIT;
    }

    return t;
}


static int64_t
ngx_live_help_floor_div(int64_t a, int64_t b)
{
    int64_t  q;

    q = a / b;

    if (a % b != 0 && ((a < 0) != (b < 0))) {
        q--;
    }

    return q;
}


/* days since 1970-01-01 of a date of the proleptic Gregorian calendar */

static int64_t
ngx_live_help_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t   era;
    unsigned  yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (int64_t) doe - 719468;
}


static int64_t
ngx_live_help_year_of_day(int64_t day)
{
    int64_t   era;
    unsigned  doe, yoe, doy, mp;

    day += 719468;
    era = (day >= 0 ? day : day - 146096) / 146097;
    doe = (unsigned) (day - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    return era * 400 + yoe + (mp >= 10);
}


static int
ngx_live_help_tz_digits(const unsigned char **pp, const unsigned char *last,
    int max_digits, int max, int *v)
{
    int                   n;
    const unsigned char  *p;

    p = *pp;
    *v = 0;

    for (n = 0; n < max_digits && p < last && *p >= '0' && *p <= '9'; n++) {
        *v = *v * 10 + (*p++ - '0');
    }

    if (n == 0 || *v > max) {
        return -1;
    }

    *pp = p;

    return 0;
}


/* [+-]hh[:mm[:ss]] in seconds */

static int
ngx_live_help_tz_hms(const unsigned char **pp, const unsigned char *last,
    int max_hours, int32_t *secs)
{
    int                   sign, h, m, s;
    const unsigned char  *p;

    p = *pp;
    sign = 1;
    m = 0;
    s = 0;

    if (p < last && (*p == '+' || *p == '-')) {
        sign = (*p++ == '-') ? -1 : 1;
    }

    if (ngx_live_help_tz_digits(&p, last, 3, max_hours, &h) != 0) {
        return -1;
    }

    if (p < last && *p == ':') {
        p++;

        if (ngx_live_help_tz_digits(&p, last, 2, 59, &m) != 0) {
            return -1;
        }

        if (p < last && *p == ':') {
            p++;

            if (ngx_live_help_tz_digits(&p, last, 2, 59, &s) != 0) {
                return -1;
            }
        }
    }

    *secs = sign * (h * 3600 + m * 60 + s);
    *pp = p;

    return 0;
}


/* "EET" or "<+0530>" */

static int
ngx_live_help_tz_abbr(const unsigned char **pp, const unsigned char *last)
{
    size_t                n;
    const unsigned char  *p;

    p = *pp;
    n = 0;

    if (p < last && *p == '<') {
        p++;

        while (p < last && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
                            || (*p >= '0' && *p <= '9') || *p == '+'
                            || *p == '-'))
        {
            p++;
            n++;
        }

        if (p == last || *p != '>' || n < 3) {
            return -1;
        }

        *pp = p + 1;
        return 0;
    }

    while (p < last && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
    {
        p++;
        n++;
    }

    if (n < 3) {
        return -1;
    }

    *pp = p;

    return 0;
}


/* "Jn", "n" or "Mm.w.d", then "/time", by default 02:00 */

static int
ngx_live_help_tz_rule(const unsigned char **pp, const unsigned char *last,
    ngx_live_help_tz_rule_t *r)
{
    int                   v;
    const unsigned char  *p;

    p = *pp;

    if (p == last) {
        return -1;
    }

    memset(r, 0, sizeof(ngx_live_help_tz_rule_t));

    if (*p == 'J') {
        p++;

        if (ngx_live_help_tz_digits(&p, last, 3, 365, &v) != 0 || v == 0) {
            return -1;
        }

        r->kind = 'J';
        r->day = (uint16_t) v;

    } else if (*p == 'M') {
        p++;
        r->kind = 'M';

        if (ngx_live_help_tz_digits(&p, last, 2, 12, &v) != 0 || v == 0) {
            return -1;
        }

        r->month = (uint8_t) v;

        if (p == last || *p++ != '.'
            || ngx_live_help_tz_digits(&p, last, 1, 5, &v) != 0 || v == 0)
        {
            return -1;
        }

        r->week = (uint8_t) v;

        if (p == last || *p++ != '.'
            || ngx_live_help_tz_digits(&p, last, 1, 6, &v) != 0)
        {
            return -1;
        }

        r->wday = (uint8_t) v;

    } else {
        if (ngx_live_help_tz_digits(&p, last, 3, 365, &v) != 0) {
            return -1;
        }

        r->kind = 'D';
        r->day = (uint16_t) v;
    }

    r->time = 7200;

    if (p < last && *p == '/') {
        p++;

        /* RFC 8536 allows -167 to 167 hours here */
        if (ngx_live_help_tz_hms(&p, last, 167, &r->time) != 0) {
            return -1;
        }
    }

    *pp = p;

    return 0;
}


/* "EET-2EEST,M3.5.0/3,M10.5.0/4": std offset [dst [offset] [,rule,rule]] */

static int
ngx_live_help_tz_posix_parse(ngx_live_help_tz_posix_t *px,
    const unsigned char *p, const unsigned char *last)
{
    int32_t  off;

    memset(px, 0, sizeof(ngx_live_help_tz_posix_t));

    if (ngx_live_help_tz_abbr(&p, last) != 0
        || ngx_live_help_tz_hms(&p, last, 24, &off) != 0)
    {
        return -1;
    }

    /* POSIX counts west of UTC as positive */
    px->std_off = -off;
    px->dst_off = -off;

    if (p == last) {
        return 0;
    }

    if (ngx_live_help_tz_abbr(&p, last) != 0) {
        return -1;
    }

    px->dst = 1;
    px->dst_off = px->std_off + 3600;

    if (p < last && *p != ',') {
        if (ngx_live_help_tz_hms(&p, last, 24, &off) != 0) {
            return -1;
        }

        px->dst_off = -off;
    }

    if (p == last) {
        /* what tzcode assumes without rules: the United States' */
        px->start.kind = 'M';
        px->start.month = 3;
        px->start.week = 2;
        px->start.time = 7200;
        px->end.kind = 'M';
        px->end.month = 11;
        px->end.week = 1;
        px->end.time = 7200;
        return 0;
    }

    if (*p++ != ','
        || ngx_live_help_tz_rule(&p, last, &px->start) != 0
        || p == last || *p++ != ','
        || ngx_live_help_tz_rule(&p, last, &px->end) != 0
        || p != last)
    {
        return -1;
    }

    return 0;
}


/* the local day, in days since the epoch, a rule falls on in a year */

static int64_t
ngx_live_help_tz_rule_day(const ngx_live_help_tz_rule_t *r, int64_t year)
{
    int64_t  jan1, first, next, day;
    int      leap;

    jan1 = ngx_live_help_days_from_civil(year, 1, 1);

    if (r->kind == 'D') {
        return jan1 + r->day;
    }

    if (r->kind == 'J') {
        leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return jan1 + r->day - 1 + (leap && r->day >= 60);
    }

    first = ngx_live_help_days_from_civil(year, r->month, 1);
    next = (r->month == 12) ? ngx_live_help_days_from_civil(year + 1, 1, 1)
                            : ngx_live_help_days_from_civil(year,
                                                            r->month + 1, 1);

    /* 1970-01-01 was a Thursday, day 4 when Sunday is 0 */
    day = first + ((r->wday - (first + 4) % 7 + 14) % 7)
          + (r->week - 1) * 7;

    while (day >= next) {
        day -= 7;
    }

    return day;
}


/*
 * The changes of nyears years, from the year before t's on, in time order;
 * of two at the same instant the later year's comes last, so a zone on
 * daylight saving time all year ("0/0,J365/25") stays on it.
 */

static unsigned
ngx_live_help_tz_posix_changes(const ngx_live_help_tz_posix_t *px, int64_t t,
    unsigned nyears, ngx_live_help_tz_change_t *c)
{
    int64_t                    year;
    unsigned                   i, j, n;
    ngx_live_help_tz_change_t  x;

    year = ngx_live_help_year_of_day(
               ngx_live_help_floor_div(t + px->std_off, 86400)) - 1;
    n = 0;

    for (i = 0; i < nyears; i++, year++) {
        c[n].at = ngx_live_help_tz_rule_day(&px->start, year) * 86400
                  + px->start.time - px->std_off;
        c[n++].off = px->dst_off;

        c[n].at = ngx_live_help_tz_rule_day(&px->end, year) * 86400
                  + px->end.time - px->dst_off;
        c[n++].off = px->std_off;
    }

    for (i = 1; i < n; i++) {
        x = c[i];

        for (j = i; j > 0 && c[j - 1].at > x.at; j--) {
            c[j] = c[j - 1];
        }

        c[j] = x;
    }

    return n;
}


static int32_t
ngx_live_help_tz_posix_offset(const ngx_live_help_tz_posix_t *px, int64_t t)
{
    int32_t                    off;
    unsigned                   i, n;
    ngx_live_help_tz_change_t  c[6];

    if (!px->dst) {
        return px->std_off;
    }

    n = ngx_live_help_tz_posix_changes(px, t, 3, c);
    off = px->std_off;

    for (i = 0; i < n && c[i].at <= t; i++) {
        off = c[i].off;
    }

    return off;
}


static int64_t
ngx_live_help_tz_posix_next(const ngx_live_help_tz_posix_t *px, int64_t t)
{
    unsigned                   i, n;
    ngx_live_help_tz_change_t  c[8];

    if (!px->dst) {
        return INT64_MAX;
    }

    n = ngx_live_help_tz_posix_changes(px, t, 4, c);

    for (i = 0; i < n; i++) {
        if (c[i].at > t) {
            return c[i].at;
        }
    }

    return INT64_MAX;
}


/* the number of changes at or before t */

static uint32_t
ngx_live_help_tz_search(const ngx_live_help_tz_t *tz, int64_t t)
{
    uint32_t  lo, hi, mid;

    lo = 0;
    hi = tz->n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (tz->at[mid] <= t) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return lo;
}


int32_t
ngx_live_help_tz_offset(const ngx_live_help_tz_t *tz, int64_t t)
{
    uint32_t  i;

    if (tz == NULL) {
        return 0;
    }

    t = ngx_live_help_clamp(t);

    if (tz->has_posix && t >= tz->posix_from) {
        return ngx_live_help_tz_posix_offset(&tz->posix, t);
    }

    i = ngx_live_help_tz_search(tz, t);

    return i ? tz->off[i - 1] : tz->initial;
}


int64_t
ngx_live_help_tz_next(const ngx_live_help_tz_t *tz, int64_t t)
{
    int64_t   next;
    uint32_t  i;

    if (tz == NULL) {
        return INT64_MAX;
    }

    t = ngx_live_help_clamp(t);

    if (tz->has_posix && t >= tz->posix_from) {
        return ngx_live_help_tz_posix_next(&tz->posix, t);
    }

    i = ngx_live_help_tz_search(tz, t);
    next = (i < tz->n) ? tz->at[i] : INT64_MAX;

    if (tz->has_posix && tz->posix_from < next) {
        next = tz->posix_from;
    }

    return next;
}


static int
ngx_live_help_tz_header(const unsigned char *p, const unsigned char *last,
    uint32_t *cnt)
{
    int  i;

    if (last - p < NGX_LIVE_HELP_TZIF_HEADER || memcmp(p, "TZif", 4) != 0
        || (p[4] != '\0' && (p[4] < '2' || p[4] > '4')))
    {
        return -1;
    }

    for (i = 0; i < 6; i++) {
        cnt[i] = ((uint32_t) p[20 + 4 * i] << 24)
                 | ((uint32_t) p[21 + 4 * i] << 16)
                 | ((uint32_t) p[22 + 4 * i] << 8) | p[23 + 4 * i];

        if (cnt[i] > NGX_LIVE_HELP_TZIF_COUNT) {
            return -1;
        }
    }

    return p[4];
}


static size_t
ngx_live_help_tz_block_size(const uint32_t *cnt, size_t tsize)
{
    return cnt[NGX_LIVE_HELP_TZIF_TIME] * (tsize + 1)
           + cnt[NGX_LIVE_HELP_TZIF_TYPE] * 6
           + cnt[NGX_LIVE_HELP_TZIF_CHAR]
           + cnt[NGX_LIVE_HELP_TZIF_LEAP] * (tsize + 4)
           + cnt[NGX_LIVE_HELP_TZIF_ISSTD] + cnt[NGX_LIVE_HELP_TZIF_ISUT];
}


/* the data block at p, of 4 or 8 byte times, whose size is checked */

static int
ngx_live_help_tz_block(ngx_live_help_tz_t *tz, const unsigned char *p,
    const uint32_t *cnt, size_t tsize, char *err, size_t err_size)
{
    int32_t               prev, type_off[256];
    int64_t               at;
    uint32_t              i, j, ntypes, ntimes;
    uint64_t              v;
    const unsigned char  *idx, *t;

    ntypes = cnt[NGX_LIVE_HELP_TZIF_TYPE];
    ntimes = cnt[NGX_LIVE_HELP_TZIF_TIME];

    if (ntypes == 0 || ntypes > 256
        || (cnt[NGX_LIVE_HELP_TZIF_ISUT] && cnt[NGX_LIVE_HELP_TZIF_ISUT]
                                            != ntypes)
        || (cnt[NGX_LIVE_HELP_TZIF_ISSTD] && cnt[NGX_LIVE_HELP_TZIF_ISSTD]
                                             != ntypes))
    {
        return ngx_live_help_hours_error(err, err_size, "bad counts of local "
                                         "time types", NULL, 0, "");
    }

    if (cnt[NGX_LIVE_HELP_TZIF_LEAP]) {
        return ngx_live_help_hours_error(err, err_size, "leap seconds", NULL, 0,
                                         ": \"right/\" zones are not "
                                         "supported");
    }

    if (ntimes > NGX_LIVE_HELP_TZ_TIMES) {
        return ngx_live_help_hours_error(err, err_size, "too many "
                                         "transitions", NULL, 0, "");
    }

    t = p + (size_t) ntimes * (tsize + 1);

    for (i = 0; i < ntypes; i++, t += 6) {
        type_off[i] = (int32_t) (((uint32_t) t[0] << 24)
                                 | ((uint32_t) t[1] << 16)
                                 | ((uint32_t) t[2] << 8) | t[3]);

        if (type_off[i] <= -NGX_LIVE_HELP_TZ_OFF_MAX
            || type_off[i] >= NGX_LIVE_HELP_TZ_OFF_MAX || t[4] > 1)
        {
            return ngx_live_help_hours_error(err, err_size, "bad local time "
                                             "type", NULL, 0, "");
        }
    }

    idx = p + (size_t) ntimes * tsize;
    tz->n = 0;
    tz->initial = type_off[0];
    prev = type_off[0];
    at = INT64_MIN;

    for (i = 0; i < ntimes; i++, p += tsize) {
        v = 0;

        for (j = 0; j < tsize; j++) {
            v = (v << 8) | p[j];
        }

        /* sign-extended from 4 or 8 bytes */
        if (tsize == 4) {
            v = (uint64_t) (int64_t) (int32_t) (uint32_t) v;
        }

        if (i > 0 && (int64_t) v <= at) {
            return ngx_live_help_hours_error(err, err_size, "transitions out "
                                             "of order", NULL, 0, "");
        }

        at = (int64_t) v;

        if (idx[i] >= ntypes) {
            return ngx_live_help_hours_error(err, err_size, "bad local time "
                                             "type index", NULL, 0, "");
        }

        if (type_off[idx[i]] != prev) {
            prev = type_off[idx[i]];
            tz->at[tz->n] = at;
            tz->off[tz->n] = prev;
            tz->n++;
        }
    }

    /* the footer's rule takes over after the last transition */
    tz->posix_from = at;

    return 0;
}


int
ngx_live_help_tz_parse(ngx_live_help_tz_t *tz, const unsigned char *data,
    size_t len, char *err, size_t err_size)
{
    int                   version;
    size_t                size, tsize;
    uint32_t              cnt[6];
    const unsigned char  *p, *last, *eol;

    p = data;
    last = data + len;
    tz->n = 0;
    tz->has_posix = 0;

    version = ngx_live_help_tz_header(p, last, cnt);
    if (version < 0) {
        return ngx_live_help_hours_error(err, err_size, "not a TZif file",
                                         NULL, 0, "");
    }

    tsize = 4;

    if (version != '\0') {
        /* the version 1 block is there for old readers only */
        size = ngx_live_help_tz_block_size(cnt, 4);

        if ((size_t) (last - p) - NGX_LIVE_HELP_TZIF_HEADER < size) {
            return ngx_live_help_hours_error(err, err_size, "truncated TZif "
                                             "file", NULL, 0, "");
        }

        p += NGX_LIVE_HELP_TZIF_HEADER + size;

        if (ngx_live_help_tz_header(p, last, cnt) != version) {
            return ngx_live_help_hours_error(err, err_size, "bad second TZif "
                                             "header", NULL, 0, "");
        }

        tsize = 8;
    }

    size = ngx_live_help_tz_block_size(cnt, tsize);

    if ((size_t) (last - p) - NGX_LIVE_HELP_TZIF_HEADER < size) {
        return ngx_live_help_hours_error(err, err_size, "truncated TZif file",
                                         NULL, 0, "");
    }

    if (ngx_live_help_tz_block(tz, p + NGX_LIVE_HELP_TZIF_HEADER, cnt, tsize,
                               err, err_size)
        != 0)
    {
        return -1;
    }

    if (version == '\0') {
        return 0;
    }

    p += NGX_LIVE_HELP_TZIF_HEADER + size;

    eol = (p < last && *p == '\n') ? memchr(p + 1, '\n', last - p - 1) : NULL;

    if (eol == NULL) {
        return ngx_live_help_hours_error(err, err_size, "no TZ string after "
                                         "the TZif data", NULL, 0, "");
    }

    if (eol == p + 1) {
        /* the last transition's offset holds from then on */
        return 0;
    }

    if (ngx_live_help_tz_posix_parse(&tz->posix, p + 1, eol) != 0) {
        return ngx_live_help_hours_error(err, err_size, "bad TZ string",
                                         p + 1, eol - p - 1, " in the TZif "
                                         "file");
    }

    tz->has_posix = 1;

    return 0;
}


int
ngx_live_help_tz_fixed(ngx_live_help_tz_t *tz, const unsigned char *name,
    size_t len, char *err, size_t err_size)
{
    int                   sign, hours, minutes;
    const unsigned char  *p, *last;

    p = name;
    last = name + len;

    if (len >= 3 && ngx_live_help_hours_is(p, 3, "utc")) {
        p += 3;
    }

    if (p == last && p != name) {
        hours = 0;
        minutes = 0;
        sign = 1;
        goto done;
    }

    if (p == last || (*p != '+' && *p != '-')) {
        return 0;
    }

    sign = (*p++ == '-') ? -1 : 1;
    minutes = 0;

    /* H, HH, then :MM or MM */
    if (ngx_live_help_tz_digits(&p, last, 2, 99, &hours) != 0) {
        goto bad;
    }

    if (p < last && *p == ':') {
        p++;
    }

    if (p < last) {
        if (last - p != 2
            || ngx_live_help_tz_digits(&p, last, 2, 59, &minutes) != 0)
        {
            goto bad;
        }
    }

    if (hours * 60 + minutes > 18 * 60) {
        return ngx_live_help_hours_error(err, err_size, "UTC offset", name,
                                         len, " is out of range: at most "
                                         "18:00 either way");
    }

done:

    tz->n = 0;
    tz->has_posix = 0;
    tz->initial = sign * (hours * 3600 + minutes * 60);

    return 1;

bad:

    return ngx_live_help_hours_error(err, err_size, "bad UTC offset", name,
                                     len, ": e.g. \"+02:00\" or \"UTC-5\"");
}


int
ngx_live_help_tz_name_valid(const unsigned char *name, size_t len)
{
    size_t  i, part;

    if (len == 0 || len > 255) {
        return 0;
    }

    part = 0;

    for (i = 0; i <= len; i++) {

        if (i == len || name[i] == '/') {
            if (part == 0
                || (part == 1 && name[i - 1] == '.')
                || (part == 2 && name[i - 1] == '.' && name[i - 2] == '.'))
            {
                return 0;
            }

            part = 0;
            continue;
        }

        if (!((name[i] >= 'A' && name[i] <= 'Z')
              || (name[i] >= 'a' && name[i] <= 'z')
              || (name[i] >= '0' && name[i] <= '9')
              || name[i] == '_' || name[i] == '+' || name[i] == '-'
              || name[i] == '.'))
        {
            return 0;
        }

        part++;
    }

    return 1;
}


/*
 * The first instant at which the local clock shows local or later.  The
 * clock is u + offset(u), a line of slope 1 broken at each change, so the
 * instant is found segment by segment from a point at which the clock is
 * surely behind.
 */

static int64_t
ngx_live_help_tz_first_at(const ngx_live_help_tz_t *tz, int64_t local)
{
    int      i;
    int64_t  u, c, next;

    u = local - NGX_LIVE_HELP_TZ_OFF_MAX;

    /* a sane zone changes a few times in the 52 hours searched */
    for (i = 0; i < 64; i++) {
        c = local - ngx_live_help_tz_offset(tz, u);

        if (c < u) {
            c = u;
        }

        next = ngx_live_help_tz_next(tz, u);

        if (c < next) {
            return c;
        }

        u = next;
    }

    return u;
}


/*
 * Of an open period [from, to): -1 when it is over at now, else whether
 * now is in it and when that changes.
 */

static int
ngx_live_help_hours_verdict(int64_t from, int64_t to, int64_t now,
    int64_t *next)
{
    int64_t  change;

    if (to <= now) {
        return -1;
    }

    change = (from <= now) ? to : from;
    *next = (change - now <= NGX_LIVE_HELP_HOURS_HORIZON) ? change : 0;

    return from <= now;
}


/*
 * The spans of five local weeks, from the Monday before ten days ago, are
 * turned into UTC periods one after another, merged where they touch (as
 * Sunday's 22:00-24:00 and Monday's 00:00-02:00 do), until the one that
 * holds now or comes after it.  Ten days back reaches the start of any
 * period that can hold now; five weeks reach past the horizon.
 */

int
ngx_live_help_hours_open(const ngx_live_help_hours_t *h, int64_t now_utc,
    int64_t *next_change_utc)
{
    int       rc, have;
    int64_t   now, day, base, from, to, cur_from, cur_to;
    unsigned  w, i;

    now = ngx_live_help_clamp(now_utc);
    *next_change_utc = 0;

    day = ngx_live_help_floor_div(now + ngx_live_help_tz_offset(h->tz, now),
                                  86400)
          - 10;

    /* Monday is 0; 1970-01-01 was a Thursday */
    day -= (day % 7 + 7 + 3) % 7;
    base = day * 86400;

    have = 0;
    cur_from = 0;
    cur_to = 0;

    for (w = 0; w < 5; w++, base += 7 * 86400) {
        for (i = 0; i < h->nspans; i++) {
            from = ngx_live_help_tz_first_at(h->tz,
                                             base + h->span[i].from * 60);
            to = ngx_live_help_tz_first_at(h->tz, base + h->span[i].to * 60);

            if (from >= to) {
                continue;
            }

            if (have && from <= cur_to) {
                if (to > cur_to) {
                    cur_to = to;
                }

                continue;
            }

            if (have) {
                rc = ngx_live_help_hours_verdict(cur_from, cur_to, now,
                                                 next_change_utc);
                if (rc >= 0) {
                    return rc;
                }
            }

            cur_from = from;
            cur_to = to;
            have = 1;
        }
    }

    if (have) {
        rc = ngx_live_help_hours_verdict(cur_from, cur_to, now,
                                         next_change_utc);
        if (rc >= 0) {
            return rc;
        }
    }

    return 0;
}
