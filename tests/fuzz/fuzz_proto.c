
/*
 * libFuzzer target: the protocol decoder, as visitor and as agent.  What
 * it accepts must meet the limits the chat code relies on.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_live_help_proto.h"
#include "ngx_live_help_token.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                        agent, type;
    ngx_live_help_proto_msg_t  m;

    for (agent = 0; agent < 2; agent++) {
        type = ngx_live_help_proto_decode((const char *) data, size, agent,
                                          &m);

        if (type == NGX_LIVE_HELP_MSG_BAD
            && (m.code == NULL || m.text_error == NULL))
        {
            abort();
        }

        if (type == NGX_LIVE_HELP_MSG_MESSAGE
            && (m.cid == NULL
                || !ngx_live_help_id_valid((const unsigned char *) m.cid,
                                           strlen(m.cid))
                || m.text == NULL || m.text_len == 0
                || m.text_len > NGX_LIVE_HELP_TEXT_MAX
                || (agent && m.conversation == NULL)))
        {
            abort();
        }

        if ((type == NGX_LIVE_HELP_MSG_HISTORY && !agent)
            || (agent && type == NGX_LIVE_HELP_MSG_TYPING
                && m.conversation == NULL))
        {
            abort();
        }

        ngx_live_help_proto_free(&m);
    }

    return 0;
}
