'use strict';

/*
 * The agent page while Redis pub/sub fails under it: both nginx workers'
 * subscriber connections are killed (CLIENT KILL TYPE pubsub) while
 * messages flow, and each side must still show every message exactly
 * once, in the order written.
 *
 * The visitor is the real widget on the demo shop, the agent the real
 * agent page behind auth_basic, each in its own browser context, through
 * the real module, two nginx workers and redis. Messages are typed one
 * after another without waiting for the other side, and the ones right
 * after a kill are typed at once, so that some are stored while the
 * workers are still subscribing again: a page that is told to catch up
 * too early misses those for good.
 */

const assert = require('node:assert/strict');
const { describe, before, after, test } = require('node:test');

const { startStack, AGENT, AGENT_PASSWORD } = require('./lib/stack');
const { stayOnline } = require('./lib/agent');
const { launchBrowser, withPage } = require('./lib/browser');

const TITLE = 'Live Help';
/*
 * The agent page forbids eval (Content-Security-Policy), and waitForFunction
 * evaluates its string predicates with it: the policy is lifted for these
 * contexts only; tests/browser/login.test.js runs the page under it.
 */
const AGENT_CONTEXT = {
    httpCredentials: { username: AGENT, password: AGENT_PASSWORD },
    bypassCSP: true,
};
const WORKERS = 2;              /* worker_processes in lib/stack.js */
const WAIT_MS = 10000;
const POLL_MS = 25;
const TEST_TIMEOUT_MS = 40000;

let stack;
let browser;
let online;     /* an agent socket, open the whole time */
let serial = 0;

/* A tag no other test uses, so that conversations can be told apart. */
function uniqueTag(name) {
    serial++;
    return `${name}-${serial}-${process.pid}`;
}

function numbered(what, n, tag) {
    return Array.from({ length: n }, (_, i) => `${what} ${i + 1} of ${n} `
                                               + `[${tag}]`);
}

