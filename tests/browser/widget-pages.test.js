'use strict';

/*
 * Every page a shopper opens is a page view on the widget's socket, sent
 * once the page is idle and without a click, so that agents see who is on
 * the site now and where; never for pages of the endpoint itself. Real
 * nginx (two workers), redis and Chromium; the frames are read from the
 * page's own WebSocket, and what agents see from an agent socket.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const { AGENT, AGENT_PASSWORD } = require('./lib/stack');
const w = require('./lib/widget');

const t = useStack({ agentOnline: true });

function parsed(frame) {
    try {
        return JSON.parse(frame.payload);
    } catch (e) {
        return {};
    }
}

/* the next page view sent on the page's next socket */
async function nextPageView(page, go) {
    const socket = page.waitForEvent('websocket');

    await go();
    const ws = await socket;
    const frame = await ws.waitForEvent('framesent', {
        predicate: (f) => parsed(f).type === 'page',
    });

    return parsed(frame);
}

test('product_then_cart_page_views_are_sent_without_opening_the_chat',
     async () => {
    await withPage(t.browser, 'page-views', { viewport: w.VIEWPORTS.laptop },
                   async (page) => {
        const requested = [];

        page.on('request', (req) => requested.push(req.url()));

        const product = await nextPageView(page, () =>
            page.goto(`${t.stack.baseUrl}/product.html`));

        assert.deepEqual(product, {
            type: 'page',
            url: `${t.stack.baseUrl}/product.html`,
            title: await page.title(),
            referrer: '',
            ua: await page.evaluate(() => navigator.userAgent),
        });
        await w.snap(page, 'launcher');

        const cart = await nextPageView(page, () =>
            page.getByRole('link', { name: /^Cart/ }).click());

        assert.deepEqual(cart, {
            type: 'page',
            url: `${t.stack.baseUrl}/cart.html`,
            title: await page.title(),
            referrer: `${t.stack.baseUrl}/product.html`,
            ua: await page.evaluate(() => navigator.userAgent),
        });
        assert.deepEqual(requested.filter((u) => /\/chat\.(js|css)/.test(u)),
                         [], 'the chat UI was fetched without a click');

        /* agents see the shopper on the site now, on the cart, having come
           from the product page */
        const agent = t.agent.socket;
        const onCart = (v) => v && v.url === cart.url && v.online === true;

        agent.mark();
        agent.send({ type: 'visitors' });
        const now = await agent.waitFor(
            (m) => m.type === 'visitors' && m.items.some(onCart),
            'visitors with the shopper on the cart');
        const id = now.items.find(onCart).visitor;

        agent.send({ type: 'visitor', visitor: id });
        const card = await agent.waitFor(
            (m) => m.type === 'visitor' && m.visitor
                   && m.visitor.visitor === id && m.visitor.pages,
            'the visitor with pages');

        assert.deepEqual(card.visitor.pages.map((p) => p.url),
                         [cart.url, product.url]);
        assert.equal(card.visitor.title, cart.title);
        assert.equal(card.visitor.views, 2);
        assert.match(card.visitor.browser, /Chrom/);
    });
});

test('a_page_under_the_endpoint_sends_no_page_view', async () => {
    const credentials = { username: AGENT, password: AGENT_PASSWORD };

    await withPage(t.browser, 'endpoint-page',
                   { httpCredentials: credentials }, async (page) => {
        const html = await (await fetch(`${t.stack.baseUrl}/index.html`))
            .text();
        const loader = html.match(/src="([^"]*loader\.js[^"]*)"/)[1];
        const sent = [];

        page.on('websocket', (ws) => {
            if (/\/live-help\/ws$/.test(ws.url())) {
                ws.on('framesent', (f) => sent.push(parsed(f).type));
            }
        });

        /* the agent page, a page of the endpoint's own, with the loader
           (which the module does not inject there) */
        await page.goto(`${t.stack.baseUrl}/live-help/agent/`);
        await page.addScriptTag({ url: loader });

        /* a message sent later on the same socket comes after where the
           page view would have been */
        await w.openChat(page);
        await w.visitorSays(page, 'Written on a page of the endpoint');
        await page.waitForFunction(() => !document.querySelector(
            'live-help-widget').shadowRoot.querySelector('.msg.pending'));
        assert.deepEqual(sent.filter((x) => x !== 'typing'),
                         ['hello', 'message']);
    });
});
