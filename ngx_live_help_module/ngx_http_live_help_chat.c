
/*
 * The chat protocol on a socket: JSON messages, see docs/PROTOCOL.md.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_http_live_help_ws.h"


static ngx_int_t ngx_live_help_chat_send_json(ngx_live_help_ws_t *ws,
    json_t *j);
static ngx_int_t ngx_live_help_chat_error(ngx_live_help_ws_t *ws,
    const char *code, const char *text, json_t *id);


ngx_int_t
ngx_live_help_chat_open(ngx_live_help_ws_t *ws)
{
    json_t     *j;
    ngx_int_t   rc;

    j = json_pack("{s:s, s:i, s:s}", "type", "welcome", "protocol", 1,
                  "role", ws->role == NGX_LIVE_HELP_AGENT
                          ? "agent" : "visitor");
    if (j == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_live_help_chat_send_json(ws, j);
    json_decref(j);

    return rc;
}


ngx_int_t
ngx_live_help_chat_message(ngx_live_help_ws_t *ws, u_char *data, size_t len)
{
    json_t        *j, *reply, *id;
    ngx_int_t      rc;
    const char    *type;
    json_error_t   err;

    j = json_loadb((const char *) data, len, JSON_REJECT_DUPLICATES, &err);

    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        return ngx_live_help_chat_error(ws, "bad_json",
                                        "a JSON object is expected", NULL);
    }

    type = json_string_value(json_object_get(j, "type"));
    id = json_object_get(j, "id");

    if (type == NULL) {
        rc = ngx_live_help_chat_error(ws, "bad_message",
                                      "\"type\" is missing", id);
        json_decref(j);
        return rc;
    }

    if (ngx_strcmp(type, "ping") == 0) {
        reply = json_pack("{s:s}", "type", "pong");
        if (reply == NULL) {
            json_decref(j);
            return NGX_ERROR;
        }

        if (id) {
            json_object_set(reply, "id", id);
        }

        rc = ngx_live_help_chat_send_json(ws, reply);
        json_decref(reply);
        json_decref(j);
        return rc;
    }

    rc = ngx_live_help_chat_error(ws, "unknown_type",
                                  "this message type is not known", id);
    json_decref(j);

    return rc;
}


void
ngx_live_help_chat_close(ngx_live_help_ws_t *ws)
{
}


static ngx_int_t
ngx_live_help_chat_error(ngx_live_help_ws_t *ws, const char *code,
    const char *text, json_t *id)
{
    json_t     *j;
    ngx_int_t   rc;

    j = json_pack("{s:s, s:s, s:s}", "type", "error", "code", code,
                  "text", text);
    if (j == NULL) {
        return NGX_ERROR;
    }

    if (id) {
        json_object_set(j, "id", id);
    }

    rc = ngx_live_help_chat_send_json(ws, j);
    json_decref(j);

    return rc;
}


static ngx_int_t
ngx_live_help_chat_send_json(ngx_live_help_ws_t *ws, json_t *j)
{
    size_t                len;
    ngx_int_t             rc;
    ngx_live_help_msg_t  *msg;

    len = json_dumpb(j, NULL, 0, JSON_COMPACT);
    if (len == 0) {
        return NGX_ERROR;
    }

    msg = ngx_live_help_msg_alloc(len, ws->connection->log);
    if (msg == NULL) {
        return NGX_ERROR;
    }

    json_dumpb(j, (char *) msg->data, len, JSON_COMPACT);

    rc = ngx_live_help_ws_send(ws, msg);
    ngx_live_help_msg_release(msg);

    return rc;
}
