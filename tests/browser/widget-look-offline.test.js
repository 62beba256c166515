'use strict';

/*
 * The offline form in Finnish and German: with no agent online, a page in
 * that language asks for a message in it. Real nginx (two workers), redis
 * and Chromium; screenshots on a phone and a laptop.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const w = require('./lib/widget');

function loc(path, lang) {
    return `location = ${path} { live_help on; default_type text/html;
        charset utf-8; return 200 '<!DOCTYPE html><html lang="${lang}">
        <head><meta charset="utf-8"><link rel="icon" href="data:,">
        <title>Shop</title></head><body><h1>Shop</h1></body></html>'; }`;
}

const t = useStack({ server: loc('/fi', 'fi') + loc('/de', 'de') });

const CASES = {
    fi: { launcher: 'Kysy meiltä', intro: /Kukaan ei ole juuri nyt/,
          fields: [/^Nimi/, /^Sähköposti/, 'Viestisi'],
          submit: 'Lähetä viesti', error: 'Kirjoita nimesi' },
    de: { launcher: 'Fragen Sie uns', intro: /Gerade ist niemand da/,
          fields: [/^Name/, /^E-Mail/, 'Ihre Nachricht'],
          submit: 'Nachricht senden', error: 'Bitte geben Sie Ihren Namen' },
};

for (const [lang, c] of Object.entries(CASES)) {
    test(`offline_form_in_${lang}`, async () => {
        await withPage(t.browser, `look-offline-${lang}`,
                       { viewport: w.VIEWPORTS.phone }, async (p) => {
            await p.goto(`${t.stack.baseUrl}/${lang}`);
            await p.getByRole('button', { name: new RegExp(`^${c.launcher}`) })
                .click();
            const form = p.getByRole('form', { name: c.intro });

            await form.waitFor();
            for (const name of c.fields) {
                await form.getByRole('textbox', { name }).waitFor();
            }
            await form.getByRole('button', { name: c.submit }).click();
            await form.getByText(c.error).waitFor();

            const text = await p.evaluate(() => document
                .querySelector('live-help-widget').shadowRoot
                .querySelector('.panel').innerText);

            assert.doesNotMatch(text, /Send|Message|Your|Nobody|Please/,
                                `English left in:\n${text}`);
            await w.snap(p, `look-offline-${lang}`);
        });
    });
}
