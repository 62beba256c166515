
/*
 * Unit tests of business hours: the schedule parser, time zones from the
 * system's TZif files and their POSIX footers, and open/next_change across
 * daylight saving time changes.  Offsets are checked against glibc's
 * localtime_r, run with TZ set in a child process only.
 */


#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "ngx_live_help_hours.h"


#define ZONEINFO  "/usr/share/zoneinfo/"
#define HOUR      3600
#define DAY       86400
#define WEEK_MIN  NGX_LIVE_HELP_HOURS_WEEK

/* 2000-01-01 and 2060-01-01, UTC */
#define Y2000     946684800LL
#define Y2060     2840140800LL


static unsigned char  file_buf[1 << 20];


/* zones are big: tests keep theirs here rather than on the stack */
static ngx_live_help_tz_t  zone_a, zone_b;


static uint64_t  rng_state = 0x9e3779b97f4a7c15ULL;


static uint64_t
rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}


static int64_t
rng_between(int64_t from, int64_t to)
{
    return from + (int64_t) (rng() % (uint64_t) (to - from));
}


static size_t
read_zone_file(const char *name, unsigned char *buf, size_t size)
{
    char    path[2048];
    FILE   *f;
    size_t  n;

    snprintf(path, sizeof(path), ZONEINFO "%s", name);

    f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }

    n = fread(buf, 1, size, f);
    fclose(f);

    return n;
}


static void
load_zone(const char *name, ngx_live_help_tz_t *tz)
{
    char    err[NGX_LIVE_HELP_HOURS_ERRLEN];
    size_t  n;

    n = read_zone_file(name, file_buf, sizeof(file_buf));
    if (n == 0) {
        fail_msg("%s" ZONEINFO "%s: missing (tzdata installed?)", "",
                 name);
    }

    if (ngx_live_help_tz_parse(tz, file_buf, n, err, sizeof(err)) != 0) {
        fail_msg("%s: %s", name, err);
    }
}


static void
parse_ok(const char *s, ngx_live_help_hours_t *h)
{
    char  err[NGX_LIVE_HELP_HOURS_ERRLEN];

    memset(h, 0, sizeof(ngx_live_help_hours_t));

    if (ngx_live_help_hours_parse(h, (const unsigned char *) s, strlen(s),
                                  err, sizeof(err))
        != 0)
    {
        fail_msg("\"%s\": %s", s, err);
    }
}


static void
expect_spans(const char *s, unsigned n, const uint16_t *want)
{
    unsigned               i;
    ngx_live_help_hours_t  h;

    parse_ok(s, &h);

    if (h.nspans != n) {
        fail_msg("\"%s\": %u spans, expected %u", s, h.nspans, n);
    }

    for (i = 0; i < n; i++) {
        if (h.span[i].from != want[2 * i] || h.span[i].to != want[2 * i + 1])
        {
            fail_msg("\"%s\": span %u is %u-%u, expected %u-%u", s, i,
                     h.span[i].from, h.span[i].to, want[2 * i],
                     want[2 * i + 1]);
        }
    }
}


static void
expect_bad_schedule(const char *s, const char *part)
{
    char                   err[NGX_LIVE_HELP_HOURS_ERRLEN];
    ngx_live_help_hours_t  h;

    err[0] = '\0';

    if (ngx_live_help_hours_parse(&h, (const unsigned char *) s, strlen(s),
                                  err, sizeof(err))
        == 0)
    {
        fail_msg("\"%s\" was accepted", s);
    }

    if (strstr(err, part) == NULL) {
        fail_msg("\"%s\": error \"%s\" does not say \"%s\"", s, err, part);
    }
}


/* whether h is open at now, with next checked for its promises */

static int
open_at(const ngx_live_help_hours_t *h, int64_t now, int64_t *next)
{
    int      open;
    int64_t  n;

    open = ngx_live_help_hours_open(h, now, &n);

    assert_true(open == 0 || open == 1);
    assert_true(n == 0
                || (n > now && n <= now + NGX_LIVE_HELP_HOURS_HORIZON));

    if (next) {
        *next = n;
    }

    return open;
}


static void
expect_state(const ngx_live_help_hours_t *h, int64_t now, int open,
    int64_t next)
{
    int64_t  n;
    int      o;

    o = open_at(h, now, &n);

    if (o != open || n != next) {
        fail_msg("at %lld: open %d next %lld, expected open %d next %lld",
                 (long long) now, o, (long long) n, open, (long long) next);
    }
}


/*
 * The oracle: glibc's localtime_r with TZ set, in a child process so that
 * this process's TZ stays as it was.  Zones and instants are queued, then
 * one child works out the offsets of all of them.
 */

#define ORACLE_ZONES  1024


typedef struct {
    char     name[256];
    size_t   first;
    size_t   n;
} oracle_zone_t;


static oracle_zone_t   oracle_zone[ORACLE_ZONES];
static size_t          oracle_nzones;
static int64_t        *oracle_t;
static int32_t        *oracle_off;
static size_t          oracle_n, oracle_cap;


static void
oracle_push(int64_t t)
{
    if (oracle_n == oracle_cap) {
        oracle_cap = oracle_cap ? 2 * oracle_cap : 65536;
        oracle_t = realloc(oracle_t, oracle_cap * sizeof(int64_t));
        oracle_off = realloc(oracle_off, oracle_cap * sizeof(int32_t));
        assert_non_null(oracle_t);
        assert_non_null(oracle_off);
    }

    oracle_t[oracle_n++] = t;
}


/* random instants from 1970 to 2100, and each change there with the
 * second before it */

