'use strict';

/*
 * The visitor card and "Visitors now" follow a shopper around the demo
 * shop live: from the product page to the cart, then named by a profile.
 *
 * The shopper's page speaks the visitor protocol itself (hello with its
 * token, page on every page, message, profile) on a real socket from the
 * shop's own origin, as the widget does: the panel, nginx (two workers)
 * and Redis are the real ones.
 */

const assert = require('node:assert/strict');
const { describe, test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const P = require('./lib/panel');

/* an agent stays online: with nobody online the widget offers its offline
   form, and shoppers here write before the panel opens */
const t = useStack({ assign: 'manual', agentOnline: true });

/*
 * In the shopper's page: a visitor socket that says hello; the handshake's
 * cookie makes it the widget's visitor, on every page, and the widget says
 * which page it is. Resolves the visitor id; then say(obj) sends more.
 */
function visitorHere() {
    return new Promise((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/live-help/ws`);

        window.say = (obj) => ws.send(JSON.stringify(obj));
        ws.onmessage = (ev) => {
            const msg = JSON.parse(ev.data);

            if (msg.type === 'welcome') {
                window.say({ type: 'hello' });
            } else if (msg.type === 'session') {
                resolve(msg.visitor);
            }
        };
    });
}

describe('visitor context in the panel', () => {
    test('visitor_card_follows_the_shopper_from_product_to_cart_live',
         async () => {
        const question = P.unique('Does this grinder fit the kettle?');

        await withPage(t.browser, 'context-agent', P.agentContext(),
                       async (agent) => {
            await P.openPanel(agent, t.stack.baseUrl);
            await P.showTab(agent, 'Visitors');

            await withPage(t.browser, 'context-shopper', async (shopper) => {
                /* the widget's handshake sets the cookie first (two
                   handshakes at once, both without it, are two visitors) */
                const widgetSocket = shopper.waitForEvent('websocket');

                await shopper.goto(`${t.stack.baseUrl}/product.html`);
                await (await widgetSocket).waitForEvent('framereceived', {
                    predicate: (f) => f.payload.includes('"session"') });
                const id = await shopper.evaluate(visitorHere);
                const visitorRow = agent.locator(
                    `#visitors .conv[data-visitor="${id}"]`);

                /* on the site, not written yet: listed with its page */
                await visitorRow.filter({ hasText: 'Ethiopia Yirgacheffe' })
                    .waitFor();
                assert.match(await visitorRow.textContent(), /New/);
                await P.shoot(agent, 'visitors-now');

                await shopper.evaluate((text) => window.say({
                    type: 'message', cid: 'ctx1', text }), question);
                await P.showTab(agent, 'Queue');
                await P.row(agent, question).click();
                const card = agent.locator('#card-body');

                await card.locator('.now-on', {
                    hasText: 'Ethiopia Yirgacheffe' }).waitFor();
                const link = card.locator('.now-on a');

                assert.equal(await link.getAttribute('href'),
                             `${t.stack.baseUrl}/product.html`);
                assert.equal(await link.getAttribute('rel'),
                             'noopener noreferrer');
                await card.getByText(/Chrome \d+ on Linux/).waitFor();

                /* to the cart: a new page, a new socket, the same visitor */
                await shopper.goto(`${t.stack.baseUrl}/cart.html`);
                assert.equal(await shopper.evaluate(visitorHere), id);
                await card.locator('.now-on', { hasText: 'Your cart' })
                    .waitFor();
                await card.getByRole('heading', {
                    name: 'Pages this visit (2)' }).waitFor();
                assert.deepEqual(
                    (await card.locator('.pages .page-title')
                        .allTextContents()).map((s) => s.split(' \u2014')[0]),
                    ['Your cart', 'Ethiopia Yirgacheffe']);

                /* the pre-chat form's profile names them everywhere */
                await shopper.evaluate(() => window.say({
                    type: 'profile', name: 'Anna Berg',
                    email: 'anna@example.com' }));
                await card.locator('.card-name', { hasText: 'Anna Berg' })
                    .waitFor();
                await card.getByText('anna@example.com').waitFor();
                await agent.locator('#chat-title', { hasText: 'Anna Berg' })
                    .waitFor();
                await P.row(agent, question).filter({ hasText: 'Anna Berg' })
                    .waitFor();
                await P.shoot(agent, 'chat-with-card');
                assert.deepEqual(await P.axeProblems(agent), []);

                /* on a phone: the card is a view of its own */
                await agent.setViewportSize(P.PHONE);
                await agent.getByRole('button', { name: 'Visitor info' })
                    .click();
                await card.locator('.card-name', { hasText: 'Anna Berg' })
                    .waitFor();
                await P.shoot(agent, 'chat-with-card');
                await agent.getByRole('button', { name: 'Back' }).last()
                    .click();
                await P.reply(agent).waitFor();
                await P.shoot(agent, 'chat');
                await agent.getByRole('button', { name: 'Back' }).first()
                    .click();
                await P.showTab(agent, 'Visitors');
                await P.shoot(agent, 'visitors-now');
            });

            /* the shopper left: gone from Visitors now */
            await agent.locator('#visitors .conv').filter({
                hasText: 'Anna Berg' }).waitFor({ state: 'detached' });
        });
    });
});
