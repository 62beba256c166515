'use strict';

/*
 * The before/after of a browser test file: a stack (nginx + Redis) and a
 * browser for the whole file, stopped at the end, and the nginx error log
 * checked for alerts.
 *
 *   const t = useStack({ noStore: true });
 *   test('...', async () => { t.stack.baseUrl; t.browser; });
 *
 * agentOnline: an agent socket stays open the whole time (so the widget
 * offers chat rather than its offline form).
 */

const assert = require('node:assert/strict');
const { before, after } = require('node:test');

const { startStack, AGENT, AGENT_PASSWORD } = require('./stack');
const { launchBrowser } = require('./browser');
const { stayOnline } = require('./agent');

function useStack(opts = {}) {
    const t = { stack: null, browser: null, agent: null };

    before(async () => {
        t.stack = await startStack(opts);
        t.browser = await launchBrowser();
        if (opts.agentOnline) {
            t.agent = await stayOnline(t.stack.baseUrl, AGENT,
                                       AGENT_PASSWORD);
        }
    });

    after(async () => {
        if (t.agent) {
            await t.agent.stop();
        }
        if (t.browser) {
            await t.browser.close();
        }
        if (t.stack) {
            await t.stack.stop();
            assert.deepEqual(t.stack.errorLogProblems(), [],
                             `nginx error log of ${t.stack.dir} has problems`);
            t.stack.remove();
        }
    });

    return t;
}

module.exports = { useStack };
