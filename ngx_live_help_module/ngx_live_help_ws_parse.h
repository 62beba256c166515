
/*
 * RFC 6455 framing, server side: an incremental frame parser that takes
 * whatever bytes a read returned, and a UTF-8 validator that can stop at
 * the first bad byte.  Pure code: no nginx event code, so unit tests and
 * fuzzers drive it with plain bytes.
 */


#ifndef _NGX_LIVE_HELP_WS_PARSE_H_INCLUDED_
#define _NGX_LIVE_HELP_WS_PARSE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define NGX_LIVE_HELP_WS_CONT         0x0
#define NGX_LIVE_HELP_WS_TEXT         0x1
#define NGX_LIVE_HELP_WS_BINARY       0x2
#define NGX_LIVE_HELP_WS_CLOSE        0x8
#define NGX_LIVE_HELP_WS_PING         0x9
#define NGX_LIVE_HELP_WS_PONG         0xa

#define NGX_LIVE_HELP_WS_NORMAL       1000
#define NGX_LIVE_HELP_WS_GOING_AWAY   1001
#define NGX_LIVE_HELP_WS_PROTOCOL     1002
#define NGX_LIVE_HELP_WS_UNSUPPORTED  1003
#define NGX_LIVE_HELP_WS_NO_STATUS    1005
#define NGX_LIVE_HELP_WS_BAD_DATA     1007
#define NGX_LIVE_HELP_WS_POLICY       1008
#define NGX_LIVE_HELP_WS_TOO_BIG      1009
#define NGX_LIVE_HELP_WS_INTERNAL     1011
/* ours: the agent's sign-in ended (new password, removed, expired) */
#define NGX_LIVE_HELP_WS_SIGNED_OUT   4001
/* ours: the agent socket's lifetime passed; connect again, through auth */
#define NGX_LIVE_HELP_WS_REAUTH       4002

#define NGX_LIVE_HELP_WS_MAX_CONTROL  125


/* what ngx_live_help_ws_parse() found */
#define NGX_LIVE_HELP_WS_AGAIN        0   /* all bytes used, need more */
#define NGX_LIVE_HELP_WS_DATA         1   /* a piece of a data message */
#define NGX_LIVE_HELP_WS_CONTROL      2   /* a whole control frame */
#define NGX_LIVE_HELP_WS_ERROR        3   /* close with ev->code */


typedef struct {
    unsigned       need;        /* continuation bytes still expected */
    unsigned char  lo, hi;      /* the range of the next one */
} ngx_live_help_utf8_t;


typedef struct {
    int             type;
    unsigned        opcode;     /* of the message, or the control frame */
    unsigned char  *data;       /* unmasked payload bytes */
    size_t          len;
    unsigned        last;       /* DATA: this piece ends the message */
    unsigned        code;       /* ERROR: close code to send; CLOSE: the
                                   peer's code, or 1005 when it sent none */
    const char     *reason;     /* ERROR: why, for the log */
} ngx_live_help_ws_event_t;


typedef struct {
    /* limits, set by the caller */
    uint64_t              max_message;

    /* the frame being read */
    unsigned              state;
    unsigned              fin;
    unsigned              opcode;
    unsigned              nbytes;   /* of the length or mask being read */
    uint64_t              length;
    uint64_t              left;
    unsigned char         mask[4];
    unsigned              mask_at;

    /* the data message being read, across fragments */
    unsigned              message;  /* its opcode, 0 between messages */
    uint64_t              message_len;
    ngx_live_help_utf8_t  utf8;

    /* a control frame is gathered whole: it may span reads */
    unsigned char         control[NGX_LIVE_HELP_WS_MAX_CONTROL];
    size_t                control_len;
} ngx_live_help_ws_parser_t;


void ngx_live_help_ws_parser_init(ngx_live_help_ws_parser_t *p,
    uint64_t max_message);

/*
 * Parses frames from buf (unmasking payload in place).  Returns one event
 * and sets *used to the bytes consumed; call again with the rest.  After
 * NGX_LIVE_HELP_WS_ERROR the connection must be closed with ev->code.
 */
int ngx_live_help_ws_parse(ngx_live_help_ws_parser_t *p, unsigned char *buf,
    size_t len, size_t *used, ngx_live_help_ws_event_t *ev);

/* writes a server frame header (FIN set, unmasked); returns 2, 4 or 10 */
size_t ngx_live_help_ws_frame_header(unsigned char *dst, unsigned opcode,
    uint64_t len);

void ngx_live_help_utf8_init(ngx_live_help_utf8_t *u);

/* returns the offset of the first invalid byte, or len when all is valid */
size_t ngx_live_help_utf8_feed(ngx_live_help_utf8_t *u,
    const unsigned char *p, size_t len);

/* valid so far and not in the middle of a character */
int ngx_live_help_utf8_complete(ngx_live_help_utf8_t *u);


#endif /* _NGX_LIVE_HELP_WS_PARSE_H_INCLUDED_ */
