
/*
 * live_help_hours: the directive, and the question the sockets ask.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"
#include "ngx_http_live_help_hours_conf.h"
#include "ngx_live_help_token.h"


static ngx_live_help_tz_t *ngx_live_help_hours_zone(ngx_conf_t *cf,
    ngx_command_t *cmd, ngx_str_t *name);
static char *ngx_live_help_hours_zone_file(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_str_t *name, ngx_live_help_tz_t *tz);


/*
 * live_help_hours "Mon-Fri 09:00-17:00" Europe/Helsinki [department]
 *
 * Lines of one level make one list, which a level without any inherits
 * whole, as add_header does.
 */

char *
ngx_http_live_help_hours(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_live_help_loc_conf_t *llcf = conf;

    char                          err[NGX_LIVE_HELP_HOURS_ERRLEN];
    ngx_str_t                    *value, dept;
    ngx_uint_t                    i;
    ngx_live_help_hours_t         hours;
    const ngx_live_help_tz_t     *tz;
    ngx_live_help_hours_entry_t  *e;

    value = cf->args->elts;
    ngx_str_null(&dept);

    if (cf->args->nelts == 4) {
        dept = value[3];

        if (!ngx_live_help_id_valid(dept.data, dept.len)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid department \"%V\" in \"%V\": 1 to "
                               "%d letters, digits, \"_\" or \"-\"",
                               &dept, &cmd->name, NGX_LIVE_HELP_ID_MAX);
            return NGX_CONF_ERROR;
        }
    }

    if (llcf->hours == NGX_CONF_UNSET_PTR) {
        llcf->hours = ngx_array_create(cf->pool, 4,
                                       sizeof(ngx_live_help_hours_entry_t));
        if (llcf->hours == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    tz = NULL;
    e = llcf->hours->elts;

    for (i = 0; i < llcf->hours->nelts; i++) {

        if (e[i].department.len == dept.len
            && ngx_strncmp(e[i].department.data, dept.data, dept.len) == 0)
        {
            if (dept.len == 0) {
                return "without a department is duplicate";
            }

            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" for department \"%V\" is duplicate",
                               &cmd->name, &dept);
            return NGX_CONF_ERROR;
        }

        /* one copy of a zone per level */
        if (e[i].zone.len == value[2].len
            && ngx_strncmp(e[i].zone.data, value[2].data, value[2].len) == 0)
        {
            tz = e[i].hours.tz;
        }
    }

    if (ngx_live_help_hours_parse(&hours, value[1].data, value[1].len, err,
                                  sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid schedule \"%V\" in \"%V\": %s",
                           &value[1], &cmd->name, err);
        return NGX_CONF_ERROR;
    }

    if (tz == NULL) {
        tz = ngx_live_help_hours_zone(cf, cmd, &value[2]);
        if (tz == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    e = ngx_array_push(llcf->hours);
    if (e == NULL) {
        return NGX_CONF_ERROR;
    }

    e->department = dept;
    e->zone = value[2];
    e->hours = hours;
    e->hours.tz = tz;

    return NGX_CONF_OK;
}


/* "UTC", "+02:00", "UTC-5", or a zone file's name */

static ngx_live_help_tz_t *
ngx_live_help_hours_zone(ngx_conf_t *cf, ngx_command_t *cmd, ngx_str_t *name)
{
    char                 err[NGX_LIVE_HELP_HOURS_ERRLEN];
    ngx_int_t            rc;
    ngx_live_help_tz_t  *tz;

    tz = ngx_pcalloc(cf->pool, sizeof(ngx_live_help_tz_t));
    if (tz == NULL) {
        return NULL;
    }

    rc = ngx_live_help_tz_fixed(tz, name->data, name->len, err, sizeof(err));

    if (rc == 1) {
        return tz;
    }

    if (rc < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid time zone \"%V\" in \"%V\": %s",
                           name, &cmd->name, err);
        return NULL;
    }

    if (!ngx_live_help_tz_name_valid(name->data, name->len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid time zone \"%V\" in \"%V\": expected a "
                           "name such as \"Europe/Helsinki\", \"UTC\" or "
                           "\"+02:00\"", name, &cmd->name);
        return NULL;
    }

    if (ngx_live_help_hours_zone_file(cf, cmd, name, tz) != NGX_CONF_OK) {
        return NULL;
    }

    return tz;
}


/*
 * Zone files are read here, once per configuration: workers never open
 * them, and a tzdata update takes effect at the next reload.
 */

static char *
ngx_live_help_hours_zone_file(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_str_t *name, ngx_live_help_tz_t *tz)
{
    char             err[NGX_LIVE_HELP_HOURS_ERRLEN];
    char            *rv;
    u_char          *path, *data;
    size_t           size;
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_file_info_t  fi;

    path = ngx_pnalloc(cf->pool, sizeof(NGX_LIVE_HELP_ZONEINFO) + name->len);
    if (path == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_cpystrn(ngx_cpymem(path, NGX_LIVE_HELP_ZONEINFO,
                           sizeof(NGX_LIVE_HELP_ZONEINFO) - 1),
                name->data, name->len + 1);

    fd = ngx_open_file(path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "unknown time zone \"%V\" in \"%V\": cannot open "
                           "\"%s\"", name, &cmd->name, path);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_file(&fi)
        || ngx_file_size(&fi) > NGX_LIVE_HELP_ZONEINFO_MAX)
    {
        ngx_close_file(fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown time zone \"%V\" in \"%V\": \"%s\" is "
                           "not a zone file", name, &cmd->name, path);
        return NGX_CONF_ERROR;
    }

    size = (size_t) ngx_file_size(&fi);

    data = ngx_alloc(size + 1, cf->log);
    if (data == NULL) {
        ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, data, size);
    ngx_close_file(fd);

    rv = NGX_CONF_OK;

    if (n != (ssize_t) size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "time zone \"%V\" in \"%V\": cannot read \"%s\"",
                           name, &cmd->name, path);
        rv = NGX_CONF_ERROR;

    } else if (ngx_live_help_tz_parse(tz, data, size, err, sizeof(err)) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid time zone \"%V\" in \"%V\": \"%s\": %s",
                           name, &cmd->name, path, err);
        rv = NGX_CONF_ERROR;
    }

    ngx_free(data);

    return rv;
}


ngx_int_t
ngx_live_help_hours_now(ngx_array_t *hours, ngx_str_t *dept, time_t now,
    time_t *next)
{
    int                           open;
    int64_t                       change;
    ngx_uint_t                    i;
    ngx_live_help_hours_entry_t  *e, *use;

    *next = 0;

    if (hours == NULL || hours == NGX_CONF_UNSET_PTR) {
        return 1;
    }

    e = hours->elts;
    use = NULL;

    for (i = 0; i < hours->nelts; i++) {

        if (e[i].department.len == 0) {
            if (use == NULL) {
                use = &e[i];
            }

            continue;
        }

        if (dept != NULL && dept->len == e[i].department.len
            && ngx_strncmp(dept->data, e[i].department.data, dept->len) == 0)
        {
            use = &e[i];
            break;
        }
    }

    if (use == NULL) {
        return 1;
    }

    open = ngx_live_help_hours_open(&use->hours, now, &change);
    *next = (time_t) change;

    return open;
}
