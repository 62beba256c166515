'use strict';

/*
 * The client as the widget uses it: hello with token and after, catch-up,
 * reconnects, the status it reports, typing.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { setup, seq, message, sent, VISITOR_URL } = require('./lib/harness');

/* welcome, hello, session v1 (token T1), events, live */
function connect(h, { conversation = 'v1', token = 'T1', events = [] } = {}) {
    h.ws.welcome();
    const hello = h.frames();

    h.ws.say({ type: 'session', visitor: conversation, token,
               conversation });
    events.forEach(([n, ev]) => h.ws.say({ type: 'event', conversation,
                                           seq: seq(n), event: ev }));
    h.ws.say({ type: 'live', conversation });
    return hello;
}

test('first_connect_says_hello_without_token_and_shows_the_catch_up',
     () => {
    const h = setup();

    h.client.start();
    assert.equal(h.sockets.length, 1);
    assert.equal(h.ws.url, VISITOR_URL);
    assert.deepEqual(h.frames(), [], 'nothing before the welcome');

    const hello = connect(h, { events: [[1, message('visitor', 'Hi', 'x1')],
                                        [2, message('agent', 'Hello')]] });

    assert.deepEqual(hello, [{ type: 'hello' }]);
    assert.equal(h.store.json('token'), 'T1');
    assert.deepEqual(h.events(), [
        'session v1',
        `event v1 ${seq(1)} Hi @0`,
        `event v1 ${seq(2)} Hello @1`,
    ]);
    assert.equal(h.client.isLive(), true);
    assert.equal(h.client.status(), '');
});

test('hello_carries_the_token_another_tab_saved_last', () => {
    const h = setup({ storage: { token: '"T0"' } });

    h.client.start();
    assert.deepEqual(connect(h, { events: [[1, message('agent', 'A')]] }),
                     [{ type: 'hello', token: 'T0' }]);
    assert.equal(h.store.json('token'), 'T1');

    /* another tab was given a newer token meanwhile */
    h.store.setItem('token', '"T9"');
    h.ws.drop();
    h.clock.advance(250);
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello', token: 'T9',
                                    after: seq(1) }]);
});

test('reconnect_asks_for_what_came_after_the_last_seq_and_resends_in_order',
     () => {
    const h = setup();

    h.client.start();
    connect(h, { events: [[1, message('visitor', 'One', 'x1')],
                          [2, message('agent', 'Two')],
                          [3, message('agent', 'Three')]] });
    h.client.send('Sent before the drop');
    assert.deepEqual(sent(h.frames()), ['c1 Sent before the drop']);
    h.events();

    /* the socket closes before the ack; one more is written meanwhile */
    h.ws.drop(1001);
    h.client.send('Written while away');
    assert.deepEqual(h.frames(), []);
    assert.deepEqual(h.events(), ['status reconnecting', 'pending c2']);

    /* backoff: 250 ms at first with this jitter, then a new socket */
    h.clock.advance(249);
    assert.equal(h.sockets.length, 1);
    h.clock.advance(1);
    assert.equal(h.sockets.length, 2);

    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello', token: 'T1',
                                    after: seq(3) }]);

    /* exactly what came after seq 3, then live: the outbox goes again */
    h.ws.say({ type: 'session', visitor: 'v1', token: 'T2',
               conversation: 'v1' });
    h.ws.say({ type: 'event', conversation: 'v1', seq: seq(4),
               event: message('visitor', 'Sent before the drop', 'c1') });
    assert.deepEqual(h.outboxCids(), ['c2'],
                     'a stored message of ours leaves the outbox');
    h.ws.say({ type: 'live', conversation: 'v1' });
    assert.deepEqual(sent(h.frames()), ['c2 Written while away']);
    assert.deepEqual(h.events(), [
        'session v1',
        `event v1 ${seq(4)} Sent before the drop @3`,
        'status -',
        'pending c2',
    ]);
    assert.equal(h.store.json('token'), 'T2');
});

