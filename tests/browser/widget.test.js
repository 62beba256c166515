'use strict';

/*
 * The visitor widget end to end: Debian's Chromium loads the demo shop
 * from a real nginx running the built live_help module (with redis), so
 * the widget under test is the one the module injects and serves.
 */

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { describe, before, after, test } = require('node:test');

const { startStack, REPO, CSP_NONCE, AGENT, AGENT_PASSWORD } =
    require('./lib/stack');
const { launchBrowser, withPage, artifactPath } = require('./lib/browser');
const { stayOnline } = require('./lib/agent');

const TITLE = 'Live Help';
const PAGE_RED = 'rgb(204, 0, 0)';
const PAGE_GREEN = 'rgb(0, 170, 0)';
const LOADER_RE = /\/live-help\/widget\/loader\.js\?v=[0-9A-Fa-f]+$/;
const CHAT_JS_RE = /\/live-help\/widget\/chat\.js(\?|$)/;
const CHAT_CSS_RE = /\/live-help\/widget\/chat\.css(\?|$)/;
const CLIENT_JS_RE = /\/live-help\/widget\/client\.js(\?|$)/;
const PHONE = { width: 390, height: 760 };

let stack;
let browser;
let agent;      /* online, so that the widget offers chat, not a form */

function launcher(page) {
    return page.getByRole('button', { name: TITLE, exact: true });
}

function dialog(page) {
    return page.getByRole('dialog', { name: TITLE });
}

/* True when el is the focused element of its own (shadow) root. */
function isFocused(locator) {
    return locator.evaluate((el) => el.getRootNode().activeElement === el);
}

function computed(locator, props) {
    return locator.evaluate((el, names) => {
        const cs = getComputedStyle(el);

        return Object.fromEntries(names.map((n) => [n,
                                                    cs.getPropertyValue(n)]));
    }, props);
}

function hostCount(page) {
    return page.evaluate(() =>
        document.querySelectorAll('live-help-widget').length);
}

/* Resolves once the element's entrance animation (if any) has finished. */
function settled(locator) {
    return locator.evaluate((el) =>
        Promise.all(el.getAnimations().map((a) => a.finished)));
}

async function openChat(page) {
    await launcher(page).click();
    await dialog(page).waitFor({ state: 'visible' });
}

