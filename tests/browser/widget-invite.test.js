'use strict';

/*
 * Invitations, hand-off and new-message alerts, from the shopper's and the
 * agent's side: a cart-page rule (live_help_invite /cart* 2 ...) shows its
 * card after 2 s of the page visible and never elsewhere, once, and not
 * again once dismissed; an agent invites from the panel's Visitors now
 * list (shopper first or panel first) and the answer opens a conversation
 * the agent sees; the e-mail hand-off and Book a call are recorded and
 * seen in the panel; the title blinks and a chime sounds for a reply while
 * the tab is hidden, the sound switch is remembered. Real nginx (two
 * workers), redis and Chromium.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const { connectAgent } = require('./lib/agent');
const { AGENT, AGENT_PASSWORD } = require('./lib/stack');
const w = require('./lib/widget');
const p = require('./lib/panel');

const RULE = 'Questions about your order?';
const BOOKING = 'https://cal.example/book';
const t = useStack({
    agentOnline: true,
    http: `live_help_invite /cart* 2 "${RULE}";
    live_help_booking_url ${BOOKING};`,
});

/* the invitation card: a complementary region beside the launcher */
function card(page) {
    return page.getByRole('complementary', { name: 'Invitation to chat' });
}

/* the session the page's widget was given (its visitor id) */
function sessionOf(page) {
    const got = {};

    page.on('websocket', (ws) => {
        ws.on('framereceived', (f) => {
            try {
                const m = JSON.parse(f.payload);

                if (m.type === 'session' && m.visitor) {
                    got.visitor = m.visitor;
                }
            } catch (e) {
                /* not ours */
            }
        });
    });
    return got;
}

/* no card during the rule's time and a margin: a bounded wait that
 * proves an absence */
async function noCardFor(page, ms) {
    const deadline = Date.now() + ms;

    while (Date.now() < deadline) {
        assert.equal(await card(page).count(), 0, 'an invitation showed');
        await new Promise((r) => setTimeout(r, 100));
    }
}

function overlap(a, b) {
    return a.x < b.x + b.width && b.x < a.x + a.width
           && a.y < b.y + b.height && b.y < a.y + a.height;
}

test('cart_rule_shows_after_its_seconds_once_and_chat_now_opens_it',
     async () => {
    await withPage(t.browser, 'invite-rule',
                   { viewport: w.VIEWPORTS.laptop }, async (page) => {
        const t0 = Date.now();

        await page.goto(`${t.stack.baseUrl}/cart.html`);
        await card(page).waitFor({ timeout: 10000 });
        const after = Date.now() - t0;

        console.log(`# rule card after ${after} ms (rule: 2 s)`);
        assert.ok(after >= 2000, `shown after ${after} ms, before 2 s`);
        await card(page).getByText(RULE).waitFor();
        assert.equal(await card(page).evaluate(
            (n) => n.getRootNode().activeElement === n
                   || n.contains(n.getRootNode().activeElement)), false,
                     'the card took the focus');
        assert.equal(overlap(await card(page).boundingBox(),
                             await w.launcher(page).boundingBox()), false,
                     'the card covers the launcher');
        await w.snap(page, 'invite-rule');

        /* 320 px: on screen, beside (above) the launcher */
        await page.setViewportSize({ width: 320, height: 640 });
        const box = await card(page).boundingBox();

        assert.ok(box.x >= 0 && box.x + box.width <= 320,
                  `card off screen at 320 px: ${JSON.stringify(box)}`);
        assert.equal(overlap(box, await w.launcher(page).boundingBox()),
                     false, 'the card covers the launcher at 320 px');
        await page.setViewportSize(w.VIEWPORTS.laptop);

        await card(page).getByRole('button', { name: 'Chat now' }).click();
        await w.dialog(page).waitFor();
        await w.waitForLogEnd(page, [`agent: ${RULE}`]);
        assert.equal(await card(page).count(), 0, 'the card stayed');

        /* once per visit: not on the next page of this tab */
        await page.goto(`${t.stack.baseUrl}/cart.html`);
        await noCardFor(page, 3000);
    });
});

