
/*
 * Decoding and checking what a client sends.
 */


#include <stdio.h>
#include <string.h>

#include "ngx_live_help_proto.h"
#include "ngx_live_help_faq.h"
#include "ngx_live_help_token.h"


static int ngx_live_help_proto_bad(ngx_live_help_proto_msg_t *m,
    const char *code, const char *text);
static const char *ngx_live_help_proto_id(json_t *root, const char *key);
static int ngx_live_help_proto_change(ngx_live_help_proto_msg_t *m,
    int agent, int type);
static const char *ngx_live_help_proto_text(json_t *root, const char *key,
    size_t max, size_t *len);
static int ngx_live_help_proto_profile(ngx_live_help_proto_msg_t *m);
static int ngx_live_help_proto_email(ngx_live_help_proto_msg_t *m);
static int ngx_live_help_proto_invite(ngx_live_help_proto_msg_t *m,
    int agent);
static int ngx_live_help_proto_text_ok(const char *text, size_t len);
static int ngx_live_help_proto_serve(ngx_live_help_proto_msg_t *m);
static int ngx_live_help_proto_list(ngx_live_help_proto_msg_t *m);
static int ngx_live_help_proto_marks(ngx_live_help_proto_msg_t *m,
    const char *type, int agent);
static const char *ngx_live_help_proto_find(const char *hay, size_t len,
    const char *needle);


void
ngx_live_help_proto_free(ngx_live_help_proto_msg_t *m)
{
    json_decref(m->root);
    m->root = NULL;
}


/*
 * A chat text has no control characters but tab and line breaks: nobody
 * types them, and JSON stores each as six bytes, which let a text of 4000
 * bytes take 24000 in Redis.
 */

static int
ngx_live_help_proto_text_ok(const char *text, size_t len)
{
    u_char  c;
    size_t  i;

    for (i = 0; i < len; i++) {
        c = (u_char) text[i];

        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            return 0;
        }
    }

    return 1;
}


static int
ngx_live_help_proto_bad(ngx_live_help_proto_msg_t *m, const char *code,
    const char *text)
{
    m->type = NGX_LIVE_HELP_MSG_BAD;
    m->code = code;
    m->text_error = text;

    return NGX_LIVE_HELP_MSG_BAD;
}


/* a string field that must be an id: NULL when absent or not an id */

static const char *
ngx_live_help_proto_id(json_t *root, const char *key)
{
    json_t      *v;
    const char  *s;

    v = json_object_get(root, key);
    s = json_string_value(v);

    if (s == NULL
        || !ngx_live_help_id_valid((const unsigned char *) s,
                                   json_string_length(v))
        || strlen(s) != json_string_length(v))
    {
        return NULL;
    }

    return s;
}


