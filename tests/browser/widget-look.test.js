'use strict';

/*
 * Languages and theming of the widget: Finnish and German from the page's
 * <html lang> (launcher, chat window, pre-chat and offline forms),
 * live_help_lang winning over the page, an operator's string override,
 * four themes whose contrast is measured in Chromium (text on the
 * launcher, header, the shopper's bubble and the send button at 4.5:1,
 * the focus ring at 3:1 on white and on the brand colour), the launcher on
 * the left, and a right-to-left page. Real nginx (two workers), redis and
 * Chromium; screenshots of each state on a phone and a laptop.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage, artifactPath } = require('./lib/browser');
const w = require('./lib/widget');

function page(lang, dir = '') {
    return `'<!DOCTYPE html><html lang="${lang}"${dir ? ` dir="${dir}"` : ''}>`
        + '<head><meta charset="utf-8"><link rel="icon" href="data:,">'
        + '<title>Shop</title></head><body>'
        + '<h1>Shop</h1><p>Coffee, tea and grinders.</p></body></html>\'';
}

function loc(path, lang, directives, dir) {
    return `location = ${path} { live_help on; default_type text/html;
            charset utf-8; ${directives} return 200 ${page(lang, dir)}; }`;
}

const THEMES = {
    yellow: '#fff59d',
    navy: '#0a1f44',
    grey: '#777777',
    red: '#ff0000',
    /* no single ring colour suits these: the header's is the text's */
    blue: '#0000ff',
    darkgrey: '#555555',
};

/* the pre-chat form is the endpoint's: on for every page here */
const t = useStack({
    agentOnline: true,
    prechat: true,
    server: [
        loc('/fi', 'fi-FI', ''),
        loc('/de', 'de', ''),
        loc('/forced', 'fi', 'live_help_lang de;'),
        loc('/override', 'fi',
            'live_help_greeting "Moi! Miten voimme auttaa?";'
            + ' live_help_string prechatIntro "Moi! Kerro, kuka olet.";'
            + ' live_help_string startChat "Aloitetaan";'),
        loc('/left', 'en', 'live_help_position left;'
            + ' live_help_launcher_icon help; live_help_title "Help";'),
        loc('/rtl', 'ar', '', 'rtl'),
        ...Object.entries(THEMES).map(([name, color]) =>
            loc(`/theme-${name}`, 'en', `live_help_color "${color}";`)),
    ].join('\n'),
});

function launcher(page, name) {
    return page.getByRole('button', { name: new RegExp(`^${name}`) });
}

async function open(page, name) {
    await launcher(page, name).click();
    await page.getByRole('dialog').waitFor({ state: 'visible' });
}

/* the English pre-chat form's question, then the shopper's bubble */
async function ask(p, text) {
    await p.getByRole('textbox', { name: 'Your question' }).fill(text);
    await p.getByRole('button', { name: 'Start chat' }).click();
    await p.locator('live-help-widget .msg.visitor .text').waitFor();
}

/* text the widget shows in its shadow root */
function shown(page) {
    return page.evaluate(() => document.querySelector('live-help-widget')
        .shadowRoot.querySelector('.panel').innerText);
}

