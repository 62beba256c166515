'use strict';

/*
 * The panel's lists come 100 at a time: with 150 conversations waiting,
 * the queue shows the 100 who waited longest and "Load more (100 of
 * 150)" below them, which brings the rest; on a laptop and on a phone.
 * An operator erasing a visitor (lua/erase.lua) takes their row away.
 *
 * The waiting conversations are stored as the module stores them
 * (lua/conversation.lua, by EVAL): nginx, Redis and the panel are real.
 */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const { REPO } = require('./lib/stack');
const P = require('./lib/panel');

const t = useStack({ assign: 'manual' });

const LUA = path.join(REPO, 'ngx_live_help_module', 'lua');
const WAITING = 150;

function id(i) {
    return `vPage${String(i).padStart(5, '0')}`;
}

async function fillQueue() {
    const script = fs.readFileSync(path.join(LUA, 'conversation.lua'),
                                   'utf8');
    const now = Date.now() - 60000;

    for (let i = 1; i <= WAITING; i++) {
        await t.stack.redisCommand('EVAL', script, '0', 'message',
            String(now + i), id(i), 'c', '604800', 'visitor', '',
            JSON.stringify({ kind: 'message', from: 'visitor',
                             text: `Question ${i}`, cid: 'c' }),
            '', '0', '0', '86400', '10000');
    }
}

function moreButton(page) {
    return page.getByRole('button', { name: /^Load more/ });
}

async function rows(page) {
    return page.locator('#convs .conv').count();
}

describe('lists in pages', () => {
    test('load_more_brings_the_rest_of_the_queue_on_a_laptop_and_a_phone',
         async (tc) => {
        await fillQueue();

        for (const viewport of [P.LAPTOP, P.PHONE]) {
            await withPage(t.browser, `pages-${viewport.width}`,
                           P.agentContext('maria', viewport),
                           async (page) => {
                await P.openPanel(page, t.stack.baseUrl);
                await P.showTab(page, 'Queue');
                await P.until(async () => (await rows(page)) === 100,
                              'the first 100 of the queue');
                assert.equal(await moreButton(page).textContent(),
                             `Load more (100 of ${WAITING})`);
                const tab = page.getByRole('tab', { name: /^Queue/ });
                assert.match(await tab.textContent(), /150/,
                             'the tab counts every one waiting');
                const names = await page.locator('#convs .conv .preview')
                    .allTextContents();
                assert.equal(names[0], 'Question 1',
                             'the one who waited longest on top');
                await moreButton(page).scrollIntoViewIfNeeded();
                await P.shoot(page, 'load-more');

                await moreButton(page).click();
                await P.until(async () => (await rows(page)) === WAITING,
                              'the whole queue');
                assert.equal(await moreButton(page).count(), 0,
                             'nothing more to load');
                const all = await page.locator('#convs .conv .preview')
                    .allTextContents();
                assert.deepEqual(all, Array.from({ length: WAITING },
                                                 (_, i) => `Question ${i + 1}`),
                                 'each once, oldest first');
                await P.shoot(page, 'loaded-all');
                tc.diagnostic(`${viewport.width}x${viewport.height}: `
                              + `${all.length} rows after one Load more`);
            });
        }
    });

    test('an_erased_visitor_leaves_the_open_panel', async () => {
        await withPage(t.browser, 'pages-erase', P.agentContext(),
                       async (page) => {
            await P.openPanel(page, t.stack.baseUrl);
            await P.showTab(page, 'Queue');
            await P.until(async () => (await rows(page)) >= 100,
                          'the queue');
            const first = page.locator('#convs .conv').first();

            assert.equal(await first.locator('.preview').textContent(),
                         'Question 1');
            const out = await t.stack.redisCli('--eval',
                path.join(LUA, 'erase.lua'), ',', 'visitor', id(1));

            assert.match(out, /erased 1 visitors/);
            await P.until(async () => (await first.locator('.preview')
                .textContent()) === 'Question 2', 'the row to go');
        });
    });
});
