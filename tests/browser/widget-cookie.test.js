'use strict';

/*
 * The shopper's token lives in an HttpOnly cookie that the chat socket's
 * handshake sets (Chromium keeps cookies of a WebSocket handshake's 101),
 * not in localStorage: the conversation survives reloads while
 * localStorage holds no token and document.cookie cannot read it; and a
 * token an older widget left in localStorage is moved into the cookie once,
 * so that the shopper keeps their conversation. Real nginx (two workers),
 * redis and Chromium.
 */

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const w = require('./lib/widget');

const t = useStack({ agentOnline: true });
const TOKEN_KEY = 'liveHelp.token';

function unique(text) {
    return `${text} ${crypto.randomBytes(3).toString('hex')}`;
}

function parsed(frame) {
    try {
        return JSON.parse(frame.payload);
    } catch (e) {
        return {};
    }
}

/* the session answer on the page's next socket */
async function nextSession(page, go) {
    const socket = page.waitForEvent('websocket');

    await go();
    const ws = await socket;
    const frame = await ws.waitForEvent('framereceived', {
        predicate: (f) => parsed(f).type === 'session',
    });

    return parsed(frame);
}

/* the widget's log shows the line (an agent may have joined after it) */
async function waitForLine(page, line) {
    await page.waitForFunction(
        `(${w.readLog})().includes(${JSON.stringify(line)})`, null,
        { timeout: w.WAIT_MS });
}

async function visitorCookie(page) {
    const all = await page.context().cookies();

    return all.find((c) => c.name === 'lh_v');
}

/* a token as the module signs it (an older widget kept one like it) */
function signToken(id) {
    const secret = fs.readFileSync(path.join(t.stack.dir, 'secret'));
    const payload = `${id}.${Math.floor(Date.now() / 1000) + 3600}`;
    const sig = crypto.createHmac('sha256', secret).update(payload)
        .digest('base64url');

    return `${payload}.${sig}`;
}

let firstVisitor = null;
let firstText = null;

test('conversation_survives_reloads_with_the_token_only_in_the_cookie',
     async () => {
    await withPage(t.browser, 'cookie-reloads', async (page) => {
        const text = unique('Is this in stock?');

        const first = await nextSession(page, () =>
            page.goto(`${t.stack.baseUrl}/product.html`));
        assert.equal(first.token, undefined,
                     'a page of the shop gets no token in the session');

        await w.openChat(page);
        await w.visitorSays(page, text);
        await waitForLine(page, `me: ${text}`);

        const cookie = await visitorCookie(page);
        assert.ok(cookie, 'Chromium kept the cookie of the handshake');
        assert.equal(cookie.value.split('.')[0], first.visitor,
                     'the cookie is the visitor\'s');
        assert.equal(cookie.httpOnly, true, 'HttpOnly');
        assert.equal(cookie.sameSite, 'Strict', 'SameSite=Strict');
        assert.equal(cookie.path, '/live-help/', 'Path is the endpoint');
        assert.equal(cookie.secure, false, 'not Secure on plain http');
        const days = (cookie.expires - Date.now() / 1000) / 86400;
        assert.ok(days > 29.9 && days <= 30, `expires in ${days} days`);

        assert.equal(await page.evaluate(() => document.cookie
                                         .includes('lh_v')),
                     false, 'document.cookie cannot read it');
        assert.equal(await page.evaluate((k) => localStorage.getItem(k),
                                         TOKEN_KEY),
                     null, 'no token in localStorage');

        for (const where of ['/product.html', '/cart.html']) {
            const again = await nextSession(page, () =>
                page.goto(`${t.stack.baseUrl}${where}`));

            assert.equal(again.visitor, first.visitor,
                         `${where}: the same visitor, by the cookie alone`);
            assert.equal(again.token, undefined, `${where}: no token sent`);
            await w.openChat(page);
            await waitForLine(page, `me: ${text}`);
            assert.equal(await page.evaluate((k) => localStorage.getItem(k),
                                             TOKEN_KEY),
                         null, `${where}: still no token in localStorage`);
        }
        const renewed = await visitorCookie(page);
        assert.ok(renewed.expires >= cookie.expires,
                  'the cookie is renewed on every handshake');
        await w.snap(page, 'cookie-conversation-after-reloads');

        firstVisitor = first.visitor;
        firstText = text;
    });
});

test('an_old_localstorage_token_is_moved_into_the_cookie', async () => {
    assert.ok(firstVisitor, 'the first test made a conversation');

    await withPage(t.browser, 'cookie-migrate', async (page) => {

        /* a browser of its own: a fresh cookie, another visitor */
        const fresh = await nextSession(page, () =>
            page.goto(`${t.stack.baseUrl}/index.html`));
        assert.notEqual(fresh.visitor, firstVisitor);

        /* what the widget before the cookie kept: the token, 30 days */
        await page.evaluate(([k, v]) => localStorage.setItem(k, v),
                            [TOKEN_KEY, JSON.stringify(
                                signToken(firstVisitor))]);

        const moved = await nextSession(page, () => page.reload());
        assert.equal(moved.visitor, firstVisitor,
                     'the old token wins over the fresh cookie');
        assert.equal(moved.token, undefined, 'and is in the cookie now');
        await w.openChat(page);
        await waitForLine(page, `me: ${firstText}`);
        assert.equal(await page.evaluate((k) => localStorage.getItem(k),
                                         TOKEN_KEY),
                     null, 'the token is gone from localStorage');
        assert.equal((await visitorCookie(page)).value.split('.')[0],
                     firstVisitor, 'the cookie holds the old visitor');

        /* from now on the cookie alone */
        const after = await nextSession(page, () => page.reload());
        assert.equal(after.visitor, firstVisitor, 'the same conversation');
        await w.openChat(page);
        await waitForLine(page, `me: ${firstText}`);
    });
});
