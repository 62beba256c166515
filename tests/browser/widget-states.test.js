'use strict';

/*
 * Who answers, as the shopper sees it: the widget on the demo shop (real
 * nginx, two workers, redis, Chromium) and agents on raw agent sockets
 * (tests/browser/lib/agent.js) that claim, transfer and close. Waiting
 * chats stay in the queue until claimed (live_help_assign manual), so
 * each step is the test's, not the automatic assignment's.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const { connectAgent } = require('./lib/agent');
const { AGENT, AGENT_PASSWORD, AGENT2, AGENT2_PASSWORD } =
    require('./lib/stack');
const w = require('./lib/widget');

/* a login, and so a display name (no '.', '-', '_', ' ' to cut it at) */
const HOSTILE = '<img/src=x/onerror=alert(1)>';

const t = useStack({
    assign: 'manual',
    departments: 'sales support=Customer_support',
    agents: [HOSTILE],
});

let serial = 0;

function cid() {
    serial++;
    return `t${serial}`;
}

/* an agent does something to a conversation and it is stored */
async function act(agent, type, conversation, fields = {}) {
    const id = cid();

    agent.send({ type, cid: id, conversation, ...fields });
    const answer = await agent.waitFor(
        (m) => (m.type === 'ack' || m.type === 'refused') && m.cid === id,
        `answer to ${type}`);

    assert.equal(answer.type, 'ack', `${type}: ${JSON.stringify(answer)}`);
    return answer;
}

/* the visitor's first message reaches the agent: its conversation id */
async function conversationOf(agent, text) {
    const m = await agent.waitFor((x) => x.type === 'event'
                                  && x.event.kind === 'message'
                                  && x.event.text === text,
                                  `message "${text}"`);

    return m.conversation;
}

test('claim_transfer_and_close_show_as_lines_and_a_new_chat_follows',
     async () => {
    const maria = await connectAgent(t.stack.baseUrl, AGENT, AGENT_PASSWORD);
    const jonas = await connectAgent(t.stack.baseUrl, AGENT2,
                                     AGENT2_PASSWORD);

    try {
        await withPage(t.browser, 'states', { viewport: w.VIEWPORTS.laptop },
                       async (page) => {
            await page.goto(`${t.stack.baseUrl}/product.html`);
            await w.openChat(page);
            await w.visitorSays(page, 'Is this in stock?');

            const conv = await conversationOf(maria, 'Is this in stock?');

            await w.subtitle(page).getByText('We\u2019ll be with you shortly')
                .waitFor();
            await w.snap(page, 'waiting');

            /* Maria takes it */
            await act(maria, 'claim', conv);
            await w.waitForLogEnd(page, ['me: Is this in stock?',
                                         '-- Maria joined the chat']);
            await w.subtitle(page).getByText('You\u2019re talking to Maria')
                .waitFor();
            assert.equal(await page.locator('live-help-widget .avatar.big')
                .textContent(), 'M');
            await act(maria, 'message', conv, { text: 'Yes, 4 left.' });
            await w.waitForLogEnd(page, ['agent: Yes, 4 left.']);
            await w.snap(page, 'talking');

            /* to the sales queue, where Jonas takes it */
            await act(maria, 'transfer', conv, { department: 'sales' });
            await w.waitForLogEnd(page, ['-- You were transferred to Sales']);
            await w.subtitle(page).getByText('We\u2019ll be with you shortly')
                .waitFor();
            await act(jonas, 'claim', conv);
            await w.waitForLogEnd(page, ['-- You were transferred to Sales',
                                         '-- Jonas joined the chat']);
            await w.subtitle(page).getByText('You\u2019re talking to Jonas')
                .waitFor();
            await w.snap(page, 'transferred');

            /* Jonas ends it: the next message opens conversation 2 */
            await act(jonas, 'close', conv);
            await w.waitForLogEnd(page, ['-- Chat ended']);
            assert.equal(await w.composer(page).getAttribute('placeholder'),
                         'Write to start a new chat');
            assert.equal(await page.locator('live-help-widget .avatar.big')
                .isVisible(), false);
            await w.snap(page, 'ended');

            maria.mark();
            await w.visitorSays(page, 'One more thing');
            const opened = await maria.event(conv, 'opened');

            assert.equal(opened.event.n, 2);
            await w.waitForLogEnd(page, [
                'me: Is this in stock?',
                '-- Maria joined the chat',
                'agent: Yes, 4 left.',
                '-- You were transferred to Sales',
                '-- Jonas joined the chat',
                '-- Chat ended',
                'me: One more thing',
            ]);
            await w.subtitle(page).getByText('We\u2019ll be with you shortly')
                .waitFor();
            await w.snap(page, 'new-chat');
        });

    } finally {
        await maria.close();
        await jonas.close();
    }
});

