'use strict';

/*
 * What the client tests drive static/widget/client.js with: a fake clock
 * (timers run only when a test moves time on), a fake localStorage, and a
 * fake WebSocket that the test scripts as the server would answer.
 *
 * Everything the client sends is recorded in order as parsed frames
 * (take frames with h.frames()), and everything it tells the page as short
 * lines (h.events()), so tests assert exact sequences.
 */

const Client = require('../../../static/widget/client.js');

const VISITOR_URL = 'ws://shop.test/live-help/ws';
const AGENT_URL = 'ws://shop.test/live-help/agent/ws';

/* seq n: "<ms>-0", growing with n */
function seq(n, sub = 0) {
    return `${1700000000000 + n}-${sub}`;
}

function message(from, text, cid) {
    const ev = { kind: 'message', from, text };

    if (from === 'agent') {
        ev.author = 'maria';
    }
    if (cid) {
        ev.cid = cid;
    }
    return ev;
}

class Clock {
    constructor() {
        this.t = 1000000;
        this.timers = [];
        this.serial = 0;
        this.now = () => this.t;
        this.setTimeout = (fn, ms) => {
            const id = ++this.serial;

            this.timers.push({ id, at: this.t + (ms || 0), fn });
            return id;
        };
        this.clearTimeout = (id) => {
            this.timers = this.timers.filter((x) => x.id !== id);
        };
    }

    /* runs every timer due within ms, in time order, then stops at +ms */
    advance(ms) {
        const end = this.t + ms;

        for (;;) {
            const due = this.timers.filter((x) => x.at <= end)
                .sort((a, b) => a.at - b.at || a.id - b.id)[0];

            if (!due) {
                break;
            }
            this.timers = this.timers.filter((x) => x !== due);
            this.t = due.at;
            due.fn();
        }
        this.t = end;
    }
}

class Storage {
    constructor(init = {}) {
        this.data = new Map(Object.entries(init));
    }

    getItem(k) {
        return this.data.has(k) ? this.data.get(k) : null;
    }

    setItem(k, v) {
        this.data.set(k, String(v));
    }

    removeItem(k) {
        this.data.delete(k);
    }

    json(k) {
        return JSON.parse(this.getItem(k));
    }
}

/*
 * A client on fake everything. role: 'visitor' or 'agent'; storage: what
 * localStorage holds at start; random: what Math.random returns.
 */
function setup({ role = 'visitor', storage = {}, random = 0,
                 hello = undefined } = {}) {
    const clock = new Clock();
    const store = new Storage(storage);
    const sockets = [];
    const frames = [];
    const events = [];
    let cids = 0;

    class FakeWebSocket {
        constructor(url, protocols) {
            this.url = url;
            this.protocols = protocols;
            this.readyState = 0;
            this.closedByClient = false;
            sockets.push(this);
        }

        send(data) {
            if (this.readyState !== 1) {
                throw new Error('send on a socket that is not open');
            }
            frames.push(JSON.parse(data));
        }

        close() {
            this.readyState = 3;
            this.closedByClient = true;
        }

        /* the server's side */

        say(obj) {
            assert(this.readyState === 1, 'the server says on an open socket');
            this.onmessage({ data: JSON.stringify(obj) });
        }

        welcome(store = true) {
            this.readyState = 1;
            this.say({ type: 'welcome', protocol: 2, role, store,
                       worker: 4242 });
        }

        drop(code = 1006) {
            this.readyState = 3;
            if (this.onclose) {
                this.onclose({ code });
            }
        }
    }

    const client = Client.create({
        role,
        url: role === 'agent' ? AGENT_URL : VISITOR_URL,
        outboxKey: 'outbox',
        tokenKey: 'token',
        WebSocket: FakeWebSocket,
        storage: store,
        setTimeout: clock.setTimeout,
        clearTimeout: clock.clearTimeout,
        now: clock.now,
        random: () => random,
        newCid: () => `c${++cids}`,
        hello,
    });

    client.on('status', (s) => events.push(`status ${s || '-'}`));
    client.on('event', (c, s, ev, at) => events.push(
        `event ${c.id} ${s} ${ev.text || ev.kind || '-'} @${at}`));
    client.on('reset', (id) => events.push(`reset ${id}`));
    client.on('session', (id) => events.push(`session ${id}`));
    client.on('pending', (item) => events.push(`pending ${item.cid}`));
    client.on('ack', (cid, s) => events.push(`ack ${cid} ${s}`));
    client.on('refused', (cid, code) => events.push(`refused ${cid} ${code}`));
    client.on('typing', (id, ev) => events.push(`typing ${id} ${ev.on}`));
    client.on('presence', (n) => events.push(`presence ${n}`));
    client.on('conversations', (items) => events.push(
        `conversations ${items.map((i) => i.conversation).join(',')}`));
    client.on('history', (c) => events.push(
        `history ${c.id} ${c.loading ? 'loading' : 'loaded'}`));

    return {
        client,
        clock,
        store,
        sockets,

        /* the socket the client holds now */
        get ws() {
            return sockets[sockets.length - 1];
        },

        /* the frames sent since the last call, oldest first */
        frames() {
            return frames.splice(0);
        },

        /* what the page was told since the last call; types: only those */
        events(...types) {
            const all = events.splice(0);

            return types.length
                ? all.filter((e) => types.includes(e.split(' ')[0])) : all;
        },

        outboxCids() {
            return (store.json('outbox') || []).map((m) => m.cid);
        },
    };
}

function assert(ok, what) {
    if (!ok) {
        throw new Error(what);
    }
}

/* message frames, as "cid text" (agents: "conversation cid text") */
function sent(frames) {
    return frames.map((f) => {
        if (f.type !== 'message') {
            return f.type;
        }
        return (f.conversation ? `${f.conversation} ` : '')
               + `${f.cid} ${f.text}`;
    });
}

module.exports = { setup, seq, message, sent, VISITOR_URL, AGENT_URL };