static void
oracle_add(const char *zone, size_t nrandom)
{
    size_t          i;
    int64_t         c;
    oracle_zone_t  *z;

    assert_true(oracle_nzones < ORACLE_ZONES && strlen(zone) < 256);

    load_zone(zone, &zone_b);

    z = &oracle_zone[oracle_nzones++];
    strcpy(z->name, zone);
    z->first = oracle_n;

    for (i = 0; i < nrandom; i++) {
        oracle_push(rng_between(0, 4102444800LL));
    }

    for (c = ngx_live_help_tz_next(&zone_b, 0); c < 4102444800LL;
         c = ngx_live_help_tz_next(&zone_b, c))
    {
        oracle_push(c - 1);
        oracle_push(c);
    }

    z->n = oracle_n - z->first;
}


static void
oracle_run(void)
{
    int        fd[2], status;
    char      *p;
    pid_t      pid;
    size_t     z, i, want, got;
    ssize_t    r;
    time_t     tt;
    struct tm  tm;

    assert_int_equal(pipe(fd), 0);

    want = oracle_n * sizeof(int32_t);
    p = (char *) oracle_off;

    pid = fork();
    assert_true(pid >= 0);

    if (pid == 0) {
        close(fd[0]);

        for (z = 0; z < oracle_nzones; z++) {
            setenv("TZ", oracle_zone[z].name, 1);
            tzset();

            for (i = oracle_zone[z].first;
                 i < oracle_zone[z].first + oracle_zone[z].n;
                 i++)
            {
                tt = (time_t) oracle_t[i];
                oracle_off[i] = (localtime_r(&tt, &tm) == NULL)
                                ? INT32_MIN : (int32_t) tm.tm_gmtoff;
            }
        }

        for (got = 0; got < want; got += r) {
            r = write(fd[1], p + got, want - got);
            if (r <= 0) {
                _exit(1);
            }
        }

        _exit(0);
    }

    close(fd[1]);

    for (got = 0; got < want; got += r) {
        r = read(fd[0], p + got, want - got);
        if (r <= 0) {
            break;
        }
    }

    close(fd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(got, want);
}


/* returns how many instants were compared */

static size_t
oracle_check(void)
{
    size_t          z, i;
    int32_t         off;
    oracle_zone_t  *oz;

    oracle_run();

    for (z = 0; z < oracle_nzones; z++) {
        oz = &oracle_zone[z];
        load_zone(oz->name, &zone_b);

        for (i = oz->first; i < oz->first + oz->n; i++) {
            off = ngx_live_help_tz_offset(&zone_b, oracle_t[i]);

            if (off != oracle_off[i]) {
                fail_msg("%s at %lld: offset %d, localtime_r says %d",
                         oz->name, (long long) oracle_t[i], off,
                         oracle_off[i]);
            }
        }
    }

    oracle_nzones = 0;
    i = oracle_n;
    oracle_n = 0;

    return i;
}


static void
schedules_parse_into_sorted_merged_spans(void **state)
{
    ngx_live_help_hours_t  h;

    static const uint16_t  weekdays[] = {
        540, 1020, 1440 + 540, 1440 + 1020, 2880 + 540, 2880 + 1020,
        4320 + 540, 4320 + 1020, 5760 + 540, 5760 + 1020
    };

    static const uint16_t  split[] = {
        540, 720, 780, 1020, 1440 + 540, 1440 + 720, 1440 + 780, 1440 + 1020,
        7200 + 600, 7200 + 840
    };

    static const uint16_t  merged[] = { 540, 780 };
    static const uint16_t  sunday[] = { 8640, 10080 };
    static const uint16_t  always[] = { 0, 10080 };

    (void) state;

    expect_spans("Mon-Fri 09:00-17:00", 5, weekdays);
    expect_spans("  mon-FRI   9:00-17:00  ", 5, weekdays);
    expect_spans("Mon 09:00-17:00, Tue 09:00-17:00,Wed 09:00-17:00, "
                 "Thu-Fri 09:00-17:00", 5, weekdays);
    expect_spans("Mon-Tue 09:00-12:00 13:00-17:00, Sat 10:00-14:00", 5,
                 split);

    /* overlapping and touching hours are one period */
    expect_spans("Mon 09:00-12:00 11:00-13:00", 1, merged);
    expect_spans("Mon 12:00-13:00 09:00-12:00", 1, merged);
    expect_spans("Mon 09:00-10:00, Mon 10:00-13:00", 1, merged);

    expect_spans("Sun 00:00-24:00", 1, sunday);
    expect_spans("always", 1, always);
    expect_spans(" ALWAYS ", 1, always);
    expect_spans("daily 00:00-24:00", 1, always);
    expect_spans("Mon-Sun 00:00-24:00", 1, always);

    parse_ok("never", &h);
    assert_int_equal(h.nspans, 0);
}


static void
day_ranges_wrap_around_the_week(void **state)
{
    static const uint16_t  sat_mon[] = {
        600, 660, 7200 + 600, 7200 + 660, 8640 + 600, 8640 + 660
    };

    static const uint16_t  fri_tue[] = {
        0, 60, 1440, 1500, 5760, 5820, 7200, 7260, 8640, 8700
    };

    (void) state;

    expect_spans("Sat-Mon 10:00-11:00", 3, sat_mon);
    expect_spans("Fri-Tue 00:00-01:00", 5, fri_tue);
}


static void
hours_past_midnight_go_on_into_the_next_day(void **state)
{
    static const uint16_t  fri_night[] = { 5760 + 1320, 7200 + 120 };
    static const uint16_t  sun_night[] = { 0, 120, 10080 - 120, 10080 };
    static const uint16_t  to_midnight[] = { 1320, 1440 };
    static const uint16_t  nightly[] = {
        0, 120, 1320, 1440 + 120, 2880 + 1320, 4320 + 120,
        10080 - 120, 10080
    };

    (void) state;

    expect_spans("Fri 22:00-02:00", 1, fri_night);
    expect_spans("Sun 22:00-02:00", 2, sun_night);
    expect_spans("Sun 22:00-24:00, Mon 00:00-02:00", 2, sun_night);
    expect_spans("Mon 22:00-00:00", 1, to_midnight);
    expect_spans("Mon 22:00-02:00, Wed 22:00-02:00, Sun 22:00-02:00", 4,
                 nightly);
}


static void
bad_schedules_say_what_and_why(void **state)
{
    int                    i;
    char                   many[65 * 12 + 16], *p;
    ngx_live_help_hours_t  h;

    (void) state;

    expect_bad_schedule("", "empty schedule");
    expect_bad_schedule("   ", "empty schedule");
    expect_bad_schedule("Mnd-Fri 09:00-17:00", "unknown day \"Mnd\"");
    expect_bad_schedule("Mon-Frx 09:00-17:00", "unknown day \"Frx\"");
    expect_bad_schedule("Monday 09:00-17:00", "unknown day \"Monday\"");
    expect_bad_schedule("Mon- 09:00-17:00", "unknown day \"\"");
    expect_bad_schedule("Mon 25:00-26:00", "bad time in \"25:00-26:00\"");
    expect_bad_schedule("Mon 09:00-24:01", "bad time");
    expect_bad_schedule("Mon 09:60-10:00", "bad time");
    expect_bad_schedule("Mon 0900-1700", "bad time");
    expect_bad_schedule("Mon 9-17", "bad time");
    expect_bad_schedule("Mon 09:00", "expected hours, not \"09:00\"");
    expect_bad_schedule("Mon 09:00-09:00", "empty hours \"09:00-09:00\"");
    expect_bad_schedule("Mon 00:00-00:00", "00:00-24:00");
    expect_bad_schedule("Mon 24:00-02:00", "start at 24:00");
    expect_bad_schedule("Mon", "no hours after \"Mon\"");
    expect_bad_schedule("Mon-Fri, Sat 10:00-12:00",
                        "no hours after \"Mon-Fri\"");
    expect_bad_schedule("Mon 09:00-17:00,", "expected days after a comma");
    expect_bad_schedule("Mon 09:00-17:00,, Tue 09:00-10:00",
                        "expected days after a comma");
    expect_bad_schedule("09:00-17:00", "expected days before");
    expect_bad_schedule("always Mon 09:00-10:00", "unknown day \"always\"");
    expect_bad_schedule("Mon\x01 09:00-10:00", "unknown day \"Mon?\"");

    /* 65 periods of a minute on Monday */
    p = many + sprintf(many, "Mon");

    for (i = 0; i < 65; i++) {
        p += sprintf(p, " %02d:%02d-%02d:%02d", (2 * i) / 60, (2 * i) % 60,
                     (2 * i + 1) / 60, (2 * i + 1) % 60);
    }

    expect_bad_schedule(many, "too many opening periods");

    /* 64 are fine */
    *strrchr(many, ' ') = '\0';
    parse_ok(many, &h);
    assert_int_equal(h.nspans, 64);
}


/* a TZif file of version 2 with the given transitions, types and footer */

static size_t
make_tzif(unsigned char *buf, const int64_t *at, const uint8_t *idx,
    uint32_t ntimes, const int32_t *off, uint32_t ntypes, const char *footer)
{
    uint32_t        i, j;
    unsigned char  *p;

    static const uint32_t  v1counts[6] = { 0, 0, 0, 0, 1, 4 };

    p = buf;

    /* a minimal version 1 block, then the real one */
    for (j = 0; j < 2; j++) {
        memcpy(p, "TZif2", 5);
        memset(p + 5, 0, 15);
        p += 20;

        for (i = 0; i < 6; i++) {
            uint32_t  v = j ? (i == 3 ? ntimes : i == 4 ? ntypes
                               : i == 5 ? 4 : 0)
                            : v1counts[i];

            *p++ = (unsigned char) (v >> 24);
            *p++ = (unsigned char) (v >> 16);
            *p++ = (unsigned char) (v >> 8);
            *p++ = (unsigned char) v;
        }

        if (j == 0) {
            memset(p, 0, 6);
            p += 6;
            memcpy(p, "ABC", 4);
            p += 4;
            continue;
        }

        for (i = 0; i < ntimes; i++) {
            uint64_t  v = (uint64_t) at[i];
            int       k;

            for (k = 7; k >= 0; k--) {
                *p++ = (unsigned char) (v >> (8 * k));
            }
        }

        for (i = 0; i < ntimes; i++) {
            *p++ = idx[i];
        }

        for (i = 0; i < ntypes; i++) {
            *p++ = (unsigned char) ((uint32_t) off[i] >> 24);
            *p++ = (unsigned char) ((uint32_t) off[i] >> 16);
            *p++ = (unsigned char) ((uint32_t) off[i] >> 8);
            *p++ = (unsigned char) off[i];
            *p++ = 0;
            *p++ = 0;
        }

        memcpy(p, "ABC", 4);
        p += 4;
    }

    p += sprintf((char *) p, "\n%s\n", footer);

    return p - buf;
}


static void
expect_bad_tzif(const unsigned char *data, size_t len, const char *part)
{
    char  err[NGX_LIVE_HELP_HOURS_ERRLEN];

    err[0] = '\0';

    if (ngx_live_help_tz_parse(&zone_a, data, len, err, sizeof(err)) == 0) {
        fail_msg("a bad TZif file was accepted (expected \"%s\")", part);
    }

    if (strstr(err, part) == NULL) {
        fail_msg("error \"%s\" does not say \"%s\"", err, part);
    }
}


static void
bad_zone_files_are_refused_with_a_reason(void **state)
{
    char            part[64];
    size_t          i, n, len;
    unsigned char   buf[512];
    unsigned char  *copy;

    static const int64_t  at[] = { 100, 50 };
    static const uint8_t  idx[] = { 1, 0 };
    static const uint8_t  bad_idx[] = { 2 };
    static const int32_t  off[] = { 7200, 10800 };
    static const int32_t  huge[] = { 30 * 3600 };

    static const char  *footers[] = {
        "EET-2EEST,M3.5.0/3", "EET-2EEST,M13.5.0,M10.5.0",
        "EET-2EEST,M3.6.0,M10.5.0", "EET-2EEST,M3.5.7,M10.5.0",
        "EET-2EEST,J0,J365", "EET-2EEST,366,J365", "EET-2EEST,M3.5.0/168,J5",
        "EET-25", "E-2", "<AB>-2", "<+0530-5:30", "EET", "EET-2EEST,",
        "EET-2EEST,M3.5.0,M10.5.0x", "EET-2:60"
    };

    (void) state;

    expect_bad_tzif((const unsigned char *) "", 0, "not a TZif file");
    expect_bad_tzif((const unsigned char *) "# tzdb zone.tab\n", 16,
                    "not a TZif file");

    n = make_tzif(buf, at, idx, 2, off, 2, "EET-2");
    expect_bad_tzif(buf, n, "out of order");

    n = make_tzif(buf, at, bad_idx, 1, off, 2, "EET-2");
    expect_bad_tzif(buf, n, "type index");

    n = make_tzif(buf, NULL, NULL, 0, huge, 1, "");
    expect_bad_tzif(buf, n, "bad local time type");

    for (i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
        n = make_tzif(buf, NULL, NULL, 0, off, 1, footers[i]);
        snprintf(part, sizeof(part), "bad TZ string \"%s\"", footers[i]);
        expect_bad_tzif(buf, n, part);
    }

    /* no footer at all */
    n = make_tzif(buf, NULL, NULL, 0, off, 1, "EET-2");
    expect_bad_tzif(buf, n - 7, "no TZ string");

    /* a count past the data: leapcnt, at bytes 28..31 of a header */
    n = make_tzif(buf, NULL, NULL, 0, off, 1, "EET-2");
    buf[44 + 10 + 31] = 1;
    expect_bad_tzif(buf, n, "truncated");

    len = read_zone_file("right/UTC", file_buf, sizeof(file_buf));
    if (len > 0) {
        expect_bad_tzif(file_buf, len, "leap seconds");
    }

    /* every cut of a real file is refused, none read past the end */
    len = read_zone_file("Europe/Helsinki", file_buf, sizeof(file_buf));
    assert_true(len > 0);

    for (i = 0; i < len; i++) {
        copy = malloc(i ? i : 1);
        assert_non_null(copy);
        memcpy(copy, file_buf, i);
        assert_int_equal(ngx_live_help_tz_parse(&zone_a, copy, i, NULL, 0),
                         -1);
        free(copy);
    }
}


static void
fixed_offsets_and_utc_need_no_file(void **state)
{
    size_t  i;
    char    err[NGX_LIVE_HELP_HOURS_ERRLEN];

    static const struct {
        const char  *name;
        int          rc;
        int32_t      off;
    } cases[] = {
        { "UTC", 1, 0 },
        { "utc", 1, 0 },
        { "UTC+2", 1, 7200 },
        { "UTC+02", 1, 7200 },
        { "UTC-05:30", 1, -19800 },
        { "+02:00", 1, 7200 },
        { "-0330", 1, -12600 },
        { "+5", 1, 18000 },
        { "+18:00", 1, 64800 },
        { "UTC+18:01", -1, 0 },
        { "UTC+19", -1, 0 },
        { "+2:3", -1, 0 },
        { "UTC+", -1, 0 },
        { "+02:00x", -1, 0 },
        { "Europe/Helsinki", 0, 0 },
        { "UTCx", 0, 0 },
        { "Etc/GMT+2", 0, 0 },
    };

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char  *name = cases[i].name;
        int          rc;

        rc = ngx_live_help_tz_fixed(&zone_a, (const unsigned char *) name,
                                    strlen(name), err, sizeof(err));

        if (rc != cases[i].rc) {
            fail_msg("%s: %d, expected %d", name, rc, cases[i].rc);
        }

        if (rc == 1) {
            assert_int_equal(ngx_live_help_tz_offset(&zone_a, 0),
                             cases[i].off);
            assert_int_equal(ngx_live_help_tz_offset(&zone_a, Y2060),
                             cases[i].off);
            assert_true(ngx_live_help_tz_next(&zone_a, 0) == INT64_MAX);
        }

        if (rc == -1) {
            assert_non_null(strstr(err, name));
        }
    }
}


