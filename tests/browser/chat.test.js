'use strict';

/*
 * Chat end to end: a visitor on the demo shop and an agent on the agent
 * page (behind auth_basic), each in its own browser context, talking
 * through the real module, two nginx workers and redis.
 *
 * What the server stored is read from redis itself, so "exactly once"
 * means once in the conversation's log, not merely once on screen. Where
 * a test must lose a frame or hold a reconnect, Playwright's
 * routeWebSocket sits between the page and nginx; the widget, the socket
 * to nginx and the server are the real ones.
 */

const assert = require('node:assert/strict');
const { describe, before, after, test } = require('node:test');

const { startStack, AGENT, AGENT_PASSWORD } = require('./lib/stack');
const { launchBrowser, withPage, artifactPath } = require('./lib/browser');
const { stayOnline } = require('./lib/agent');
const { launcher, dialog, composer, openChat, visitorSays } =
    require('./lib/widget');

const TITLE = 'Live Help';
const AGENT_NAME = 'Maria';
/*
 * The agent page forbids eval (Content-Security-Policy), and waitForFunction
 * evaluates its string predicates with it: the policy is lifted for these
 * contexts only; tests/browser/login.test.js runs the page under it.
 */
const AGENT_CONTEXT = {
    httpCredentials: { username: AGENT, password: AGENT_PASSWORD },
    bypassCSP: true,
};
const VISITOR_WS = /\/live-help\/ws$/;
const WAIT_MS = 10000;
const TYPING_GONE_MS = 10000;   /* 3 s idle before "off", with room */
/* nginx retries redis after up to 5 s, the widget its outbox after 10 s */
const STORE_BACK_MS = 25000;

let stack;
let browser;
let online;     /* an agent socket: the widget offers chat, not a form */
let serial = 0;

/* A text no other test sends, so that conversations can be told apart. */
function unique(text) {
    serial++;
    return `${text} #${serial}-${process.pid}`;
}

/*
 * In the page: the messages on screen, [{from, text, pending}] in order;
 * in the widget's shadow root or on the agent page.
 */
function listMessages(where) {
    const scope = where === 'widget'
        ? document.querySelector('live-help-widget').shadowRoot
            .querySelector('.messages')
        : document.getElementById('log');

    return [...scope.querySelectorAll('.msg')].map((n) => ({
        from: n.classList.contains('agent') ? 'agent' : 'visitor',
        text: n.querySelector('.text').textContent,
        pending: n.classList.contains('pending'),
    }));
}

function sent(from, text) {
    return { from, text, pending: false };
}

/*
 * Waits until the list on screen is exactly expected (checked on every
 * DOM mutation and animation frame); on timeout the error shows what was
 * there instead.
 */
async function waitForList(page, where, expected, timeout = WAIT_MS) {
    try {
        const want = JSON.stringify(JSON.stringify(expected));

        await page.waitForFunction(
            `JSON.stringify((${listMessages})('${where}')) === ${want}`,
            null, { timeout });

    } catch (e) {
        const got = await page.evaluate(listMessages, where);

        assert.deepEqual(got, expected, `${where} messages: ${e.message}`);
        throw e;
    }
}

function waitForWidget(page, expected, timeout) {
    return waitForList(page, 'widget', expected, timeout);
}

function waitForAgent(page, expected, timeout) {
    return waitForList(page, 'agent', expected, timeout);
}