int
ngx_live_help_proto_decode(const char *data, size_t len, int agent,
    ngx_live_help_proto_msg_t *m)
{
    json_t        *root, *v;
    const char    *type;
    json_error_t   err;

    memset(m, 0, sizeof(ngx_live_help_proto_msg_t));

    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);

    if (root == NULL || !json_is_object(root)) {
        json_decref(root);
        return ngx_live_help_proto_bad(m, "bad_json",
                                       "a JSON object is expected");
    }

    m->root = root;
    m->id = json_object_get(root, "id");

    type = json_string_value(json_object_get(root, "type"));

    if (type == NULL) {
        return ngx_live_help_proto_bad(m, "bad_message",
                                       "\"type\" is missing");
    }

    if (strcmp(type, "ping") == 0) {
        return m->type = NGX_LIVE_HELP_MSG_PING;
    }

    if (strcmp(type, "hello") == 0) {
        m->token = json_string_value(json_object_get(root, "token"));
        m->after = json_string_value(json_object_get(root, "after"));

        /* agents may say at once what they serve and whether away */
        if (agent && json_object_get(root, "departments")
            && ngx_live_help_proto_serve(m) == NGX_LIVE_HELP_MSG_BAD)
        {
            return NGX_LIVE_HELP_MSG_BAD;
        }

        m->on = agent && json_is_true(json_object_get(root, "away"));

        return m->type = NGX_LIVE_HELP_MSG_HELLO;
    }

    if (strcmp(type, "message") == 0) {
        m->cid = ngx_live_help_proto_id(root, "cid");

        if (m->cid == NULL) {
            return ngx_live_help_proto_bad(m, "bad_cid",
                                           "\"cid\" must be 1-32 characters "
                                           "of A-Z a-z 0-9 _ -");
        }

        v = json_object_get(root, "text");
        m->text = json_string_value(v);
        m->text_len = m->text ? json_string_length(v) : 0;

        if (m->text_len == 0 || m->text_len > NGX_LIVE_HELP_TEXT_MAX) {
            return ngx_live_help_proto_bad(m, "bad_text",
                                           "\"text\" must be 1-4000 bytes");
        }

        if (!ngx_live_help_proto_text_ok(m->text, m->text_len)) {
            return ngx_live_help_proto_bad(m, "bad_text",
                                           "\"text\" has a control "
                                           "character");
        }

        if (agent) {
            m->conversation = ngx_live_help_proto_id(root, "conversation");

            if (m->conversation == NULL) {
                return ngx_live_help_proto_bad(m, "bad_conversation",
                                               "\"conversation\" is "
                                               "missing");
            }

        } else if (json_object_get(root, "department")) {
            /* for a new conversation; the role checks it is one */
            m->department = ngx_live_help_proto_id(root, "department");

            if (m->department == NULL) {
                return ngx_live_help_proto_bad(m, "bad_department",
                                               "\"department\" is not a "
                                               "department");
            }
        }

        m->offline = json_is_true(json_object_get(root, "offline"));

        return m->type = NGX_LIVE_HELP_MSG_MESSAGE;
    }

    if (strcmp(type, "close") == 0) {
        return ngx_live_help_proto_change(m, agent, NGX_LIVE_HELP_MSG_CLOSE);
    }

    if (strcmp(type, "claim") == 0 && agent) {
        return ngx_live_help_proto_change(m, agent, NGX_LIVE_HELP_MSG_CLAIM);
    }

    if (strcmp(type, "transfer") == 0 && agent) {
        if (ngx_live_help_proto_change(m, agent, NGX_LIVE_HELP_MSG_TRANSFER)
            == NGX_LIVE_HELP_MSG_BAD)
        {
            return NGX_LIVE_HELP_MSG_BAD;
        }

        m->agent = ngx_live_help_proto_id(root, "agent");
        m->department = ngx_live_help_proto_id(root, "department");

        if ((m->agent == NULL) == (m->department == NULL)) {
            return ngx_live_help_proto_bad(m, "bad_target",
                                           "say \"agent\" or "
                                           "\"department\"");
        }

        return NGX_LIVE_HELP_MSG_TRANSFER;
    }

    if (strcmp(type, "away") == 0 && agent) {
        m->on = json_is_true(json_object_get(root, "on"));
        return m->type = NGX_LIVE_HELP_MSG_AWAY;
    }

    if (strcmp(type, "agents") == 0 && agent) {
        return m->type = NGX_LIVE_HELP_MSG_AGENTS;
    }

    if (strcmp(type, "page") == 0 && !agent) {
        m->url = ngx_live_help_proto_text(root, "url",
                                          NGX_LIVE_HELP_URL_MAX,
                                          &m->url_len);
        m->title = ngx_live_help_proto_text(root, "title",
                                            NGX_LIVE_HELP_TITLE_MAX,
                                            &m->title_len);
        m->referrer = ngx_live_help_proto_text(root, "referrer",
                                               NGX_LIVE_HELP_URL_MAX,
                                               &m->referrer_len);
        m->ua = ngx_live_help_proto_text(root, "ua", NGX_LIVE_HELP_UA_MAX,
                                         &m->ua_len);

        if (m->url == NULL) {
            return ngx_live_help_proto_bad(m, "bad_page",
                                           "\"url\" is missing");
        }

        return m->type = NGX_LIVE_HELP_MSG_PAGE;
    }

    if (strcmp(type, "profile") == 0 && !agent) {
        return ngx_live_help_proto_profile(m);
    }

    if ((strcmp(type, "invite") == 0 && agent)
        || (strcmp(type, "handoff") == 0 && !agent))
    {
        return ngx_live_help_proto_invite(m, agent);
    }

    if (strcmp(type, "serve") == 0 && agent) {
        return ngx_live_help_proto_serve(m);
    }

    if (strcmp(type, "visitors") == 0 && agent) {
        return m->type = NGX_LIVE_HELP_MSG_VISITORS;
    }

    if (strcmp(type, "visitor") == 0 && agent) {
        m->visitor = ngx_live_help_proto_id(root, "visitor");

        if (m->visitor == NULL) {
            return ngx_live_help_proto_bad(m, "bad_visitor",
                                           "\"visitor\" is missing");
        }

        return m->type = NGX_LIVE_HELP_MSG_VISITOR;
    }

    if (strcmp(type, "typing") == 0) {
        m->on = json_is_true(json_object_get(root, "on"));

        if (agent) {
            m->conversation = ngx_live_help_proto_id(root, "conversation");

            if (m->conversation == NULL) {
                return ngx_live_help_proto_bad(m, "bad_conversation",
                                               "\"conversation\" is "
                                               "missing");
            }
        }

        return m->type = NGX_LIVE_HELP_MSG_TYPING;
    }

    if (strcmp(type, "history") == 0 && agent) {
        m->conversation = ngx_live_help_proto_id(root, "conversation");
        m->after = json_string_value(json_object_get(root, "after"));

        if (m->conversation == NULL) {
            return ngx_live_help_proto_bad(m, "bad_conversation",
                                           "\"conversation\" is missing");
        }

        return m->type = NGX_LIVE_HELP_MSG_HISTORY;
    }

    if (strcmp(type, "conversations") == 0 && agent) {
        return ngx_live_help_proto_list(m);
    }

    /* what the visitor typed so far, cut; and an FAQ answer they chose */
    if (strcmp(type, "faq") == 0 && !agent) {
        m->text = ngx_live_help_proto_text(root, "q",
                                           NGX_LIVE_HELP_FAQ_QUERY_MAX,
                                           &m->text_len);
        if (m->text == NULL) {
            return ngx_live_help_proto_bad(m, "bad_message",
                                           "\"q\" is missing");
        }

        return m->type = NGX_LIVE_HELP_MSG_FAQ;
    }

    if (strcmp(type, "faq_shown") == 0 && !agent) {
        m->cid = ngx_live_help_proto_id(root, "cid");
        m->faq = ngx_live_help_proto_id(root, "faq");

        if (m->cid == NULL) {
            return ngx_live_help_proto_bad(m, "bad_cid",
                                           "\"cid\" must be an id");
        }

        if (m->faq == NULL) {
            return ngx_live_help_proto_bad(m, "bad_faq",
                                           "\"faq\" must be an id");
        }

        return m->type = NGX_LIVE_HELP_MSG_FAQ_SHOWN;
    }

    if (strcmp(type, "read") == 0 || strcmp(type, "rate") == 0
        || (strcmp(type, "tag") == 0 && agent))
    {
        return ngx_live_help_proto_marks(m, type, agent);
    }

    return ngx_live_help_proto_bad(m, "unknown_type",
                                   "this message type is not known");
}


