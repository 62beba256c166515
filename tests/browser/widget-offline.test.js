'use strict';

/*
 * Nobody online: the widget takes a message with a name and an e-mail
 * instead of promising an answer, and the answer an agent gives later is
 * waiting for the shopper on whatever page they come back to. Real nginx
 * (two workers), redis and Chromium; the agent is a raw agent socket.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const { connectAgent } = require('./lib/agent');
const { AGENT, AGENT_PASSWORD } = require('./lib/stack');
const w = require('./lib/widget');

const t = useStack();

/* the events stored in the one visitor log there is */
async function storedEvents() {
    const keys = (await t.stack.redisCli('KEYS', 'lh:c:*:log'))
        .split('\n').filter(Boolean);

    assert.equal(keys.length, 1, `logs: ${keys}`);
    return (await t.stack.redisCli('XRANGE', keys[0], '-', '+'))
        .split('\n').filter((l) => l.startsWith('{')).map(JSON.parse);
}

test('offline_form_is_sent_as_profile_then_message_and_the_answer_waits',
     async () => {
    await withPage(t.browser, 'offline', { viewport: w.VIEWPORTS.laptop },
                   async (page) => {
        const frames = w.recordFrames(page);

        await page.goto(`${t.stack.baseUrl}/product.html`);
        await w.openChat(page);

        const form = w.dialog(page).getByRole('form',
                                              { name: /Nobody is here/ });
        const name = form.getByRole('textbox', { name: 'Name' });
        const email = form.getByRole('textbox', { name: 'E-mail' });
        const text = form.getByRole('textbox', { name: 'Your message' });
        const submit = form.getByRole('button', { name: 'Send message' });

        await form.waitFor();
        assert.equal(await w.composer(page).isVisible(), false,
                     'a composer promises an answer nobody can give');
        assert.equal(await name.evaluate(
            (el) => el.getRootNode().activeElement === el), true,
                     'focus is not on the first field');
        await w.subtitle(page).getByText('We\u2019re away right now').waitFor();
        await w.snap(page, 'offline-form');

        /* every field is required; the e-mail must look like one */
        await submit.click();
        assert.equal(await name.getAttribute('aria-invalid'), 'true');
        await form.getByText('Please enter your name').waitFor();
        await name.fill('Anna');
        await email.fill('anna@');
        await text.fill('Do you ship to Norway?');
        await submit.click();
        await form.getByText('Please enter a valid e-mail address.').waitFor();
        assert.equal(await name.getAttribute('aria-invalid'), 'false');
        assert.equal(await email.getAttribute('aria-invalid'), 'true');
        assert.equal(await email.evaluate(
            (el) => el.getRootNode().activeElement === el), true);
        await w.snap(page, 'offline-form-invalid');
        assert.equal(frames.filter((f) => f.type === 'profile'
                                   || f.type === 'message').length, 0,
                     'an invalid form sent something');

        await email.fill('anna@example.com');
        await submit.click();
        await w.dialog(page).getByText('Thanks, we\u2019ll reply by e-mail '
                                       + 'or here when you come back')
            .waitFor();
        await w.waitForLogEnd(page, ['me: Do you ship to Norway?']);
        await page.waitForFunction(() => !document.querySelector(
            'live-help-widget').shadowRoot.querySelector('.msg.pending'));
        await w.snap(page, 'offline-thanks');

        /* the profile first, then the message, marked offline */
        const sent = frames.filter((f) => f.type === 'profile'
                                   || f.type === 'message');

        assert.deepEqual(sent.map((f) => f.type), ['profile', 'message']);
        assert.deepEqual(sent[0], { type: 'profile', name: 'Anna',
                                    email: 'anna@example.com' });
        assert.equal(sent[1].offline, true);
        assert.equal(sent[1].text, 'Do you ship to Norway?');
        const opened = (await storedEvents()).find((e) =>
            e.kind === 'opened');

        assert.equal(opened.offline, true);

        /* an agent comes: the composer is back, and the agent is given
           the waiting chat */
        const agent = await connectAgent(t.stack.baseUrl, AGENT,
                                         AGENT_PASSWORD);

        try {
            await w.composer(page).waitFor();
            assert.equal(await form.isVisible(), false);

            /* the profile named the shopper for agents */
            agent.send({ type: 'visitors' });
            await agent.waitFor((m) => m.type === 'visitors'
                                && m.items.some((v) => v.name === 'Anna'
                                    && v.email === 'anna@example.com'),
                                'Anna among the visitors');

            /* the shopper has gone when the answer comes */
            await page.goto('about:blank');

            /* given at once: in the list, or as a joined event */
            const mine = (m) => (m.type === 'event'
                                 && m.event.kind === 'joined'
                                 ? m.conversation
                                 : m.type === 'conversations'
                                 && (m.items.find((i) => i.state === 'open')
                                     || {}).conversation);
            const conv = mine(await agent.waitFor(mine, 'the chat given'));

            agent.send({ type: 'message', cid: 'answer1', conversation: conv,
                         text: 'Yes, we do! 3-5 days.' });
            await agent.waitFor((m) => m.type === 'ack'
                                && m.cid === 'answer1', 'ack');

        } finally {
            await agent.close();
        }

        /* back on another page, without a click: the badge says so */
        await page.goto(`${t.stack.baseUrl}/cart.html`);
        await page.getByRole('button',
                             { name: 'Live Help 1 unread message' })
            .waitFor();
        await w.snap(page, 'offline-answer-badge');

        await w.openChat(page);
        await w.waitForLogEnd(page, ['me: Do you ship to Norway?',
                                     '-- Maria joined the chat',
                                     'agent: Yes, we do! 3-5 days.']);
        await page.getByRole('button', { name: 'Live Help', exact: true })
            .waitFor();
    });
});
