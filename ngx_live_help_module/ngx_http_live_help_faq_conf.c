
/*
 * live_help_faq FILE | off: a JSON file of questions and answers, loaded
 * and indexed with the configuration (in the cycle's pool's lifetime), so
 * that nginx -t says what is wrong with it and the workers share it
 * read-only after fork.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"
#include "ngx_http_live_help_faq_conf.h"


static void ngx_http_live_help_faq_cleanup(void *data);


char *
ngx_http_live_help_faq(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_live_help_loc_conf_t *llcf = conf;

    char                  err[NGX_LIVE_HELP_FAQ_ERRLEN], *rv;
    u_char               *data;
    ssize_t               n;
    ngx_fd_t              fd;
    ngx_str_t            *value, path;
    ngx_file_info_t       fi;
    ngx_pool_cleanup_t   *cln;
    ngx_live_help_faq_t  *faq;

    if (llcf->faq != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        llcf->faq = NULL;
        return NGX_CONF_OK;
    }

    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": cannot open \"%V\"", &cmd->name, &path);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_file(&fi)
        || ngx_file_size(&fi) > NGX_LIVE_HELP_FAQ_FILE_MAX)
    {
        ngx_close_file(fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%V\" is not a file of at most %d "
                           "bytes", &cmd->name, &path,
                           NGX_LIVE_HELP_FAQ_FILE_MAX);
        return NGX_CONF_ERROR;
    }

    data = ngx_alloc((size_t) ngx_file_size(&fi) + 1, cf->log);
    if (data == NULL) {
        ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, data, (size_t) ngx_file_size(&fi));
    ngx_close_file(fd);

    rv = NGX_CONF_OK;
    faq = NULL;

    if (n != (ssize_t) ngx_file_size(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": cannot read \"%V\"", &cmd->name, &path);
        rv = NGX_CONF_ERROR;

    } else {
        faq = ngx_live_help_faq_load((char *) data, (size_t) n, err,
                                     sizeof(err));
        if (faq == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\": invalid FAQ file \"%V\": %s",
                               &cmd->name, &path, err);
            rv = NGX_CONF_ERROR;
        }
    }

    ngx_free(data);

    if (faq == NULL) {
        return rv;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_live_help_faq_free(faq);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_live_help_faq_cleanup;
    cln->data = faq;

    llcf->faq = faq;

    return NGX_CONF_OK;
}


static void
ngx_http_live_help_faq_cleanup(void *data)
{
    ngx_live_help_faq_free(data);
}