test('rule_not_on_another_path_and_dismissed_stays_dismissed', async () => {
    await withPage(t.browser, 'invite-dismiss',
                   { viewport: w.VIEWPORTS.phone }, async (page) => {
        await page.goto(`${t.stack.baseUrl}/product.html`);
        await noCardFor(page, 3000);

        await page.goto(`${t.stack.baseUrl}/cart.html`);
        await card(page).waitFor();
        await card(page).getByRole('button', { name: 'No thanks' }).click();
        assert.equal(await card(page).count(), 0);
        assert.equal(await w.launcher(page).evaluate(
            (n) => n.getRootNode().activeElement === n), true,
                     'focus goes to the launcher');

        await page.reload();
        await noCardFor(page, 3000);

        /* the next visit: a new tab (new sessionStorage), same browser */
        const next = await page.context().newPage();

        await next.goto(`${t.stack.baseUrl}/cart.html`);
        await noCardFor(next, 3000);
        await next.close();
    });
});

test('rule_not_shown_while_a_chat_is_open_or_going_on', async () => {
    await withPage(t.browser, 'invite-busy',
                   { viewport: w.VIEWPORTS.laptop }, async (page) => {
        await page.goto(`${t.stack.baseUrl}/cart.html`);
        await w.openChat(page);
        await noCardFor(page, 3000);
        await w.visitorSays(page, 'Is this in stock?');
        await page.waitForFunction(`(${w.readLog})()
            .includes('me: Is this in stock?')`);
        await w.launcher(page).click();

        /* a waiting conversation: no invitation on the next page */
        const other = await page.context().newPage();

        await other.goto(`${t.stack.baseUrl}/cart.html`);
        await noCardFor(other, 3000);
        await other.close();
    });
});

/* an agent invites one shopper from the panel's Visitors now list */
async function inviteFromPanel(panel, visitor, text) {
    const li = panel.locator('#visitors li',
                             { has: panel.locator(`[data-visitor="${visitor}"]`) });

    await li.getByRole('button', { name: 'Invite to chat' }).click();
    const box = li.getByRole('textbox', { name: 'Invitation' });

    assert.equal(await box.inputValue(),
                 'Hi! Can I help you with anything?', 'prefilled');
    if (text) {
        await box.fill(text);
    }
    await p.shoot(panel, 'invite-control');
    await li.getByRole('button', { name: 'Send invitation' }).click();
    await li.getByText('Invitation sent').waitFor();
}

for (const order of ['shopper_first', 'panel_first']) {
    test(`agent_invites_from_the_visitors_list_${order}`, async () => {
        const ctx = await t.browser.newContext(p.agentContext());
        const panel = await ctx.newPage();

        try {
            await withPage(t.browser, `invite-agent-${order}`,
                           { viewport: w.VIEWPORTS.laptop }, async (page) => {
                const s = sessionOf(page);

                if (order === 'panel_first') {
                    await p.openPanel(panel, t.stack.baseUrl);
                    await p.showTab(panel, 'Visitors');
                }
                await page.goto(`${t.stack.baseUrl}/product.html`);
                await p.until(() => s.visitor, 'the shopper\'s session');
                if (order === 'shopper_first') {
                    await p.openPanel(panel, t.stack.baseUrl);
                    await p.showTab(panel, 'Visitors');
                }
                await panel.locator(`[data-visitor="${s.visitor}"]`)
                    .waitFor();
                const text = `Hi! Can I help? (${order})`;

                await inviteFromPanel(panel, s.visitor,
                                      order === 'panel_first' ? text : '');
                const want = order === 'panel_first'
                    ? text : 'Hi! Can I help you with anything?';

                await card(page).getByText(want).waitFor();
                await card(page).getByText('Maria').waitFor();
                await w.snap(page, 'invite-agent');

                /* a reload shows it still (it is in the log), until it is
                   answered or dismissed */
                await page.reload();
                await card(page).getByText(want).waitFor();
                if (order === 'panel_first') {
                    await card(page).getByRole('button', { name: 'No thanks' })
                        .click();
                    await page.reload();
                    await noCardFor(page, 1500);
                    return;
                }

                await card(page).getByRole('button', { name: 'Chat now' })
                    .click();
                await w.dialog(page).waitFor();
                await w.waitForLogEnd(page, [`agent: ${want}`]);
                await w.visitorSays(page, 'Yes: do you ship to Oslo?');
                await page.waitForFunction(`(${w.readLog})()
                    .includes('me: Yes: do you ship to Oslo?')`);

                /* the agent sees the invitation and the answer */
                await panel.locator(`[data-visitor="${s.visitor}"]`).click();
                await p.until(async () => {
                    const lines = await p.logLines(panel);

                    return lines.some((l) => l.startsWith('-- Maria invited'))
                           && lines.includes(
                               'visitor: Yes: do you ship to Oslo?');
                }, async () => JSON.stringify(await p.logLines(panel)));
            });
        } finally {
            await ctx.close();
        }
    });
}

