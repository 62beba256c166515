'use strict';

/*
 * The outbox: kept in localStorage until acked, same cid every time, sent
 * in order; after a nack held, backed off and sent again whole from its
 * oldest message; sent again after a reconnect, after status true and
 * after an ack timeout. Frames are asserted exactly, in order.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { setup, seq, message, sent } = require('./lib/harness');

function liveVisitor(opts) {
    const h = setup(opts);

    h.client.start();
    h.ws.welcome();
    h.ws.say({ type: 'session', visitor: 'v1', token: 'T1',
               conversation: 'v1' });
    h.ws.say({ type: 'live', conversation: 'v1' });
    h.frames();
    h.events();
    return h;
}

function ack(h, cid, n) {
    h.ws.say({ type: 'ack', cid, conversation: 'v1', seq: seq(n) });
}

function nack(h, cid) {
    h.ws.say({ type: 'nack', cid, code: 'unavailable' });
}

test('a_message_goes_out_at_once_and_stays_in_the_outbox_until_acked',
     () => {
    const h = liveVisitor();
    const item = h.client.send('Hello');

    assert.deepEqual(item, { cid: 'c1', text: 'Hello' });
    assert.deepEqual(h.frames(), [{ type: 'message', id: 'c1', cid: 'c1',
                                    text: 'Hello' }]);
    assert.deepEqual(h.store.json('outbox'), [{ cid: 'c1', text: 'Hello' }]);
    assert.deepEqual(h.events(), ['pending c1']);

    ack(h, 'c1', 1);
    assert.equal(h.store.getItem('outbox'), null, 'emptied, then removed');
    assert.deepEqual(h.events(), [`ack c1 ${seq(1)}`]);

    /* acked: no ack timeout resends it */
    h.clock.advance(60000);
    assert.deepEqual(sent(h.frames()).filter((f) => f !== 'ping'), []);
});

test('messages_written_before_live_go_out_in_order_once_live', () => {
    const h = setup();

    h.client.start();
    h.client.send('First');
    h.client.send('Second');
    assert.deepEqual(h.frames(), []);
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello' }]);
    h.ws.say({ type: 'session', visitor: 'v1', token: 'T1',
               conversation: 'v1' });
    assert.deepEqual(h.frames(), [], 'not before the catch-up is over');
    h.ws.say({ type: 'live', conversation: 'v1' });
    assert.deepEqual(sent(h.frames()), ['c1 First', 'c2 Second']);
});

test('an_outbox_left_by_an_earlier_page_goes_out_with_the_same_cids',
     () => {
    const h = liveVisitor({ storage: {
        outbox: JSON.stringify([{ cid: 'old1', text: 'Before the reload' },
                                { cid: 'old2', text: 'And this' }]),
    } });

    /* liveVisitor took the frames: look at the events, then resend */
    h.ws.drop();
    h.clock.advance(250);
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello', token: 'T1' }]);
    h.ws.say({ type: 'session', visitor: 'v1', token: 'T1',
               conversation: 'v1' });
    h.ws.say({ type: 'event', conversation: 'v1', seq: seq(1),
               event: message('visitor', 'Before the reload', 'old1') });
    h.ws.say({ type: 'live', conversation: 'v1' });

    /* old1 was stored before the reload: only old2 goes */
    assert.deepEqual(sent(h.frames()), ['old2 And this']);
    assert.deepEqual(h.outboxCids(), ['old2']);
});

test('nack_of_N_while_N1_N2_were_sent_resends_all_from_N_after_backoff',
     () => {
    const h = liveVisitor();

    h.client.send('N');
    h.client.send('N+1');
    h.client.send('N+2');
    assert.deepEqual(sent(h.frames()), ['c1 N', 'c2 N+1', 'c3 N+2']);
    h.events();

    /* the server nacks N and, until N comes again, every later one */
    nack(h, 'c1');
    nack(h, 'c2');
    nack(h, 'c3');
    assert.deepEqual(h.events(), ['status reconnecting']);

    /* held: a message written now waits too, behind the others */
    h.client.send('N+3');
    assert.deepEqual(h.frames(), []);
    assert.deepEqual(h.events(), ['pending c4']);

    h.clock.advance(249);
    assert.deepEqual(h.frames(), []);
    h.clock.advance(1);
    assert.deepEqual(sent(h.frames()),
                     ['c1 N', 'c2 N+1', 'c3 N+2', 'c4 N+3']);

    /* refused again: a longer hold, then the same order */
    nack(h, 'c1');
    nack(h, 'c2');
    h.clock.advance(499);
    assert.deepEqual(h.frames(), []);
    h.clock.advance(1);
    assert.deepEqual(sent(h.frames()),
                     ['c1 N', 'c2 N+1', 'c3 N+2', 'c4 N+3']);

    ack(h, 'c1', 1);
    ack(h, 'c2', 2);
    ack(h, 'c3', 3);
    ack(h, 'c4', 4);
    assert.deepEqual(h.outboxCids(), []);
    assert.equal(h.client.status(), '');

    /* an ack ends the backoff: the next hold is a short one again */
    h.client.send('Later');
    nack(h, 'c5');
    h.clock.advance(250);
    assert.deepEqual(sent(h.frames()), ['c5 Later', 'c5 Later']);
});

