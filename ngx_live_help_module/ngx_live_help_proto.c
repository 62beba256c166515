
/*
 * Decoding and checking what a client sends.
 */


#include <string.h>

#include "ngx_live_help_proto.h"
#include "ngx_live_help_token.h"


static int ngx_live_help_proto_bad(ngx_live_help_proto_msg_t *m,
    const char *code, const char *text);
static const char *ngx_live_help_proto_id(json_t *root, const char *key);
static int ngx_live_help_proto_change(ngx_live_help_proto_msg_t *m,
    int agent, int type);


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
