
/*
 * Decoding and checking what a client sends.
 */


#include <string.h>

#include "ngx_live_help_proto.h"
#include "ngx_live_help_token.h"


static int ngx_live_help_proto_bad(ngx_live_help_proto_msg_t *m,
    const char *code, const char *text);
static const char *ngx_live_help_proto_id(json_t *root, const char *key);


void
ngx_live_help_proto_free(ngx_live_help_proto_msg_t *m)
{
    json_decref(m->root);
    m->root = NULL;
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

        if (agent) {
            m->conversation = ngx_live_help_proto_id(root, "conversation");

            if (m->conversation == NULL) {
                return ngx_live_help_proto_bad(m, "bad_conversation",
                                               "\"conversation\" is "
                                               "missing");
            }
        }

        return m->type = NGX_LIVE_HELP_MSG_MESSAGE;
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
        return m->type = NGX_LIVE_HELP_MSG_LIST;
    }

    return ngx_live_help_proto_bad(m, "unknown_type",
                                   "this message type is not known");
}