test('a_refused_token_starts_a_new_conversation_from_scratch', () => {
    const h = setup({ storage: { token: '"T0"' } });

    h.client.start();
    connect(h, { events: [[1, message('agent', 'Old')]] });
    h.events();
    h.ws.drop();
    h.clock.advance(250);
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello', token: 'T1',
                                    after: seq(1) }]);

    /* the token is no longer good: a new visitor, a new conversation */
    h.ws.say({ type: 'session', visitor: 'v2', token: 'N1',
               conversation: 'v2' });
    h.ws.say({ type: 'live', conversation: 'v2' });
    assert.deepEqual(h.events(), ['status reconnecting', 'reset v1',
                                  'session v2', 'status -']);
    assert.equal(h.client.conversation(), h.client.conversation('v2'));
    assert.equal(h.client.conversation('v1'), null);

    /* the next hello asks for all of v2 */
    h.ws.drop();
    h.clock.advance(250);
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello', token: 'N1' }]);
});

test('status_connecting_only_when_slow_reconnecting_once_lost', () => {
    const h = setup();

    h.client.start();
    h.clock.advance(999);
    assert.deepEqual(h.events(), []);
    h.clock.advance(1);
    assert.deepEqual(h.events(), ['status connecting']);

    connect(h);
    assert.deepEqual(h.events('status'), ['status -']);

    h.ws.drop();
    assert.deepEqual(h.events('status'), ['status reconnecting']);
    h.clock.advance(250);
    connect(h);
    assert.deepEqual(h.events('status'), ['status -']);

    /* the store goes away and comes back */
    h.ws.say({ type: 'status', store: false });
    assert.equal(h.client.status(), 'reconnecting');
    h.ws.say({ type: 'status', store: true });
    assert.deepEqual(h.events('status'), ['status reconnecting',
                                          'status -']);
});

test('a_welcome_with_the_store_down_shows_reconnecting_until_live', () => {
    const h = setup();

    h.client.start();
    h.ws.welcome(false);
    assert.deepEqual(h.events(), ['status reconnecting']);
    h.ws.say({ type: 'session', visitor: 'v1', token: 'T1',
               conversation: 'v1' });
    h.ws.say({ type: 'live', conversation: 'v1' });
    assert.deepEqual(h.events(), ['session v1', 'status -']);
});

test('reconnect_backs_off_with_jitter_and_starts_over_once_live', () => {
    const delays = (random) => {
        const h = setup({ random });
        const out = [];

        h.client.start();
        for (let i = 0; i < 7; i++) {
            const before = h.clock.t;
            const n = h.sockets.length;

            h.ws.drop();
            while (h.sockets.length === n) {
                h.clock.advance(1);
            }
            out.push(h.clock.t - before);
        }

        /* once live, the next drop waits as little as the first */
        connect(h);
        const before = h.clock.t;
        const n = h.sockets.length;

        h.ws.drop();
        while (h.sockets.length === n) {
            h.clock.advance(1);
        }
        out.push(h.clock.t - before);
        return out;
    };

    /* half of 500 ms doubling up to 10 s, plus up to as much again */
    assert.deepEqual(delays(0), [250, 500, 1000, 2000, 4000, 5000, 5000,
                                 250]);
    assert.deepEqual(delays(0.5), [375, 750, 1500, 3000, 6000, 7500, 7500,
                                   375]);
    assert.deepEqual(delays(0.999), [500, 1000, 1999, 3998, 7996, 9995,
                                     9995, 500]);
});

test('a_silent_socket_is_pinged_then_dropped_and_replaced', () => {
    const h = setup();

    h.client.start();
    connect(h);
    h.frames();
    h.events();
    const first = h.ws;

    /* checked every 12.5 s: silent for more than 25 s, a ping */
    h.clock.advance(25000);
    assert.deepEqual(h.frames(), []);
    h.clock.advance(12500);
    assert.deepEqual(h.frames(), [{ type: 'ping' }]);

    /* a pong is a sign of life */
    h.ws.say({ type: 'pong' });
    h.clock.advance(25000);
    assert.deepEqual(h.frames(), []);
    h.clock.advance(12500);
    assert.deepEqual(h.frames(), [{ type: 'ping' }]);

    /* no answer: more than 40 s of silence and the socket is given up */
    assert.equal(first.closedByClient, false);
    h.clock.advance(12500);
    assert.equal(first.closedByClient, true);
    assert.deepEqual(h.frames(), []);
    assert.deepEqual(h.events(), ['status reconnecting']);
    h.clock.advance(250);
    assert.equal(h.sockets.length, 2);

    /* what the old socket says now is not heard */
    first.readyState = 1;
    first.onmessage && first.onmessage({ data: '{"type":"live"}' });
    assert.equal(h.client.isLive(), false);
});

