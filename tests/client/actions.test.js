'use strict';

/*
 * The agents' actions through the client: claim, close and transfer wait
 * in the outbox like messages until their ack or refused, go again with
 * the same cid after a reconnect, and a refused one leaves the outbox and
 * tells the page why (who owns the conversation).
 */

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { setup, seq } = require('./lib/harness');

function started(items = []) {
    const h = setup({ role: 'agent' });

    h.client.start();
    h.ws.welcome();
    h.frames();
    h.ws.say({ type: 'conversations', items });
    h.events();
    return h;
}

test('a_claim_waits_in_the_outbox_until_its_ack', () => {
    const h = started([{ conversation: 'v1', active: 1 }]);

    h.client.act('claim', 'v1');
    assert.deepEqual(h.frames(), [
        { type: 'claim', id: 'c1', conversation: 'v1', cid: 'c1' },
    ]);
    assert.deepEqual(h.outboxCids(), ['c1']);
    h.ws.say({ type: 'ack', cid: 'c1', conversation: 'v1', seq: seq(3) });
    assert.deepEqual(h.outboxCids(), []);
    assert.deepEqual(h.events('ack'), [`ack c1 ${seq(3)}`]);
});

test('a_transfer_unanswered_goes_again_with_the_same_cid_after_reconnect',
     () => {
    const h = started([{ conversation: 'v1', active: 1 }]);

    h.client.act('transfer', 'v1', { department: 'sales' });
    h.client.act('transfer', 'v1', { agent: 'a2', department: '' });
    h.frames();
    h.ws.drop();
    h.clock.advance(10000);
    h.ws.welcome();
    assert.deepEqual(h.frames(), [{ type: 'hello' }]);
    h.ws.say({ type: 'conversations', items: [] });
    assert.deepEqual(h.frames(), [
        { type: 'transfer', id: 'c1', conversation: 'v1', cid: 'c1',
          department: 'sales' },
        { type: 'transfer', id: 'c2', conversation: 'v1', cid: 'c2',
          agent: 'a2' },
    ]);
});

test('a_refused_claim_leaves_the_outbox_and_says_who_owns_it', () => {
    const h = started([{ conversation: 'v1', active: 1 }]);
    const told = [];

    h.client.on('refused', (cid, code, msg) => told.push([cid, code,
                                                          msg.name]));
    h.client.act('claim', 'v1');
    h.client.send('Hello', 'v1');
    h.ws.say({ type: 'refused', cid: 'c1', conversation: 'v1',
               code: 'owned', owner: 'a2', name: 'Jonas' });
    assert.deepEqual(told, [['c1', 'owned', 'Jonas']]);
    assert.deepEqual(h.outboxCids(), ['c2'], 'the message still waits');

    /* nothing refused is sent again */
    h.clock.advance(10000);
    assert.deepEqual(h.frames().filter((f) => f.type !== 'ping')
        .map((f) => f.cid), ['c1', 'c2', 'c2']);
});

test('an_agents_session_and_lists_reach_the_page_as_they_came', () => {
    const h = setup({ role: 'agent' });
    const got = [];

    h.client.on('session', (s) => got.push(['session', s.name,
                                            s.max_chats]));
    h.client.on('agents', (m) => got.push(['agents', m.agents.length]));
    h.client.on('visitors', (m) => got.push(['visitors', m.total]));
    h.client.on('conversations', (items, m) => got.push(['list',
                                                         m.queued]));
    h.client.start();
    h.ws.welcome();
    h.ws.say({ type: 'session', agent: 'a1', name: 'Maria',
               departments: [], max_chats: 3 });
    h.ws.say({ type: 'conversations', items: [], agents: [], queued: 2 });
    h.ws.say({ type: 'agents', agents: [{ agent: 'a1' }] });
    h.ws.say({ type: 'visitors', items: [], total: 0 });
    assert.deepEqual(got, [['session', 'Maria', 3], ['list', 2],
                           ['agents', 1], ['visitors', 0]]);
    assert.equal(h.store.getItem('undefined'), null,
                 'an agent keeps no token');

    assert.equal(h.client.request({ type: 'away', on: true }), true);
    assert.deepEqual(h.frames().slice(-1), [{ type: 'away', on: true }]);
});
