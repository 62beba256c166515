'use strict';

/*
 * An operator forgot live_help_redis: the widget and the agent page say
 * that chat is not available, instead of "Reconnecting..." for ever.
 */

const assert = require('node:assert/strict');
const { describe, test } = require('node:test');

const { AGENT, AGENT_PASSWORD } = require('./lib/stack');
const { withPage, artifactPath } = require('./lib/browser');
const { useStack } = require('./lib/suite');

const TITLE = 'Live Help';
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1366, height: 800 };

describe('a server without live_help_redis', () => {
    const t = useStack({ noStore: true });

    test('nginx_warned_at_start_that_live_help_redis_is_missing', () => {
        assert.match(t.stack.errorLog(),
                     /\[warn\].*"live_help_redis" is not set/);
    });

    for (const [name, viewport] of [['phone', PHONE], ['laptop', LAPTOP]]) {
        test(`widget_says_chat_is_not_available_on_a_${name}`, async () => {
            await withPage(t.browser, `unavailable-widget-${name}`,
                           { viewport }, async (page) => {
                await page.goto(`${t.stack.baseUrl}/index.html`);
                await page.getByRole('button', { name: new RegExp(`^${TITLE}`) })
                    .click();
                const dialog = page.getByRole('dialog', { name: TITLE });

                await dialog.getByRole('status')
                    .filter({ hasText: 'Chat is not available right now.' })
                    .waitFor();
                assert.doesNotMatch(await dialog.innerText(),
                                    /Reconnecting|Connecting|will answer/);
                assert.equal(await dialog.getByRole('textbox',
                                                    { name: 'Message' })
                                 .isDisabled(), true,
                             'nothing can be written that nobody reads');
                await page.screenshot({
                    path: artifactPath(`unavailable-widget-${name}.png`),
                });
            });
        });
    }

    test('agent_page_says_the_server_has_no_store', async () => {
        await withPage(t.browser, 'unavailable-agent', {
            viewport: LAPTOP,
            httpCredentials: { username: AGENT, password: AGENT_PASSWORD },
        }, async (page) => {
            await page.goto(`${t.stack.baseUrl}/live-help/agent/`);
            await page.getByRole('status')
                .filter({ hasText: 'no live_help_redis' })
                .waitFor();
            await page.screenshot({
                path: artifactPath('unavailable-agent-laptop.png'),
            });
        });
    });
});