static void
zone_names_stay_below_zoneinfo(void **state)
{
    size_t  i;

    static const char  *good[] = {
        "Europe/Helsinki", "America/Argentina/Buenos_Aires", "Etc/GMT+2",
        "UTC", "America/Port-au-Prince", "a.b"
    };

    static const char  *bad[] = {
        "", "/etc/passwd", "../etc/passwd", "Europe/../../etc", "a//b",
        "a/./b", "Europe/", ".", "..", "a b", "a\\b", "Europe/Hel\nsinki"
    };

    (void) state;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(ngx_live_help_tz_name_valid(
                        (const unsigned char *) good[i], strlen(good[i])));
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (ngx_live_help_tz_name_valid((const unsigned char *) bad[i],
                                        strlen(bad[i])))
        {
            fail_msg("\"%s\" was taken as a zone name", bad[i]);
        }
    }
}


/* offsets the second before and at a change, and the change found */

static void
expect_change(const ngx_live_help_tz_t *tz, int64_t at, int32_t before,
    int32_t after)
{
    assert_int_equal(ngx_live_help_tz_offset(tz, at - 1), before);
    assert_int_equal(ngx_live_help_tz_offset(tz, at), after);
    assert_true(ngx_live_help_tz_next(tz, at - DAY) == at);
    assert_true(ngx_live_help_tz_next(tz, at - 1) == at);
    assert_true(ngx_live_help_tz_next(tz, at) > at + 100 * DAY);
}