test('handoff_email_and_booking_are_recorded_and_seen_in_the_panel',
     async () => {
    const ctx = await t.browser.newContext(p.agentContext());
    const panel = await ctx.newPage();

    try {
        await withPage(t.browser, 'handoff', { viewport: w.VIEWPORTS.laptop },
                       async (page) => {
            const s = sessionOf(page);

            await page.context().route('https://cal.example/**',
                (route) => route.fulfill({ body: 'booking' }));
            await page.goto(`${t.stack.baseUrl}/product.html`);
            await w.openChat(page);
            await w.visitorSays(page, 'I need an offer for 40 chairs');
            await page.waitForFunction(`(${w.readLog})()
                .includes('me: I need an offer for 40 chairs')`);

            await w.dialog(page).getByRole('button', { name: 'More options' })
                .click();
            await w.dialog(page).getByRole('menuitem',
                                           { name: 'Leave your e-mail' })
                .click();
            const form = w.dialog(page).getByRole('form',
                                                  { name: /reply by e-mail/ });
            const email = form.getByRole('textbox', { name: 'E-mail' });

            assert.equal(await email.evaluate(
                (n) => n.getRootNode().activeElement === n), true);
            await email.fill('buyer@');
            await form.getByRole('button', { name: 'Send' }).click();
            await form.getByText('Please enter a valid e-mail address.')
                .waitFor();
            await email.fill('buyer@firm.example');
            await form.getByRole('textbox', { name: /Note/ })
                .fill('after 3 pm');
            await w.snap(page, 'handoff-form');
            await form.getByRole('button', { name: 'Send' }).click();
            await w.waitForLogEnd(page, [
                '-- We\u2019ll reply to buyer@firm.example']);

            /* Book a call: a new tab of the operator's URL */
            await w.dialog(page).getByRole('button', { name: 'More options' })
                .click();
            const book = w.dialog(page).getByRole('menuitem',
                                                  { name: 'Book a call' });

            assert.equal(await book.getAttribute('href'), BOOKING);
            assert.equal(await book.getAttribute('target'), '_blank');
            assert.equal(await book.getAttribute('rel'), 'noopener');
            const [popup] = await Promise.all([
                page.context().waitForEvent('page'),
                book.click(),
            ]);

            await popup.close();
            await w.waitForLogEnd(page, [
                '-- We\u2019ll reply to buyer@firm.example',
                '-- You opened the booking page']);

            const log = (await t.stack.redisCli('XRANGE',
                `lh:c:${s.visitor}:log`, '-', '+'))
                .split('\n').filter((l) => l.startsWith('{'))
                .map(JSON.parse).filter((e) => e.kind === 'handoff');

            assert.deepEqual(log.map((e) => [e.via, e.email, e.text]),
                             [['email', 'buyer@firm.example', 'after 3 pm'],
                              ['booking', undefined, undefined]]);
            assert.equal((await t.stack.redisCli('HGET',
                `lh:v:${s.visitor}`, 'email')).trim(), 'buyer@firm.example');

            await p.openPanel(panel, t.stack.baseUrl);
            await p.showTab(panel, 'Visitors');
            await panel.locator(`[data-visitor="${s.visitor}"]`).click();
            await p.until(async () => {
                const lines = await p.logLines(panel);

                return lines.includes('-- Wants a reply by e-mail: '
                                      + 'buyer@firm.example (\u201cafter 3 '
                                      + 'pm\u201d)')
                       && lines.includes('-- Opened the booking page to '
                                         + 'book a call');
            }, async () => JSON.stringify(await p.logLines(panel)));
            await p.shoot(panel, 'handoff');
        });
    } finally {
        await ctx.close();
    }
});

