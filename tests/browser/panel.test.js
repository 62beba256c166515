'use strict';

/*
 * The agent panel with chats left for agents to claim (live_help_assign
 * manual), two agents (maria, jonas) and two departments: the queue, the
 * open conversation with its history, claiming at once, transferring,
 * closing, hostile visitors, the keyboard, axe-core, and the store going
 * away. Real nginx (two workers), Redis and Chromium; shoppers use the
 * real widget on the demo shop.
 */

const assert = require('node:assert/strict');
const { describe, test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const P = require('./lib/panel');

/* an agent stays online: with nobody online the widget offers its offline
   form, and shoppers here write before the panel opens */
const t = useStack({ assign: 'manual', departments: 'sales support',
                     agentOnline: true });

/* a shopper who wrote text, kept open while body runs */
async function withShopper(name, text, body) {
    await withPage(t.browser, name, async (shopper) => {
        const events = P.shopperEvents(shopper);

        await P.shopperOpens(shopper, t.stack.baseUrl);
        await P.shopperSays(shopper, text);
        await P.waitForWidgetText(shopper, text);
        await body(shopper, events);
    });
}

/* the panel of an agent, opened on a tab */
async function withAgent(login, tab, body, viewport) {
    await withPage(t.browser, `agent-${login}`,
                   P.agentContext(login, viewport), async (agent) => {
        await P.openPanel(agent, t.stack.baseUrl);
        if (tab) {
            await P.showTab(agent, tab);
        }
        await body(agent);
    });
}

async function openRow(agent, text) {
    await P.row(agent, text).click();
    await agent.locator('#log .msg .text', { hasText: text }).first()
        .waitFor();
}

describe('agent panel, chats claimed by hand', () => {
    test('an_agent_chooses_the_department_whose_chats_they_are_given',
         async () => {
        /* the agent's record in Redis, by display name */
        async function served(name) {
            for (const key of await t.stack.redisCommand('KEYS', 'lh:ag:*')) {
                const [n, depts] = await t.stack.redisCommand(
                    'HMGET', key, 'name', 'depts');

                if (n === name) {
                    return depts;
                }
            }
            return null;
        }

        await withAgent('maria', null, async (agent) => {
            const select = agent.getByLabel('Chats from');

            assert.deepEqual(await select.locator('option').allTextContents(),
                             ['All departments', 'Sales', 'Support']);
            assert.equal(await served('Maria'), 'sales support',
                         'all of them to begin with');
            await select.selectOption('support');
            await P.until(async () => (await served('Maria')) === 'support',
                          'the choice to reach Redis');
            await agent.reload();
            await agent.locator('#layout[data-live="true"]').waitFor();
            assert.equal(await select.inputValue(), 'support',
                         'kept across a reload');
            assert.equal(await served('Maria'), 'support',
                         'and said again in the new hello');
            await select.selectOption('');
            await P.until(async () => (await served('Maria'))
                          === 'sales support', 'all again');
        });
    });

    test('empty_panel_says_so_on_laptop_and_phone', async () => {
        for (const vp of [P.LAPTOP, P.PHONE]) {
            await withAgent('maria', null, async (agent) => {
                await agent.getByText('No chats of yours').waitFor();
                assert.equal(await agent.locator('#me-name').textContent(),
                             'Maria');
                assert.equal(await agent.locator('#load').textContent(),
                             '0 of 3 chats');
                await P.shoot(agent, 'empty');
                assert.deepEqual(await P.axeProblems(agent), []);
            }, vp);
        }
    });

    test('conversation_written_before_the_panel_opened_shows_whole_then_live',
         async () => {
        const lines = [P.unique('Do you ship to Norway?'),
                       P.unique('And how long does it take?')];
        const later = P.unique('Also, is there a discount?');

        await withShopper('before-shopper', lines[0], async (shopper) => {
            await P.shopperSays(shopper, lines[1]);
            await P.waitForWidgetText(shopper, lines[1]);

            await withAgent('maria', 'Queue', async (agent) => {
                await P.row(agent, lines[1]).waitFor();
                await P.row(agent, lines[1]).click();
                await P.waitForLog(agent, [
                    '-- Conversation 1 started',
                    `visitor: ${lines[0]}`, `visitor: ${lines[1]}`]);
                await P.shopperSays(shopper, later);
                await P.waitForLog(agent, [
                    '-- Conversation 1 started',
                    `visitor: ${lines[0]}`, `visitor: ${lines[1]}`,
                    `visitor: ${later}`]);
                assert.match(await agent.locator('#chat-state')
                    .textContent(), /^Waiting /);
                await P.shoot(agent, 'queue');
                await alsoOnPhone(agent, 'queue', async () => {
                    await agent.getByRole('button', { name: 'Back' })
                        .first().click();
                });
            });
        });
    });

    test('two_agents_claiming_at_once_get_one_owner_five_times_out_of_five',
         async () => {
        await withAgent('maria', 'Queue', async (maria) => {
            await withAgent('jonas', 'Queue', async (jonas) => {
                for (let i = 1; i <= 5; i++) {
                    const text = P.unique(`Race ${i}: who answers me?`);

                    await withShopper(`race-${i}`, text, async () => {
                        await openRow(maria, text);
                        await openRow(jonas, text);
                        const id = await P.rowId(maria, text);

                        await Promise.all([maria, jonas].map((page) =>
                            page.evaluate(() => document
                                .getElementById('claim').click())));

                        await P.row(maria, text).waitFor({
                            state: 'detached' }).catch(() => {});
                        const s = await waitOwned(id);
                        const [winner, loser] = s.oname === 'Maria'
                            ? [maria, jonas] : [jonas, maria];

                        assert.ok(['Maria', 'Jonas'].includes(s.oname));
                        await winner.locator('#chat-state', {
                            hasText: 'You are answering' }).waitFor();
                        await loser.locator('#notice', { hasText: new RegExp(
                            `^${s.oname} (took it first|is answering)`) })
                            .waitFor();
                        assert.equal(await P.reply(loser).isDisabled(),
                                     true);
                        /* one "joined" in the log, seen the same by both */
                        for (const page of [maria, jonas]) {
                            await page.locator('#log .sys', {
                                hasText: `${s.oname} joined` }).waitFor();
                            assert.equal(await page.locator('#log .sys', {
                                hasText: 'joined' }).count(), 1);
                        }
                        if (i === 5) {
                            await P.shoot(loser, 'owned-by-other');
                            await alsoOnPhone(loser, 'owned-by-other');
                        }
                    });
                }
            });
        });
    });

    test('transfer_moves_the_chat_to_the_other_agent_then_to_a_department',
         async () => {
        const text = P.unique('Can sales help me with a bulk order?');

        await withShopper('transfer', text, async (shopper, events) => {
            await withAgent('maria', 'Queue', async (maria) => {
                await withAgent('jonas', 'Mine', async (jonas) => {
                    await openRow(maria, text);
                    await maria.getByRole('button', { name: 'Claim' })
                        .click();
                    await maria.locator('#chat-state', {
                        hasText: 'You are answering' }).waitFor();
                    await P.showTab(maria, 'Mine');
                    await P.row(maria, text).waitFor();

                    await maria.getByRole('button', { name: 'Transfer' })
                        .click();
                    const toJonas = maria.getByRole('menuitem',
                                                    { name: /^Jonas/ });

                    await toJonas.waitFor();
                    await maria.getByRole('menuitem', { name: 'Sales' })
                        .waitFor();
                    await P.shoot(maria, 'transfer-menu');
                    await alsoOnPhone(maria, 'transfer-menu');
                    await toJonas.click();

                    /* out of Maria's Mine, into Jonas's */
                    await P.row(jonas, text).waitFor();
                    await P.row(maria, text).waitFor({ state: 'detached' });
                    await maria.locator('#notice', {
                        hasText: 'Jonas is answering' }).waitFor();
                    await waitForLine(maria, 'Transferred to Jonas by Maria');
                    await P.waitForEvent(events, 'transferred',
                                         { name: 'Jonas' });

                    /* Jonas hands it to the sales queue */
                    await openRow(jonas, text);
                    await jonas.getByRole('button', { name: 'Transfer' })
                        .click();
                    await jonas.getByRole('menuitem', { name: 'Sales' })
                        .click();
                    await P.row(jonas, text).waitFor({ state: 'detached' });
                    await P.showTab(jonas, 'Queue');
                    await P.row(jonas, text).filter({ hasText: 'Sales' })
                        .waitFor();
                    await P.showTab(maria, 'Queue');
                    await P.row(maria, text).filter({ hasText: 'Sales' })
                        .waitFor();
                    await waitForLine(jonas, 'Transferred to Sales by Jonas');
                    await P.waitForEvent(events, 'transferred',
                                         { dept: 'sales' });
                    const s = await P.stateOf(t.stack, await P.rowId(
                        maria, text));

                    assert.equal(s.state, 'waiting');
                    assert.equal(s.dept, 'sales');
                });
            });
        });
    });

    test('agent_closes_the_shopper_is_told_and_writing_again_starts_n_2',
         async () => {
        const text = P.unique('Thanks, that is all');
        const again = P.unique('One more thing, actually');

        await withShopper('close', text, async (shopper, events) => {
            await withAgent('maria', 'Queue', async (maria) => {
                await openRow(maria, text);
                const id = await P.rowId(maria, text);

                await maria.getByRole('button', { name: 'Claim' }).click();
                await maria.locator('#chat-state', {
                    hasText: 'You are answering' }).waitFor();
                await maria.getByRole('button', { name: 'Close' }).click();
                const dlg = maria.getByRole('dialog', {
                    name: 'Close this conversation?' });

                await dlg.getByRole('button', { name: 'Close conversation' })
                    .click();
                await waitForLine(maria, 'Closed by Maria');
                await P.waitForEvent(events, 'closed', { by: 'agent' });
                assert.equal((await P.stateOf(t.stack, id)).state, 'closed');
                assert.equal(await P.reply(maria).isDisabled(), true);
                await P.showTab(maria, 'Closed');
                await P.row(maria, text).waitFor();
                await P.shoot(maria, 'closed');
                await alsoOnPhone(maria, 'closed');

                await P.shopperSays(shopper, again);
                await P.waitForEvent(events, 'opened', { n: 2 });
                await P.showTab(maria, 'Queue');
                await P.row(maria, again).waitFor();
                await waitForLine(maria, 'Conversation 2 started');
                const s = await P.stateOf(t.stack, id);

                assert.equal(s.state, 'waiting');
                assert.equal(s.n, 2);
            });
        });
    });

    test('keyboard_alone_claims_replies_and_closes', async () => {
        const text = P.unique('Typing only, no mouse?');
        const answer = P.unique('Yes, from the keyboard');

        await withShopper('keys', text, async (shopper, events) => {
            await withAgent('maria', null, async (maria) => {
                const k = maria.keyboard;

                await k.press('2');             /* the queue */
                await P.row(maria, text).waitFor();
                /* the newest waits last: go to the end */
                const n = await maria.locator('#convs .conv').count();

                for (let i = 0; i < n; i++) {
                    await k.press('j');
                }
                assert.equal(await maria.evaluate(() => document
                    .activeElement.dataset.id), await P.rowId(maria, text));
                await assertFocusRing(maria);
                await k.press('Enter');
                await maria.locator('#log .msg .text', { hasText: text })
                    .waitFor();
                await k.press('c');
                await maria.locator('#chat-state', {
                    hasText: 'You are answering' }).waitFor();
                await k.press('r');
                assert.equal(await maria.evaluate(() => document
                    .activeElement.id), 'reply-text');
                await k.type(answer);
                await k.press('Enter');
                await P.waitForEvent(events, 'message', { text: answer });
                await k.press('Escape');
                assert.notEqual(await maria.evaluate(() => document
                    .activeElement.id), 'reply-text');
                await k.press('e');
                await maria.getByRole('dialog', {
                    name: 'Close this conversation?' }).waitFor();
                await k.press('Enter');
                await P.waitForEvent(events, 'closed', { by: 'agent' });
                await waitForLine(maria, 'Closed by Maria');
            });
        });
    });

    test('hostile_values_are_shown_as_text_and_the_layout_holds',
         async () => {
        const word = 'W'.repeat(4000);
        const hostile = [
            '<script>window.__pwned = 1</script>',
            '"><img src=x onerror="window.__pwned = 2">',
            'javascript:window.__pwned = 3',
            word,
        ];
        const tag = P.unique('hostile');
        const dialogs = [];

        await withPage(t.browser, 'hostile-shopper', {
            userAgent: '<img src=x onerror=alert(9)> "Evil/1.0"',
        }, async (shopper) => {
            await P.shopperOpens(shopper, t.stack.baseUrl,
                                 'index.html?q=<script>alert(1)</script>');
            for (const h of hostile) {
                await P.shopperSays(shopper, h);
            }
            await P.shopperSays(shopper, tag);
            await P.waitForWidgetText(shopper, tag);
            /*
             * a visitor speaking the protocol with hostile context: in a
             * browser of its own (the shopper's cookie would make it the
             * shopper), on a page without the widget
             */
            await withPage(t.browser, 'hostile-visitor', async (other) => {
                await other.route('**/live-help/widget/**', (r) => r.fulfill(
                    { contentType: 'text/javascript', body: '' }));
                await other.goto(`${t.stack.baseUrl}/index.html`);
                await other.evaluate(hostileVisitor);
            });

            await withAgent('maria', 'Queue', async (maria) => {
                maria.on('dialog', (d) => {
                    dialogs.push(d.message());
                    d.dismiss().catch(() => {});
                });
                await openRow(maria, tag);
                await maria.locator('#log .msg .text', { hasText: word })
                    .waitFor();
                const texts = await maria.locator('#log .msg .text')
                    .allTextContents();

                assert.deepEqual(texts.slice(-5), hostile.concat([tag]));
                const found = await maria.evaluate(() => ({
                    pwned: window.__pwned,
                    injected: document.querySelectorAll(
                        '#layout img, #layout script, #layout svg, '
                        + '#layout iframe').length,
                    jsLinks: document.querySelectorAll(
                        'a[href^="javascript"]').length,
                    wide: document.documentElement.scrollWidth
                          > window.innerWidth,
                    logWide: document.getElementById('log').scrollWidth
                             > document.getElementById('log').clientWidth,
                }));

                assert.deepEqual(found, { pwned: undefined, injected: 0,
                                          jsLinks: 0, wide: false,
                                          logWide: false });
                assert.deepEqual(dialogs, []);
                await P.shoot(maria, 'hostile');
            });
        });
    });

    test('axe_finds_nothing_serious_in_an_open_chat_and_the_menu',
         async () => {
        const text = P.unique('Is this page accessible?');

        await withShopper('axe', text, async () => {
            for (const vp of [P.LAPTOP, P.PHONE]) {
                await withAgent('maria', 'Queue', async (maria) => {
                    await openRow(maria, text);
                    assert.deepEqual(await P.axeProblems(maria), []);
                    if (vp === P.LAPTOP) {
                        await maria.getByRole('button', { name: 'Transfer' })
                            .click();
                        await maria.getByRole('menuitem', { name: 'Sales' })
                            .waitFor();
                        assert.deepEqual(await P.axeProblems(maria), []);
                    }
                }, vp);
            }
        });
    });

    test('store_away_shows_reconnecting_then_clears', async () => {
        await withAgent('maria', 'Queue', async (maria) => {
            const phone = await t.browser.newContext(
                P.agentContext('maria', P.PHONE));
            const small = await phone.newPage();

            try {
                await P.openPanel(small, t.stack.baseUrl);
                await t.stack.redisDown();
                for (const page of [maria, small]) {
                    await page.getByRole('status').filter({
                        hasText: 'Reconnecting' }).waitFor({
                        timeout: 20000 });
                    await P.shoot(page, 'reconnecting');
                }
                await t.stack.redisUp();
                await maria.locator('#status:empty').waitFor({
                    state: 'attached', timeout: 25000 });

            } finally {
                await phone.close();
            }
        });
    });
});

/* the same state on a phone (prepare: e.g. back to the list), then back */
async function alsoOnPhone(page, name, prepare) {
    await page.setViewportSize(P.PHONE);
    if (prepare) {
        await prepare();
    }
    await P.shoot(page, name);
    await page.setViewportSize(P.LAPTOP);
}

async function waitForLine(page, text) {
    await page.locator('#log .sys', { hasText: text }).waitFor();
}

/* the conversation has an owner in Redis */
async function waitOwned(id) {
    const deadline = Date.now() + P.WAIT_MS;

    for (;;) {
        const s = await P.stateOf(t.stack, id);

        if (s.state === 'open') {
            return s;
        }
        if (Date.now() > deadline) {
            throw new Error(`${id} not claimed: ${JSON.stringify(s)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
    }
}

/* the focused element's ring: at least 2 px, 3:1 against its ground */
async function assertFocusRing(page) {
    const ring = await page.evaluate(() => {
        const n = document.activeElement;
        const s = getComputedStyle(n);

        return { style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                 color: s.outlineColor, ground: s.backgroundColor };
    });
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = (c) => {
        const [r, g, b] = rgb(c).map((v) => {
            const x = v / 255;

            return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        });

        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [hi, lo] = [lum(ring.color), lum(ring.ground)]
        .sort((a, b) => b - a);

    assert.equal(ring.style, 'solid');
    assert.ok(ring.width >= 2, `ring ${ring.width} px`);
    assert.ok((hi + 0.05) / (lo + 0.05) >= 3,
              `ring ${ring.color} on ${ring.ground}`);
}

/*
 * In the shopper's page: a second visitor socket that says hostile things
 * about itself (its page and profile), as a script on the site could.
 */
function hostileVisitor() {
    return new Promise((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/live-help/ws`);

        ws.onmessage = (ev) => {
            const msg = JSON.parse(ev.data);

            if (msg.type === 'welcome') {
                ws.send(JSON.stringify({ type: 'hello' }));
            } else if (msg.type === 'session') {
                ws.send(JSON.stringify({
                    type: 'page', url: 'javascript:alert(1)',
                    title: '<img src=x onerror=alert(2)>' + 'T'.repeat(300),
                    referrer: 'javascript:alert(3)' }));
                ws.send(JSON.stringify({
                    type: 'profile', name: '<script>alert(4)</script>',
                    email: '"><svg onload=alert(5)>@x.example' }));
                ws.send(JSON.stringify({
                    type: 'message', cid: 'hostile1',
                    text: '<b>bold?</b> hostile context' }));
            } else if (msg.type === 'ack' || msg.type === 'error') {
                resolve(msg.type);
            }
        };
    });
}
