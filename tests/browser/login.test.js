'use strict';

/*
 * The module's own agent login in a real browser: the panel sends a
 * stranger to the login page, the form signs in and the panel connects,
 * "Log out" ends it, a wrong password says so. Screenshots of the login
 * page (phone and laptop, empty and with the error) are saved to
 * tests/browser/artifacts/ to be looked at.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage, artifactPath } = require('./lib/browser');
const { LOGIN_AGENTS } = require('./lib/stack');

const t = useStack({ login: true });
const [MARIA] = LOGIN_AGENTS;

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true,
                hasTouch: true, deviceScaleFactor: 2 };
const LAPTOP = { viewport: { width: 1366, height: 800 } };

function panelUrl() {
    return `${t.stack.baseUrl}/live-help/agent/`;
}

async function signIn(page, login, password) {
    await page.getByLabel('User name').fill(login);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the form signs in, the panel connects, log out ends it', async () => {
    await withPage(t.browser, 'login-flow', async (page) => {
        await page.goto(panelUrl());
        assert.match(page.url(), /\/live-help\/agent\/login$/,
                     'a stranger is sent to the login page');
        await assert.doesNotReject(
            page.getByRole('heading', { name: 'Sign in' }).waitFor());

        /* the name field has the focus, for typing at once */
        assert.equal(await page.evaluate(() => document.activeElement.id),
                     'name');

        const socket = page.waitForEvent('websocket',
            (ws) => /\/live-help\/agent\/ws$/.test(ws.url()));

        await signIn(page, MARIA.login, MARIA.password);
        await page.waitForURL(panelUrl());

        /* connected: the server answered hello with the conversations */
        const ws = await socket;

        await ws.waitForEvent('framereceived', {
            predicate: (f) => String(f.payload).includes('"conversations"'),
        });

        await page.screenshot({ path: artifactPath('panel-signed-in.png') });

        const cookies = await page.context().cookies();
        const cookie = cookies.find((c) => c.name === 'lh_agent');

        assert.ok(cookie, 'the session cookie is set');
        assert.equal(cookie.httpOnly, true, 'HttpOnly');
        assert.equal(cookie.sameSite, 'Strict', 'SameSite=Strict');
        assert.equal(cookie.path, '/live-help/agent/');

        await page.getByRole('button', { name: 'Log out' }).click();
        await page.waitForURL(/\/live-help\/agent\/login$/);
        assert.equal((await page.context().cookies())
            .filter((c) => c.name === 'lh_agent').length, 0,
                     'the cookie is gone');

        await page.goto(panelUrl());
        assert.match(page.url(), /\/live-help\/agent\/login$/,
                     'the panel is closed again');
    });
});

test('a wrong password shows the error, the right one then works',
     async () => {
    await withPage(t.browser, 'login-wrong', async (page) => {
        await page.goto(`${panelUrl()}login`);
        await signIn(page, MARIA.login, 'not-the-password');
        await page.waitForURL(/\/login\?error=bad$/);

        const alert = page.getByRole('alert');

        await assert.doesNotReject(alert.getByText('Wrong name or password')
            .waitFor());
        assert.equal(await page.getByText(/Too many attempts/).isVisible(),
                     false, 'only the one message shows');

        await signIn(page, LOGIN_AGENTS[1].login, LOGIN_AGENTS[1].password);
        await page.waitForURL(panelUrl());
    });
});

test('the login page on a phone and a laptop', async () => {
    for (const [device, options] of [['phone', PHONE], ['laptop', LAPTOP]]) {
        await withPage(t.browser, `login-${device}`, options, async (page) => {
            await page.goto(`${panelUrl()}login`);
            await page.screenshot({
                path: artifactPath(`login-${device}.png`) });

            /* nothing sticks out sideways at 390 px */
            const overflow = await page.evaluate(() =>
                document.documentElement.scrollWidth
                    > document.documentElement.clientWidth);

            assert.equal(overflow, false, `no sideways scroll on ${device}`);

            await page.getByLabel('User name').focus();
            await page.screenshot({
                path: artifactPath(`login-${device}-focus.png`) });

            await signIn(page, 'someone', 'wrong');
            await page.waitForURL(/\/login\?error=bad$/);
            await page.getByRole('alert').getByText('Wrong name')
                .waitFor();
            await page.screenshot({
                path: artifactPath(`login-${device}-error.png`) });
        });
    }
});