test('a_socket_that_never_answers_is_given_up', () => {
    const h = setup();

    h.client.start();
    h.clock.advance(50000);
    assert.equal(h.sockets[0].closedByClient, true);
    assert.equal(h.sockets.length, 1, 'the new one waits for its backoff');
    h.clock.advance(250);
    assert.equal(h.sockets.length, 2);
});

test('reconnect_now_skips_the_backoff_only_while_waiting', () => {
    const h = setup();

    h.client.start();
    h.client.reconnectNow();
    assert.equal(h.sockets.length, 1, 'a socket is there: nothing to do');
    h.ws.drop();
    h.client.reconnectNow();
    assert.equal(h.sockets.length, 2);
    h.clock.advance(10000);
    assert.equal(h.sockets.length, 2, 'the backoff timer is gone');
});

test('typing_on_at_most_every_2_s_and_off_after_3_s_idle', () => {
    const h = setup();

    h.client.typing();
    h.client.start();
    connect(h);
    h.frames();
    assert.deepEqual(h.frames(), [], 'not live: nothing said');

    h.client.typing();
    h.clock.advance(1000);
    h.client.typing();
    h.clock.advance(1000);
    h.client.typing();
    assert.deepEqual(h.frames(), [{ type: 'typing', on: true },
                                  { type: 'typing', on: true }]);
    h.clock.advance(2999);
    assert.deepEqual(h.frames(), []);
    h.clock.advance(1);
    assert.deepEqual(h.frames(), [{ type: 'typing', on: false }]);
    h.client.stopTyping();
    assert.deepEqual(h.frames(), [], 'off once');

    h.client.typing();
    h.client.stopTyping();
    assert.deepEqual(h.frames(), [{ type: 'typing', on: true },
                                  { type: 'typing', on: false }]);
    h.clock.advance(5000);
    assert.deepEqual(h.frames(), []);
});

test('typing_and_presence_from_the_server_reach_the_page', () => {
    const h = setup();

    h.client.start();
    connect(h);
    h.events();
    h.ws.say({ type: 'presence', agents: 2 });
    h.ws.say({ type: 'typing', conversation: 'v1',
               event: { kind: 'typing', from: 'agent', author: 'maria',
                        on: true } });
    assert.deepEqual(h.events(), ['presence 2', 'typing v1 true']);
});

test('garbage_from_the_server_is_ignored', () => {
    const h = setup();

    h.client.start();
    connect(h);
    h.events();
    h.ws.onmessage({ data: 'not json' });
    h.ws.onmessage({ data: 'null' });
    h.ws.say({ type: 'event', conversation: 'v1', seq: 5,
               event: message('agent', 'no seq') });
    h.ws.say({ type: 'event', conversation: 'v1', seq: seq(1) });
    assert.deepEqual(h.events(), [`event v1 ${seq(1)} - @0`]);
});

test('a_server_without_a_store_says_unavailable_not_reconnecting', () => {
    const h = setup();

    h.client.start();
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello' }]);
    h.ws.say({ type: 'error', code: 'not_configured',
               text: 'live_help_redis is not set' });
    assert.equal(h.client.status(), 'unavailable');

    /* and it stays so: time passing changes nothing */
    h.clock.advance(60000);
    assert.equal(h.client.status(), 'unavailable');
    assert.equal(h.client.isLive(), false);
});

test('unavailable_ends_once_a_reloaded_server_has_a_store', () => {
    const h = setup();

    h.client.start();
    h.ws.welcome();
    h.ws.say({ type: 'error', code: 'not_configured', text: 'x' });
    assert.equal(h.client.status(), 'unavailable');

    /* nginx reloaded with live_help_redis: 1001, then a working hello */
    h.ws.drop(1001);
    h.clock.advance(10000);
    connect(h);
    assert.equal(h.client.isLive(), true);
    assert.equal(h.client.status(), '');
});

