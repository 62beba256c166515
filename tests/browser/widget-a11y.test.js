'use strict';

/*
 * The widget's accessibility in each of its states, checked with axe-core
 * inside the widget's shadow root, and by keyboard: Tab stays in the
 * full-screen panel on a phone, Escape closes the innermost thing, and a
 * new agent message is said in a live region. Real nginx (two workers,
 * live_help_prechat on, departments), redis and Chromium.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage, artifactPath } = require('./lib/browser');
const { connectAgent } = require('./lib/agent');
const { AGENT, AGENT_PASSWORD } = require('./lib/stack');
const w = require('./lib/widget');

const t = useStack({ prechat: true, departments: 'sales support' });

const axe = w.axe;

function focused(locator) {
    return locator.evaluate((el) => el.getRootNode().activeElement === el);
}

test('every_state_of_the_widget_passes_axe_and_works_by_keyboard',
     async () => {
    /* no opening animation: axe measures contrast on what is drawn, and
     * a panel fading in is drawn half transparent */
    await withPage(t.browser, 'a11y', { viewport: w.VIEWPORTS.phone,
                                        reducedMotion: 'reduce' },
                   async (page) => {
        const panel = w.dialog(page);

        await page.goto(`${t.stack.baseUrl}/product.html`);
        await w.launcher(page).waitFor();
        assert.deepEqual(await axe(page), [], 'launcher');

        /* nobody online: the offline form */
        await w.openChat(page);
        await panel.getByRole('form', { name: /Nobody is here/ }).waitFor();
        assert.deepEqual(await axe(page), [], 'offline form');

        /* an agent comes: the pre-chat form */
        const agent = await connectAgent(t.stack.baseUrl, AGENT,
                                         AGENT_PASSWORD);

        try {
            const prechat = panel.getByRole('form',
                                            { name: /Tell us about you/ });

            await prechat.waitFor();
            assert.deepEqual(await axe(page), [], 'pre-chat form');
            await prechat.getByRole('textbox', { name: 'Your question' })
                .fill('Is the grinder loud?');
            await prechat.getByRole('button', { name: 'Start chat' }).click();
            await w.composer(page).waitFor();

            const question = await agent.waitFor(
                (m) => m.type === 'event' && m.event.kind === 'message',
                'the question');

            agent.send({ type: 'message', cid: 'a1',
                         conversation: question.conversation,
                         text: 'Not at all.' });
            await w.waitForLogEnd(page, ['agent: Not at all.']);

            /* said once, to screen readers, with who said it */
            await page.locator('live-help-widget [aria-live=polite].sr-only')
                .getByText('Maria: Not at all.').waitFor({ state: 'attached' });
            assert.deepEqual(await axe(page), [], 'conversation');

            /* phone: Tab from the last control comes back to the first */
            const menu = panel.getByRole('button', { name: 'More options' });
            const send = panel.getByRole('button', { name: 'Send' });

            await send.focus();
            await page.keyboard.press('Tab');
            assert.ok(await focused(menu), 'Tab left the panel');
            await page.keyboard.press('Shift+Tab');
            assert.ok(await focused(send), 'Shift+Tab left the panel');

            /* the menu and the confirm, each closed by Escape alone */
            await menu.click();
            assert.deepEqual(await axe(page), [], 'menu');
            await page.keyboard.press('Escape');
            assert.ok(await focused(menu));
            assert.equal(await panel.isVisible(), true);
            await menu.click();
            await panel.getByRole('menuitem', { name: 'End chat' }).click();
            const confirm = panel.getByRole('alertdialog');

            await confirm.waitFor();
            assert.deepEqual(await axe(page), [], 'confirm');
            await page.keyboard.press('Escape');
            await confirm.waitFor({ state: 'hidden' });
            assert.equal(await panel.isVisible(), true);

            /* and Escape then closes the panel */
            await page.keyboard.press('Escape');
            await panel.waitFor({ state: 'hidden' });
            assert.ok(await focused(w.launcher(page)));

        } finally {
            await agent.close();
        }
    });
});

/*
 * The smallest phone (320 px) and the phone keyboard: the panel fits the
 * width with nothing to scroll sideways, and when the keyboard takes the
 * lower part of the screen (the visual viewport shrinks, as Chrome on
 * Android and Safari do) the panel follows it: the message box stays in
 * view. Chromium here has no on-screen keyboard, so the page's
 * visualViewport is a stand-in that the test shrinks.
 */
test('at_320_px_and_with_the_keyboard_open_the_message_box_stays_in_view',
     async () => {
    await withPage(t.browser, 'keyboard', { viewport: { width: 320,
                                                         height: 568 },
                                            reducedMotion: 'reduce' },
                   async (page) => {
        await page.addInitScript(() => {
            const vv = new EventTarget();

            vv.height = window.innerHeight;
            vv.offsetTop = 0;
            Object.defineProperty(window, 'visualViewport',
                                  { value: vv, configurable: true });
        });
        await page.goto(`${t.stack.baseUrl}/product.html`);
        await w.openChat(page);

        /* the panel, and the field the keyboard types into */
        const box = () => w.dialog(page).evaluate((p) => {
            const b = p.getBoundingClientRect();
            const f = p.getRootNode().activeElement;
            const i = f.getBoundingClientRect();

            return { top: b.top, bottom: b.bottom, width: b.width,
                     scroll: p.scrollWidth - p.clientWidth,
                     field: f.tagName, inputTop: i.top,
                     inputBottom: i.bottom };
        });

        const full = await box();

        assert.match(full.field, /^(INPUT|TEXTAREA)$/, 'a field has focus');
        assert.equal(full.width, 320, 'the panel is as wide as the phone');
        assert.equal(full.scroll, 0, 'nothing scrolls sideways');
        assert.ok(full.inputBottom <= 568, `the box is on screen: ${
            JSON.stringify(full)}`);

        /* the keyboard opens: 300 px of the 568 are left */
        await page.evaluate(() => {
            window.visualViewport.height = 268;
            window.visualViewport.dispatchEvent(new Event('resize'));
        });
        const typing = await box();

        assert.equal(typing.top, 0);
        assert.ok(typing.bottom <= 268 && typing.inputBottom <= 268
                  && typing.inputTop >= 0 && typing.inputBottom > 0,
                  `the field is above the keyboard: ${
                      JSON.stringify(typing)}`);
        await page.screenshot({ path: artifactPath('keyboard-open-320.png') });

        /* and closes again */
        await page.evaluate(() => {
            window.visualViewport.height = 568;
            window.visualViewport.dispatchEvent(new Event('resize'));
        });
        assert.equal((await box()).bottom, 568);
    });
});