static void
schedule_in(ngx_live_help_hours_t *h, const char *s,
    const ngx_live_help_tz_t *tz)
{
    parse_ok(s, h);
    h->tz = tz;
}


/* 2026's changes */
#define HEL_SPRING  1774746000LL    /* 03-29 01:00Z, 03:00 EET to 04:00 */
#define HEL_AUTUMN  1792890000LL    /* 10-25 01:00Z, 04:00 EEST to 03:00 */
#define NY_SPRING   1772953200LL    /* 03-08 07:00Z, 02:00 EST to 03:00 */
#define NY_FALL     1793512800LL    /* 11-01 06:00Z, 02:00 EDT to 01:00 */
#define SYD_END     1775318400LL    /* 04-04 16:00Z, 03:00 AEDT to 02:00 */
#define SYD_START   1791043200LL    /* 10-03 16:00Z, 02:00 AEST to 03:00 */

/* 2040's, past the files' last transitions: only the footers know them */
#define HEL_SPRING_2040  2216250000LL
#define NY_SPRING_2040   2215062000LL


static void
offsets_change_at_the_second_in_2026_and_2040(void **state)
{
    size_t  i;

    static const struct {
        const char  *zone;
        int64_t      first;       /* off1 becomes off2 */
        int64_t      second;      /* and back */
        int32_t      off1;
        int32_t      off2;
    } years[] = {
        { "Europe/Helsinki", HEL_SPRING, HEL_AUTUMN, 2 * HOUR, 3 * HOUR },
        { "America/New_York", NY_SPRING, NY_FALL, -5 * HOUR, -4 * HOUR },
        { "Australia/Sydney", SYD_END, SYD_START, 11 * HOUR, 10 * HOUR },
        { "Europe/Helsinki", HEL_SPRING_2040, 2234998800LL, 2 * HOUR,
          3 * HOUR },
        { "America/New_York", NY_SPRING_2040, 2235621600LL, -5 * HOUR,
          -4 * HOUR },
        { "Australia/Sydney", 2216822400LL, 2233152000LL, 11 * HOUR,
          10 * HOUR },
    };

    (void) state;

    for (i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
        load_zone(years[i].zone, &zone_a);

        expect_change(&zone_a, years[i].first, years[i].off1, years[i].off2);
        expect_change(&zone_a, years[i].second, years[i].off2,
                      years[i].off1);

        if (years[i].first > 2208988800LL) {
            assert_true(zone_a.has_posix
                        && zone_a.posix_from < years[i].first);
        }
    }

    /* in January, summer in Sydney: AEDT */
    load_zone("Australia/Sydney", &zone_a);
    assert_int_equal(ngx_live_help_tz_offset(&zone_a, 1768000000),
                     11 * HOUR);
}