/* the page believes its tab is hidden (or visible again) */
function setHidden(page, hidden) {
    return page.evaluate((h) => {
        Object.defineProperty(document, 'hidden',
                              { configurable: true, get: () => h });
        Object.defineProperty(document, 'visibilityState',
                              { configurable: true,
                                get: () => (h ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
}

test('title_blinks_and_a_chime_sounds_while_hidden_and_the_switch_stays',
     async () => {
    await withPage(t.browser, 'blink', { viewport: w.VIEWPORTS.laptop },
                   async (page) => {
        const s = sessionOf(page);
        const agent = await connectAgent(t.stack.baseUrl, AGENT,
                                         AGENT_PASSWORD);

        /* count the chimes the page makes */
        await page.addInitScript(() => {
            const A = window.AudioContext;

            window.chimes = 0;
            window.AudioContext = function () {
                const ctx = new A();
                const make = ctx.createOscillator.bind(ctx);

                ctx.createOscillator = () => {
                    window.chimes++;
                    return make();
                };
                return ctx;
            };
        });

        try {
            await page.goto(`${t.stack.baseUrl}/product.html`);
            const title = await page.title();

            await w.openChat(page);
            await w.visitorSays(page, 'Hello?');
            await page.waitForFunction(`(${w.readLog})()
                .includes('me: Hello?')`);
            await w.launcher(page).click();
            await setHidden(page, true);

            agent.send({ type: 'message', cid: 'b1', conversation: s.visitor,
                         text: 'Hi, Maria here' });
            await page.waitForFunction(
                () => document.title === '(1) New message');
            await page.waitForFunction((tt) => document.title === tt, title);
            await page.waitForFunction(
                () => document.title === '(1) New message');
            assert.equal(await page.evaluate(() => window.chimes), 1,
                         'one chime (sound is on by default on a desktop)');
            await w.launcher(page).getByText('1').waitFor();

            await setHidden(page, false);
            assert.equal(await page.title(), title, 'the title is restored');
            await new Promise((r) => setTimeout(r, 1200));
            assert.equal(await page.title(), title, 'and stays');

            /* the badge survives a reload and clears when opened */
            await page.reload();
            await w.launcher(page).getByText('1').waitFor();
            await w.openChat(page);
            await p.until(async () => (await w.launcher(page)
                .locator('.badge').isHidden()), 'the badge to clear');

            /* sound off, remembered */
            await w.dialog(page).getByRole('button', { name: 'More options' })
                .click();
            await w.dialog(page).getByRole('menuitem', { name: 'Sound off' })
                .click();
            await page.reload();
            await w.openChat(page);
            await w.dialog(page).getByRole('button', { name: 'More options' })
                .click();
            await w.dialog(page).getByRole('menuitem', { name: 'Sound on' })
                .waitFor();
            await w.snap(page, 'widget-menu-handoff');
            await w.launcher(page).click();
            await setHidden(page, true);
            agent.send({ type: 'message', cid: 'b2', conversation: s.visitor,
                         text: 'Still there?' });
            await page.waitForFunction(
                () => document.title === '(1) New message');
            assert.equal(await page.evaluate(() => window.chimes), 0,
                         'no chime with the sound off');
        } finally {
            await agent.close();
        }
    });
});