test('finnish_page_gets_the_finnish_widget', async () => {
    await withPage(t.browser, 'look-fi', { viewport: w.VIEWPORTS.laptop },
                   async (p) => {
        await p.goto(`${t.stack.baseUrl}/fi`);
        await open(p, 'Kysy meiltä');

        const dialog = p.getByRole('dialog', { name: 'Kysy meiltä' });
        const form = dialog.getByRole('form', { name: /Kerro ensin/ });

        assert.equal(await p.evaluate(() =>
            document.querySelector('live-help-widget').lang), 'fi');

        /* the pre-chat form, its errors */
        await form.getByRole('textbox', { name: /^Nimi/ }).fill('Aino');
        await form.getByRole('textbox', { name: /^Sähköposti/ })
            .fill('ei-osoite');
        await form.getByRole('button', { name: 'Aloita keskustelu' })
            .click();
        await form.getByText('Kirjoita toimiva sähköpostiosoite.').waitFor();
        const text = await shown(p);

        assert.doesNotMatch(text, /Send|Message|Name|Your|Start/,
                            `English left in:\n${text}`);
        await w.snap(p, 'look-fi-prechat');

        /* the chat window */
        await form.getByRole('textbox', { name: /^Sähköposti/ }).fill('');
        await form.getByRole('textbox', { name: 'Kysymyksesi' })
            .fill('Onko kahvimyllyä varastossa?');
        await form.getByRole('button', { name: 'Aloita keskustelu' })
            .click();
        await dialog.locator('.msg.visitor')
            .getByText('Onko kahvimyllyä varastossa?').waitFor();
        await dialog.getByRole('textbox', { name: 'Viesti', exact: true })
            .waitFor();
        await dialog.getByRole('button', { name: 'Lähetä' }).waitFor();
        await dialog.getByRole('button', { name: 'Sulje chat' }).waitFor();
        await dialog.getByText(/^(Vastaamme sinulle pian|Sinua palvelee .+)$/)
            .waitFor();
        await w.snap(p, 'look-fi-open');
    });
});

/*
 * The later features in Finnish on a phone: the menu's items, ending the
 * chat, the rating prompt and the line the rating leaves.
 */
test('finnish_menu_and_rating_on_a_phone', async () => {
    await withPage(t.browser, 'look-fi-rate', { viewport: w.VIEWPORTS.phone },
                   async (p) => {
        await p.goto(`${t.stack.baseUrl}/fi`);
        await open(p, 'Kysy meiltä');

        const dialog = p.getByRole('dialog', { name: 'Kysy meiltä' });

        await dialog.getByRole('textbox', { name: 'Kysymyksesi' })
            .fill('Paljonko postikulut ovat?');
        await dialog.getByRole('button', { name: 'Aloita keskustelu' })
            .click();
        await dialog.locator('.msg.visitor')
            .getByText('Paljonko postikulut ovat?').waitFor();

        await dialog.getByRole('button', { name: 'Lisää toimintoja' })
            .click();
        const menu = dialog.getByRole('menu');

        for (const item of ['Lopeta keskustelu', 'Lataa keskustelu',
                            'Jätä sähköpostiosoitteesi',
                            /^Äänet (päälle|pois)$/]) {
            await menu.getByRole('menuitem', { name: item }).waitFor();
        }
        const items = await menu.innerText();

        assert.doesNotMatch(items, /End|Download|Leave|Sound/,
                            `English left in:\n${items}`);
        await p.screenshot({ path: artifactPath('look-fi-menu-phone.png'),
                             animations: 'disabled' });

        await menu.getByRole('menuitem', { name: 'Lopeta keskustelu' })
            .click();
        await dialog.getByRole('alertdialog',
                               { name: 'Lopetetaanko keskustelu?' })
            .getByRole('button', { name: 'Lopeta keskustelu' }).click();
        await dialog.getByText('Miten keskustelu sujui?').waitFor();
        await dialog.getByRole('button', { name: 'Hyvin', exact: true })
            .click();
        await dialog.getByRole('textbox',
                               { name: 'Kerro lisää (vapaaehtoinen)' })
            .fill('Nopea vastaus, kiitos!');
        await dialog.getByRole('button', { name: 'Lähetä palaute' })
            .waitFor();

        const text = await shown(p);

        assert.doesNotMatch(text, /How|Good|Bad|Tell|Send|feedback/,
                            `English left in:\n${text}`);
        await p.screenshot({ path: artifactPath('look-fi-rate-phone.png'),
                             animations: 'disabled' });

        await dialog.getByRole('button', { name: 'Lähetä palaute' }).click();
        await dialog.getByText('Kiitos palautteestasi!').waitFor();
        await dialog.getByRole('log').getByText('Arvioit keskustelun hyväksi')
            .waitFor();
    });
});