/*
 * Around each change: open or not, and the next change.  A time the clock
 * skips takes effect at the jump; a time it shows twice, the first time.
 */

static void
clock_changes_move_the_hours(void **state)
{
    size_t                 i;
    const char            *zone;
    ngx_live_help_hours_t  h;

    static const struct {
        const char  *zone;
        const char  *schedule;
        int64_t      at;
        int          open;
        int64_t      next;
    } moments[] = {

        /* Friday 03-27 17:00 EET is 15:00Z, Monday 09:00 EEST 06:00Z */
        { "Europe/Helsinki", "Mon-Fri 09:00-17:00", 1774623600 - 1, 1,
          1774623600 },
        { "Europe/Helsinki", "Mon-Fri 09:00-17:00", 1774623600, 0,
          1774850400 },
        { "Europe/Helsinki", "Mon-Fri 09:00-17:00", HEL_SPRING, 0,
          1774850400 },
        { "Europe/Helsinki", "Mon-Fri 09:00-17:00", 1774850400, 1,
          1774850400 + 8 * HOUR },

        /* Monday 10-26 09:00 EET is 07:00Z */
        { "Europe/Helsinki", "Mon-Fri 09:00-17:00", HEL_AUTUMN - 1, 0,
          HEL_AUTUMN + DAY + 6 * HOUR },
        { "Europe/Helsinki", "Mon-Fri 09:00-17:00", HEL_AUTUMN, 0,
          HEL_AUTUMN + DAY + 6 * HOUR },

        /* 03:30 is skipped on 03-29: open at the jump; twice on 10-25 */
        { "Europe/Helsinki", "Sun 03:30-05:00", HEL_SPRING - 1, 0,
          HEL_SPRING },
        { "Europe/Helsinki", "Sun 03:30-05:00", HEL_SPRING, 1,
          HEL_SPRING + HOUR },
        { "Europe/Helsinki", "Sun 03:30-05:00", HEL_AUTUMN - 1801, 0,
          HEL_AUTUMN - 1800 },
        { "Europe/Helsinki", "Sun 03:30-05:00", HEL_AUTUMN - 1800, 1,
          HEL_AUTUMN + 2 * HOUR },
        { "Europe/Helsinki", "Sun 03:30-05:00", HEL_AUTUMN + 900, 1,
          HEL_AUTUMN + 2 * HOUR },

        /* closing at 03:30 on 10-25: the first; the second opens nothing */
        { "Europe/Helsinki", "Sun 00:00-03:30", HEL_AUTUMN - 1801, 1,
          HEL_AUTUMN - 1800 },
        { "Europe/Helsinki", "Sun 00:00-03:30", HEL_AUTUMN + 900, 0,
          HEL_AUTUMN + 7 * DAY - 3 * HOUR },

        /* wholly in the skipped hour: not open that day */
        { "Europe/Helsinki", "Sun 03:10-03:50", HEL_SPRING - 1, 0,
          HEL_SPRING - 3000 + 7 * DAY },

        { "America/New_York", "Sun 02:30-04:00", NY_SPRING - 1, 0,
          NY_SPRING },
        { "America/New_York", "Sun 02:30-04:00", NY_SPRING, 1,
          NY_SPRING + HOUR },

        /* 01:30 twice on 11-01 */
        { "America/New_York", "Sun 00:00-01:30", NY_FALL - 2 * HOUR, 1,
          NY_FALL - 1800 },
        { "America/New_York", "Sun 00:00-01:30", NY_FALL - 1800, 0,
          NY_FALL + 7 * DAY - HOUR },
        { "America/New_York", "Sun 00:00-01:30", NY_FALL + 900, 0,
          NY_FALL + 7 * DAY - HOUR },
        { "America/New_York", "Sun 01:30-03:00", NY_FALL - 1800, 1,
          NY_FALL + 2 * HOUR },
        { "America/New_York", "Sun 01:30-03:00", NY_FALL + 900, 1,
          NY_FALL + 2 * HOUR },
        { "America/New_York", "Sun 01:30-03:00", NY_FALL + 2 * HOUR, 0,
          NY_FALL + 7 * DAY + 1800 },

        { "America/New_York", "Sun 02:30-04:00", NY_SPRING_2040 - 1, 0,
          NY_SPRING_2040 },
        { "America/New_York", "Sun 02:30-04:00", NY_SPRING_2040, 1,
          NY_SPRING_2040 + HOUR },

        /* Saturday 04-04 16:00Z; Monday 04-06 09:00 AEST is 04-05 23:00Z */
        { "Australia/Sydney", "Mon-Fri 09:00-17:00", SYD_END, 0,
          SYD_END + 31 * HOUR },
        { "Australia/Sydney", "Mon-Fri 09:00-17:00", SYD_END + 31 * HOUR, 1,
          SYD_END + 39 * HOUR },
    };

    (void) state;

    zone = "";

    for (i = 0; i < sizeof(moments) / sizeof(moments[0]); i++) {
        if (strcmp(zone, moments[i].zone) != 0) {
            zone = moments[i].zone;
            load_zone(zone, &zone_a);
        }

        schedule_in(&h, moments[i].schedule, &zone_a);
        expect_state(&h, moments[i].at, moments[i].open, moments[i].next);
    }
}


