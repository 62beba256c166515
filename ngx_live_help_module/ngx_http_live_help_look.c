
/*
 * Languages and theming (see the header).  Everything is checked and the
 * attributes built once, at configuration time: a page pays only for the
 * bytes of the attributes an operator set.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"
#include "ngx_http_live_help_look.h"
#include "ngx_live_help_scan.h"
#include "ngx_live_help_theme.h"


#define NGX_LIVE_HELP_STRING_MAX  300


/*
 * The widget's string keys (static/widget/loader.js, STRINGS), with the
 * placeholder of the ones that word a value.  A key added there is added
 * here too, or live_help_string refuses it.  "rated" words a choice, not
 * a value: its text is "good|bad", with no placeholder.
 */
typedef struct {
    char               *key;
    char               *placeholder;
} ngx_http_live_help_key_t;


static ngx_http_live_help_key_t  ngx_http_live_help_keys[] = {
    { "title", NULL }, { "unread", "{n}" }, { "newMessage", "{name}" },
    { "close", NULL }, { "menu", NULL }, { "endChat", NULL },
    { "endConfirm", NULL }, { "cancel", NULL }, { "greeting", NULL },
    { "intro", NULL }, { "inputLabel", NULL }, { "inputPlaceholder", NULL },
    { "newChat", NULL }, { "send", NULL }, { "loading", NULL },
    { "loadError", NULL }, { "you", NULL }, { "agent", NULL },
    { "talkingTo", "{name}" }, { "waiting", NULL }, { "joined", "{name}" },
    { "transferred", "{dept}" }, { "released", NULL }, { "ended", NULL },
    { "typing", "{name}" }, { "sending", NULL }, { "notSent", NULL },
    { "connecting", NULL }, { "reconnecting", NULL },
    { "unavailable", NULL }, { "tooLong", NULL }, { "limited", NULL },
    { "away", NULL }, { "offlineIntro", NULL }, { "prechatIntro", NULL },
    { "name", NULL }, { "email", NULL }, { "optional", NULL },
    { "department", NULL }, { "anyDepartment", NULL }, { "question", NULL },
    { "yourMessage", NULL }, { "startChat", NULL }, { "leaveMessage", NULL },
    { "badName", NULL }, { "badEmail", NULL }, { "badText", NULL },
    { "thanks", NULL }, { "faqTitle", NULL }, { "faqFound", "{n}" },
    { "faqCard", NULL }, { "delivered", NULL }, { "read", NULL },
    { "rateQuestion", NULL }, { "rateGood", NULL }, { "rateBad", NULL },
    { "rateComment", NULL }, { "rateSend", NULL }, { "rateThanks", NULL },
    { "rated", NULL }, { "transcript", NULL },
    { "transcriptTitle", "{shop}" }, { "invitation", NULL },
    { "chatNow", NULL }, { "noThanks", NULL }, { "newTitle", "{n}" },
    { "soundOn", NULL }, { "soundOff", NULL }, { "leaveEmail", NULL },
    { "emailIntro", NULL }, { "note", NULL }, { "sendEmail", NULL },
    { "emailSent", "{email}" }, { "bookCall", NULL }, { "booked", NULL },
    { NULL, NULL }
};


static char *ngx_http_live_help_look_text(ngx_conf_t *cf, ngx_str_t *name,
    ngx_str_t *text, size_t max);
static ngx_http_live_help_look_t *ngx_http_live_help_look_get(
    ngx_conf_t *cf, ngx_http_live_help_loc_conf_t *llcf);
static char *ngx_http_live_help_look_color(ngx_conf_t *cf,
    ngx_command_t *cmd, ngx_str_t *value, ngx_http_live_help_look_t *look);
static ngx_int_t ngx_http_live_help_look_one_of(ngx_str_t *value,
    char **allowed);
static ngx_int_t ngx_http_live_help_look_attrs(ngx_conf_t *cf,
    ngx_http_live_help_look_t *look);
static u_char *ngx_http_live_help_look_attr(u_char *p, u_char *end,
    char *name, u_char *value, size_t len);


static ngx_http_live_help_look_t *
ngx_http_live_help_look_get(ngx_conf_t *cf,
    ngx_http_live_help_loc_conf_t *llcf)
{
    ngx_http_live_help_look_t  *look;

    if (llcf->look != NULL) {
        return llcf->look;
    }

    look = ngx_pcalloc(cf->pool, sizeof(ngx_http_live_help_look_t));
    if (look == NULL) {
        return NULL;
    }

    look->color = -1;
    llcf->look = look;

    return look;
}


static ngx_int_t
ngx_http_live_help_look_one_of(ngx_str_t *value, char **allowed)
{
    ngx_uint_t  i;

    for (i = 0; allowed[i]; i++) {
        if (value->len == ngx_strlen(allowed[i])
            && ngx_strncmp(value->data, allowed[i], value->len) == 0)
        {
            return i;
        }
    }

    return NGX_ERROR;
}