/*
 * {"type":"read","seq":"<ms>-<n>"} (agents: "conversation"),
 * {"type":"rate","cid":..,"good":true,"comment":"..","n":3},
 * {"type":"tag","cid":..,"conversation":..,"tag":"complaint"}
 */

static int
ngx_live_help_proto_marks(ngx_live_help_proto_msg_t *m, const char *type,
    int agent)
{
    size_t       i, chars, digits[2], part;
    json_t      *v;
    const char  *s;

    if (type[1] == 'e') {   /* read */
        s = json_string_value(json_object_get(m->root, "seq"));
        part = 0;
        digits[0] = digits[1] = 0;

        for (i = 0; s && s[i]; i++) {
            if (s[i] == '-' && part == 0) {
                part = 1;

            } else if (s[i] >= '0' && s[i] <= '9') {
                digits[part]++;

            } else {
                break;
            }
        }

        if (s == NULL || s[i] || part != 1 || digits[0] == 0
            || digits[0] > 15 || digits[1] == 0 || digits[1] > 9)
        {
            return ngx_live_help_proto_bad(m, "bad_seq",
                                           "\"seq\" must be an event's id");
        }

        m->seq = s;

        if (agent) {
            m->conversation = ngx_live_help_proto_id(m->root, "conversation");

            if (m->conversation == NULL) {
                return ngx_live_help_proto_bad(m, "bad_conversation",
                                               "\"conversation\" is "
                                               "missing");
            }
        }

        return m->type = NGX_LIVE_HELP_MSG_READ;
    }

    if (ngx_live_help_proto_change(m, agent, NGX_LIVE_HELP_MSG_RATE)
        == NGX_LIVE_HELP_MSG_BAD)
    {
        return NGX_LIVE_HELP_MSG_BAD;
    }

    if (type[0] == 't') {
        s = json_string_value(json_object_get(m->root, "tag"));

        if (s == NULL
            || (strcmp(s, "feedback") != 0 && strcmp(s, "complaint") != 0
                && s[0] != '\0'))
        {
            return ngx_live_help_proto_bad(m, "bad_tag",
                                           "\"tag\" must be \"feedback\", "
                                           "\"complaint\" or \"\"");
        }

        m->tag = s;

        return m->type = NGX_LIVE_HELP_MSG_TAG;
    }

    v = json_object_get(m->root, "good");

    if (!json_is_boolean(v)) {
        return ngx_live_help_proto_bad(m, "bad_rating",
                                       "\"good\" must be true or false");
    }

    m->on = json_is_true(v);

    v = json_object_get(m->root, "n");
    m->n = json_is_integer(v) ? (long) json_integer_value(v) : 0;

    if (v && (!json_is_integer(v) || m->n < 1 || m->n > 1000000000)) {
        return ngx_live_help_proto_bad(m, "bad_rating",
                                       "\"n\" must be a conversation's "
                                       "number");
    }

    v = json_object_get(m->root, "comment");
    m->text = json_string_value(v);
    m->text_len = m->text ? json_string_length(v) : 0;

    /* characters: the bytes that do not continue one */
    for (i = 0, chars = 0; i < m->text_len; i++) {
        chars += (((unsigned char) m->text[i]) & 0xc0) != 0x80;
    }

    if ((v && m->text == NULL) || chars > NGX_LIVE_HELP_COMMENT_MAX
        || !ngx_live_help_proto_text_ok(m->text, m->text_len))
    {
        return ngx_live_help_proto_bad(m, "bad_text",
                                       "\"comment\" must be text of 1000 "
                                       "characters at most");
    }

    return m->type;
}


