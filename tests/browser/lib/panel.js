'use strict';

/*
 * What the agent panel's tests share: agents' browser contexts (each with
 * their own login), the panel opened and live, its tabs and rows, the
 * shopper's widget on the demo shop, and the messages on either screen.
 */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { AGENT, AGENT_PASSWORD, AGENT2, AGENT2_PASSWORD } = require('./stack');
const { artifactPath } = require('./browser');

const TITLE = 'Live Help';
const WAIT_MS = 10000;
const LAPTOP = { width: 1366, height: 800 };
const PHONE = { width: 390, height: 844 };

const LOGINS = {
    maria: { username: AGENT, password: AGENT_PASSWORD },
    jonas: { username: AGENT2, password: AGENT2_PASSWORD },
};

let serial = 0;

/* A text no other test sends, so that conversations can be told apart. */
function unique(text) {
    serial++;
    return `${text} #${serial}-${process.pid}`;
}

/* browser context options of an agent, by login, on a laptop or a phone */
function agentContext(login = 'maria', viewport = LAPTOP) {
    return { httpCredentials: LOGINS[login], viewport };
}

/* the panel, once it has its list and knows who the agent is */
async function openPanel(page, baseUrl) {
    await page.goto(`${baseUrl}/live-help/agent/`);
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    await page.locator('#layout[data-live=true]')
        .waitFor({ state: 'attached' });
    await page.locator('#me-name:not(:empty)')
        .waitFor({ state: 'attached' });
}

async function showTab(page, name) {
    const t = page.getByRole('tab', { name: new RegExp(`^${name}`) });

    await t.click();
    assert.equal(await t.getAttribute('aria-selected'), 'true');
}

/* the row of the conversation whose visible text has text, in the list */
function row(page, text) {
    return page.locator('#convs .conv').filter({ hasText: text });
}

/* the names in the list now, in order */
function rowNames(page) {
    return page.locator('#convs .conv .name').allTextContents();
}

function reply(page) {
    return page.getByRole('textbox', { name: 'Reply' });
}

async function agentSays(page, text) {
    await reply(page).fill(text);
    await reply(page).press('Enter');
}

/*
 * The open conversation's log as lines: "visitor: text", "agent: text"
 * (" (pending)" until stored) and "-- system line".
 */
function logLines(page) {
    return page.evaluate(() => [...document.querySelectorAll(
        '#log .msg, #log .sys')].map((n) => (n.classList.contains('sys')
        ? `-- ${n.firstChild.textContent}`
        : `${n.classList.contains('agent') ? 'agent' : 'visitor'}: `
          + n.querySelector('.text').textContent
          + (n.classList.contains('pending') ? ' (pending)' : ''))));
}

/* waits until the log holds exactly lines (checked on every change) */
async function waitForLog(page, lines, timeout = WAIT_MS) {
    try {
        await page.waitForFunction((want) => JSON.stringify(
            [...document.querySelectorAll('#log .msg, #log .sys')]
                .map((n) => (n.classList.contains('sys')
                    ? `-- ${n.firstChild.textContent}`
                    : `${n.classList.contains('agent') ? 'agent'
                                                        : 'visitor'}: `
                      + n.querySelector('.text').textContent
                      + (n.classList.contains('pending') ? ' (pending)'
                                                          : ''))))
            === want, JSON.stringify(lines), { timeout });

    } catch (e) {
        assert.deepEqual(await logLines(page), lines, e.message);
    }
}

/* The shopper */

function widget(page) {
    return page.getByRole('dialog', { name: TITLE });
}

async function shopperOpens(page, baseUrl, file = 'index.html') {
    await page.goto(`${baseUrl}/${file}`);
    await page.getByRole('button', { name: new RegExp(`^${TITLE}`) })
        .click();
    await widget(page).waitFor({ state: 'visible' });
}

async function shopperSays(page, text) {
    const box = widget(page).getByRole('textbox', { name: 'Message' });

    await box.fill(text);
    await box.press('Enter');
}

/* the widget's messages, "visitor: text" / "agent: text", once stored */
async function waitForWidgetText(page, text) {
    await page.waitForFunction((t) => [...document
        .querySelector('live-help-widget').shadowRoot
        .querySelectorAll('.msg:not(.pending) .text, .system, .sys')]
        .some((n) => n.textContent.includes(t)), text, { timeout: WAIT_MS });
}

/* a screenshot in tests/browser/artifacts/, named by state and viewport */
async function shoot(page, name) {
    const vp = page.viewportSize();
    const file = artifactPath(`panel-${name}-${vp.width < 600 ? 'phone'
                                                               : 'laptop'}.png`);

    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file, animations: 'disabled' });
    return file;
}

/* polls check until it holds; what (text, or a function giving it) says
 * what was awaited when it times out */
async function until(check, what, timeout = WAIT_MS) {
    const deadline = Date.now() + timeout;

    while (!(await check())) {
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${
                typeof what === 'function' ? what() : what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

module.exports = {
    until, WAIT_MS, LAPTOP, PHONE, unique, agentContext, openPanel, showTab, row,
    rowNames, reply, agentSays, logLines, waitForLog, widget, shopperOpens,
    shopperSays, waitForWidgetText, shoot,
};

/*
 * The visitor socket's stored events, as the shopper's page received
 * them: a list that fills as frames arrive (attach before page.goto).
 */
function shopperEvents(page) {
    const events = [];

    page.on('websocket', (ws) => {
        if (!/\/live-help\/ws$/.test(ws.url())) {
            return;
        }
        ws.on('framereceived', (f) => {
            try {
                const msg = JSON.parse(f.payload);

                if (msg.type === 'event' && msg.event) {
                    events.push(msg.event);
                }
            } catch (e) {
                /* not ours */
            }
        });
    });
    return events;
}

/* waits for an event of kind whose fields match want */
async function waitForEvent(events, kind, want = {}) {
    const deadline = Date.now() + WAIT_MS;
    const match = (e) => e.kind === kind && Object.entries(want)
        .every(([k, v]) => e[k] === v);

    while (!events.some(match)) {
        if (Date.now() > deadline) {
            throw new Error(`no ${kind} ${JSON.stringify(want)} event; got `
                            + JSON.stringify(events.map((e) => e.kind)));
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return events.find(match);
}

/* the conversation id of a row, and its state in Redis */
async function rowId(page, text) {
    return row(page, text).getAttribute('data-id');
}

async function stateOf(stack, id) {
    const [state, owner, oname, n, dept] = await stack.redisCommand(
        'HMGET', `lh:c:${id}:state`, 'state', 'owner', 'oname', 'n', 'dept');

    return { state, owner, oname, n: Number(n), dept };
}

/* axe-core over the page: the serious and critical violations */
async function axeProblems(page) {
    const src = require.resolve('axe-core/axe.min.js');
    const cdp = await page.context().newCDPSession(page);

    /* the panel's CSP allows no inline script; the debugger's own
     * evaluation is not the page's and passes it */
    await cdp.send('Runtime.evaluate',
                   { expression: fs.readFileSync(src, 'utf8') });
    await cdp.detach();
    const res = await page.evaluate(() => globalThis.axe.run(document, {
        resultTypes: ['violations'],
    }));

    return res.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3)
            .map((n) => n.target.join(' ')).join(', ')}`);
}

Object.assign(module.exports, {
    shopperEvents, waitForEvent, rowId, stateOf, axeProblems,
});
