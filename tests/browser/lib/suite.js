'use strict';

/*
 * The before/after of a browser test file: a stack (nginx + Redis) and a
 * browser for the whole file, stopped at the end, and the nginx error log
 * checked for alerts.
 *
 *   const t = useStack({ noStore: true });
 *   test('...', async () => { t.stack.baseUrl; t.browser; });
 */

const assert = require('node:assert/strict');
const { before, after } = require('node:test');

const { startStack } = require('./stack');
const { launchBrowser } = require('./browser');

function useStack(opts = {}) {
    const t = { stack: null, browser: null };

    before(async () => {
        t.stack = await startStack(opts);
        t.browser = await launchBrowser();
    });

    after(async () => {
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