static void
half_hour_and_no_dst_zones(void **state)
{
    ngx_live_help_hours_t  h;

    /* Monday 2026-11-30 00:00Z */
    static const int64_t  monday = 1795996800;

    (void) state;

    load_zone("Asia/Kolkata", &zone_a);

    assert_int_equal(ngx_live_help_tz_offset(&zone_a, monday), 19800);
    assert_int_equal(ngx_live_help_tz_offset(&zone_a, Y2060 + 123), 19800);
    assert_true(ngx_live_help_tz_next(&zone_a, Y2000) == INT64_MAX);

    schedule_in(&h, "Mon 09:00-17:00", &zone_a);

    expect_state(&h, monday, 0, monday + 3 * HOUR + 30 * 60);
    expect_state(&h, monday + 3 * HOUR + 30 * 60, 1,
                 monday + 11 * HOUR + 30 * 60);
    expect_state(&h, monday + 11 * HOUR + 30 * 60, 0,
                 monday + 7 * DAY + 3 * HOUR + 30 * 60);

    load_zone("Asia/Tokyo", &zone_a);

    assert_int_equal(ngx_live_help_tz_offset(&zone_a, monday), 9 * HOUR);
    assert_true(ngx_live_help_tz_next(&zone_a, Y2000) == INT64_MAX);

    schedule_in(&h, "Mon-Fri 09:00-17:00", &zone_a);

    expect_state(&h, monday - 1, 0, monday);
    expect_state(&h, monday, 1, monday + 8 * HOUR);

    /* Friday 17:00 JST to Monday 09:00 JST */
    expect_state(&h, monday + 4 * DAY + 8 * HOUR, 0, monday + 7 * DAY);

    /* the same in UTC, and two hours east of it */
    assert_int_equal(ngx_live_help_tz_fixed(&zone_a,
                         (const unsigned char *) "UTC", 3, NULL, 0), 1);
    expect_state(&h, monday, 0, monday + 9 * HOUR);

    assert_int_equal(ngx_live_help_tz_fixed(&zone_a,
                         (const unsigned char *) "+02:00", 6, NULL, 0), 1);
    expect_state(&h, monday, 0, monday + 7 * HOUR);
    expect_state(&h, monday + 7 * HOUR, 1, monday + 15 * HOUR);
}


