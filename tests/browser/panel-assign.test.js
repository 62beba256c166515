'use strict';

/*
 * The agent panel when chats are given out (live_help_assign auto) to two
 * agents with room for two chats each, and an owner who goes away is
 * given live_help_agent_grace 2s before their chats go to someone else.
 * Real nginx (two workers), Redis and Chromium.
 */

const assert = require('node:assert/strict');
const { describe, test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const P = require('./lib/panel');

const t = useStack({ assign: 'auto', maxChats: 2, grace: '2s' });

/* the ids in an agent's Mine tab */
async function mineIds(page) {
    await P.showTab(page, 'Mine');
    return page.locator('#convs .conv').evaluateAll((rows) => rows
        .map((r) => r.dataset.id).sort());
}

/* the conversations Redis says an agent owns, by display name */
async function ownedBy(ids) {
    const by = {};

    for (const id of ids) {
        const s = await P.stateOf(t.stack, id);

        (by[s.oname] = by[s.oname] || []).push(id);
    }
    Object.values(by).forEach((l) => l.sort());
    return by;
}

describe('agent panel, chats given out', () => {
    test('three_chats_spread_two_and_one_over_two_agents_each_in_mine',
         async () => {
        const texts = [1, 2, 3].map((i) => P.unique(`Spread ${i}`));

        await withPage(t.browser, 'spread-maria', P.agentContext('maria'),
                       async (maria) => {
            await P.openPanel(maria, t.stack.baseUrl);
            await withPage(t.browser, 'spread-jonas',
                           P.agentContext('jonas'), async (jonas) => {
                await P.openPanel(jonas, t.stack.baseUrl);
                const ctx = [];

                try {
                    for (const text of texts) {
                        const c = await t.browser.newContext();
                        const shopper = await c.newPage();

                        ctx.push(c);
                        await P.shopperOpens(shopper, t.stack.baseUrl);
                        await P.shopperSays(shopper, text);
                        await P.waitForWidgetText(shopper, text);
                    }
                    await P.showTab(maria, 'All open');
                    const ids = [];

                    for (const text of texts) {
                        await P.row(maria, text).waitFor();
                        ids.push(await P.rowId(maria, text));
                    }
                    let by = {};

                    await P.until(async () => {
                        by = await ownedBy(ids);
                        return (by.Maria || []).length
                               + (by.Jonas || []).length === 3;
                    }, () => JSON.stringify(by));
                    assert.deepEqual([(by.Maria || []).length,
                                      (by.Jonas || []).length].sort(),
                                     [1, 2]);
                    await P.until(async () => JSON.stringify(
                        await mineIds(maria)) === JSON.stringify(by.Maria),
                                () => 'Maria\'s Mine');
                    await P.until(async () => JSON.stringify(
                        await mineIds(jonas)) === JSON.stringify(by.Jonas),
                                () => 'Jonas\'s Mine');
                    assert.equal(await maria.locator('#load').textContent(),
                                 `${by.Maria.length} of 2 chats`);
                    await P.shoot(by.Maria.length === 2 ? maria : jonas,
                                  'mine');

                } finally {
                    for (const c of ctx) {
                        await c.close();
                    }
                }
                /* leave nothing open for the next test */
                await closeAll(maria);
                await closeAll(jonas);
            });
        });
    });

    test('the_tab_title_counts_what_needs_this_agent', async () => {
        const first = P.unique('First question');
        const second = P.unique('And one more thing');

        await withPage(t.browser, 'title-maria', P.agentContext('maria'),
                       async (maria) => {
            await P.openPanel(maria, t.stack.baseUrl);
            await P.showTab(maria, 'Closed');
            await P.until(async () => await maria.title() === 'Live Help',
                          'nothing needs Maria yet');
            const c = await t.browser.newContext();

            try {
                const shopper = await c.newPage();

                /* Maria is the only agent: the chat is hers, unread */
                await P.shopperOpens(shopper, t.stack.baseUrl);
                await P.shopperSays(shopper, first);
                await P.waitForWidgetText(shopper, first);
                await P.until(async () => /^\(1\) /.test(await maria.title()),
                              'one unread in her chat');
                await P.shopperSays(shopper, second);
                await P.until(async () => /^\(2\) /.test(await maria.title()),
                              'two unread in her chat');

                /* read: the count goes */
                await P.showTab(maria, 'Mine');
                await P.row(maria, second).click();
                await maria.locator('#log .msg .text', { hasText: second })
                    .waitFor();
                await P.until(async () => await maria.title() === 'Live Help',
                              'read, nothing left');
            } finally {
                await c.close();
            }
            await closeAll(maria);
        });
    });

    test('owner_gone_past_the_grace_loses_the_chat_to_the_other_agent',
         async () => {
        const text = P.unique('Is anyone still there?');

        await withPage(t.browser, 'grace-jonas', P.agentContext('jonas'),
                       async (jonas) => {
            await P.openPanel(jonas, t.stack.baseUrl);
            await P.showTab(jonas, 'Mine');
            const mariaCtx = await t.browser.newContext(
                P.agentContext('maria'));
            const maria = await mariaCtx.newPage();

            await P.openPanel(maria, t.stack.baseUrl);
            /* Jonas is away: the chat goes to Maria */
            await jonas.getByRole('switch').click();
            await jonas.locator('#presence-text', { hasText: 'Away' })
                .waitFor();

            await withPage(t.browser, 'grace-shopper', async (shopper) => {
                const events = P.shopperEvents(shopper);

                await P.shopperOpens(shopper, t.stack.baseUrl);
                await P.shopperSays(shopper, text);
                await P.waitForEvent(events, 'joined', { name: 'Maria' });
                await P.showTab(maria, 'Mine');
                await P.row(maria, text).waitFor();

                /* Jonas is back; Maria closes her tab */
                await jonas.getByRole('switch').click();
                await jonas.locator('#presence-text', { hasText: 'Online' })
                    .waitFor();
                const gone = Date.now();

                await mariaCtx.close();
                await P.row(jonas, text).waitFor({ timeout: 15000 });
                const took = Date.now() - gone;

                assert.ok(took >= 2000, `given after ${took} ms`);
                await P.waitForEvent(events, 'released', { name: 'Maria' });
                await P.waitForEvent(events, 'joined', { name: 'Jonas' });
                await P.row(jonas, text).click();
                await jonas.locator('#log .sys', {
                    hasText: 'Maria left: back in the queue' }).waitFor();
                await jonas.locator('#log .sys', { hasText: 'Jonas joined' })
                    .waitFor();
                console.log(`# grace: the chat moved ${took} ms after `
                            + 'the owner\'s tab closed (grace 2 s)');
            });
        });
    });
});

/* closes every chat in the agent's Mine tab, through the panel */
async function closeAll(page) {
    await P.showTab(page, 'Mine');
    while (await page.locator('#convs .conv').count()) {
        await page.locator('#convs .conv').first().click();
        await page.getByRole('button', { name: 'Close' }).click();
        await page.getByRole('dialog').getByRole('button', {
            name: 'Close conversation' }).click();
        await page.locator('#log .sys', { hasText: 'Closed by' }).waitFor();
    }
}