/* live_help_lang, live_help_color, live_help_position, _launcher_icon */

char *
ngx_http_live_help_look_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_live_help_loc_conf_t *llcf = conf;

    char                       **allowed, *words;
    ngx_str_t                   *value, *field;
    ngx_http_live_help_look_t   *look;

    static char  *langs[] = { "auto", "en", "fi", "de", NULL };
    static char  *positions[] = { "right", "left", NULL };
    static char  *icons[] = { "chat", "help", "none", NULL };

    look = ngx_http_live_help_look_get(cf, llcf);
    if (look == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    if (ngx_strcmp(cmd->name.data, "live_help_color") == 0) {
        return ngx_http_live_help_look_color(cf, cmd, &value[1], look);
    }

    if (ngx_strcmp(cmd->name.data, "live_help_lang") == 0) {
        allowed = langs;
        field = &look->lang;
        words = "auto, en, fi or de";

    } else if (ngx_strcmp(cmd->name.data, "live_help_position") == 0) {
        allowed = positions;
        field = &look->position;
        words = "right or left";

    } else {
        allowed = icons;
        field = &look->icon;
        words = "chat, help or none";
    }

    if (field->data != NULL) {
        return "is duplicate";
    }

    if (ngx_http_live_help_look_one_of(&value[1], allowed) == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": unknown value \"%V\", must be %s",
                           &cmd->name, &value[1], words);
        return NGX_CONF_ERROR;
    }

    /* "auto" is kept as an empty, set value: nothing to tell the widget */
    *field = value[1];

    if (allowed == langs && ngx_strcmp(value[1].data, "auto") == 0) {
        field->len = 0;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_live_help_look_color(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_str_t *value, ngx_http_live_help_look_t *look)
{
    ngx_int_t  rgb;

    if (look->color != -1) {
        return "is duplicate";
    }

    rgb = NGX_ERROR;

    if (value->len == 7 && value->data[0] == '#') {
        rgb = ngx_hextoi(value->data + 1, 6);
    }

    if (rgb == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%V\" is not a colour of the form "
                           "#RRGGBB", &cmd->name, value);
        return NGX_CONF_ERROR;
    }

    look->color = rgb;

    return NGX_CONF_OK;
}


/* live_help_string KEY TEXT, live_help_greeting TEXT */

char *
ngx_http_live_help_look_string(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_live_help_loc_conf_t *llcf = conf;

    u_char                     *p;
    ngx_str_t                  *value, key, text;
    ngx_uint_t                  i;
    ngx_keyval_t               *kv;
    ngx_http_live_help_key_t   *k;
    ngx_http_live_help_look_t  *look;

    value = cf->args->elts;

    if (cf->args->nelts == 2) {
        ngx_str_set(&key, "greeting");
        text = value[1];

    } else {
        key = value[1];
        text = value[2];
    }

    for (k = ngx_http_live_help_keys; k->key; k++) {
        if (key.len == ngx_strlen(k->key)
            && ngx_strncmp(key.data, k->key, key.len) == 0)
        {
            break;
        }
    }

    if (k->key == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": unknown string \"%V\" (the keys are "
                           "listed in README, \"Languages and theming\")",
                           &cmd->name, &key);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_live_help_look_text(cf, &cmd->name, &text,
                                     NGX_LIVE_HELP_STRING_MAX)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* a "{...}" is a placeholder: only the key's own one is known */
    for (p = text.data; p < text.data + text.len; p++) {
        if (*p != '{') {
            continue;
        }

        if (k->placeholder == NULL
            || (size_t) (text.data + text.len - p) < ngx_strlen(k->placeholder)
            || ngx_strncmp(p, k->placeholder, ngx_strlen(k->placeholder))
               != 0)
        {
            if (k->placeholder) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\": \"%V\" may contain %s but "
                                   "no other \"{\"", &cmd->name, &key,
                                   k->placeholder);

            } else {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\": \"%V\" takes no placeholder: "
                                   "no \"{\"", &cmd->name, &key);
            }

            return NGX_CONF_ERROR;
        }
    }

    look = ngx_http_live_help_look_get(cf, llcf);
    if (look == NULL) {
        return NGX_CONF_ERROR;
    }

    if (look->strings == NULL) {
        look->strings = ngx_array_create(cf->pool, 4, sizeof(ngx_keyval_t));
        if (look->strings == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    kv = look->strings->elts;

    for (i = 0; i < look->strings->nelts; i++) {
        if (kv[i].key.len == key.len
            && ngx_strncmp(kv[i].key.data, key.data, key.len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\": string \"%V\" is set twice",
                               &cmd->name, &key);
            return NGX_CONF_ERROR;
        }
    }

    kv = ngx_array_push(look->strings);
    if (kv == NULL) {
        return NGX_CONF_ERROR;
    }

    kv->key = key;
    kv->value = text;

    return NGX_CONF_OK;
}


static char *
ngx_http_live_help_look_text(ngx_conf_t *cf, ngx_str_t *name,
    ngx_str_t *text, size_t max)
{
    ngx_uint_t  i;

    if (text->len == 0 || text->len > max) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": the text must be 1 to %uz bytes long",
                           name, max);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < text->len; i++) {
        if (text->data[i] < 0x20 || text->data[i] == 0x7f) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\": the text must not contain control "
                               "characters", name);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