static void
always_and_never_do_not_change(void **state)
{
    ngx_live_help_hours_t  h;

    (void) state;

    load_zone("Europe/Helsinki", &zone_a);

    schedule_in(&h, "always", &zone_a);
    expect_state(&h, 1774746000, 1, 0);
    expect_state(&h, Y2000, 1, 0);

    schedule_in(&h, "never", &zone_a);
    expect_state(&h, 1774746000, 0, 0);

    /* open all week but Sunday: a change within the horizon */
    schedule_in(&h, "Mon-Sat 00:00-24:00", &zone_a);
    expect_state(&h, 1774746000, 0, 1774746000 + 20 * HOUR);
}


static void
expect_same_offsets(const ngx_live_help_tz_t *a, const ngx_live_help_tz_t *b,
    int64_t from, int64_t to)
{
    int      i;
    int64_t  t;

    for (i = 0; i < 20000; i++) {
        t = rng_between(from, to);

        if (ngx_live_help_tz_offset(a, t) != ngx_live_help_tz_offset(b, t)) {
            fail_msg("at %lld: %d and %d", (long long) t,
                     ngx_live_help_tz_offset(a, t),
                     ngx_live_help_tz_offset(b, t));
        }
    }

    for (t = from; t < to; t = ngx_live_help_tz_next(a, t)) {
        assert_true(ngx_live_help_tz_next(b, t) == ngx_live_help_tz_next(a, t));
    }
}


static void
load_slim(ngx_live_help_tz_t *tz, int32_t off, const char *footer)
{
    size_t         n;
    unsigned char  buf[512];

    n = make_tzif(buf, NULL, NULL, 0, &off, 1, footer);

    if (ngx_live_help_tz_parse(tz, buf, n, NULL, 0) != 0) {
        fail_msg("footer \"%s\" refused", footer);
    }
}


/* slim files: no transitions, the footer says everything */

static void
slim_files_equal_fat_ones(void **state)
{
    size_t  i;

    static const struct {
        const char  *zone;
        int32_t      off;
        const char  *footer;
        int64_t      since;       /* the rule's first year */
    } slim[] = {
        { "Europe/Helsinki", 2 * HOUR, "EET-2EEST,M3.5.0/3,M10.5.0/4",
          852076800 },
        { "America/New_York", -5 * HOUR, "EST5EDT,M3.2.0,M11.1.0",
          1199145600 },
        /* without rules, tzcode's default is the United States' */
        { "America/New_York", -5 * HOUR, "EST5EDT", 1199145600 },
        { "Australia/Sydney", 10 * HOUR, "AEST-10AEDT,M10.1.0,M4.1.0/3",
          1230768000 },
    };

    static const unsigned char  v1[] =
        "TZif\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
        "\0\0\0\0" "\0\0\0\0" "\0\0\0\0" "\0\0\0\0" "\0\0\0\1" "\0\0\0\4"
        "\0\0\x7e\x90\0\0" "JST";

    (void) state;

    for (i = 0; i < sizeof(slim) / sizeof(slim[0]); i++) {
        load_slim(&zone_b, slim[i].off, slim[i].footer);
        load_zone(slim[i].zone, &zone_a);
        expect_same_offsets(&zone_a, &zone_b, slim[i].since, 4102444800LL);
    }

    /* daylight saving time all year, as RFC 8536 writes it */
    load_slim(&zone_b, -4 * HOUR, "EST5EDT4,0/0,J365/25");
    assert_int_equal(ngx_live_help_tz_offset(&zone_b, 1767225600),
                     -4 * HOUR);
    assert_int_equal(ngx_live_help_tz_offset(&zone_b, 1767225600 - 1),
                     -4 * HOUR);
    assert_int_equal(ngx_live_help_tz_offset(&zone_b, 1783000000),
                     -4 * HOUR);

    /* "<+0530>-5:30" names, and a version 1 file, 32-bit, no footer */
    load_slim(&zone_b, 19800, "<+0530>-5:30");
    assert_int_equal(ngx_live_help_tz_offset(&zone_b, Y2060), 19800);

    assert_int_equal(ngx_live_help_tz_parse(&zone_b, v1, sizeof(v1), NULL,
                                            0), 0);
    assert_int_equal(ngx_live_help_tz_offset(&zone_b, Y2060), 9 * HOUR);
}


static void
offsets_match_localtime_r(void **state)
{
    long            zones;
    char            name[1024], dir[512], path[2048];
    DIR            *d;
    size_t          i, n, depth, checked;
    struct stat     st;
    struct dirent  *de;
    char            stack[16][512];

    static const char  *named[] = {
        "Europe/Helsinki", "America/New_York", "Australia/Sydney",
        "Asia/Kolkata", "Asia/Tokyo", "UTC", "Australia/Lord_Howe",
        "Europe/Dublin", "America/Santiago", "Africa/Casablanca",
        "Asia/Gaza", "Pacific/Chatham", "America/St_Johns", "Asia/Tehran",
        "Pacific/Apia", "Antarctica/Troll", "Europe/London",
        "America/Sao_Paulo", "Asia/Kathmandu", "Pacific/Kiritimati"
    };

    (void) state;

    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        oracle_add(named[i], 5000);
    }

    checked = oracle_check();

    print_message("oracle: %zu instants in %zu named zones agree with "
                  "localtime_r\n", checked, i);

    /* then every zone of the system, fewer instants each */
    zones = 0;
    depth = 0;
    strcpy(stack[depth++], "");

    while (depth > 0) {
        strcpy(dir, stack[--depth]);
        snprintf(path, sizeof(path), ZONEINFO "%s", dir);

        d = opendir(path);
        if (d == NULL) {
            continue;
        }

        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.' || strcmp(de->d_name, "posix") == 0
                || strcmp(de->d_name, "right") == 0
                || strcmp(de->d_name, "localtime") == 0)
            {
                continue;
            }

            snprintf(name, sizeof(name), "%s%s%s", dir, dir[0] ? "/" : "",
                     de->d_name);
            snprintf(path, sizeof(path), ZONEINFO "%s", name);

            if (stat(path, &st) != 0) {
                continue;
            }

            if (S_ISDIR(st.st_mode)) {
                if (depth < 16 && strlen(name) < sizeof(stack[0])) {
                    strcpy(stack[depth++], name);
                }

                continue;
            }

            n = read_zone_file(name, file_buf, 4);
            if (n < 4 || memcmp(file_buf, "TZif", 4) != 0) {
                continue;
            }

            oracle_add(name, 300);
            zones++;
        }

        closedir(d);
    }

    n = oracle_check();

    print_message("oracle: %zu instants over all %ld zone files agree "
                  "with localtime_r\n", n, zones);

    assert_true(zones > 300);

    free(oracle_t);
    free(oracle_off);
    oracle_t = NULL;
    oracle_off = NULL;
    oracle_cap = 0;
}


