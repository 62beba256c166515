'use strict';

/*
 * FAQ answers while typing (live_help_faq with the demo's FAQ): a shopper
 * types a misspelt question like a person, three suggestions at most
 * appear above the message box with the right one first; choosing one by
 * keyboard or by click shows the answer as a card in the chat, keeps what
 * was typed, and Enter still sends the message. The agent's panel shows
 * "Shown FAQ answer" lines in the conversation, and the cards are still
 * there after a reload. Real nginx (two workers), Redis and Chromium.
 */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const w = require('./lib/widget');
const P = require('./lib/panel');

const FAQ = path.resolve(__dirname, '../../demo/faq.json');

const t = useStack({ agentOnline: true, assign: 'manual',
                     http: `live_help_faq ${FAQ};` });

function suggestions(page) {
    return w.dialog(page).getByRole('group', { name: 'Suggested answers' });
}

function cards(page) {
    return w.dialog(page).locator('.faqcard');
}

/* word by word, a key at a time, with the pauses of someone thinking */
async function typeLikeAPerson(page, text) {
    const words = text.split(' ');

    for (let i = 0; i < words.length; i++) {
        await w.composer(page).pressSequentially(
            (i ? ' ' : '') + words[i], { delay: 60 + (i % 3) * 30 });
        await page.waitForTimeout(250 + (i % 2) * 200);
    }
}

test('faq_suggestions_for_a_misspelt_question_chosen_by_keyboard_and_click',
     async () => {
    const message = P.unique('And can I pick it up myself?');

    await withPage(t.browser, 'faq', { viewport: w.VIEWPORTS.laptop },
                   async (page) => {
        const frames = w.recordFrames(page);

        await page.goto(`${t.stack.baseUrl}/index.html`);
        await w.openChat(page);
        await typeLikeAPerson(page, 'how long does shiping take');

        const group = suggestions(page);
        const items = group.getByRole('button');

        await items.first().filter({ hasText: 'How long does shipping take?' })
            .waitFor();
        const n = await items.count();

        assert.ok(n >= 1 && n <= 3, `${n} suggestions`);
        const asked = frames.filter((f) => f.type === 'faq');

        /* debounced: a search per pause (5 here, more when a loaded
           machine types slowly), not per key */
        console.log(`# ${asked.length} searches for 26 keys`);
        assert.ok(asked.length >= 1 && asked.length <= 13,
                  `${asked.length} searches for 26 keys`);
        assert.equal(asked.at(-1).q, 'how long does shiping take');
        await w.snap(page, 'widget-faq-suggestions');

        /* by keyboard: up from the box into the list, Enter */
        await w.composer(page).press('ArrowUp');
        for (let i = 1; i < n; i++) {
            await page.keyboard.press('ArrowUp');
        }
        assert.equal(await items.first().evaluate(
            (b) => b.getRootNode().activeElement === b), true);
        await page.keyboard.press('Enter');

        const card = cards(page).first();

        await card.getByText('How long does shipping take?').waitFor();
        await card.getByText(/in Finland in 2-4 working days/).waitFor();
        assert.equal(await w.composer(page).inputValue(),
                     'how long does shiping take');
        assert.equal(await group.isVisible(), false);
        await w.composer(page).evaluate((b) => b.getRootNode()
            .activeElement === b).then((f) => assert.ok(f, 'focus back'));

        /* by click, for another question */
        await w.composer(page).fill('');
        await typeLikeAPerson(page, 'can i retrun my coffee');
        await items.filter({ hasText: 'Can I return my order?' }).click();
        await cards(page).nth(1).getByText('Can I return my order?')
            .waitFor();
        await w.snap(page, 'widget-faq-card');

        const shown = frames.filter((f) => f.type === 'faq_shown');

        assert.deepEqual(shown.map((f) => f.faq), ['shipping-time',
                                                   'returns']);
        assert.ok(shown.every((f) => /^[\w-]{1,32}$/.test(f.cid)));

        /* Enter still sends what is typed; the suggestions go */
        await w.composer(page).fill(message);
        await w.composer(page).press('Enter');
        await w.dialog(page).locator('.msg.visitor:not(.pending)')
            .getByText(message).waitFor();
        assert.equal(await w.composer(page).inputValue(), '');
        assert.equal(await group.isVisible(), false);

        /* the transcript keeps the answers read, and the question */
        await w.dialog(page).getByRole('button', { name: 'More options' })
            .click();
        const [file] = await Promise.all([
            page.waitForEvent('download'),
            w.dialog(page).getByRole('menuitem',
                                     { name: 'Download transcript' }).click(),
        ]);
        const text = fs.readFileSync(await file.path(), 'utf8');

        assert.match(text, new RegExp('Answer from our FAQ: How long does '
                                      + 'shipping take\\?\n {4}.*2-4 working'));
        assert.ok(text.indexOf('Answer from our FAQ: Can I return my order?')
                  < text.indexOf(`You: ${message}`), text);

        /* the agent sees which answers the shopper read */
        await withPage(t.browser, 'faq-agent', P.agentContext(),
                       async (agent) => {
            await P.openPanel(agent, t.stack.baseUrl);
            await P.showTab(agent, 'Queue');
            await P.row(agent, message).click();
            await P.until(async () => {
                const lines = await P.logLines(agent);

                return lines.includes(
                    '-- Shown FAQ answer: How long does shipping take?')
                    && lines.includes(
                        '-- Shown FAQ answer: Can I return my order?')
                    && lines.includes(`visitor: ${message}`);
            }, async () => JSON.stringify(await P.logLines(agent)));
            const lines = await P.logLines(agent);

            assert.ok(lines.indexOf(
                '-- Shown FAQ answer: Can I return my order?')
                < lines.indexOf(`visitor: ${message}`), 'in order');
            await P.shoot(agent, 'faq-shown');
        });

        /* the cards are in the log: there after a reload */
        await page.reload();
        await w.openChat(page);
        await w.dialog(page).locator('.msg.visitor').getByText(message)
            .waitFor();
        assert.equal(await cards(page).count(), 2);
        assert.deepEqual(await cards(page).locator('.faqcard-q')
            .allTextContents(), ['How long does shipping take?',
                                 'Can I return my order?']);
    });
});

test('no_suggestions_for_short_text_and_none_for_a_phone_until_typed',
     async () => {
    await withPage(t.browser, 'faq-phone', { viewport: w.VIEWPORTS.phone },
                   async (page) => {
        const frames = w.recordFrames(page);

        await page.goto(`${t.stack.baseUrl}/index.html`);
        await w.openChat(page);
        await w.composer(page).pressSequentially('hi', { delay: 80 });
        await page.waitForTimeout(500);
        assert.equal(frames.filter((f) => f.type === 'faq').length, 0,
                     'two letters ask nothing');
        assert.equal(await suggestions(page).isVisible(), false);

        await w.composer(page).pressSequentially(' what grnid for espresso',
                                                 { delay: 70 });
        await suggestions(page).getByRole('button')
            .filter({ hasText: 'Which grind should I choose?' }).waitFor();
        await w.snap(page, 'widget-faq-suggestions-typing');

        /* Escape closes the list, not the chat */
        await w.composer(page).press('ArrowUp');
        await page.keyboard.press('Escape');
        assert.equal(await suggestions(page).isVisible(), false);
        assert.equal(await w.dialog(page).isVisible(), true);
    });
});