char *
ngx_http_live_help_look_merge(ngx_conf_t *cf,
    ngx_http_live_help_loc_conf_t *prev, ngx_http_live_help_loc_conf_t *conf)
{
    ngx_http_live_help_look_t  *look, *up;

    up = prev->look;

    if (conf->look == NULL) {
        /* the http level's own is never merged: built here, once */
        conf->look = up;

        if (up == NULL || up->attrs.data != NULL) {
            return NGX_CONF_OK;
        }
    }

    look = conf->look;

    if (up != NULL && up != look) {
        if (look->lang.data == NULL) {
            look->lang = up->lang;
        }

        if (look->color == -1) {
            look->color = up->color;
        }

        if (look->position.data == NULL) {
            look->position = up->position;
        }

        if (look->icon.data == NULL) {
            look->icon = up->icon;
        }

        if (look->strings == NULL) {
            look->strings = up->strings;
        }
    }

    if (ngx_http_live_help_look_attrs(cf, look) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * data-live-help-lang="fi" data-live-help-colors="#bg #fg #hover #active
 * #ring" data-live-help-position="left" data-live-help-icon="help"
 * data-live-help-strings='{"key":"text",...}', each only when set.
 */

static ngx_int_t
ngx_http_live_help_look_attrs(ngx_conf_t *cf, ngx_http_live_help_look_t *look)
{
    u_char                 *p, *end, *json, *q;
    size_t                  len, jlen;
    ngx_uint_t              i;
    ngx_keyval_t           *kv;
    ngx_live_help_theme_t   t;
    u_char                  colors[sizeof("#000000") * 5];

    jlen = 0;
    json = NULL;

    if (look->strings) {
        kv = look->strings->elts;
        jlen = 2;

        for (i = 0; i < look->strings->nelts; i++) {
            /* "key":"text", with every byte of the text escaped at most */
            jlen += kv[i].key.len + 2 * kv[i].value.len + 6;
        }

        json = ngx_pnalloc(cf->pool, jlen);
        if (json == NULL) {
            return NGX_ERROR;
        }

        q = json;
        *q++ = '{';

        for (i = 0; i < look->strings->nelts; i++) {
            if (i) {
                *q++ = ',';
            }

            *q++ = '"';
            q = ngx_cpymem(q, kv[i].key.data, kv[i].key.len);
            *q++ = '"';
            *q++ = ':';
            *q++ = '"';
            q = (u_char *) ngx_escape_json(q, kv[i].value.data,
                                           kv[i].value.len);
            *q++ = '"';
        }

        *q++ = '}';
        jlen = q - json;
    }

    if (look->color != -1) {
        (void) ngx_live_help_theme((uint32_t) look->color, &t);
        ngx_sprintf(colors, "#%06xi #%06xi #%06xi #%06xi #%06xi",
                    (ngx_uint_t) t.bg, (ngx_uint_t) t.fg,
                    (ngx_uint_t) t.hover, (ngx_uint_t) t.active,
                    (ngx_uint_t) t.ring);
    }

    len = 5 * sizeof(" data-live-help-position=\"\"")
          + look->lang.len + look->position.len + look->icon.len
          + sizeof(colors)
          + ngx_live_help_html_escaped_len(json, jlen);

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    look->attrs.data = p;
    end = p + len;

    if (look->lang.len) {
        p = ngx_http_live_help_look_attr(p, end, "lang", look->lang.data,
                                         look->lang.len);
    }

    if (look->color != -1) {
        p = ngx_http_live_help_look_attr(p, end, "colors", colors,
                                         sizeof(colors) - 1);
    }

    if (look->position.len) {
        p = ngx_http_live_help_look_attr(p, end, "position",
                                         look->position.data,
                                         look->position.len);
    }

    if (look->icon.len) {
        p = ngx_http_live_help_look_attr(p, end, "icon", look->icon.data,
                                         look->icon.len);
    }

    if (jlen) {
        p = ngx_http_live_help_look_attr(p, end, "strings", json, jlen);
    }

    look->attrs.len = p - look->attrs.data;

    return NGX_OK;
}


static u_char *
ngx_http_live_help_look_attr(u_char *p, u_char *end, char *name,
    u_char *value, size_t len)
{
    p = ngx_slprintf(p, end, " data-live-help-%s=\"", name);
    p += ngx_live_help_html_escape(p, value, len);
    *p++ = '"';

    return p;
}