/* the local clock at t against the spans, as a shop sign would */

static int
naive_open(const ngx_live_help_hours_t *h, int64_t t)
{
    int64_t   wall, day, minute;
    unsigned  i;

    wall = t + ngx_live_help_tz_offset(h->tz, t);
    day = wall >= 0 ? wall / DAY : -((-wall + DAY - 1) / DAY);
    minute = ((day % 7 + 7 + 3) % 7) * 1440 + (wall - day * DAY) / 60;

    for (i = 0; i < h->nspans; i++) {
        if (minute >= h->span[i].from && minute < h->span[i].to) {
            return 1;
        }
    }

    return 0;
}


static void
open_and_next_change_agree_with_the_clock(void **state)
{
    int                    open, k;
    long                   checked, skipped;
    size_t                 z, s, i;
    int64_t                t, next, u;
    ngx_live_help_hours_t  h;

    static const char  *zones[] = {
        "Europe/Helsinki", "America/New_York", "Australia/Sydney",
        "Australia/Lord_Howe", "Asia/Kolkata", "Europe/Dublin",
        "America/Santiago", "Africa/Casablanca", "Asia/Tokyo", "UTC"
    };

    static const char  *schedules[] = {
        "Mon-Fri 09:00-17:00",
        "Mon-Fri 09:00-12:00 13:00-17:00, Sat 10:00-14:00",
        "Fri 22:00-02:00",
        "Sat-Mon 01:30-03:30",
        "Sun 02:00-03:00, Sun 03:15-03:20",
        "daily 02:30-02:45",
        "Sun 23:00-01:00, Wed 00:00-24:00"
    };

    (void) state;

    checked = 0;
    skipped = 0;

    for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        load_zone(zones[z], &zone_a);

        for (s = 0; s < sizeof(schedules) / sizeof(schedules[0]); s++) {
            parse_ok(schedules[s], &h);
            h.tz = &zone_a;

            for (i = 0; i < 400; i++) {
                t = rng_between(Y2000, Y2060);

                /* on the way into a state change as well as anywhere */
                if (i % 2) {
                    open_at(&h, t, &next);
                    if (next) {
                        t = next - 1 - (int64_t) (rng() % 3);
                    }
                }

                open = open_at(&h, t, &next);

                if (ngx_live_help_tz_offset(&zone_a, t - 4 * HOUR)
                    > ngx_live_help_tz_offset(&zone_a, t))
                {
                    /* the clock went back lately: a time seen twice */
                    skipped++;

                } else if (open != naive_open(&h, t)) {
                    fail_msg("%s \"%s\" at %lld: %d, the clock says %d",
                             zones[z], schedules[s], (long long) t, open,
                             naive_open(&h, t));
                }

                if (next) {
                    assert_int_equal(open_at(&h, next - 1, NULL), open);
                    assert_int_equal(open_at(&h, next, NULL), !open);
                }

                /* and nothing changes before next */
                u = (next ? next : t + NGX_LIVE_HELP_HOURS_HORIZON) - t - 1;

                for (k = 0; u > 0 && k < 8; k++) {
                    assert_int_equal(open_at(&h, t + 1 + (int64_t) (rng()
                                                 % (uint64_t) u), NULL),
                                     open);
                }

                checked++;
            }
        }
    }

    print_message("hours: %ld instants agree with the local clock "
                  "(%ld just after a clock went back, checked for "
                  "next_change only)\n", checked, skipped);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(schedules_parse_into_sorted_merged_spans),
        cmocka_unit_test(day_ranges_wrap_around_the_week),
        cmocka_unit_test(hours_past_midnight_go_on_into_the_next_day),
        cmocka_unit_test(bad_schedules_say_what_and_why),
        cmocka_unit_test(bad_zone_files_are_refused_with_a_reason),
        cmocka_unit_test(fixed_offsets_and_utc_need_no_file),
        cmocka_unit_test(zone_names_stay_below_zoneinfo),
        cmocka_unit_test(offsets_change_at_the_second_in_2026_and_2040),
        cmocka_unit_test(clock_changes_move_the_hours),
        cmocka_unit_test(half_hour_and_no_dst_zones),
        cmocka_unit_test(always_and_never_do_not_change),
        cmocka_unit_test(slim_files_equal_fat_ones),
        cmocka_unit_test(offsets_match_localtime_r),
        cmocka_unit_test(open_and_next_change_agree_with_the_clock),
    };

    return cmocka_run_group_tests_name("hours", tests, NULL, NULL);
}
