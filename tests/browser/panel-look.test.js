'use strict';

/*
 * The agent panel and its sign-in page in the agent's browser language:
 * Finnish for a Finnish browser (Playwright's locale fi-FI), German for
 * de-DE, English for a language the panel does not have; the panel's
 * static texts and the scripts' alike. Real nginx (two workers, the
 * module's own login), redis and Chromium; screenshots of the Finnish
 * panel and sign-in page on a laptop and a phone.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage, artifactPath } = require('./lib/browser');
const { LOGIN_AGENTS } = require('./lib/stack');

const t = useStack({ login: true });
const [MARIA] = LOGIN_AGENTS;

const LAPTOP = { width: 1366, height: 800 };
const PHONE = { width: 390, height: 844 };

async function snap(page, name) {
    for (const [kind, size] of [['laptop', LAPTOP], ['phone', PHONE]]) {
        await page.setViewportSize(size);
        await page.screenshot({ path: artifactPath(`${name}-${kind}.png`),
                                animations: 'disabled' });
    }
    await page.setViewportSize(LAPTOP);
}

/* the panel's visible text, minus what agents and visitors wrote */
function words(page) {
    return page.evaluate(() => document.body.innerText);
}

test('finnish_browser_gets_the_finnish_sign_in_and_panel', async () => {
    await withPage(t.browser, 'panel-fi',
                   { viewport: LAPTOP, locale: 'fi-FI' }, async (page) => {
        await page.goto(`${t.stack.baseUrl}/live-help/agent/`);
        await page.getByRole('heading', { name: 'Kirjaudu sisään' })
            .waitFor();
        assert.equal(await page.title(), 'Kirjaudu - Live Help');
        await snap(page, 'look-panel-fi-login');

        await page.getByLabel('Käyttäjätunnus').fill(MARIA.login);
        await page.getByLabel('Salasana').fill('wrong');
        await page.getByRole('button', { name: 'Kirjaudu sisään' }).click();
        await page.getByRole('alert')
            .getByText('Väärä tunnus tai salasana').waitFor();

        await page.getByLabel('Käyttäjätunnus').fill(MARIA.login);
        await page.getByLabel('Salasana').fill(MARIA.password);
        await page.getByRole('button', { name: 'Kirjaudu sisään' }).click();
        await page.getByRole('heading', { name: 'Keskustelut' }).waitFor();
        await page.locator('#layout[data-live=true]')
            .waitFor({ state: 'attached' });
        for (const tab of ['Omat', 'Jono', 'Kaikki avoimet', 'Suljetut',
                           'Kävijät']) {
            await page.getByRole('tab', { name: new RegExp(`^${tab}`) })
                .waitFor();
        }
        await page.getByRole('button', { name: 'Kirjaudu ulos' }).waitFor();
        await page.getByRole('heading', { name: 'Valitse keskustelu' })
            .waitFor();
        assert.equal(await page.evaluate(() => document.documentElement.lang),
                     'fi');

        const text = await words(page);

        assert.doesNotMatch(text, /\b(Conversations|Queue|Log out|Mine|Choose|Visitors|Reply|Send)\b/,
                            `English left in the panel:\n${text}`);
        await snap(page, 'look-panel-fi');
    });
});

test('german_and_unknown_languages', async () => {
    await withPage(t.browser, 'panel-de',
                   { viewport: LAPTOP, locale: 'de-DE' }, async (page) => {
        await page.goto(`${t.stack.baseUrl}/live-help/agent/`);
        await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
        await page.getByLabel('Benutzername').waitFor();
    });
    await withPage(t.browser, 'panel-sv',
                   { viewport: LAPTOP, locale: 'sv-SE' }, async (page) => {
        await page.goto(`${t.stack.baseUrl}/live-help/agent/`);
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert.equal(await page.evaluate(() => document.documentElement.lang),
                     'en');
    });
});