/* Polls something outside the page (redis) until check() is true. */
async function eventually(check, what, timeout = WAIT_MS) {
    const deadline = Date.now() + timeout;

    while (!(await check())) {
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeout} ms: ${what()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
}

/* Redis */

/* the subscriber connections: [{id, sub, psub}] */
async function pubsubClients() {
    const list = await stack.redisCommand('CLIENT', 'LIST', 'TYPE', 'pubsub');

    return list.split('\n').filter(Boolean).map((line) => {
        const f = Object.fromEntries(line.split(' ')
            .map((kv) => kv.split('=')));

        return { id: Number(f.id), sub: Number(f.sub), psub: Number(f.psub) };
    });
}

/*
 * Kills every subscriber connection (one per worker) and returns a
 * function that waits until every worker has connected again and
 * subscribed anew to what a test here has open: lh:presence on each
 * worker, the visitor's conversation on one, and the agents' pattern on
 * one (a worker holding no agent socket does not take the pattern again,
 * so the old connections' counts are no guide).
 */
async function killPubsub(kills) {
    const old = await pubsubClients();
    const killed = await stack.redisCommand('CLIENT', 'KILL', 'TYPE',
                                            'pubsub');

    kills.push(killed);
    assert.equal(killed, WORKERS, `killed ${killed} subscriber connections `
                 + `of ${JSON.stringify(old)}`);

    return async function back() {
        const oldIds = new Set(old.map((c) => c.id));
        const sum = (list, key) => list.reduce((n, c) => n + c[key], 0);
        let now = [];

        await eventually(async () => {
            now = await pubsubClients();
            return now.length === WORKERS
                && now.every((c) => !oldIds.has(c.id) && c.sub >= 1)
                && sum(now, 'sub') >= WORKERS + 1
                && sum(now, 'psub') >= 1;
        }, () => `subscriber connections back after killing `
                 + `${JSON.stringify(old)}; now ${JSON.stringify(now)}`);
    };
}

/* The stream holding tag: its id and the texts of its messages, in order */
async function conversationWith(tag) {
    const keys = await stack.redisCommand('KEYS', 'lh:c:*:log');

    for (const key of keys) {
        const texts = (await stack.redisCommand('XRANGE', key, '-', '+'))
            .map(([, fields]) => JSON.parse(fields[fields.indexOf('e') + 1]))
            .filter((ev) => ev.kind === 'message')
            .map((ev) => ev.text);

        if (texts.some((t) => t.includes(tag))) {
            return { id: key.split(':')[2], texts };
        }
    }
    return { id: null, texts: [] };
}

async function assertStoredOnce(tag, expected) {
    let conv;

    await eventually(async () => {
        conv = await conversationWith(tag);
        return conv.texts.length >= expected.length;
    }, () => `${expected.length} messages stored; the stream holds `
             + JSON.stringify(conv.texts));
    assert.deepEqual(conv.texts, expected, 'the stream in redis');
    return conv.id;
}

/* Pages */

function dialog(page) {
    return page.getByRole('dialog', { name: TITLE });
}

function composer(page) {
    return dialog(page).getByRole('textbox', { name: 'Message' });
}

async function openWidget(page) {
    await page.goto(`${stack.baseUrl}/index.html`);
    await page.getByRole('button', { name: new RegExp(`^${TITLE}`) }).click();
    await dialog(page).waitFor({ state: 'visible' });
}

async function visitorSays(page, text) {
    await composer(page).fill(text);
    await composer(page).press('Enter');
}

async function openAgentPage(page) {
    await page.goto(`${stack.baseUrl}/live-help/agent/`);
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    /* every chat not closed, whoever answers it or none */
    await page.getByRole('tab', { name: /^All open/ }).click();
}

async function agentSays(page, text) {
    const box = page.getByRole('textbox', { name: 'Reply' });

    await box.fill(text);
    await box.press('Enter');
}

/*
 * In the page: the messages on screen, in order, as "from: text", with
 * " (pending)" for those not yet stored; in the widget's shadow root or
 * in the agent page's log.
 */
function listMessages(where) {
    const scope = where === 'widget'
        ? document.querySelector('live-help-widget').shadowRoot
            .querySelector('.messages')
        : document.getElementById('log');

    return [...scope.querySelectorAll('.msg')].map((n) => (n.classList
        .contains('agent') ? 'agent' : 'visitor') + ': '
        + n.querySelector('.text').textContent
        + (n.classList.contains('pending') ? ' (pending)' : ''));
}

/* what differs between the list on screen and the one expected */
function describeDiff(got, expected) {
    const count = new Map();
    const lines = [];

    got.forEach((t) => count.set(t, (count.get(t) || 0) + 1));

    const missing = expected.filter((t) => !count.has(t));
    const twice = [...count].filter(([, n]) => n > 1)
        .map(([t, n]) => `${t} (x${n})`);
    const extra = got.filter((t) => !expected.includes(t));
    const once = [...new Set(got)].filter((t) => expected.includes(t));
    const inOrder = once.every((t, i) => i === 0
        || expected.indexOf(once[i - 1]) < expected.indexOf(t));

    if (missing.length) {
        lines.push(`missing: ${JSON.stringify(missing)}`);
    }
    if (twice.length) {
        lines.push(`duplicated: ${JSON.stringify(twice)}`);
    }
    if (extra.length) {
        lines.push(`unexpected: ${JSON.stringify(extra)}`);
    }
    if (!inOrder) {
        lines.push('out of order');
    }
    return lines.join('; ');
}

/*
 * Waits until the page shows exactly expected (checked on every DOM
 * mutation and animation frame). An uncaught exception in the page ends
 * the wait at once: the page is broken and will not get there.
 */
async function waitForList(page, problems, where, expected) {
    const want = JSON.stringify(JSON.stringify(expected));
    const pageErrors = () => problems.filter((p) => p.startsWith('pageerror'));
    let onError;
    const broken = new Promise((resolve) => {
        onError = () => resolve('pageerror');
        page.on('pageerror', onError);
    });

    try {
        const shown = page.waitForFunction(
            `JSON.stringify((${listMessages})('${where}')) === ${want}`,
            null, { timeout: WAIT_MS }).then(() => 'ok', (e) => e);
        const outcome = pageErrors().length
            ? 'pageerror' : await Promise.race([shown, broken]);

        if (outcome === 'ok') {
            return;
        }

        const got = await page.evaluate(listMessages, where);
        const why = outcome === 'pageerror'
            ? `the page threw: ${pageErrors().join(' | ')}`
            : outcome.message.split('\n')[0];

        assert.deepEqual(got, expected, `${where} shows the messages once `
                         + `each, in order: ${describeDiff(got, expected)}; `
                         + why);
        throw new Error(`${where}: ${why}`);

    } finally {
        page.off('pageerror', onError);
    }
}

/*
 * Sends texts one after another with say(), killing pub/sub right after
 * each index in killAfter (1-based), so that the next ones go out while
 * the workers subscribe again; waits for the subscriptions to be back
 * before the next kill and at the end.
 */
async function sendWithKills(say, texts, killAfter, kills) {
    let back = null;

    for (let i = 0; i < texts.length; i++) {
        await say(texts[i]);
        if (killAfter.includes(i + 1)) {
            if (back) {
                await back();
            }
            back = await killPubsub(kills);
        }
    }
    if (back) {
        await back();
    }
}

function from(who, texts) {
    return texts.map((t) => `${who}: ${t}`);
}

describe('agent page through redis pub/sub failures', () => {
    before(async () => {
        stack = await startStack();
        browser = await launchBrowser();
        /* the widget offers chat, not its offline form, before the agent
           page is open */
        online = await stayOnline(stack.baseUrl, AGENT, AGENT_PASSWORD);

        /* every worker has its subscriber connection up */
        await eventually(async () => (await pubsubClients()).length
                         === WORKERS, () => `${WORKERS} subscribers`);
    });

    after(async () => {
        if (online) {
            await online.stop();
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

    test('agent_page_sees_every_message_once_in_order_across_pubsub_kills',
         { timeout: TEST_TIMEOUT_MS }, async () => {
        const tag = uniqueTag('agent-first');
        const texts = numbered('Visitor message', 15, tag);
        const kills = [];

        await withPage(browser, 'faults-agent-first-agent', AGENT_CONTEXT,
                       async (agent, agentProblems) => {
            await openAgentPage(agent);

            await withPage(browser, 'faults-agent-first-visitor',
                           async (visitor, visitorProblems) => {
                await openWidget(visitor);
                await visitorSays(visitor, texts[0]);

                /* the conversation appears live; the agent opens it */
                await agent.getByRole('button').filter({ hasText: texts[0] })
                    .click();
                await waitForList(agent, agentProblems, 'agent',
                                  from('visitor', texts.slice(0, 1)));

                await sendWithKills((t) => visitorSays(visitor, t),
                                    texts.slice(1), [2, 6, 10], kills);
                assert.deepEqual(kills, [WORKERS, WORKERS, WORKERS]);

                await assertStoredOnce(tag, texts);
                await waitForList(agent, agentProblems, 'agent',
                                  from('visitor', texts));
                await waitForList(visitor, visitorProblems, 'widget',
                                  from('visitor', texts));
            });
        });
    });

    test('agent_page_opened_late_sees_messages_from_before_and_after_'
         + 'once_in_order', { timeout: TEST_TIMEOUT_MS }, async () => {
        const tag = uniqueTag('visitor-first');
        const texts = numbered('Visitor message', 12, tag);
        const earlier = texts.slice(0, 5);
        const kills = [];

        await withPage(browser, 'faults-visitor-first-visitor',
                       async (visitor, visitorProblems) => {
            await openWidget(visitor);
            for (const t of earlier) {
                await visitorSays(visitor, t);
            }
            await waitForList(visitor, visitorProblems, 'widget',
                              from('visitor', earlier));

            const id = await assertStoredOnce(tag, earlier);

            await withPage(browser, 'faults-visitor-first-agent',
                           AGENT_CONTEXT, async (agent, agentProblems) => {
                await openAgentPage(agent);

                /* not seen live: listed, its row named by the server */
                await agent.locator(`#convs .conv[data-id="${id}"]`).click();
                await waitForList(agent, agentProblems, 'agent',
                                  from('visitor', earlier));

                await sendWithKills((t) => visitorSays(visitor, t),
                                    texts.slice(5), [2, 5], kills);
                assert.deepEqual(kills, [WORKERS, WORKERS]);

                await assertStoredOnce(tag, texts);
                await waitForList(agent, agentProblems, 'agent',
                                  from('visitor', texts));
                await waitForList(visitor, visitorProblems, 'widget',
                                  from('visitor', texts));
            });
        });
    });

    test('visitor_sees_every_agent_reply_once_in_order_across_pubsub_kills',
         { timeout: TEST_TIMEOUT_MS }, async () => {
        const tag = uniqueTag('replies');
        const question = `Are the replies coming? [${tag}]`;
        const replies = numbered('Agent reply', 10, tag);
        const expected = from('visitor', [question])
            .concat(from('agent', replies));
        const kills = [];

        await withPage(browser, 'faults-replies-agent', AGENT_CONTEXT,
                       async (agent, agentProblems) => {
            await openAgentPage(agent);

            await withPage(browser, 'faults-replies-visitor',
                           async (visitor, visitorProblems) => {
                await openWidget(visitor);
                await visitorSays(visitor, question);
                await agent.getByRole('button').filter({ hasText: question })
                    .click();
                await waitForList(agent, agentProblems, 'agent',
                                  expected.slice(0, 1));

                await sendWithKills((t) => agentSays(agent, t), replies,
                                    [2, 5, 8], kills);
                assert.deepEqual(kills, [WORKERS, WORKERS, WORKERS]);

                await assertStoredOnce(tag, [question].concat(replies));
                await waitForList(visitor, visitorProblems, 'widget',
                                  expected);
                await waitForList(agent, agentProblems, 'agent', expected);
            });
        });
    });
});
