
/*
 * Business hours: a weekly schedule in a time zone, and whether it is open
 * at a given instant.  Pure code: schedules and zone files come in as
 * bytes, nothing here reads files or touches the process's TZ.
 */


#ifndef _NGX_LIVE_HELP_HOURS_H_INCLUDED_
#define _NGX_LIVE_HELP_HOURS_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_LIVE_HELP_HOURS_WEEK     (7 * 1440)      /* minutes */
#define NGX_LIVE_HELP_HOURS_SPANS    64
#define NGX_LIVE_HELP_HOURS_HORIZON  (8 * 86400)     /* seconds */

/* enough for every zone of tzdata (the most has 310 transitions) */
#define NGX_LIVE_HELP_TZ_TIMES       1200

/* UTC offsets are below this in magnitude, in seconds */
#define NGX_LIVE_HELP_TZ_OFF_MAX     (26 * 3600)

/* a buffer of this size holds any error message of the parsers */
#define NGX_LIVE_HELP_HOURS_ERRLEN   160


/*
 * A rule of a POSIX TZ string: the day is "Jn" (kind 'J', 1..365, no
 * February 29), "n" (kind 'D', 0..365) or "Mm.w.d" (kind 'M'); time is
 * local seconds after that day's midnight, possibly negative or past 24h.
 */
typedef struct {
    int32_t                    time;
    uint16_t                   day;
    uint8_t                    kind;
    uint8_t                    month;
    uint8_t                    week;
    uint8_t                    wday;
} ngx_live_help_tz_rule_t;


/* offsets in seconds east of UTC */
typedef struct {
    int32_t                    std_off;
    int32_t                    dst_off;
    unsigned                   dst;       /* has daylight saving time */
    ngx_live_help_tz_rule_t    start;     /* to daylight saving time */
    ngx_live_help_tz_rule_t    end;
} ngx_live_help_tz_posix_t;


/*
 * A time zone: the UTC offset changes to off[i] at at[i] (only the changes
 * of offset are kept), and from posix_from on the POSIX rule, when there
 * is one, gives the offset.
 */
typedef struct {
    uint32_t                   n;
    int32_t                    initial;   /* before the first change */
    unsigned                   has_posix;
    int64_t                    posix_from;
    ngx_live_help_tz_posix_t   posix;
    int64_t                    at[NGX_LIVE_HELP_TZ_TIMES];
    int32_t                    off[NGX_LIVE_HELP_TZ_TIMES];
} ngx_live_help_tz_t;


/* minutes of the local week, Monday 00:00 being 0; from < to */
typedef struct {
    uint16_t                   from;
    uint16_t                   to;
} ngx_live_help_hours_span_t;


/* the spans are sorted, and neither overlap nor touch; tz NULL is UTC */
typedef struct {
    ngx_live_help_hours_span_t   span[NGX_LIVE_HELP_HOURS_SPANS];
    unsigned                     nspans;
    const ngx_live_help_tz_t    *tz;
} ngx_live_help_hours_t;


/*
 * The parsers return 0, or -1 with a message in err (at most err_size
 * bytes, NUL-terminated) that quotes the bad part.
 */

/*
 * "Mon-Fri 09:00-12:00 13:00-17:00, Sat 10:00-14:00", "always", "never".
 * Sets h->span and h->nspans; h->tz is the caller's.
 */
int ngx_live_help_hours_parse(ngx_live_help_hours_t *h,
    const unsigned char *s, size_t len, char *err, size_t err_size);

/* the bytes of a TZif file (RFC 8536, versions 1 to 4) */
int ngx_live_help_tz_parse(ngx_live_help_tz_t *tz,
    const unsigned char *data, size_t len, char *err, size_t err_size);

/*
 * "UTC", "UTC+2", "UTC-05:30", "+02:00", "-0330": a fixed offset, in the
 * ISO 8601 sense (east of UTC is +).  Returns 1 when name is one, 0 when it
 * is not of that form (a zone file name, then), -1 when it is out of range.
 */
int ngx_live_help_tz_fixed(ngx_live_help_tz_t *tz,
    const unsigned char *name, size_t len, char *err, size_t err_size);

/* "Area/City": relative, no "." or ".." parts, [A-Za-z0-9_+-.] */
int ngx_live_help_tz_name_valid(const unsigned char *name, size_t len);

/* the UTC offset at the instant t (seconds since the epoch, UTC) */
int32_t ngx_live_help_tz_offset(const ngx_live_help_tz_t *tz, int64_t t);

/* the first instant after t at which the offset may change, or INT64_MAX */
int64_t ngx_live_help_tz_next(const ngx_live_help_tz_t *tz, int64_t t);

/*
 * Returns 1 when open at now_utc, 0 when closed, and in *next_change_utc
 * the instant this changes next, or 0 when it does not change within
 * NGX_LIVE_HELP_HOURS_HORIZON.
 *
 * The schedule is read on the local clock: a boundary at local time L
 * takes effect at the first instant the clock shows L or later.  When the
 * clock jumps forward over L (02:30 on a spring-forward night), that is
 * the instant of the jump; when it goes back and shows L twice, the first
 * time counts and the second changes nothing.  A span that lies wholly in
 * a skipped hour is not open at all.
 */
int ngx_live_help_hours_open(const ngx_live_help_hours_t *h, int64_t now_utc,
    int64_t *next_change_utc);


#endif /* _NGX_LIVE_HELP_HOURS_H_INCLUDED_ */