test('shopper_ends_the_chat_from_the_menu_and_the_agent_sees_it_closed',
     async () => {
    const maria = await connectAgent(t.stack.baseUrl, AGENT, AGENT_PASSWORD);

    try {
        await withPage(t.browser, 'end-chat', { viewport: w.VIEWPORTS.laptop },
                       async (page) => {
            const frames = w.recordFrames(page);
            const menuButton = w.dialog(page).getByRole(
                'button', { name: 'More options' });
            const endItem = w.dialog(page).getByRole('menuitem',
                                                     { name: 'End chat' });

            await page.goto(`${t.stack.baseUrl}/cart.html`);
            await w.openChat(page);
            await w.visitorSays(page, 'Never mind, found it');
            const conv = await conversationOf(maria, 'Never mind, found it');

            await act(maria, 'claim', conv);
            await w.waitForLogEnd(page, ['-- Maria joined the chat']);

            /* the menu opens on its first item; Escape closes only the
             * menu */
            await menuButton.click();
            assert.equal(await menuButton.getAttribute('aria-expanded'),
                         'true');
            assert.equal(await w.dialog(page).getByRole('menuitem').first()
                .evaluate((el) => el.getRootNode().activeElement === el),
                         true);
            await page.keyboard.press('Escape');
            await endItem.waitFor({ state: 'hidden' });
            assert.equal(await w.dialog(page).isVisible(), true);

            /* End chat asks first; Cancel keeps the chat */
            await menuButton.click();
            await endItem.click();
            const confirm = w.dialog(page).getByRole('alertdialog',
                                                     { name: /End this chat/ });

            await confirm.waitFor();
            await w.snap(page, 'end-confirm');
            await confirm.getByRole('button', { name: 'Cancel' }).click();
            await confirm.waitFor({ state: 'hidden' });
            assert.equal(frames.filter((f) => f.type === 'close').length, 0);

            maria.mark();
            await menuButton.click();
            await endItem.click();
            await confirm.getByRole('button', { name: 'End chat' }).click();

            const closed = await maria.event(conv, 'closed');

            assert.equal(closed.event.by, 'visitor');
            assert.equal(await t.stack.redisCommand(
                'HGET', `lh:c:${conv}:state`, 'state'), 'closed');
            await w.waitForLogEnd(page, ['me: Never mind, found it',
                                         '-- Maria joined the chat',
                                         '-- Chat ended']);
            assert.equal(await w.composer(page).getAttribute('placeholder'),
                         'Write to start a new chat');

            /* sent once, with a cid, as the outbox sends messages */
            const close = frames.filter((f) => f.type === 'close');

            assert.equal(close.length, 1);
            assert.match(close[0].cid, /^[A-Za-z0-9_-]{1,32}$/);
            assert.deepEqual(await page.evaluate(() => JSON.parse(
                localStorage.getItem('liveHelp.outbox') || '[]')), []);

            await menuButton.click();
            assert.equal(await endItem.isDisabled(), true,
                         'a closed chat cannot be ended again');
        });

    } finally {
        await maria.close();
    }
});

test('hostile_agent_name_and_texts_are_shown_as_text', async () => {
    const maria = await connectAgent(t.stack.baseUrl, AGENT, AGENT_PASSWORD);
    const evil = await connectAgent(t.stack.baseUrl, HOSTILE, AGENT_PASSWORD);
    const text = '<img src=x onerror=alert(2)><b>bold</b>';

    try {
        await withPage(t.browser, 'hostile', { viewport: w.VIEWPORTS.laptop },
                       async (page) => {
            const dialogs = [];

            page.on('dialog', (d) => {
                dialogs.push(d.message());
                d.dismiss().catch(() => {});
            });
            await page.goto(`${t.stack.baseUrl}/index.html`);
            await w.openChat(page);
            await w.visitorSays(page, '<script>alert(3)</script>');
            const conv = await conversationOf(maria,
                                              '<script>alert(3)</script>');

            await act(evil, 'claim', conv);
            await act(evil, 'message', conv, { text });
            await w.waitForLogEnd(page, [
                'me: <script>alert(3)</script>',
                `-- ${HOSTILE} joined the chat`,
                `agent: ${text}`,
            ]);
            await w.subtitle(page)
                .getByText(`You\u2019re talking to ${HOSTILE}`).waitFor();
            assert.equal(await w.dialog(page).locator('.msg.agent .author')
                .textContent(), HOSTILE);

            const found = await page.evaluate(() => {
                const root = document.querySelector('live-help-widget')
                    .shadowRoot;

                return root.querySelectorAll('img, b, script').length
                    + document.querySelectorAll('img[src=x]').length;
            });

            assert.equal(found, 0, 'a visitor-side text became HTML');
            assert.deepEqual(dialogs, []);
        });

    } finally {
        await maria.close();
        await evil.close();
    }
});
