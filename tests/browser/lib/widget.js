'use strict';

/*
 * The visitor widget as the widget-*.test.js files drive it: the launcher,
 * the panel and what is in it, found by role and name as a screen reader
 * user would, and screenshots of a state on a phone and a laptop.
 */

const assert = require('node:assert/strict');

const { artifactPath } = require('./browser');

const TITLE = 'Live Help';
const WAIT_MS = 10000;
const VIEWPORTS = {
    phone: { width: 390, height: 844 },
    laptop: { width: 1366, height: 800 },
};

/* its name grows with the unread badge: "Live Help 2 unread messages" */
function launcher(page) {
    return page.getByRole('button', { name: new RegExp(`^${TITLE}`) });
}

function dialog(page) {
    return page.getByRole('dialog', { name: TITLE });
}

function composer(page) {
    return dialog(page).getByRole('textbox', { name: 'Message',
                                               exact: true });
}

async function openChat(page) {
    await launcher(page).click();
    await dialog(page).waitFor({ state: 'visible' });
}

async function visitorSays(page, text) {
    await composer(page).fill(text);
    await composer(page).press('Enter');
}

/* in the page: the widget's log, lines and messages, in order */
function readLog() {
    const root = document.querySelector('live-help-widget').shadowRoot;

    return [...root.querySelectorAll('.messages > .msg, .messages > .line')]
        .map((n) => (n.classList.contains('line')
            ? `-- ${n.textContent}`
            : `${n.classList.contains('agent') ? 'agent' : 'me'}: `
              + n.querySelector('.text').textContent));
}

/* waits until the log ends with the lines of tail, in that order */
async function waitForLogEnd(page, tail, timeout = WAIT_MS) {
    const want = JSON.stringify(tail);

    try {
        await page.waitForFunction(
            `(() => { const l = (${readLog})(); const t = ${want};
                      return JSON.stringify(l.slice(-t.length))
                             === JSON.stringify(t); })()`,
            null, { timeout });

    } catch (e) {
        assert.deepEqual((await page.evaluate(readLog)).slice(-tail.length),
                         tail, `widget log: ${e.message}`);
        throw e;
    }
}

function subtitle(page) {
    return page.locator('live-help-widget .subtitle');
}

/* the frames the page's widget sent on its sockets, parsed */
function recordFrames(page) {
    const sent = [];

    page.on('websocket', (ws) => {
        ws.on('framesent', (f) => {
            try {
                sent.push(JSON.parse(f.payload));
            } catch (e) {
                /* not ours */
            }
        });
    });
    return sent;
}

/*
 * The state on screen photographed on a laptop, then on a phone (the
 * viewport of the same page changed), as NAME-laptop.png, NAME-phone.png.
 */
async function snap(page, name) {
    const before = page.viewportSize();

    for (const [kind, size] of Object.entries(VIEWPORTS)) {
        await page.setViewportSize(size);
        await page.screenshot({ path: artifactPath(`${name}-${kind}.png`),
                                animations: 'disabled' });
    }
    await page.setViewportSize(before);
}

/* axe-core's violations inside the widget, as "rule: target" lines */
async function axe(page) {
    if (!await page.evaluate(() => Boolean(window.axe))) {
        await page.addScriptTag({ path: require.resolve('axe-core') });
    }
    return page.evaluate(async () => {
        const res = await window.axe.run(
            { include: [['live-help-widget']] },
            { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] });

        return res.violations.flatMap((v) => v.nodes.map(
            (n) => `${v.id}: ${JSON.stringify(n.target)}`));
    });
}

module.exports = {
    TITLE, WAIT_MS, VIEWPORTS, launcher, dialog, composer, openChat,
    visitorSays, readLog, waitForLogEnd, subtitle, recordFrames, snap, axe,
};
