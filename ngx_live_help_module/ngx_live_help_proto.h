
/*
 * Decoding and checking what a client sends (docs/PROTOCOL.md).  Pure
 * code over jansson: no nginx, so unit tests and a fuzzer drive it.
 */


#ifndef _NGX_LIVE_HELP_PROTO_H_INCLUDED_
#define _NGX_LIVE_HELP_PROTO_H_INCLUDED_


#include <stddef.h>

#include <jansson.h>


#define NGX_LIVE_HELP_TEXT_MAX       4000

#define NGX_LIVE_HELP_MSG_BAD        0   /* see code and text */
#define NGX_LIVE_HELP_MSG_PING       1
#define NGX_LIVE_HELP_MSG_HELLO      2
#define NGX_LIVE_HELP_MSG_MESSAGE    3
#define NGX_LIVE_HELP_MSG_TYPING     4
#define NGX_LIVE_HELP_MSG_HISTORY    5
#define NGX_LIVE_HELP_MSG_LIST       6
#define NGX_LIVE_HELP_MSG_CLOSE      7   /* both */
#define NGX_LIVE_HELP_MSG_CLAIM      8   /* agents from here on */
#define NGX_LIVE_HELP_MSG_TRANSFER   9
#define NGX_LIVE_HELP_MSG_AWAY       10
#define NGX_LIVE_HELP_MSG_AGENTS     11
#define NGX_LIVE_HELP_MSG_PAGE       12  /* visitors */
#define NGX_LIVE_HELP_MSG_PROFILE    13  /* visitors */
#define NGX_LIVE_HELP_MSG_VISITORS   14  /* agents */
#define NGX_LIVE_HELP_MSG_VISITOR    15  /* agents */
#define NGX_LIVE_HELP_MSG_SERVE      16  /* agents */
/* marks (ngx_http_live_help_marks.c) */
#define NGX_LIVE_HELP_MSG_READ       40  /* both */
#define NGX_LIVE_HELP_MSG_RATE       41  /* visitors */
#define NGX_LIVE_HELP_MSG_TAG        42  /* agents */

/* a rating's comment, in characters */
#define NGX_LIVE_HELP_COMMENT_MAX    1000
#define NGX_LIVE_HELP_MSG_INVITE     17  /* agents */
#define NGX_LIVE_HELP_MSG_HANDOFF    18  /* visitors */
/* FAQ answers (ngx_live_help_faq.c) */
#define NGX_LIVE_HELP_MSG_FAQ        50  /* visitors: a search */
#define NGX_LIVE_HELP_MSG_FAQ_SHOWN  51  /* visitors: an answer chosen */

/* an agent's invitation, a hand-off's note */
#define NGX_LIVE_HELP_INVITE_TEXT_MAX   500
#define NGX_LIVE_HELP_HANDOFF_TEXT_MAX  1000

/* departments one agent may serve at once */
#define NGX_LIVE_HELP_SERVE_MAX      32
/* the furthest page of a list of conversations */
#define NGX_LIVE_HELP_OFFSET_MAX     1000000

/* longer page fields are cut (at a character's start) */
#define NGX_LIVE_HELP_URL_MAX        2048
#define NGX_LIVE_HELP_TITLE_MAX      256
#define NGX_LIVE_HELP_UA_MAX         512
#define NGX_LIVE_HELP_NAME_MAX       64
#define NGX_LIVE_HELP_EMAIL_MAX      254
#define NGX_LIVE_HELP_BROWSER_MAX    64


typedef struct {
    int           type;

    /* NGX_LIVE_HELP_MSG_BAD: the error event's code and text */
    const char   *code;
    const char   *text_error;

    json_t       *id;            /* the request's id, echoed; borrowed */

    const char   *token;         /* hello; NULL if none */
    const char   *after;         /* hello, history; NULL if none */
    const char   *cid;           /* message, invite, handoff */
    const char   *text;          /* message, invite, handoff (may be
                                    NULL); faq: the query */
    size_t        text_len;
    const char   *conversation;  /* agents' message, typing, history,
                                    close, claim, transfer */
    const char   *department;    /* visitor's message, transfer */
    const char   *agent;         /* transfer */
    int           on;            /* typing, away */
    int           offline;       /* visitor's message: left while nobody
                                    could answer */

    /* page: cut to their limits; NULL (0) when absent */
    const char   *url;
    size_t        url_len;
    const char   *title;
    size_t        title_len;
    const char   *referrer;
    size_t        referrer_len;
    const char   *ua;
    size_t        ua_len;

    /* profile, handoff: checked */
    const char   *name;
    size_t        name_len;
    const char   *email;
    size_t        email_len;

    const char   *visitor;       /* agents' visitor, invite */
    const char   *via;           /* handoff: "email" or "booking" */
    const char   *faq;           /* faq_shown: the entry's id */

    /* conversations: one list's page (mine, queue, open, closed) from
     * offset on; NULL: the first page of every list */
    const char   *list;
    size_t        offset;

    /* marks: read's seq ("<ms>-<n>"); rate's good (on), comment (text)
     * and conversation number (0: the current); tag's tag ("" none) */
    const char   *seq;
    const char   *tag;
    long          n;

    /* serve: department ids, checked as ids; NULL-terminated */
    const char   *serve[NGX_LIVE_HELP_SERVE_MAX + 1];

    json_t       *root;          /* owns all of the above */
} ngx_live_help_proto_msg_t;


/*
 * Decodes one message of a visitor (agent == 0) or an agent.  Returns the
 * type; for NGX_LIVE_HELP_MSG_BAD, code and text_error say why.  Always
 * call ngx_live_help_proto_free() after.
 */
int ngx_live_help_proto_decode(const char *data, size_t len, int agent,
    ngx_live_help_proto_msg_t *m);

void ngx_live_help_proto_free(ngx_live_help_proto_msg_t *m);

/*
 * A browser's User-Agent in words, e.g. "Chrome 120 on Windows", into out
 * (size bytes at least NGX_LIVE_HELP_BROWSER_MAX); returns its length, 0
 * if nothing is known.
 */
size_t ngx_live_help_proto_browser(const char *ua, size_t len, char *out,
    size_t size);


#endif /* _NGX_LIVE_HELP_PROTO_H_INCLUDED_ */
