'use strict';

/*
 * axe-core over every state the shopper's features brought, in the order a
 * shopper meets them on a phone: the cart page's invitation, FAQ answers
 * while typing, an answer card, "Delivered" and "Read", the menu and its
 * e-mail form, the rating after the agent closes and its thanks; the agent
 * panel with the marks and the rating; and a Finnish page. The widget's
 * states must have no violation at all (WCAG 2.1 A/AA and best practice),
 * the panel no serious or critical one. Real nginx (two workers), Redis
 * and Chromium; the agent works in the real panel.
 */

const assert = require('node:assert/strict');
const path = require('node:path');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const w = require('./lib/widget');
const P = require('./lib/panel');

const FAQ = path.resolve(__dirname, '../../demo/faq.json');
const RULE = 'Questions about your order?';
/* a page of its own, in a language, with more directives */
function page(path, lang, directives = '', dir = '') {
    const html = `<!DOCTYPE html><html lang="${lang}"${
        dir && ` dir="${dir}"`}><head><title>Shop</title>`
        + '<link rel="icon" href="data:,"></head><body>'
        + '<main><h1>Shop</h1><p>Coffee.</p></main></body></html>';

    return `location = ${path} { live_help on; default_type text/html;
            charset utf-8; ${directives} return 200 '${html}'; }`;
}

const LOOKS = {
    '/fi': 'Viesti',
    '/de': 'Nachricht',
    '/navy': 'Message',
    '/rtl': 'Message',
};

const t = useStack({
    assign: 'manual',
    agentOnline: true,
    http: `live_help_faq ${FAQ};
    live_help_invite /cart* 1 "${RULE}";
    live_help_booking_url https://cal.example/book;`,
    server: [
        page('/fi', 'fi-FI'),
        page('/de', 'de'),
        page('/navy', 'en', 'live_help_color "#0a1f44";'),
        page('/rtl', 'ar', 'live_help_position left;', 'rtl'),
    ].join('\n'),
});

const PHONE = { viewport: w.VIEWPORTS.phone, reducedMotion: 'reduce' };

async function clean(page, state) {
    assert.deepEqual(await w.axe(page), [], state);
}

test('every_new_state_of_the_widget_and_panel_passes_axe', async () => {
    const question = P.unique('Can I change the grind of my order?');
    const answer = P.unique('Yes, until it ships.');

    await withPage(t.browser, 'a11y-features', PHONE, async (shopper) => {
        await shopper.goto(`${t.stack.baseUrl}/cart.html`);

        /* the rule's invitation, beside the launcher */
        const card = shopper.getByRole('complementary',
                                       { name: 'Invitation to chat' });

        await card.waitFor();
        await clean(shopper, 'invitation');
        await card.getByRole('button', { name: 'Chat now' }).click();
        await w.dialog(shopper).waitFor();
        await w.composer(shopper).waitFor();

        /* FAQ answers while typing, then one chosen */
        await w.composer(shopper).pressSequentially('how long does shiping',
                                                    { delay: 40 });
        const faq = w.dialog(shopper).getByRole('group',
                                                { name: 'Suggested answers' });

        await faq.getByRole('button').first().waitFor();
        await clean(shopper, 'FAQ suggestions');
        await faq.getByRole('button').first().click();
        await w.dialog(shopper).locator('.faqcard').first().waitFor();
        await clean(shopper, 'FAQ answer card');

        /* a question to a person: delivered, then read */
        await w.composer(shopper).fill(question);
        await w.composer(shopper).press('Enter');
        const mark = shopper.locator('live-help-widget .msg.visitor .mark');

        await mark.getByText('Delivered').waitFor();
        await clean(shopper, 'delivered');

        await withPage(t.browser, 'a11y-features-panel', P.agentContext(),
                       async (agent) => {
            await P.openPanel(agent, t.stack.baseUrl);
            await P.showTab(agent, 'Queue');
            await P.row(agent, question).click();
            await agent.locator('#claim').click();
            await mark.getByText('Read').waitFor();
            await clean(shopper, 'read');
            await P.agentSays(agent, answer);
            await w.waitForLogEnd(shopper, [`agent: ${answer}`]);
            assert.deepEqual(await P.axeProblems(agent), [],
                             'panel: a conversation with marks');

            /* the menu, and the e-mail hand-off */
            await w.dialog(shopper).getByRole('button',
                                              { name: 'More options' })
                .click();
            await clean(shopper, 'menu');
            await w.dialog(shopper).getByRole('menuitem',
                                              { name: 'Leave your e-mail' })
                .click();
            await w.dialog(shopper).getByText('We\u2019ll reply by e-mail.')
                .waitFor();
            await clean(shopper, 'e-mail form');

            /* the agent closes: the rating, then its thanks */
            await agent.locator('#close').click();
            await agent.locator('#confirm button[value=close]').click();
            const d = w.dialog(shopper);

            await d.getByText('How was this chat?').waitFor();
            await clean(shopper, 'rating');
            await d.getByRole('button', { name: 'Good', exact: true }).click();
            await clean(shopper, 'rating with a comment box');
            await d.getByRole('button', { name: 'Send feedback' }).click();
            await d.getByText('Thanks for your feedback!').waitFor();
            await clean(shopper, 'rating thanks');

            await P.row(agent, answer).waitFor().catch(() => {});
            assert.deepEqual(await P.axeProblems(agent), [],
                             'panel: a closed, rated conversation');
        });
    });
});

test('finnish_german_themed_and_right_to_left_pages_pass_axe', async () => {
    for (const [where, field] of Object.entries(LOOKS)) {
        await withPage(t.browser, `a11y${where.replace('/', '-')}`, PHONE,
                       async (p) => {
            await p.goto(`${t.stack.baseUrl}${where}`);
            const launcher = p.locator('live-help-widget .launcher');

            await launcher.waitFor();
            await clean(p, `${where}: launcher`);
            await launcher.click();
            await p.getByRole('dialog').getByRole('textbox',
                                                  { name: field,
                                                    exact: true })
                .waitFor();
            await clean(p, `${where}: chat`);
        });
    }
});