test('a_first_message_carries_department_and_offline_until_its_ack', () => {
    const h = setup();

    h.client.start();
    connect(h);
    h.frames();
    h.client.send('Left while nobody was there', undefined,
                  { department: 'sales', offline: true });
    assert.deepEqual(h.frames(), [{
        type: 'message', id: 'c1', cid: 'c1',
        text: 'Left while nobody was there', department: 'sales',
        offline: true,
    }]);

    /* unanswered: the resend after a reconnect says the same */
    h.ws.drop();
    h.clock.advance(250);
    connect(h);
    assert.deepEqual(h.frames(), [{
        type: 'message', id: 'c1', cid: 'c1',
        text: 'Left while nobody was there', department: 'sales',
        offline: true,
    }]);
});

test('a_visitor_close_waits_in_the_outbox_and_a_refused_one_leaves_it',
     () => {
    const h = setup();

    h.client.start();
    connect(h);
    h.frames();
    h.events();
    h.client.act('close');
    assert.deepEqual(h.frames(), [{ type: 'close', id: 'c1', cid: 'c1' }]);
    assert.deepEqual(h.outboxCids(), ['c1']);
    h.ws.say({ type: 'ack', cid: 'c1', conversation: 'v1', seq: seq(2) });
    assert.deepEqual(h.outboxCids(), []);

    /* closed meanwhile by the agent: refused, nothing left to resend */
    h.client.act('close');
    h.ws.say({ type: 'refused', cid: 'c2', conversation: 'v1',
               code: 'closed' });
    assert.deepEqual(h.outboxCids(), []);
    assert.deepEqual(h.events('refused'), ['refused c2 closed']);
});

test('session_hands_the_page_departments_and_prechat_then_live_before_outbox',
     () => {
    const h = setup({ storage: {
        outbox: JSON.stringify([{ cid: 'o1', text: 'Unsent' }]),
    } });
    const order = [];
    let session = null;

    h.client.on('session', (id, msg) => {
        session = msg;
    });
    h.client.on('live', () => {
        order.push('live');
        /* a page view goes out first, the outbox after it */
        assert.equal(h.client.request({ type: 'page', url: 'u' }), true);
    });
    h.client.start();
    h.ws.welcome();
    h.frames();
    h.ws.say({ type: 'session', visitor: 'v1', token: 'T1',
               conversation: 'v1', prechat: true, name: 'Visitor 3',
               departments: [{ id: 'sales', name: 'Sales' }] });
    assert.equal(h.client.request({ type: 'page', url: 'early' }), false,
                 'nothing but hello before the catch-up is over');
    h.ws.say({ type: 'live', conversation: 'v1' });
    assert.deepEqual(session.departments, [{ id: 'sales', name: 'Sales' }]);
    assert.equal(session.prechat, true);
    assert.deepEqual(order, ['live']);
    assert.deepEqual(h.frames(), [
        { type: 'page', url: 'u' },
        { type: 'message', id: 'o1', cid: 'o1', text: 'Unsent' },
    ]);
});


test('a_kept_token_is_offered_to_the_handshake_and_dropped_once_in_the_cookie',
     () => {
    const h = setup({ storage: { token: '"T0"' } });

    h.client.start();
    /* an old token (from localStorage) goes as the subprotocol "lh.T0" */
    assert.deepEqual(h.ws.protocols, ['lh.T0']);
    connect(h, { token: null });
    /* the session has no token: the cookie holds it; none is kept here */
    assert.equal(h.store.getItem('token'), null);

    h.ws.drop();
    h.clock.advance(250);
    assert.equal(h.sockets.length, 2);
    assert.deepEqual(h.ws.protocols, [], 'nothing offered any more');
    assert.deepEqual(connect(h, { token: null }), [{ type: 'hello' }]);
    assert.equal(h.store.getItem('token'), null);
});


test('a_token_in_the_session_is_kept_for_a_page_of_another_site', () => {
    const h = setup();

    h.client.start();
    assert.deepEqual(h.ws.protocols, []);
    connect(h, { token: 'T1' });
    assert.equal(h.store.json('token'), 'T1');

    h.ws.drop();
    h.clock.advance(250);
    assert.deepEqual(h.ws.protocols, ['lh.T1']);
});