test('after_an_ack_then_a_nack_only_the_unacked_go_again_in_order', () => {
    const h = liveVisitor();

    h.client.send('A');
    h.client.send('B');
    h.client.send('C');
    h.frames();
    ack(h, 'c1', 1);
    nack(h, 'c2');
    nack(h, 'c3');
    h.clock.advance(250);
    assert.deepEqual(sent(h.frames()), ['c2 B', 'c3 C']);
});

test('no_ack_in_time_sends_the_outbox_again_with_the_same_cids', () => {
    const h = liveVisitor();

    h.client.send('A');
    h.clock.advance(5000);
    h.client.send('B');
    assert.deepEqual(sent(h.frames()), ['c1 A', 'c2 B']);

    /* 10 s after the first send without an answer */
    h.clock.advance(4999);
    assert.deepEqual(h.frames(), []);
    h.clock.advance(1);
    assert.deepEqual(sent(h.frames()), ['c1 A', 'c2 B']);

    ack(h, 'c1', 1);
    h.clock.advance(10000);
    assert.deepEqual(sent(h.frames()), ['c2 B']);
    ack(h, 'c2', 2);
    h.clock.advance(20000);
    assert.deepEqual(sent(h.frames()), []);
});

test('status_false_then_true_sends_the_outbox_at_once', () => {
    const h = liveVisitor();

    h.ws.say({ type: 'status', store: false });
    assert.deepEqual(h.events(), ['status reconnecting']);
    h.client.send('While the store is away');
    assert.deepEqual(sent(h.frames()), ['c1 While the store is away']);
    nack(h, 'c1');
    assert.deepEqual(h.events(), ['pending c1']);

    /* back: no waiting for the backoff, and the backoff is dropped */
    h.ws.say({ type: 'status', store: true });
    assert.deepEqual(sent(h.frames()), ['c1 While the store is away']);
    assert.deepEqual(h.events(), ['pending c1', 'status -']);
    h.clock.advance(1000);
    assert.deepEqual(h.frames(), []);

    /* nothing to send: nothing sent */
    ack(h, 'c1', 1);
    h.ws.say({ type: 'status', store: false });
    h.ws.say({ type: 'status', store: true });
    assert.deepEqual(h.frames(), []);
});

test('a_reconnect_during_a_hold_sends_at_once_on_the_new_socket', () => {
    const h = liveVisitor({ random: 0.999 });

    h.client.send('A');
    h.client.send('B');
    nack(h, 'c1');
    nack(h, 'c2');
    h.frames();
    h.ws.drop();
    h.clock.advance(500);
    h.ws.welcome();
    h.ws.say({ type: 'session', visitor: 'v1', token: 'T1',
               conversation: 'v1' });
    h.ws.say({ type: 'live', conversation: 'v1' });
    assert.deepEqual(sent(h.frames()), ['hello', 'c1 A', 'c2 B']);
    h.clock.advance(1000);
    assert.deepEqual(h.frames(), [], 'the old hold does not fire again');
});

test('a_message_the_server_will_never_take_leaves_the_outbox', () => {
    const h = liveVisitor();

    h.client.send('A');
    h.client.send('B');
    h.frames();
    h.events();
    h.ws.say({ type: 'error', code: 'bad_text', text: 'too long',
               id: 'c1' });
    assert.deepEqual(h.events(), ['refused c1 bad_text']);
    assert.deepEqual(h.outboxCids(), ['c2']);

    /* other errors leave it alone */
    h.ws.say({ type: 'error', code: 'unavailable', id: 'c2' });
    h.ws.say({ type: 'error', code: 'bad_text', id: 'nope' });
    assert.deepEqual(h.events(), []);
    h.clock.advance(10000);
    assert.deepEqual(sent(h.frames()), ['c2 B']);
});

test('our_own_event_removes_the_message_even_before_its_ack', () => {
    const h = liveVisitor();

    h.client.send('A');
    h.ws.say({ type: 'event', conversation: 'v1', seq: seq(1),
               event: message('visitor', 'A', 'c1') });
    assert.deepEqual(h.outboxCids(), []);

    /* an agent's cid is not ours */
    h.client.send('B');
    h.ws.say({ type: 'event', conversation: 'v1', seq: seq(2),
               event: message('agent', 'B?', 'c2') });
    assert.deepEqual(h.outboxCids(), ['c2']);
    ack(h, 'c1', 1);
    assert.deepEqual(h.events(), ['pending c1', `event v1 ${seq(1)} A @0`,
                                  'pending c2', `event v1 ${seq(2)} B? @1`,
                                  `ack c1 ${seq(1)}`]);
});

