'use strict';

/*
 * The agent socket's lifetime (live_help_agent_socket_lifetime 3s here)
 * in a real browser behind auth_basic: when it passes the server closes
 * the socket with 4002 and the panel reconnects by itself at once, through
 * nginx's auth again, with nothing for the agent to do; an agent removed
 * from the htpasswd file meanwhile is told the sign-in ended instead, and
 * the panel stops trying.
 */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const P = require('./lib/panel');
const { AGENT_PASSWORD } = require('./lib/stack');

const LIFETIME_MS = 3000;
const SLACK_MS = 2000;
const t = useStack({ agentLifetime: '3s', agents: ['ada'] });

/* the page's agent sockets as they come and go: { opened, closed } */
function agentSockets(page) {
    const sockets = [];

    page.on('websocket', (ws) => {
        if (/\/live-help\/agent\/ws$/.test(ws.url())) {
            const s = { opened: Date.now(), closed: 0 };

            sockets.push(s);
            ws.on('close', () => {
                s.closed = Date.now();
            });
        }
    });
    return sockets;
}

describe('agent socket lifetime', () => {
    test('the_panel_reconnects_by_itself_when_its_socket_lifetime_passes',
         async () => {
        await withPage(t.browser, 'lifetime-maria', P.agentContext('maria'),
                       async (maria) => {
            const sockets = agentSockets(maria);

            await P.openPanel(maria, t.stack.baseUrl);
            await P.until(() => sockets.length >= 2,
                          'a second agent socket after the lifetime',
                          LIFETIME_MS + SLACK_MS);
            const [first, second] = sockets;
            const lived = first.closed - first.opened;
            const gap = second.opened - first.closed;

            console.log(`# lifetime ${LIFETIME_MS} ms: the first socket `
                        + `closed after ${lived} ms, the panel opened the `
                        + `next ${gap} ms later`);
            assert.ok(first.closed > 0, 'the first socket closed');
            assert.ok(lived <= LIFETIME_MS + SLACK_MS, `on time (${lived})`);
            assert.ok(gap >= 0 && gap < 1000, `at once (${gap} ms)`);
            await maria.locator('#layout[data-live=true]')
                .waitFor({ state: 'attached' });

            /* the new socket carries the chat */
            const text = P.unique('After the lifetime');
            const c = await t.browser.newContext();

            try {
                const shopper = await c.newPage();

                await P.shopperOpens(shopper, t.stack.baseUrl);
                await P.shopperSays(shopper, text);
                await P.showTab(maria, 'All open');
                await P.row(maria, text).waitFor();
            } finally {
                await c.close();
            }
            assert.equal(await maria.locator('#status a').count(), 0,
                         'no "sign-in ended" banner');
        });
    });

    test('a_removed_agent_is_told_the_sign_in_ended', async () => {
        const ctx = { httpCredentials: { username: 'ada',
                                         password: AGENT_PASSWORD },
                      viewport: P.LAPTOP };

        await withPage(t.browser, 'lifetime-removed', ctx,
                       async (ada, problems) => {
            const sockets = agentSockets(ada);

            await P.openPanel(ada, t.stack.baseUrl);

            /* ada leaves the htpasswd file; her socket is not told */
            const file = path.join(t.stack.dir, 'agents');
            const removedAt = Date.now();

            fs.writeFileSync(file, fs.readFileSync(file, 'utf8')
                .split('\n').filter((l) => !l.startsWith('ada:'))
                .join('\n'));
            const banner = ada.getByRole('status');

            await banner.getByRole('link', { name: 'Sign in again' })
                .waitFor({ timeout: LIFETIME_MS + SLACK_MS });
            console.log('# the panel said the sign-in ended '
                        + `${Date.now() - removedAt} ms after the removal`);
            assert.match(await banner.textContent(),
                         /Your sign-in has ended/);
            assert.equal(await ada.locator('#layout').getAttribute(
                'data-live'), 'false', 'the panel is not live');
            await P.shoot(ada, 'signed-out');

            /* the panel opens no more sockets: one more attempt at most */
            const count = sockets.length;

            await ada.waitForTimeout(1500);
            assert.ok(sockets.length <= count + 1,
                      `${sockets.length - count} sockets after the banner`);

            /* what the browser says of nginx's 401s is expected here */
            const rest = problems.filter((p) => !/status of 401/.test(p));

            problems.splice(0, problems.length, ...rest);
        });
    });
});
