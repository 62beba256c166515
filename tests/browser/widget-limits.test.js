'use strict';

/*
 * A shopper who types faster than the limit allows (set low here: 3
 * messages at once, then one every 2 s) is told so, and loses nothing:
 * the widget waits as long as the server says and sends again, and the
 * agent gets every message once, in order.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const { connectAgent } = require('./lib/agent');
const { AGENT, AGENT_PASSWORD } = require('./lib/stack');
const w = require('./lib/widget');

const t = useStack({ http: 'live_help_limit_messages 3/6s 30/10s;' });

test('a_shopper_over_the_message_limit_is_told_and_loses_nothing',
     async () => {
    const maria = await connectAgent(t.stack.baseUrl, AGENT, AGENT_PASSWORD);
    const texts = [1, 2, 3, 4, 5, 6].map((i) => `question ${i}`);

    try {
        await withPage(t.browser, 'limits', { viewport: w.VIEWPORTS.phone },
                       async (page) => {
            await page.goto(`${t.stack.baseUrl}/product.html`);
            await w.openChat(page);

            for (const text of texts) {
                await w.visitorSays(page, text);
            }

            const status = w.dialog(page).getByRole('status');

            await status.getByText('Sending too fast').waitFor();
            await w.snap(page, 'rate-limited');

            /* every message reaches the agent once, in order */
            await maria.waitFor((m) => m.type === 'event'
                                && m.event.text === texts[5],
                                'the last message', 30000);

            const got = maria.messages
                .filter((m) => m.type === 'event'
                        && m.event.kind === 'message')
                .map((m) => m.event.text);

            assert.deepEqual(got, texts);

            /* and the shopper is no longer told to wait */
            await page.waitForFunction(() => {
                const root = document.querySelector('live-help-widget')
                    .shadowRoot;

                return root.querySelector('[role=status]').textContent
                    === '';
            });
        });
    } finally {
        maria.close();
    }
});