/* a change of who answers: a cid, and for agents the conversation */

static int
ngx_live_help_proto_change(ngx_live_help_proto_msg_t *m, int agent,
    int type)
{
    m->cid = ngx_live_help_proto_id(m->root, "cid");

    if (m->cid == NULL) {
        return ngx_live_help_proto_bad(m, "bad_cid",
                                       "\"cid\" must be 1-32 characters "
                                       "of A-Z a-z 0-9 _ -");
    }

    if (agent) {
        m->conversation = ngx_live_help_proto_id(m->root, "conversation");

        if (m->conversation == NULL) {
            return ngx_live_help_proto_bad(m, "bad_conversation",
                                           "\"conversation\" is missing");
        }
    }

    return m->type = type;
}


/*
 * A string field, cut to max bytes at the start of a character (jansson
 * gave valid UTF-8); NULL when absent or not a string.
 */

static const char *
ngx_live_help_proto_text(json_t *root, const char *key, size_t max,
    size_t *len)
{
    json_t       *v;
    size_t        n;
    const char   *s;

    v = json_object_get(root, key);
    s = json_string_value(v);

    if (s == NULL) {
        *len = 0;
        return NULL;
    }

    n = json_string_length(v);

    if (n > max) {
        n = max;

        while (n && ((unsigned char) s[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    *len = n;

    return s;
}


/* {"type":"profile","name":"Anna","email":"anna@example.com"} */

static int
ngx_live_help_proto_profile(ngx_live_help_proto_msg_t *m)
{
    size_t   i;
    json_t  *v;

    v = json_object_get(m->root, "name");
    m->name = json_string_value(v);
    m->name_len = m->name ? json_string_length(v) : 0;

    v = json_object_get(m->root, "email");
    m->email = json_string_value(v);
    m->email_len = m->email ? json_string_length(v) : 0;

    if (m->name == NULL || m->name_len == 0
        || m->name_len > NGX_LIVE_HELP_NAME_MAX
        || strlen(m->name) != m->name_len)
    {
        return ngx_live_help_proto_bad(m, "bad_profile",
                                       "\"name\" must be 1-64 bytes");
    }

    for (i = 0; i < m->name_len; i++) {
        if ((unsigned char) m->name[i] < 0x20 || m->name[i] == 0x7f) {
            return ngx_live_help_proto_bad(m, "bad_profile",
                                           "\"name\" has a control "
                                           "character");
        }
    }

    if (ngx_live_help_proto_email(m) == NGX_LIVE_HELP_MSG_BAD) {
        return NGX_LIVE_HELP_MSG_BAD;
    }

    return m->type = NGX_LIVE_HELP_MSG_PROFILE;
}


/* m->email: none (""), or an address */

static int
ngx_live_help_proto_email(ngx_live_help_proto_msg_t *m)
{
    size_t       i;
    const char  *at;

    if (m->email == NULL || m->email_len == 0) {
        m->email = "";
        m->email_len = 0;
        return NGX_LIVE_HELP_MSG_PROFILE;
    }

    at = strchr(m->email, '@');

    if (m->email_len > NGX_LIVE_HELP_EMAIL_MAX
        || strlen(m->email) != m->email_len
        || at == NULL || at == m->email || at[1] == '\0'
        || strchr(at + 1, '@') != NULL)
    {
        return ngx_live_help_proto_bad(m, "bad_profile",
                                       "\"email\" is not an e-mail "
                                       "address");
    }

    for (i = 0; i < m->email_len; i++) {
        if ((unsigned char) m->email[i] <= 0x20 || m->email[i] == 0x7f
            || m->email[i] == '<' || m->email[i] == '>'
            || m->email[i] == '"' || m->email[i] == ',')
        {
            return ngx_live_help_proto_bad(m, "bad_profile",
                                           "\"email\" is not an e-mail "
                                           "address");
        }
    }

    return NGX_LIVE_HELP_MSG_PROFILE;
}


/*
 * {"type":"invite","cid":"..","visitor":"v..","text":"Hi!"} (agents);
 * {"type":"handoff","cid":"..","via":"email","email":"..","text":".."}
 * or {"type":"handoff","cid":"..","via":"booking"} (visitors)
 */

static int
ngx_live_help_proto_invite(ngx_live_help_proto_msg_t *m, int agent)
{
    json_t  *v;
    size_t   max;

    m->cid = ngx_live_help_proto_id(m->root, "cid");

    if (m->cid == NULL) {
        return ngx_live_help_proto_bad(m, "bad_cid",
                                       "\"cid\" must be 1-32 characters "
                                       "of A-Z a-z 0-9 _ -");
    }

    v = json_object_get(m->root, "text");
    m->text = json_string_value(v);
    m->text_len = m->text ? json_string_length(v) : 0;
    max = agent ? NGX_LIVE_HELP_INVITE_TEXT_MAX
                : NGX_LIVE_HELP_HANDOFF_TEXT_MAX;

    if ((agent && m->text_len == 0) || m->text_len > max
        || (m->text && (strlen(m->text) != m->text_len
                        || !ngx_live_help_proto_text_ok(m->text,
                                                        m->text_len))))
    {
        return ngx_live_help_proto_bad(m, "bad_text",
                                       agent ? "\"text\" must be 1-500 "
                                               "bytes, no control characters"
                                             : "\"text\" must be up to 1000 "
                                               "bytes, no control "
                                               "characters");
    }

    if (agent) {
        m->visitor = ngx_live_help_proto_id(m->root, "visitor");

        if (m->visitor == NULL) {
            return ngx_live_help_proto_bad(m, "bad_visitor",
                                           "\"visitor\" is missing");
        }

        return m->type = NGX_LIVE_HELP_MSG_INVITE;
    }

    m->via = json_string_value(json_object_get(m->root, "via"));

    if (m->via == NULL
        || (strcmp(m->via, "email") != 0 && strcmp(m->via, "booking") != 0))
    {
        return ngx_live_help_proto_bad(m, "bad_message",
                                       "\"via\" must be email or booking");
    }

    v = json_object_get(m->root, "email");
    m->email = json_string_value(v);
    m->email_len = m->email ? json_string_length(v) : 0;

    if (ngx_live_help_proto_email(m) == NGX_LIVE_HELP_MSG_BAD) {
        return NGX_LIVE_HELP_MSG_BAD;
    }

    if (strcmp(m->via, "email") == 0 && m->email_len == 0) {
        return ngx_live_help_proto_bad(m, "bad_profile",
                                       "\"email\" is missing");
    }

    return m->type = NGX_LIVE_HELP_MSG_HANDOFF;
}


/* {"type":"serve","departments":["sales"]}: [] for all of them */

static int
ngx_live_help_proto_serve(ngx_live_help_proto_msg_t *m)
{
    size_t   i, n;
    json_t  *a, *v;

    a = json_object_get(m->root, "departments");
    n = json_array_size(a);

    if (!json_is_array(a) || n > NGX_LIVE_HELP_SERVE_MAX) {
        return ngx_live_help_proto_bad(m, "bad_department",
                                       "\"departments\" must be a list of "
                                       "at most 32 departments");
    }

    for (i = 0; i < n; i++) {
        v = json_array_get(a, i);
        m->serve[i] = json_string_value(v);

        if (m->serve[i] == NULL
            || !ngx_live_help_id_valid((const unsigned char *) m->serve[i],
                                       json_string_length(v))
            || strlen(m->serve[i]) != json_string_length(v))
        {
            return ngx_live_help_proto_bad(m, "bad_department",
                                           "a department is not an id");
        }
    }

    m->serve[n] = NULL;

    return m->type = NGX_LIVE_HELP_MSG_SERVE;
}


/*
 * {"type":"conversations"}: the first page of every list;
 * {"type":"conversations","list":"queue","offset":100}: one list's page
 */

static int
ngx_live_help_proto_list(ngx_live_help_proto_msg_t *m)
{
    json_t      *v;
    json_int_t   n;
    const char  *list;

    v = json_object_get(m->root, "list");

    if (v == NULL || json_is_null(v)) {
        return m->type = NGX_LIVE_HELP_MSG_LIST;
    }

    list = json_string_value(v);

    if (list == NULL
        || (strcmp(list, "mine") != 0 && strcmp(list, "queue") != 0
            && strcmp(list, "open") != 0 && strcmp(list, "closed") != 0))
    {
        return ngx_live_help_proto_bad(m, "bad_list",
                                       "\"list\" must be mine, queue, "
                                       "open or closed");
    }

    v = json_object_get(m->root, "offset");
    n = json_is_integer(v) ? json_integer_value(v) : (v ? -1 : 0);

    if (n < 0 || n > NGX_LIVE_HELP_OFFSET_MAX) {
        return ngx_live_help_proto_bad(m, "bad_list",
                                       "\"offset\" must be a number from 0 "
                                       "to 1000000");
    }

    m->list = list;
    m->offset = (size_t) n;

    return m->type = NGX_LIVE_HELP_MSG_LIST;
}


/* the first of needles found in hay, or NULL */

static const char *
ngx_live_help_proto_find(const char *hay, size_t len, const char *needle)
{
    size_t  n, i;

    n = strlen(needle);

    for (i = 0; i + n <= len; i++) {
        if (memcmp(hay + i, needle, n) == 0) {
            return hay + i;
        }
    }

    return NULL;
}


size_t
ngx_live_help_proto_browser(const char *ua, size_t len, char *out,
    size_t size)
{
    int          n;
    size_t       i, k;
    const char  *p, *name, *os;

    static const struct {
        const char  *token;
        const char  *name;
    } browsers[] = {
        /* the most specific first: Edge and Opera say Chrome too */
        { "Edg/", "Edge" },
        { "EdgA/", "Edge" },
        { "EdgiOS/", "Edge" },
        { "OPR/", "Opera" },
        { "SamsungBrowser/", "Samsung Internet" },
        { "Firefox/", "Firefox" },
        { "FxiOS/", "Firefox" },
        { "CriOS/", "Chrome" },
        { "Chrome/", "Chrome" },
        { "Version/", "Safari" },
    };

    static const struct {
        const char  *token;
        const char  *name;
    } systems[] = {
        { "iPhone", "iOS" },
        { "iPad", "iPadOS" },
        { "Android", "Android" },
        { "CrOS", "ChromeOS" },
        { "Windows", "Windows" },
        { "Mac OS X", "macOS" },
        { "Macintosh", "macOS" },
        { "Linux", "Linux" },
    };

    if (ua == NULL || size < NGX_LIVE_HELP_BROWSER_MAX) {
        return 0;
    }

    name = NULL;
    p = NULL;
    k = 0;

    for (i = 0; i < sizeof(browsers) / sizeof(browsers[0]); i++) {
        p = ngx_live_help_proto_find(ua, len, browsers[i].token);

        if (p == NULL) {
            continue;
        }

        if (strcmp(browsers[i].name, "Safari") == 0
            && ngx_live_help_proto_find(ua, len, "Safari/") == NULL)
        {
            continue;
        }

        name = browsers[i].name;
        p += strlen(browsers[i].token);

        /* the major version: digits only, at most 4 */
        while (k < 4 && p + k < ua + len && p[k] >= '0' && p[k] <= '9') {
            k++;
        }

        break;
    }

    os = NULL;

    for (i = 0; i < sizeof(systems) / sizeof(systems[0]); i++) {
        if (ngx_live_help_proto_find(ua, len, systems[i].token)) {
            os = systems[i].name;
            break;
        }
    }

    if (name == NULL && os == NULL) {
        return 0;
    }

    if (name == NULL) {
        n = snprintf(out, size, "a browser on %s", os);

    } else if (os == NULL) {
        n = snprintf(out, size, "%s %.*s", name, (int) k, p);

    } else {
        n = snprintf(out, size, "%s%s%.*s on %s", name, k ? " " : "",
                     (int) k, p, os);
    }

    if (n < 0 || (size_t) n >= size) {
        return 0;
    }

    /* no trailing space when there was no version */
    while (n > 0 && out[n - 1] == ' ') {
        n--;
    }

    return (size_t) n;
}