/* Polls something outside the page (redis) until check() is true. */
async function eventually(check, what) {
    const deadline = Date.now() + WAIT_MS;

    while (!(await check())) {
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${WAIT_MS} ms: ${what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

async function openAgentPage(page) {
    await page.goto(`${stack.baseUrl}/live-help/agent/`);
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    /* every chat not closed, whoever answers it or none */
    await page.getByRole('tab', { name: /^All open/ }).click();
}

/* Opens, on the agent page, the conversation whose last line is text. */
async function agentOpens(page, text) {
    const conv = page.getByRole('button').filter({ hasText: text });

    await conv.click();
    await page.getByRole('log').getByText(text, { exact: true }).waitFor();
}

async function agentSays(page, text) {
    const box = page.getByRole('textbox', { name: 'Reply' });

    await box.fill(text);
    await box.press('Enter');
}

/* Every stored message event in redis whose text is text. */
async function stored(text) {
    const keys = (await stack.redisCli('KEYS', 'lh:c:*:log'))
        .split('\n').filter(Boolean);
    let n = 0;

    for (const key of keys) {
        const lines = (await stack.redisCli('XRANGE', key, '-', '+'))
            .split('\n').filter((l) => l.startsWith('{'));

        for (const line of lines) {
            const ev = JSON.parse(line);

            if (ev.kind === 'message' && ev.text === text) {
                n++;
            }
        }
    }
    return n;
}

function outboxOf(page) {
    return page.evaluate(() => JSON.parse(
        localStorage.getItem('liveHelp.outbox') || '[]'));
}

/*
 * A routeWebSocket handler whose first visitor socket goes through
 * filter(fromPage, fromServer) and whose later ones pass untouched (after
 * gate, when given). Returns the route and what it saw.
 */
function visitorRoute({ filterFirst, gate } = {}) {
    const seen = { sockets: 0, closeCodes: [] };

    seen.handler = async (ws) => {
        const nth = ++seen.sockets;

        if (nth > 1 && gate) {
            await gate;
        }

        const server = ws.connectToServer();

        server.onClose((code, reason) => {
            seen.closeCodes.push(code);
            ws.close({ code, reason });
        });

        if (nth === 1 && filterFirst) {
            filterFirst(ws, server);
        }
    };
    return seen;
}

describe('chat between visitor and agent', () => {
    before(async () => {
        stack = await startStack();
        browser = await launchBrowser();
        online = await stayOnline(stack.baseUrl, AGENT, AGENT_PASSWORD);
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

    test('agent_page_asks_for_credentials', async () => {
        const res = await fetch(`${stack.baseUrl}/live-help/agent/`);

        assert.equal(res.status, 401);
        assert.match(res.headers.get('www-authenticate'), /^Basic /);
    });

    test('visitor_message_reaches_agent_and_reply_comes_back', async () => {
        const question = unique('Is the Ethiopia roast still in stock?');
        const reply = unique('Yes, we roast it again on Monday.');

        await withPage(browser, 'chat-agent', AGENT_CONTEXT, async (agent) => {
            await openAgentPage(agent);

            await withPage(browser, 'chat-visitor', async (visitor) => {
                await visitor.goto(`${stack.baseUrl}/index.html`);
                await openChat(visitor);
                await visitorSays(visitor, question);

                /* shown at once, then stored and acknowledged */
                await dialog(visitor).getByText(question, { exact: true })
                    .waitFor();
                await waitForWidget(visitor, [sent('visitor', question)]);

                /* the agent sees a new, unread conversation appear */
                const conv = agent.getByRole('button')
                    .filter({ hasText: question });

                await conv.waitFor();
                assert.equal(await conv.getByText('unread').count(), 1);

                await agentOpens(agent, question);
                await agentSays(agent, reply);
                await waitForAgent(agent, [sent('visitor', question),
                                           sent('agent', reply)]);

                /* the visitor gets Maria's reply, with her name */
                await waitForWidget(visitor, [sent('visitor', question),
                                              sent('agent', reply)]);

                const answer = dialog(visitor).locator('.msg.agent');

                assert.equal(await answer.locator('.author').textContent(),
                             AGENT_NAME);
                assert.equal(await answer.locator('.avatar').textContent(),
                             'M');
                await dialog(visitor).getByText(
                    `You\u2019re talking to ${AGENT_NAME}`).waitFor();

                assert.equal(await stored(question), 1);
                assert.equal(await stored(reply), 1);

                await visitor.screenshot({
                    path: artifactPath('chat-visitor.png'),
                    animations: 'disabled',
                });
                await agent.screenshot({
                    path: artifactPath('chat-agent.png'),
                });
            });
        });
    });

    test('conversation_survives_navigation_and_reload', async () => {
        const lines = [unique('First question'), unique('Second question'),
                       unique('Third question')];
        const reply = unique('Here is the answer');
        const expected = lines.map((t) => sent('visitor', t))
            .concat([sent('agent', reply)]);

        await withPage(browser, 'resume-agent', AGENT_CONTEXT,
                       async (agent) => {
            await openAgentPage(agent);

            await withPage(browser, 'resume-visitor', async (visitor) => {
                await visitor.goto(`${stack.baseUrl}/index.html`);
                await openChat(visitor);
                for (const line of lines) {
                    await visitorSays(visitor, line);
                }
                await waitForWidget(visitor, expected.slice(0, 3));

                await agentOpens(agent, lines[2]);
                await agentSays(agent, reply);
                await waitForWidget(visitor, expected);

                /* another page of the shop */
                await visitor.getByRole('link', { name: 'Bestseller' })
                    .click();
                await visitor.waitForURL(/\/product\.html$/);
                await openChat(visitor);
                await waitForWidget(visitor, expected);

                /*
                 * A message sent now arrives after everything replayed: had
                 * anything come twice, it would be in the list by then.
                 */
                const more = unique('Asked on the product page');

                expected.push(sent('visitor', more));
                await visitorSays(visitor, more);
                await waitForWidget(visitor, expected);

                await visitor.reload();
                await openChat(visitor);
                await waitForWidget(visitor, expected);

                const last = unique('Asked after a reload');

                expected.push(sent('visitor', last));
                await visitorSays(visitor, last);
                await waitForWidget(visitor, expected);

                /* the agent saw the same conversation, once each */
                await waitForAgent(agent, expected);
                for (const m of expected) {
                    assert.equal(await stored(m.text), 1, m.text);
                }
            });
        });
    });

    test('message_lost_on_the_way_is_delivered_once_after_reload',
         async () => {
        const text = unique('Sent just before reloading');

        await withPage(browser, 'outbox-lost', async (visitor) => {
            let dropped;
            const droppedOnce = new Promise((resolve) => {
                dropped = resolve;
            });

            /* the first socket never delivers a message to nginx */
            const route = visitorRoute({
                filterFirst(ws, server) {
                    ws.onMessage((m) => {
                        if (JSON.parse(m).type === 'message') {
                            dropped();
                            return;
                        }
                        server.send(m);
                    });
                },
            });

            await visitor.routeWebSocket(VISITOR_WS, route.handler);
            await visitor.goto(`${stack.baseUrl}/index.html`);
            await openChat(visitor);
            await visitorSays(visitor, text);
            await droppedOnce;

            await waitForWidget(visitor, [{ from: 'visitor', text,
                                            pending: true }]);
            await dialog(visitor).getByText('Sending\u2026').waitFor();
            assert.equal(await stored(text), 0);
            assert.equal((await outboxOf(visitor)).length, 1);

            await visitor.reload();

            /* the outbox goes out again without the panel being opened */
            await launcher(visitor).waitFor();
            await eventually(async () => (await stored(text)) > 0,
                             'stored after the reload');

            await openChat(visitor);
            await waitForWidget(visitor, [sent('visitor', text)]);
            assert.deepEqual(await outboxOf(visitor), []);
            assert.equal(await stored(text), 1);
            assert.equal(route.sockets, 2);
        });
    });

    test('message_stored_but_not_acked_before_reload_is_not_duplicated',
         async () => {
        const text = unique('Stored, but the ack was lost');

        await withPage(browser, 'outbox-unacked', async (visitor) => {
            let lostAck;
            const ackLost = new Promise((resolve) => {
                lostAck = resolve;
            });

            /* nginx stores it, but neither its ack nor its event return */
            const route = visitorRoute({
                filterFirst(ws, server) {
                    server.onMessage((m) => {
                        const msg = JSON.parse(m);

                        if (msg.type === 'ack') {
                            lostAck();
                            return;
                        }
                        if (msg.type === 'event'
                            && msg.event.from === 'visitor')
                        {
                            return;
                        }
                        ws.send(m);
                    });
                },
            });

            await visitor.routeWebSocket(VISITOR_WS, route.handler);
            await visitor.goto(`${stack.baseUrl}/index.html`);
            await openChat(visitor);
            await visitorSays(visitor, text);
            await ackLost;

            assert.equal(await stored(text), 1);
            await waitForWidget(visitor, [{ from: 'visitor', text,
                                            pending: true }]);
            assert.equal((await outboxOf(visitor)).length, 1);

            await visitor.reload();
            await openChat(visitor);
            await waitForWidget(visitor, [sent('visitor', text)]);

            /* and it stays once: a later message lands right after it */
            const next = unique('And one more');

            await visitorSays(visitor, next);
            await waitForWidget(visitor, [sent('visitor', text),
                                          sent('visitor', next)]);
            assert.deepEqual(await outboxOf(visitor), []);
            assert.equal(await stored(text), 1);
        });
    });

    test('reconnecting_shows_after_nginx_reload_and_messages_sent_meanwhile_'
         + 'arrive_once', async () => {
        const first = unique('Before the reload');
        const during = [unique('Written while reconnecting'),
                        unique('Also written while reconnecting')];
        let release;
        const gate = new Promise((resolve) => {
            release = resolve;
        });

        await withPage(browser, 'nginx-reload', async (visitor) => {
            /* hold the reconnect, so "meanwhile" lasts as long as we like */
            const route = visitorRoute({ gate });
            const status = dialog(visitor).getByRole('status',
                                                     { includeHidden: true });

            await visitor.routeWebSocket(VISITOR_WS, route.handler);
            await visitor.goto(`${stack.baseUrl}/index.html`);
            await openChat(visitor);
            await visitorSays(visitor, first);
            await waitForWidget(visitor, [sent('visitor', first)]);
            assert.equal(await status.textContent(), '');

            await stack.reload();

            await dialog(visitor).getByText('Reconnecting\u2026').waitFor();
            assert.deepEqual(route.closeCodes, [1001]);

            for (const text of during) {
                await visitorSays(visitor, text);
            }
            await waitForWidget(visitor, [sent('visitor', first)].concat(
                during.map((text) => ({ from: 'visitor', text,
                                        pending: true }))));
            await visitor.screenshot({
                path: artifactPath('chat-reconnecting.png'),
                animations: 'disabled',
            });

            release();

            await waitForWidget(visitor, [sent('visitor', first)].concat(
                during.map((text) => sent('visitor', text))));
            await dialog(visitor).getByText('Reconnecting\u2026')
                .waitFor({ state: 'hidden' });
            assert.equal(await status.textContent(), '');
            for (const text of [first].concat(during)) {
                assert.equal(await stored(text), 1, text);
            }
        });
    });

    test('chat_resumes_on_both_sides_after_nginx_reload', async () => {
        const question = unique('Are you open on Saturday?');
        const more = unique('Sent while nginx reloads');
        const reply = unique('Yes, from ten to four.');
        const expected = [sent('visitor', question), sent('visitor', more),
                          sent('agent', reply)];

        await withPage(browser, 'reload-agent', AGENT_CONTEXT,
                       async (agent) => {
            await openAgentPage(agent);

            await withPage(browser, 'reload-visitor', async (visitor) => {
                await visitor.goto(`${stack.baseUrl}/index.html`);
                await openChat(visitor);
                await visitorSays(visitor, question);
                await agentOpens(agent, question);

                await stack.reload();

                /* on the old socket or the new one: it arrives once */
                await visitorSays(visitor, more);
                await waitForWidget(visitor, expected.slice(0, 2));
                await waitForAgent(agent, expected.slice(0, 2));

                await agentSays(agent, reply);
                await waitForAgent(agent, expected);
                await waitForWidget(visitor, expected);
                for (const m of expected) {
                    assert.equal(await stored(m.text), 1, m.text);
                }
            });
        });
    });

    test('messages_wait_while_redis_is_down_and_go_out_once_it_is_back',
         async () => {
        const first = unique('Before the store went away');
        const waiting = unique('Written while the store is away');
        const expected = [sent('visitor', first), sent('visitor', waiting)];

        await withPage(browser, 'redis-down-agent', AGENT_CONTEXT,
                       async (agent) => {
            await openAgentPage(agent);

            await withPage(browser, 'redis-down', async (visitor) => {
                await visitor.goto(`${stack.baseUrl}/index.html`);
                await openChat(visitor);
                await visitorSays(visitor, first);
                await waitForWidget(visitor, expected.slice(0, 1));
                await agentOpens(agent, first);

                await stack.redisDown();
                try {
                    /* refused (nack), kept, and the visitor is told */
                    await visitorSays(visitor, waiting);
                    await dialog(visitor).getByText('Reconnecting\u2026')
                        .waitFor();
                    await waitForWidget(visitor, [
                        sent('visitor', first),
                        { from: 'visitor', text: waiting, pending: true },
                    ]);
                    assert.equal((await outboxOf(visitor)).length, 1);

                } finally {
                    await stack.redisUp();
                }

                await waitForWidget(visitor, expected, STORE_BACK_MS);
                await dialog(visitor).getByText('Reconnecting\u2026')
                    .waitFor({ state: 'hidden' });
                assert.deepEqual(await outboxOf(visitor), []);

                /* the agent, live again or caught up, has it once */
                await waitForAgent(agent, expected, STORE_BACK_MS);
                assert.equal(await stored(first), 1);
                assert.equal(await stored(waiting), 1);
            });
        });
    });

    test('agent_typing_shows_in_the_widget', async () => {
        const question = unique('Do you ship to Norway?');
        const reply = unique('Let me check that for you.');

        await withPage(browser, 'typing-agent', AGENT_CONTEXT,
                       async (agent) => {
            await openAgentPage(agent);

            await withPage(browser, 'typing-visitor', async (visitor) => {
                await visitor.goto(`${stack.baseUrl}/product.html`);
                await openChat(visitor);
                await visitorSays(visitor, question);
                await agentOpens(agent, question);
                await agentSays(agent, reply);
                await waitForWidget(visitor, [sent('visitor', question),
                                              sent('agent', reply)]);

                const typing = dialog(visitor)
                    .getByText(`${AGENT_NAME} is typing\u2026`);

                await agent.getByRole('textbox', { name: 'Reply' })
                    .pressSequentially('We do');
                await typing.waitFor();
                await visitor.screenshot({
                    path: artifactPath('chat-agent-typing.png'),
                    animations: 'disabled',
                });

                /* 3 s without a key: the agent page says it stopped */
                await typing.waitFor({ state: 'hidden',
                                       timeout: TYPING_GONE_MS });
            });
        });
    });

    test('visitor_typing_shows_on_the_agent_page', async () => {
        const question = unique('Which grind for a moka pot?');

        await withPage(browser, 'vtyping-agent', AGENT_CONTEXT,
                       async (agent) => {
            await openAgentPage(agent);

            await withPage(browser, 'vtyping-visitor', async (visitor) => {
                await visitor.goto(`${stack.baseUrl}/index.html`);
                await openChat(visitor);
                await visitorSays(visitor, question);
                await agentOpens(agent, question);

                const typing = agent.getByText('Visitor is typing\u2026');

                await composer(visitor).pressSequentially('And for');
                await typing.waitFor();
                await typing.waitFor({ state: 'hidden',
                                       timeout: TYPING_GONE_MS });
            });
        });
    });

    test('unread_badge_counts_agent_replies_while_the_panel_is_closed',
         async () => {
        const question = unique('Can I change my order?');
        const replies = [unique('Of course.'), unique('What should change?')];

        await withPage(browser, 'badge-agent', AGENT_CONTEXT,
                       async (agent) => {
            await openAgentPage(agent);

            await withPage(browser, 'badge-visitor', async (visitor) => {
                await visitor.goto(`${stack.baseUrl}/cart.html`);
                await openChat(visitor);
                await visitorSays(visitor, question);
                await waitForWidget(visitor, [sent('visitor', question)]);
                await visitor.keyboard.press('Escape');
                await dialog(visitor).waitFor({ state: 'hidden' });

                await agentOpens(agent, question);
                for (const r of replies) {
                    await agentSays(agent, r);
                }

                const badge = launcher(visitor).locator('.badge');

                await visitor.getByRole('button', {
                    name: `${TITLE} 2 unread messages`,
                }).waitFor();
                assert.equal(await badge.textContent(), '2');
                await visitor.screenshot({
                    path: artifactPath('chat-unread-badge.png'),
                });

                await openChat(visitor);
                await badge.waitFor({ state: 'hidden' });
                await visitor.getByRole('button', { name: TITLE, exact: true })
                    .waitFor();
                await waitForWidget(visitor, [sent('visitor', question)]
                    .concat(replies.map((r) => sent('agent', r))));
            });
        });
    });

    test('hostile_messages_render_as_text_on_both_sides', async () => {
        const tag = unique('x');
        const fromVisitor = [`<img src=x onerror=alert(1)> ${tag}`,
                             `<script>alert(2)</script> ${tag}`];
        const fromAgent = [`<img src=x onerror=alert(3)><b>bold</b> ${tag}`,
                           `<script>alert(4)</script> ${tag}`];
        const dialogs = [];
        const expected = fromVisitor.map((t) => sent('visitor', t))
            .concat(fromAgent.map((t) => sent('agent', t)));

        await withPage(browser, 'xss-agent', AGENT_CONTEXT, async (agent) => {
            agent.on('dialog', (d) => {
                dialogs.push(d.message());
                d.dismiss().catch(() => {});
            });
            await openAgentPage(agent);

            await withPage(browser, 'xss-visitor', async (visitor) => {
                visitor.on('dialog', (d) => {
                    dialogs.push(d.message());
                    d.dismiss().catch(() => {});
                });
                await visitor.goto(`${stack.baseUrl}/index.html`);
                await openChat(visitor);
                for (const t of fromVisitor) {
                    await visitorSays(visitor, t);
                }
                await waitForWidget(visitor, expected.slice(0, 2));

                await agentOpens(agent, fromVisitor[1]);
                for (const t of fromAgent) {
                    await agentSays(agent, t);
                }

                await waitForWidget(visitor, expected);
                await waitForAgent(agent, expected);

                const widgetTags = await visitor.evaluate(() => document
                    .querySelector('live-help-widget').shadowRoot
                    .querySelectorAll('.messages img, .messages script, '
                                      + '.messages b').length);
                const agentTags = await agent.evaluate(() => document
                    .querySelectorAll('#log img, #log script, #log b, '
                                      + '#convs img, #convs script').length);

                assert.equal(widgetTags, 0);
                assert.equal(agentTags, 0);
                assert.deepEqual(dialogs, []);
            });
        });
    });
});
