'use strict';

/*
 * Read marks, ratings and transcripts, from the shopper's widget and the
 * agent's panel at once (real nginx with two workers, Redis, Chromium):
 * "Delivered" then "Read" both ways, marks that stay after a reload, a
 * rating after the agent closes and after the shopper does, seen and
 * tagged in the panel, and the transcript files of both sides.
 */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const P = require('./lib/panel');
const w = require('./lib/widget');

const t = useStack({ assign: 'manual', agentOnline: true });

/* the mark under the shopper's last message, in the widget */
function widgetMark(page) {
    return page.locator('live-help-widget .msg.visitor .mark');
}

function panelMark(page) {
    return page.locator('#log .msg.agent .mark');
}

async function markIs(locator, text) {
    await P.until(async () => (await locator.count()) === 1
                  && (await locator.textContent()) === text,
                  async () => `mark "${text}"`);
}

async function download(page, click) {
    const [file] = await Promise.all([page.waitForEvent('download'), click()]);

    return { name: file.suggestedFilename(),
             text: fs.readFileSync(await file.path(), 'utf8') };
}

async function widgetMenu(page, item) {
    await w.dialog(page).getByRole('button', { name: 'More options' })
        .click();
    await w.dialog(page).getByRole('menuitem', { name: item }).click();
}

async function rate(page, label, comment) {
    const d = w.dialog(page);

    await d.getByText('How was this chat?').waitFor();
    await d.getByRole('button', { name: label, exact: true }).click();
    await d.getByRole('textbox', { name: 'Tell us more (optional)' })
        .fill(comment);
}

test('marks_rating_and_transcript_from_both_sides', async () => {
    const q1 = P.unique('Is the <b>blue</b> one in stock?');
    const q2 = P.unique('And in size 42?');
    const a1 = P.unique('Yes, both.');
    const a2 = P.unique('Anything else?');

    await withPage(t.browser, 'marks-shopper',
                   { viewport: w.VIEWPORTS.laptop }, async (shopper) => {
        await shopper.goto(`${t.stack.baseUrl}/product.html`);
        await w.openChat(shopper);
        /* written before any agent opened the panel */
        await w.visitorSays(shopper, q1);
        await markIs(widgetMark(shopper), 'Delivered');
        await w.snap(shopper, 'marks-delivered');

        await withPage(t.browser, 'marks-agent', P.agentContext(),
                       async (agent) => {
            await P.openPanel(agent, t.stack.baseUrl);
            await P.showTab(agent, 'Queue');
            await P.row(agent, q1).click();
            /* looking at a waiting chat is not reading it for the shopper */
            await agent.waitForTimeout(1200);
            assert.equal(await widgetMark(shopper).textContent(), 'Delivered',
                         'an agent who only looks at the queue has not read');
            const t0 = Date.now();

            await agent.locator('#claim').click();
            await markIs(widgetMark(shopper), 'Read');
            console.log(`# "Read" on the shopper's screen ${Date.now() - t0}`
                        + ' ms after the claim');
            await w.snap(shopper, 'marks-read');

            /* written while the agent has it on screen */
            await w.visitorSays(shopper, q2);
            await markIs(widgetMark(shopper), 'Read');

            /* the shopper's widget closed: the reply is only delivered */
            await w.dialog(shopper).getByRole('button', { name: 'Close chat' })
                .click();
            await P.agentSays(agent, a1);
            await markIs(panelMark(agent), 'Delivered');
            await agent.waitForTimeout(1200);
            assert.equal(await panelMark(agent).textContent(), 'Delivered');
            await w.openChat(shopper);
            await markIs(panelMark(agent), 'Read');

            /* a reload: the marks come back with the log */
            await shopper.reload();
            await w.openChat(shopper);
            await w.waitForLogEnd(shopper, [`me: ${q2}`, `agent: ${a1}`]);
            await markIs(widgetMark(shopper), 'Read');
            await P.agentSays(agent, a2);
            await markIs(panelMark(agent), 'Read');

            /* the agent closes: the shopper rates it */
            await agent.locator('#close').click();
            await agent.locator('#confirm button[value=close]').click();
            await rate(shopper, 'Good', 'Quick & <i>kind</i>');
            await w.snap(shopper, 'marks-rate-prompt');
            await w.dialog(shopper).getByRole('button',
                                              { name: 'Send feedback' })
                .click();
            await w.dialog(shopper).getByText('Thanks for your feedback!')
                .waitFor();
            await w.snap(shopper, 'marks-rate-thanks');

            await agent.locator('.marks-bar .rating')
                .getByText('Rated good').waitFor();
            await agent.getByRole('button', { name: 'Complaint' }).click();
            await P.until(async () => (await agent.getByRole('button',
                { name: 'Complaint' }).getAttribute('aria-pressed'))
                === 'true', 'tagged complaint');
            await agent.locator('#log .sys')
                .getByText('The visitor rated this chat good: Quick & '
                           + '<i>kind</i>').waitFor();
            await P.showTab(agent, 'Closed');
            await P.row(agent, a2)
                .locator('.thumb').getByText('\u263a').waitFor();
            await P.shoot(agent, 'marks-rating');

            /* the transcripts */
            const mine = await download(shopper,
                () => widgetMenu(shopper, 'Download transcript'));
            const theirs = await download(agent,
                () => agent.locator('.marks-bar button.plain').click());

            for (const [who, f] of [['widget', mine], ['panel', theirs]]) {
                assert.match(f.name, /^transcript-\d{4}-\d\d-\d\d\.txt$/,
                             `${who}: file name`);
                assert.match(f.text, /^Chat transcript \u2014 127\.0\.0\.1/,
                             `${who}: the shop's name`);
                for (const text of [q1, q2, a1, a2]) {
                    assert.match(f.text, new RegExp(
                        `^\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\] [^\\n]+: `
                        + text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$', 'm'),
                        `${who}: "${text}" with its time and author`);
                }
                assert.match(f.text, /\] \u2014 Chat ended$|closed|Closed/m,
                             `${who}: the end`);
                assert.match(f.text, /rated this chat good/,
                             `${who}: the rating`);
            }
            assert.match(mine.text, /\] You: Is the <b>blue<\/b>/,
                         'the shopper is "You", text as it was typed');
            assert.match(mine.text, /\] maria: Yes, both\./i,
                         'the agent by display name');
            console.log(`# transcripts: widget ${mine.text.length} bytes, `
                        + `panel ${theirs.text.length} bytes`);

            /* a new chat, closed by the shopper, rated bad */
            const q3 = P.unique('One more thing');

            await w.visitorSays(shopper, q3);
            await markIs(widgetMark(shopper), 'Delivered');
            await widgetMenu(shopper, 'End chat');
            await w.dialog(shopper).locator('.confirm button.danger').click();
            await rate(shopper, 'Bad', '');
            await w.dialog(shopper).getByRole('button',
                                              { name: 'Send feedback' })
                .click();
            await w.dialog(shopper).getByText('Thanks for your feedback!')
                .waitFor();
            await P.row(agent, q3).click();
            await agent.locator('.marks-bar .rating')
                .getByText('Rated bad').waitFor();
            await agent.setViewportSize(P.PHONE);
            await P.shoot(agent, 'marks-rating');
        });
    });
});