describe('visitor widget', () => {
    before(async () => {
        stack = await startStack();
        browser = await launchBrowser();
        agent = await stayOnline(stack.baseUrl, AGENT, AGENT_PASSWORD);
    });

    after(async () => {
        if (agent) {
            await agent.stop();
        }
        if (browser) {
            await browser.close();
        }
        if (stack) {
            await stack.stop();
            assert.deepEqual(stack.errorLogProblems(), [],
                             `nginx error log of ${stack.dir} has problems`);
            stack.remove();
        }
    });

    test('module_injects_one_loader_tag_with_title_before_body_end',
         async () => {
        const res = await fetch(`${stack.baseUrl}/index.html`);
        const html = await res.text();
        const tag = new RegExp('<script src="/live-help/widget/loader\\.js'
                               + '\\?v=[0-9A-Fa-f]+" '
                               + 'data-live-help-title="Live Help" '
                               + 'async></script></body>');

        assert.equal(res.status, 200);
        assert.match(html, tag);
        assert.equal(html.match(/loader\.js/g).length, 1);
    });

    test('demo_page_shows_accessible_launcher_at_bottom_right', async () => {
        await withPage(browser, 'launcher', async (page) => {
            await page.goto(`${stack.baseUrl}/index.html`);

            const button = launcher(page);

            await button.waitFor({ state: 'visible' });
            assert.equal(await button.count(), 1);
            assert.equal(await button.getAttribute('aria-expanded'), 'false');
            assert.equal(await hostCount(page), 1);

            /* it lives in an open shadow root, not in the page's DOM */
            assert.equal(await button.evaluate((el) =>
                el.getRootNode() instanceof ShadowRoot
                && el.getRootNode().mode === 'open'), true);

            /* the unread badge exists but shows nothing yet */
            const badge = await button.evaluate((el) => {
                const b = el.querySelector('.badge');

                return b && { hidden: b.hidden,
                              shown: b.getClientRects().length > 0 };
            });

            assert.deepEqual(badge, { hidden: true, shown: false });

            const box = await button.boundingBox();
            const vp = page.viewportSize();

            assert.ok(box.width >= 44 && box.height >= 44,
                      `touch target too small: ${JSON.stringify(box)}`);
            assert.ok(vp.width - (box.x + box.width) <= 40,
                      `not at the right edge: ${JSON.stringify(box)}`);
            assert.ok(vp.height - (box.y + box.height) <= 40,
                      `not at the bottom edge: ${JSON.stringify(box)}`);

            await page.screenshot({ path: artifactPath('launcher.png') });
        });
    });

    test('every_page_loads_client_js_when_idle_and_chat_ui_on_first_click',
         async () => {
        await withPage(browser, 'lazy-load', async (page) => {
            const requested = [];

            page.on('request', (req) => requested.push(req.url()));
            await page.goto(`${stack.baseUrl}/index.html`,
                            { waitUntil: 'load' });
            await launcher(page).waitFor({ state: 'visible' });
            await page.waitForLoadState('networkidle');

            const loaderUrl = requested.find((u) => LOADER_RE.test(u));
            const clientUrl = requested.find((u) => CLIENT_JS_RE.test(u));

            assert.ok(loaderUrl, `no loader request in ${requested}`);
            assert.ok(clientUrl, `client.js not fetched on load: ${requested}`);
            assert.deepEqual(
                requested.filter((u) => CHAT_JS_RE.test(u)
                                        || CHAT_CSS_RE.test(u)),
                [], 'chat assets were fetched before any click');

            const jsResponse = page.waitForResponse(
                (res) => CHAT_JS_RE.test(res.url()));
            const cssResponse = page.waitForResponse(
                (res) => CHAT_CSS_RE.test(res.url()));
            const client = await page.request.get(clientUrl);

            await launcher(page).click();

            const js = await jsResponse;
            const css = await cssResponse;
            const version = new URL(loaderUrl).search;

            assert.equal(js.status(), 200);
            assert.equal(css.status(), 200);
            assert.match(js.headers()['content-type'], /javascript/);
            assert.match(css.headers()['content-type'], /^text\/css/);
            assert.equal(new URL(js.url()).search, version,
                         'chat.js does not carry the loader version');
            assert.equal(new URL(css.url()).search, version,
                         'chat.css does not carry the loader version');
            assert.equal(client.status(), 200);
            assert.match(client.headers()['content-type'], /javascript/);
            assert.equal(new URL(client.url()).search, version,
                         'client.js does not carry the loader version');

            await dialog(page).waitFor({ state: 'visible' });
        });
    });

    test('clicking_launcher_opens_labelled_dialog_and_focuses_it',
         async () => {
        await withPage(browser, 'open-panel', async (page) => {
            await page.goto(`${stack.baseUrl}/index.html`);
            await openChat(page);

            const button = launcher(page);
            const panel = dialog(page);
            const input = panel.getByRole('textbox', { name: 'Message' });

            assert.equal(await button.getAttribute('aria-expanded'), 'true');
            assert.equal(await button.getAttribute('aria-controls'),
                         await panel.getAttribute('id'));
            assert.ok(await isFocused(input),
                      'focus did not move to the message box');

            await panel.getByText('No messages yet').waitFor();
            assert.equal(
                await panel.getByRole('heading', { name: TITLE }).count(), 1);
            assert.equal(await panel.getByRole('log').count(), 1);
            assert.equal(await panel.getByRole('button', { name: 'Close chat' })
                .count(), 1);
            assert.equal(await input.isEditable(), true);
            assert.equal(await panel.getByRole('button', { name: 'Send' })
                .isEnabled(), true);

            await page.screenshot({ path: artifactPath('open-panel.png'),
                                    animations: 'disabled' });
        });
    });

    test('escape_closes_dialog_and_returns_focus_to_launcher', async () => {
        await withPage(browser, 'escape', async (page) => {
            await page.goto(`${stack.baseUrl}/index.html`);
            await openChat(page);

            await page.keyboard.press('Escape');
            await dialog(page).waitFor({ state: 'hidden' });

            assert.equal(await launcher(page).getAttribute('aria-expanded'),
                         'false');
            assert.ok(await isFocused(launcher(page)),
                      'focus did not return to the launcher');

            /* reopening uses the already loaded UI */
            await openChat(page);
        });
    });

    test('close_button_closes_dialog_and_returns_focus', async () => {
        await withPage(browser, 'close-button', async (page) => {
            await page.goto(`${stack.baseUrl}/index.html`);
            await openChat(page);

            await page.getByRole('button', { name: 'Close chat' }).click();
            await dialog(page).waitFor({ state: 'hidden' });
            assert.ok(await isFocused(launcher(page)));
        });
    });

    test('widget_is_operable_with_keyboard_only', async () => {
        await withPage(browser, 'keyboard', async (page) => {
            await page.goto(`${stack.baseUrl}/index.html`);
            await launcher(page).waitFor({ state: 'visible' });

            /* the widget is the last thing on the page */
            await page.keyboard.press('Shift+Tab');
            assert.ok(await isFocused(launcher(page)),
                      'Shift+Tab from the top did not reach the launcher');

            await page.keyboard.press('Enter');
            await dialog(page).waitFor({ state: 'visible' });

            /* focus is in the message box: type, Enter sends */
            assert.ok(await isFocused(
                dialog(page).getByRole('textbox', { name: 'Message' })));
            await page.keyboard.type('Typed with the keyboard');
            await page.keyboard.press('Enter');
            await dialog(page).getByRole('log')
                .getByText('Typed with the keyboard', { exact: true })
                .waitFor();

            /* back to the close button, which closes */
            await page.keyboard.press('Shift+Tab');
            await page.keyboard.press('Shift+Tab');
            assert.ok(await isFocused(
                page.getByRole('button', { name: 'Close chat' })));
            await page.keyboard.press('Enter');
            await dialog(page).waitFor({ state: 'hidden' });
            assert.ok(await isFocused(launcher(page)));

            await page.keyboard.press('Space');
            await dialog(page).waitFor({ state: 'visible' });
        });
    });

    test('hostile_page_css_does_not_leak_into_widget', async () => {
        await withPage(browser, 'hostile-css', async (page) => {
            await page.goto(`${stack.baseUrl}/index.html`);

            /* the page's CSS really is hostile... */
            const pageButton = page.getByRole('button',
                                              { name: 'Add to cart' }).first();
            const pageStyle = await computed(pageButton,
                                             ['background-color', 'font-size']);

            assert.deepEqual(pageStyle, { 'background-color': PAGE_RED,
                                          'font-size': '30px' });
            assert.equal(await page.evaluate(() =>
                getComputedStyle(document.body).color), PAGE_GREEN);

            /* ...and none of it reaches the launcher */
            const button = launcher(page);

            await button.waitFor({ state: 'visible' });

            const style = await computed(button, [
                'background-color', 'font-size', 'color', 'font-family',
                'border-radius', 'box-sizing', 'position',
            ]);

            assert.notEqual(style['background-color'], PAGE_RED);
            assert.notEqual(style['font-size'], '30px');
            assert.notEqual(style.color, PAGE_GREEN);
            assert.doesNotMatch(style['font-family'], /^serif$/);
            assert.notEqual(style['border-radius'], '0px');
            assert.equal(style['box-sizing'], 'border-box');
            assert.equal(style.position, 'fixed');

            /* nor the host element, which page rules can select */
            const host = await page.locator('live-help-widget').evaluate(
                (el) => {
                    const cs = getComputedStyle(el);

                    return { color: cs.color, fontFamily: cs.fontFamily,
                             position: cs.position, zIndex: cs.zIndex };
                });

            assert.notEqual(host.color, PAGE_GREEN);
            assert.notEqual(host.fontFamily, 'serif');
            assert.equal(host.position, 'static');
            assert.equal(host.zIndex, 'auto');

            /* nor the panel's text */
            await openChat(page);

            const empty = await computed(dialog(page).getByText(
                'No messages yet'), ['color', 'font-family', 'letter-spacing']);

            assert.notEqual(empty.color, PAGE_GREEN);
            assert.notEqual(empty['font-family'], 'serif');
            assert.equal(empty['letter-spacing'], 'normal');

            const close = await computed(
                page.getByRole('button', { name: 'Close chat' }),
                ['background-color', 'font-size']);

            assert.notEqual(close['background-color'], PAGE_RED);
            assert.notEqual(close['font-size'], '30px');
        });
    });

    test('launcher_is_shown_again_after_navigating_to_product_and_cart',
         async () => {
        await withPage(browser, 'navigation', async (page) => {
            await page.goto(`${stack.baseUrl}/index.html`);
            await launcher(page).waitFor({ state: 'visible' });

            await page.getByRole('link', { name: 'Bestseller' }).click();
            await page.waitForURL(/\/product\.html$/);
            await launcher(page).waitFor({ state: 'visible' });
            assert.equal(await hostCount(page), 1);

            await page.getByRole('link', { name: /^Cart/ }).click();
            await page.waitForURL(/\/cart\.html$/);
            await launcher(page).waitFor({ state: 'visible' });
            assert.equal(await hostCount(page), 1);
            await openChat(page);
        });
    });

    test('panel_fills_the_screen_on_a_phone', async () => {
        await withPage(browser, 'phone', { viewport: PHONE, hasTouch: true },
                       async (page) => {
            await page.goto(`${stack.baseUrl}/product.html`);
            await launcher(page).tap();
            await dialog(page).waitFor({ state: 'visible' });
            await settled(dialog(page));

            const box = await dialog(page).boundingBox();

            assert.deepEqual(box, { x: 0, y: 0, width: PHONE.width,
                                    height: PHONE.height });
            await page.screenshot({ path: artifactPath('open-panel-phone.png'),
                                    animations: 'disabled' });
        });
    });

    test('widget_works_under_strict_csp_nonce_policy', async () => {
        await withPage(browser, 'csp', async (page) => {
            const res = await page.goto(`${stack.baseUrl}/csp/product.html`);

            assert.match(res.headers()['content-security-policy'],
                         /script-src 'nonce-/);
            assert.ok((await res.text()).includes(
                `" nonce="${CSP_NONCE}" async></script></body>`),
                      'injected tag has no nonce');

            /* the module copied the nonce; chat.js must get it too */
            const tagNonce = await page.evaluate(() => document.querySelector(
                'script[src*="/live-help/widget/loader.js"]').nonce);

            assert.equal(tagNonce, CSP_NONCE);
            await openChat(page);
            await page.getByText('No messages yet').waitFor();
        });
    });

    test('loading_the_loader_twice_keeps_one_widget', async () => {
        await withPage(browser, 'double-load', async (page) => {
            await page.goto(`${stack.baseUrl}/index.html`);
            await launcher(page).waitFor({ state: 'visible' });

            await page.evaluate(() => new Promise((resolve, reject) => {
                const first = document.querySelector(
                    'script[src*="/live-help/widget/loader.js"]');
                const again = document.createElement('script');

                again.src = first.src;
                again.onload = resolve;
                again.onerror = () => reject(new Error('reload failed'));
                document.body.appendChild(again);
            }));

            assert.equal(await hostCount(page), 1);
            assert.equal(await launcher(page).count(), 1);
            await openChat(page);
            assert.equal(await dialog(page).count(), 1);
        });
    });

    test('demo_pages_and_chat_log_no_console_errors', async () => {
        await withPage(browser, 'console', async (page, problems) => {
            for (const name of ['index.html', 'product.html', 'cart.html']) {
                await page.goto(`${stack.baseUrl}/${name}`);
                await openChat(page);
                await page.keyboard.press('Escape');
                await dialog(page).waitFor({ state: 'hidden' });
                await page.waitForLoadState('networkidle');
            }
            assert.deepEqual(problems, []);
        });
    });

    test('assets_served_by_module_match_static_dir', async () => {
        for (const name of ['loader.js', 'client.js', 'notice.js',
                            'chat.js', 'chat.css']) {
            const url = `${stack.baseUrl}/live-help/widget/${name}`;
            const res = await fetch(url);
            /* as gen_assets.pl embeds it, without comments */
            const file = execFileSync('perl', [
                path.join(REPO, 'ngx_live_help_module', 'gen_assets.pl'),
                '--print', path.join(REPO, 'static', 'widget', name)])
                .toString();

            assert.equal(res.status, 200, name);
            assert.equal(await res.text(), file,
                         `${name} in the module differs from static/: `
                         + 'rebuild the module');
        }
    });
});