test('another_tabs_message_in_the_shared_outbox_goes_out_too', () => {
    const h = liveVisitor();

    h.client.send('Mine');
    h.frames();
    h.store.setItem('outbox', JSON.stringify(
        h.store.json('outbox').concat([{ cid: 't2', text: 'Theirs' }])));
    h.clock.advance(10000);
    assert.deepEqual(sent(h.frames()), ['c1 Mine', 't2 Theirs']);
    assert.deepEqual(h.events(), ['pending c1', 'pending c1', 'pending t2']);
});

test('the_nacked_message_goes_first_even_if_another_tab_stored_it', () => {
    const h = liveVisitor();

    h.client.send('A');
    h.client.send('B');
    nack(h, 'c1');
    nack(h, 'c2');
    h.frames();

    /* another tab got A stored meanwhile and took it out of the outbox;
       this socket still takes nothing before A comes again */
    h.store.setItem('outbox', JSON.stringify(
        h.store.json('outbox').filter((m) => m.cid !== 'c1')));
    h.clock.advance(250);
    assert.deepEqual(sent(h.frames()), ['c1 A', 'c2 B']);

    /* A is acked (the seq the other tab got), then B */
    ack(h, 'c1', 1);
    ack(h, 'c2', 2);
    h.clock.advance(20000);
    assert.deepEqual(sent(h.frames()).filter((f) => f !== 'ping'), []);
});

test('without_storage_the_outbox_still_works_in_memory_of_the_socket',
     () => {
    const h = setup();

    h.store.setItem = () => {
        throw new Error('QuotaExceededError');
    };
    h.client.start();
    h.ws.welcome();
    h.ws.say({ type: 'session', visitor: 'v1', token: 'T1',
               conversation: 'v1' });
    h.ws.say({ type: 'live', conversation: 'v1' });
    h.frames();
    h.client.send('Still sent');
    assert.deepEqual(sent(h.frames()), ['c1 Still sent']);
});

test('agent_messages_name_their_conversation_and_keep_one_order', () => {
    const h = setup({ role: 'agent' });

    h.client.start();
    h.ws.welcome();
    h.ws.say({ type: 'conversations', items: [] });
    h.frames();
    h.client.send('To v1', 'v1');
    h.client.send('To v2', 'v2');
    h.client.send('To v1 again', 'v1');
    assert.deepEqual(h.frames()[0], { type: 'message', id: 'c1',
                                      conversation: 'v1', cid: 'c1',
                                      text: 'To v1' });
    h.ws.say({ type: 'nack', cid: 'c1', code: 'unavailable' });
    h.ws.say({ type: 'nack', cid: 'c2', code: 'unavailable' });
    h.ws.say({ type: 'nack', cid: 'c3', code: 'unavailable' });
    h.clock.advance(250);
    assert.deepEqual(sent(h.frames()), ['v1 c1 To v1', 'v2 c2 To v2',
                                        'v1 c3 To v1 again']);

    /* an agent's event with its cid takes it out of the outbox */
    h.ws.say({ type: 'event', conversation: 'v2', seq: seq(1),
               event: message('agent', 'To v2', 'c2') });
    assert.deepEqual(h.outboxCids(), ['c1', 'c3']);
    h.ws.say({ type: 'error', code: 'bad_conversation', id: 'c3' });
    assert.deepEqual(h.outboxCids(), ['c1']);
});


test('rate_limited_waits_as_long_as_told_then_sends_all_again_in_order',
     () => {
    const h = liveVisitor();

    h.client.send('one');
    h.client.send('two');
    assert.deepEqual(sent(h.frames()), ['c1 one', 'c2 two']);
    h.events();

    /* too fast: the store is fine, the shopper is told to wait a moment */
    h.ws.say({ type: 'nack', cid: 'c1', code: 'rate_limited',
               retry: 3000 });
    h.ws.say({ type: 'nack', cid: 'c2', code: 'rate_limited' });
    assert.deepEqual(h.events(), ['status limited']);

    /* not before the wait the server gave (3 s, and a little more) */
    h.clock.advance(3099);
    assert.deepEqual(h.frames(), []);
    h.clock.advance(1);
    assert.deepEqual(sent(h.frames()), ['c1 one', 'c2 two']);

    ack(h, 'c1', 1);
    ack(h, 'c2', 2);
    assert.deepEqual(h.outboxCids(), []);
    assert.equal(h.client.status(), '');
    assert.deepEqual(h.events().filter((e) => e.startsWith('status')),
                     ['status -']);
});
