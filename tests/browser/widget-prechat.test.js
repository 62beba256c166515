'use strict';

/*
 * The pre-chat form: name and e-mail (optional, checked), the department
 * (from the session's departments) and the first question; the chosen
 * department reaches the opened event, and a shopper with a conversation
 * is not asked again. Real nginx (two workers, live_help_departments),
 * live_help_prechat on), redis and Chromium, an agent online on a raw
 * socket.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { useStack } = require('./lib/suite');
const { withPage } = require('./lib/browser');
const w = require('./lib/widget');

const t = useStack({ agentOnline: true, prechat: true,
                     departments: 'sales support=Customer_support' });

test('prechat_form_sends_profile_then_question_in_the_chosen_department',
     async () => {
    await withPage(t.browser, 'prechat', { viewport: w.VIEWPORTS.laptop },
                   async (page) => {
        const frames = w.recordFrames(page);

        await page.goto(`${t.stack.baseUrl}/index.html`);
        await w.openChat(page);

        const form = w.dialog(page).getByRole('form',
                                              { name: /Tell us about you/ });
        const dept = form.getByRole('combobox', { name: 'Department' });
        const email = form.getByRole('textbox', { name: /^E-mail/ });
        const submit = form.getByRole('button', { name: 'Start chat' });

        await form.waitFor();
        assert.equal(await w.composer(page).isVisible(), false);
        assert.deepEqual(await dept.locator('option').allTextContents(),
                         ['Any', 'Sales', 'Customer support']);
        await w.snap(page, 'prechat');

        /* optional, but an e-mail given must be one */
        await form.getByRole('textbox', { name: /^Name/ }).fill('Anna');
        await email.fill('not-an-address');
        await form.getByRole('textbox', { name: 'Your question' })
            .fill('Which grinder for espresso?');
        await submit.click();
        await form.getByText('Please enter a valid e-mail address.').waitFor();
        await email.fill('');
        await dept.selectOption({ label: 'Customer support' });
        await submit.click();

        await w.dialog(page).locator('.msg.visitor')
            .getByText('Which grinder for espresso?').waitFor();
        await w.composer(page).waitFor();
        assert.equal(await form.isVisible(), false);

        /* the profile first (no e-mail: none was given), then the question
           in its department, which opens the conversation there */
        const sent = frames.filter((f) => f.type === 'profile'
                                   || f.type === 'message');

        assert.deepEqual(sent.map((f) => f.type), ['profile', 'message']);
        assert.deepEqual(sent[0], { type: 'profile', name: 'Anna' });
        assert.equal(sent[1].department, 'support');

        const agent = t.agent.socket;
        const question = await agent.waitFor(
            (m) => m.type === 'event' && m.event.kind === 'message'
                   && m.event.text === 'Which grinder for espresso?',
            'the question');
        const opened = await agent.event(question.conversation, 'opened');

        assert.equal(opened.event.dept, 'support');

        /* a shopper who has a conversation is not asked again */
        await page.reload();
        await w.openChat(page);
        await w.dialog(page).locator('.msg.visitor')
            .getByText('Which grinder for espresso?').waitFor();
        await w.composer(page).waitFor();
        assert.equal(await form.isVisible(), false);
    });
});