test('german_page_gets_german_and_the_directive_wins_over_the_page',
     async () => {
    await withPage(t.browser, 'look-de', { viewport: w.VIEWPORTS.phone },
                   async (p) => {
        await p.goto(`${t.stack.baseUrl}/de`);
        await open(p, 'Fragen Sie uns');
        const form = p.getByRole('form', { name: /Sagen Sie uns kurz/ });

        await form.getByRole('textbox', { name: 'Ihre Frage' }).waitFor();
        await form.getByRole('button', { name: 'Chat starten' }).click();
        await form.getByText('Bitte schreiben Sie eine Nachricht.')
            .waitFor();
        await form.getByRole('button', { name: 'Chat starten' }).waitFor();
        await w.snap(p, 'look-de-prechat');

        /* no horizontal overflow of long German words, on a phone */
        const over = await p.evaluate(() => {
            const root = document.querySelector('live-help-widget')
                .shadowRoot;

            return [...root.querySelectorAll('.panel *')]
                .filter((n) => n.scrollWidth > n.clientWidth + 1
                        && getComputedStyle(n).overflowX === 'visible'
                        && n.clientWidth > 0)
                .map((n) => `${n.className}: ${n.textContent}`);
        });

        assert.deepEqual(over, []);

        /* live_help_lang de on a Finnish page */
        await p.goto(`${t.stack.baseUrl}/forced`);
        await open(p, 'Fragen Sie uns');
        await p.getByRole('form', { name: /Sagen Sie uns kurz/ })
            .getByRole('textbox', { name: 'Ihre Frage' })
            .fill('Haben Sie Entkalkungstabletten für Siebträgermaschinen?');
        await p.getByRole('button', { name: 'Chat starten' }).click();
        await p.getByRole('button', { name: 'Senden' }).waitFor();
        await p.getByText(/^(Wir sind gleich für Sie da|Sie chatten mit .+)$/)
            .waitFor();
        await w.snap(p, 'look-de-open');
    });
});

test('operator_strings_override_the_language', async () => {
    await withPage(t.browser, 'look-override',
                   { viewport: w.VIEWPORTS.laptop }, async (p) => {
        await p.goto(`${t.stack.baseUrl}/override`);
        await open(p, 'Kysy meiltä');
        await p.getByText('Moi! Kerro, kuka olet.').waitFor();
        await p.getByRole('button', { name: 'Aloitetaan' }).waitFor();
        /* the rest stays Finnish */
        await p.getByRole('button', { name: 'Sulje chat' }).waitFor();
        await p.getByRole('textbox', { name: 'Kysymyksesi' }).waitFor();
    });
});

/* WCAG 2 contrast of two CSS colours, in the page */
function measure() {
    function rgb(css) {
        return css.match(/[\d.]+/g).slice(0, 3).map(Number);
    }

    function lum(css) {
        const [r, g, b] = rgb(css).map((c) => {
            const s = c / 255;

            return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });

        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    }

    function ratio(a, b) {
        const [x, y] = [lum(a) + 0.05, lum(b) + 0.05];

        return Math.max(x, y) / Math.min(x, y);
    }

    const root = document.querySelector('live-help-widget').shadowRoot;
    const style = (sel) => getComputedStyle(root.querySelector(sel));
    const pair = (sel) => ratio(style(sel).color, style(sel).backgroundColor);
    const ring = style('.launcher').outlineColor;
    const brand = style('.header').backgroundColor;

    return {
        brand,
        launcher: pair('.launcher'),
        header: pair('.header'),
        /* small text in the header: the header's colour, no opacity */
        subtitle: ratio(style('.subtitle').color,
                        style('.header').backgroundColor)
                  * (style('.subtitle').opacity === '1' ? 1 : 0),
        bubble: pair('.msg.visitor .text'),
        send: pair('.composer .send'),
        ringOnWhite: ratio(ring, 'rgb(255, 255, 255)'),
        ringStyle: style('.launcher').outlineStyle,
        /* a header button's, on the brand colour, once it has focus */
        ringOnBrand: ratio(style('.header .close').outlineColor, brand),
        headerRingStyle: style('.header .close').outlineStyle,
    };
}

