'use strict';

/*
 * The client as the agent page uses it: the list, history when a
 * conversation is opened, after a reconnect, a resync and a status true,
 * each after the last seq held; history and live events merged by seq,
 * each seq once; paging.
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { setup, seq, message, AGENT_URL } = require('./lib/harness');

function hist(conversation, after) {
    const f = { type: 'history', id: `h:${conversation}`, conversation };

    if (after) {
        f.after = after;
    }
    return f;
}

function live(h, conversation, n, text, from = 'visitor') {
    h.ws.say({ type: 'event', conversation, seq: seq(n),
               event: message(from, text) });
}

/* more: the server says the log goes on after the last of ns */
function answer(h, conversation, ns, more) {
    h.ws.say({ type: 'history', conversation,
               events: ns.map((n) => ({ seq: seq(n),
                                        event: message('visitor', `m${n}`) })),
               more: more || undefined,
               last: more ? seq(ns[ns.length - 1]) : undefined,
    });
}

function seqs(h, id) {
    return h.client.conversation(id).events.map((e) => e.seq);
}

function range(from, to) {
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/* welcome, hello, the list: live */
function connect(h, items = []) {
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello' }]);
    h.ws.say({ type: 'conversations', items });
}

function started(items) {
    const h = setup({ role: 'agent' });

    h.client.start();
    assert.equal(h.ws.url, AGENT_URL);
    connect(h, items);
    return h;
}

test('the_page_opened_after_the_messages_were_written_gets_each_once',
     () => {
    const h = started([{ conversation: 'v1', active: 1700000000003 }]);

    assert.deepEqual(h.events(), ['conversations v1']);
    assert.equal(h.client.conversation('v1').active, 1700000000003);
    assert.deepEqual(h.frames(), [], 'no log is read before it is opened');

    h.client.open('v1');
    assert.deepEqual(h.frames(), [hist('v1')]);

    /* the visitor writes again while the answer is on its way */
    live(h, 'v1', 4, 'm4');
    answer(h, 'v1', [1, 2, 3, 4]);
    live(h, 'v1', 5, 'm5');

    assert.deepEqual(h.events(), [
        'history v1 loading',
        `event v1 ${seq(4)} m4 @0`,
        `event v1 ${seq(1)} m1 @0`,
        `event v1 ${seq(2)} m2 @1`,
        `event v1 ${seq(3)} m3 @2`,
        'history v1 loaded',
        `event v1 ${seq(5)} m5 @4`,
    ]);
    assert.deepEqual(seqs(h, 'v1'), range(1, 5).map((n) => seq(n)));
    assert.deepEqual(h.frames(), []);

    /* opening it again reads nothing more */
    h.client.open('v1');
    assert.deepEqual(h.frames(), []);
});

test('history_and_live_events_overlap_in_either_order_each_seq_once',
     () => {
    const h = started([{ conversation: 'v1', active: 1 }]);

    h.client.open('v1');
    h.events();

    /* live after the answer, repeating its end */
    answer(h, 'v1', [1, 2, 3]);
    live(h, 'v1', 3, 'm3');
    live(h, 'v1', 4, 'm4');

    /* a catch-up answer overlapping what came live, in between */
    h.ws.say({ type: 'resync' });
    live(h, 'v1', 6, 'm6');
    answer(h, 'v1', [4, 5, 6]);

    assert.deepEqual(h.events('event'), [
        `event v1 ${seq(1)} m1 @0`,
        `event v1 ${seq(2)} m2 @1`,
        `event v1 ${seq(3)} m3 @2`,
        `event v1 ${seq(4)} m4 @3`,
        `event v1 ${seq(6)} m6 @4`,
        `event v1 ${seq(5)} m5 @4`,
    ]);
    assert.deepEqual(seqs(h, 'v1'), range(1, 6).map((n) => seq(n)));
});

test('seqs_are_ordered_by_both_numbers', () => {
    const h = started();
    const ms = 1700000000000;

    h.client.open('v1');
    live(h, 'v1', 0, 'x');  /* seq(0) = ms-0 */
    h.ws.say({ type: 'history', conversation: 'v1', events: [
        { seq: `${ms}-9`, event: message('visitor', '9') },
        { seq: `${ms}-10`, event: message('visitor', '10') },
        { seq: `${ms - 1}-11`, event: message('visitor', 'earlier') },
    ] });
    assert.deepEqual(seqs(h, 'v1'), [`${ms - 1}-11`, `${ms}-0`, `${ms}-9`,
                                     `${ms}-10`]);
    assert.equal(h.client.conversation('v1').lastSeq, `${ms}-10`);
});

test('a_resync_while_history_is_on_its_way_asks_again_from_the_seq_held_'
     + 'then', () => {
    const h = started([{ conversation: 'v1', active: 1 }]);

    h.client.open('v1');
    assert.deepEqual(h.frames(), [hist('v1')]);
    live(h, 'v1', 7, 'm7');

    /* the answer on its way may have been read before the gap */
    h.ws.say({ type: 'resync' });
    assert.deepEqual(h.frames(), [{ type: 'conversations' }],
                     'no second history while one is on its way');
    live(h, 'v1', 9, 'm9');

    /* the list comes back before the history: still no second request */
    h.ws.say({ type: 'conversations',
               items: [{ conversation: 'v1', active: 9 }] });
    assert.deepEqual(h.frames(), []);

    answer(h, 'v1', range(1, 7));
    assert.deepEqual(h.frames(), [hist('v1', seq(7))],
                     'after the last seq held when the resync came');

    answer(h, 'v1', [8, 9, 10]);
    assert.deepEqual(h.frames(), []);
    assert.deepEqual(seqs(h, 'v1'), range(1, 10).map((n) => seq(n)));
    assert.equal(h.client.conversation('v1').loaded, true);
});

test('a_resync_reads_on_every_conversation_read_and_the_list_again', () => {
    const h = started([{ conversation: 'v1', active: 1 },
                       { conversation: 'v2', active: 1 }]);

    h.client.open('v1');
    answer(h, 'v1', [1, 2]);
    live(h, 'v2', 3, 'never opened');
    live(h, 'v3', 4, 'new conversation');
    h.frames();

    h.ws.say({ type: 'resync' });
    assert.deepEqual(h.frames(), [hist('v1', seq(2)),
                                  { type: 'conversations' }]);

    /* a resync again before the answer: one more, from the same seq */
    h.ws.say({ type: 'resync' });
    assert.deepEqual(h.frames(), [{ type: 'conversations' }]);
    answer(h, 'v1', [3]);
    assert.deepEqual(h.frames(), [hist('v1', seq(2))]);
    answer(h, 'v1', [3]);
    assert.deepEqual(h.frames(), []);

    /* a resync when it is caught up asks after what it holds now */
    h.ws.say({ type: 'resync' });
    assert.deepEqual(h.frames(), [hist('v1', seq(3)),
                                  { type: 'conversations' }]);
});

test('a_reconnect_reads_on_after_the_last_seq_once_the_list_is_in', () => {
    const h = started([{ conversation: 'v1', active: 1 }]);

    h.client.open('v1');
    answer(h, 'v1', [1, 2, 3]);
    h.frames();
    h.events();

    h.ws.drop(1001);
    assert.deepEqual(h.events(), ['status reconnecting']);
    h.clock.advance(250);
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello' }]);
    h.ws.say({ type: 'conversations',
               items: [{ conversation: 'v1', active: 5 }] });
    assert.deepEqual(h.frames(), [hist('v1', seq(3))]);
    answer(h, 'v1', [4, 5]);
    assert.deepEqual(seqs(h, 'v1'), range(1, 5).map((n) => seq(n)));
    assert.deepEqual(h.frames(), []);
});

test('a_drop_before_the_first_answer_reads_the_whole_log_again', () => {
    const h = started([{ conversation: 'v1', active: 1 }]);

    /* a live event, then the conversation is opened */
    live(h, 'v1', 5, 'm5');
    h.client.open('v1');
    assert.deepEqual(h.frames(), [hist('v1')]);

    /* lost with the socket: what came before seq 5 is not held */
    h.ws.drop();
    h.clock.advance(250);
    connect(h, [{ conversation: 'v1', active: 5 }]);
    assert.deepEqual(h.frames(), [hist('v1')]);
    answer(h, 'v1', range(1, 5));
    assert.deepEqual(seqs(h, 'v1'), range(1, 5).map((n) => seq(n)));
    assert.deepEqual(h.frames(), []);
});

test('a_conversation_opened_before_the_list_is_read_once_it_is_in', () => {
    const h = setup({ role: 'agent' });

    h.client.start();
    h.client.open('v1');
    assert.deepEqual(h.frames(), []);
    connect(h, [{ conversation: 'v1', active: 1 }]);
    assert.deepEqual(h.frames(), [hist('v1')]);
});

test('an_answer_that_says_more_asks_for_the_next_page', () => {
    const h = started([{ conversation: 'v1', active: 1 }]);

    h.client.open('v1');
    h.frames();
    answer(h, 'v1', range(1, 1000), true);
    assert.deepEqual(h.frames(), [hist('v1', seq(1000))]);
    assert.equal(h.client.conversation('v1').loaded, false);

    /* a resync during the paging asks again once the last page is in */
    live(h, 'v1', 2500, 'live');
    h.ws.say({ type: 'resync' });
    assert.deepEqual(h.frames(), [{ type: 'conversations' }]);
    answer(h, 'v1', range(1001, 2000), true);
    assert.deepEqual(h.frames(), [hist('v1', seq(2000))]);
    answer(h, 'v1', range(2001, 2400));
    assert.deepEqual(h.frames(), [hist('v1', seq(2500))]);
    answer(h, 'v1', []);
    assert.deepEqual(h.frames(), []);

    const all = range(1, 2400).concat([2500]).map((n) => seq(n));

    assert.deepEqual(seqs(h, 'v1'), all);
    assert.equal(h.client.conversation('v1').loaded, true);
    assert.equal(h.events('event').length, all.length);
});

test('status_false_then_true_reads_on_and_sends_the_outbox', () => {
    const h = started([{ conversation: 'v1', active: 1 }]);

    h.client.open('v1');
    answer(h, 'v1', [1, 2]);
    h.frames();
    h.events();

    h.ws.say({ type: 'status', store: false });
    h.client.send('Reply', 'v1');
    h.ws.say({ type: 'nack', cid: 'c1', code: 'unavailable' });
    assert.deepEqual(h.events(), ['status reconnecting', 'pending c1']);
    h.frames();

    h.ws.say({ type: 'status', store: true });
    assert.deepEqual(h.frames(), [
        { type: 'message', id: 'c1', conversation: 'v1', cid: 'c1',
          text: 'Reply' },
        hist('v1', seq(2)),
    ]);
    assert.deepEqual(h.events(), ['pending c1', 'history v1 loading',
                                  'status -']);
});

test('the_list_refused_while_the_store_was_away_is_asked_for_again', () => {
    const h = setup({ role: 'agent' });

    h.client.start();
    h.ws.welcome(false);
    assert.deepEqual(h.frames(), [{ type: 'hello' }]);
    h.ws.say({ type: 'error', code: 'unavailable', text: 'no store' });
    h.ws.say({ type: 'status', store: true });
    assert.deepEqual(h.frames(), [{ type: 'conversations' }]);
    assert.equal(h.client.isLive(), false);
    h.ws.say({ type: 'conversations', items: [] });
    assert.equal(h.client.isLive(), true);
});

test('a_refused_history_is_asked_again_after_2_s', () => {
    const h = started([{ conversation: 'v1', active: 1 },
                       { conversation: 'v2', active: 1 }]);

    h.client.open('v1');
    h.frames();
    h.ws.say({ type: 'error', code: 'unavailable', id: 'h:v1' });
    h.clock.advance(1999);
    assert.deepEqual(h.frames(), []);
    h.clock.advance(1);
    assert.deepEqual(h.frames(), [hist('v1')]);

    /* a failed answer names no request: every history on its way */
    h.ws.say({ type: 'error', code: 'unavailable' });
    h.client.open('v2');
    assert.deepEqual(h.frames(), [hist('v2')]);
    h.clock.advance(2000);
    assert.deepEqual(h.frames(), [hist('v1')]);
    answer(h, 'v1', [1]);
    answer(h, 'v2', [2]);
    h.clock.advance(10000);
    assert.deepEqual(h.frames().filter((f) => f.type !== 'ping'), []);
});

test('typing_names_the_conversation_and_stops_when_it_changes', () => {
    const h = started([{ conversation: 'v1', active: 1 }]);

    h.client.typing('v1');
    h.client.typing('v2');
    assert.deepEqual(h.frames(), [
        { type: 'typing', conversation: 'v1', on: true },
        { type: 'typing', conversation: 'v1', on: false },
        { type: 'typing', conversation: 'v2', on: true },
    ]);
    h.client.stopTyping();
    assert.deepEqual(h.frames(), [{ type: 'typing', conversation: 'v2',
                                    on: false }]);
});

test('the_page_says_in_every_hello_what_it_asks_for_there', () => {
    let away = true;
    const h = setup({ role: 'agent', hello: () => (away ? { away: true } : {}) });

    h.client.start();
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello', away: true }],
                     'away in the hello itself, not in a message after it');
    away = false;
    h.ws.drop(1001);
    h.clock.advance(250);
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello' }], 'and not when online');
});