for (const [name, color] of Object.entries(THEMES)) {
    test(`theme_${name}_meets_wcag_aa`, async (tt) => {
        await withPage(t.browser, `look-${name}`,
                       { viewport: w.VIEWPORTS.laptop }, async (p) => {
            /* no transition: the hover colour is there at once */
            await p.emulateMedia({ reducedMotion: 'reduce' });
            await p.goto(`${t.stack.baseUrl}/theme-${name}`);
            await open(p, 'Live Help');
            await ask(p, `A question in ${name}`);

            /* the launcher focused from the keyboard: its ring shows */
            await p.mouse.move(600, 10);
            await p.locator('live-help-widget .launcher').focus();
            await p.keyboard.press('Shift+Tab');
            await p.keyboard.press('Tab');
            const m = await p.evaluate(measure);

            /* the panel is open: its close button, after a Tab */
            await p.locator('live-help-widget .header .close').focus();
            Object.assign(m, await p.evaluate(measure).then((h) => ({
                ringOnBrand: h.ringOnBrand,
                headerRingStyle: h.headerRingStyle,
            })));
            await p.locator('live-help-widget .launcher').hover();
            m.launcherHover = await p.evaluate(measure)
                .then((h) => h.launcher);

            tt.diagnostic(`${name} ${color}: ${JSON.stringify(m)}`);
            assert.equal(m.brand, `rgb(${[1, 3, 5].map((i) =>
                parseInt(color.slice(i, i + 2), 16)).join(', ')})`);
            for (const k of ['launcher', 'launcherHover', 'header',
                             'subtitle', 'bubble', 'send']) {
                assert.ok(m[k] >= 4.5, `${name} ${k} ${m[k]}`);
            }
            assert.ok(m.ringOnWhite >= 3, `${name} ring ${m.ringOnWhite}`);
            assert.equal(m.headerRingStyle, 'solid', 'the header ring shows');
            assert.ok(m.ringOnBrand >= 3, `${name} ring ${m.ringOnBrand}`);
            await w.snap(p, `look-theme-${name}`);
        });
    });
}

/* where the launcher and the panel are, relative to the window */
function sides() {
    const root = document.querySelector('live-help-widget').shadowRoot;
    const box = (sel) => root.querySelector(sel).getBoundingClientRect();
    const l = box('.launcher');
    const p = box('.panel');

    return {
        launcherLeft: l.left, launcherRight: innerWidth - l.right,
        panelLeft: p.left, panelRight: innerWidth - p.right,
        overlap: !(l.bottom <= p.top || l.top >= p.bottom
                   || l.right <= p.left || l.left >= p.right),
    };
}

test('launcher_on_the_left_with_the_help_icon', async () => {
    await withPage(t.browser, 'look-left', { viewport: w.VIEWPORTS.laptop },
                   async (p) => {
        await p.goto(`${t.stack.baseUrl}/left`);
        await open(p, 'Help');
        const s = await p.evaluate(sides);

        assert.equal(s.launcherLeft, 20);
        assert.equal(s.panelLeft, 20);
        assert.equal(s.overlap, false);
        await w.snap(p, 'look-left');
    });
});

test('rtl_page_mirrors_the_widget_in_english', async () => {
    await withPage(t.browser, 'look-rtl', { viewport: w.VIEWPORTS.laptop },
                   async (p) => {
        await p.goto(`${t.stack.baseUrl}/rtl`);
        await open(p, 'Live Help');
        await ask(p, 'Hello from a right-to-left page');
        const s = await p.evaluate(sides);

        assert.equal(s.launcherLeft, 20);
        assert.equal(s.panelLeft, 20);
        assert.equal(s.overlap, false);
        assert.equal(await p.evaluate(() => getComputedStyle(
            document.querySelector('live-help-widget').shadowRoot
                .querySelector('.panel')).direction), 'rtl');
        /* the shopper's bubble on the end side: the left, here */
        const bubble = await p.locator('live-help-widget .msg.visitor')
            .boundingBox();
        const panel = await p.locator('live-help-widget .panel')
            .boundingBox();

        assert.ok(bubble.x - panel.x < panel.width / 2,
                  `bubble at ${bubble.x}, panel ${panel.x}+${panel.width}`);
        await w.snap(p, 'look-rtl');
    });
});
