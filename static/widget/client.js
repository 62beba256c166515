/*
 * Live Help chat client: the protocol side of the visitor widget (chat.js)
 * and of the agent page (agent.js), with no DOM. The pages render what it
 * tells them and hand it what the user does.
 *
 * It keeps the contract of docs/PROTOCOL.md, "Never lose, never
 * duplicate":
 *
 * - Every message waits in an outbox in localStorage (the caller's key,
 *   shared by the tabs of one browser) until its ack, and is sent again
 *   with the same cid after a nack (held, backed off, then the whole
 *   outbox from its oldest message, in the order first sent), after a
 *   reconnect, after status store=true and after a while without an ack.
 * - The socket reconnects with a growing, jittered backoff; a silent one
 *   is pinged, and given up when it stays silent.
 * - Visitors say hello with their token and the last seq they hold, and
 *   get what came after it, then live events. Agents read a conversation
 *   with history when it is opened, after a reconnect, a resync and a
 *   status true, each time after the last seq they hold, page by page.
 * - Events are kept per conversation in seq order, each seq once, however
 *   history answers and live events overlap.
 *
 * In a page it defines LiveHelpClient; in Node, require() returns it. The
 * socket, storage, timers and randomness can be given (tests do), and
 * default to the browser's.
 */
(function () {
    'use strict';

    var TIMING = {
        backoffMin: 500,            /* ms; doubles up to backoffMax */
        backoffMax: 10000,
        firstStatus: 1000,          /* a quick first connect shows nothing */
        ackTimeout: 10000,          /* no answer: send the outbox again */
        historyRetry: 2000,         /* a refused history is asked again */
        pingAfter: 25000,           /* silence before we ask for a pong */
        deadAfter: 40000,           /* silence before we give a socket up */
        typingEvery: 2000,          /* "typing on" again while typing */
        typingIdle: 3000            /* no key for this long: "typing off" */
    };
    var CID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' +
                    '0123456789_-';
    var OPEN = 1;                   /* WebSocket.OPEN */

    /* "<ms>-<n>": negative, zero or positive like a comparator */
    function cmpSeq(a, b) {
        var x = a.split('-');
        var y = b.split('-');

        return (x[0] - y[0]) || (x[1] - y[1]);
    }

    function seqMs(seq) {
        return Number(seq.split('-')[0]) || 0;
    }

    function randomCid() {
        var bytes = new Uint8Array(16);
        var cid = '';
        var i;

        crypto.getRandomValues(bytes);
        for (i = 0; i < bytes.length; i++) {
            cid += CID_CHARS[bytes[i] & 63];
        }
        return cid;
    }

    /* JSON in storage (localStorage); a fallback when it is unreadable */
    function loadJson(storage, k, fallback) {
        try {
            var v = storage.getItem(k);

            return v === null ? fallback : JSON.parse(v);

        } catch (e) {
            return fallback;
        }
    }

    function saveJson(storage, k, value) {
        try {
            if (value === null) {
                storage.removeItem(k);
            } else {
                storage.setItem(k, JSON.stringify(value));
            }

        } catch (e) {
            /* full or disabled: the page still works, without resuming */
        }
    }

    /* "maria" -> "Maria"; '' when there is none */
    function displayName(author) {
        var name = String(author || '').trim();

        return name ? name.charAt(0).toUpperCase() + name.slice(1) : '';
    }

    function defaultStorage() {
        try {
            return localStorage;

        } catch (e) {
            return null;            /* disabled: nothing survives a reload */
        }
    }

    /*
     * opts: role ('visitor' or 'agent'), url (the socket's), outboxKey,
     * tokenKey (visitors); optionally WebSocket, storage, setTimeout,
     * clearTimeout, now, random, newCid and timing (overrides of TIMING).
     */
    function create(opts) {
        var agent = opts.role === 'agent';
        var WS = opts.WebSocket || WebSocket;
        var storage = opts.storage === undefined ? defaultStorage()
                                                 : opts.storage;
        var later = opts.setTimeout || function (fn, ms) {
            return setTimeout(fn, ms);
        };
        var cancel = opts.clearTimeout || function (id) {
            clearTimeout(id);
        };
        var now = opts.now || Date.now;
        var random = opts.random || Math.random;
        var newCid = opts.newCid || randomCid;
        var t = {};
        var key;

        for (key in TIMING) {
            t[key] = (opts.timing && opts.timing[key]) || TIMING[key];
        }

        var handlers = {};

        /* connection */
        var ws = null;
        var live = false;           /* caught up; events now come live */
        var everLive = false;
        var slow = false;           /* the first connect is taking a while */
        var storeDown = false;      /* the worker has lost its store */
        var unavailable = false;    /* the server has no store at all */
        var attempt = 0;            /* connects since the last live */
        var reconnectTimer = 0;
        var heard = 0;              /* when the socket last said anything */
        var shown = '';             /* the status last told */

        /* conversations */
        var convs = new Map();
        var visitorConv = null;     /* a visitor's one conversation */
        var token = null;

        /* outbox */
        var held = false;           /* a nack: everything waits for retry */
        var heldItem = null;        /* the nacked one, the server's to see */
        var nackAttempt = 0;        /* holds since the last ack */
        var limited = false;        /* held: sent too fast, told to wait */
        var retryTimer = 0;
        var ackTimer = 0;

        /* typing */
        var typingOn = false;
        var typingConv = null;
        var typingSentAt = 0;
        var typingIdle = 0;

        function emit(name) {
            var args = Array.prototype.slice.call(arguments, 1);

            (handlers[name] || []).forEach(function (fn) {
                fn.apply(null, args);
            });
        }

        function load(k, fallback) {
            return loadJson(storage, k, fallback);
        }

        function save(k, value) {
            saveJson(storage, k, value);
        }

        /*
         * Read afresh on every change: the tabs of one browser share it,
         * and one tab never drops another's message.
         */
        function outbox() {
            var list = load(opts.outboxKey, []);

            return Array.isArray(list) ? list : [];
        }

        function outboxRemove(cid) {
            var list = outbox();
            var left = list.filter(function (m) {
                return m.cid !== cid;
            });

            if (left.length !== list.length) {
                save(opts.outboxKey, left.length ? left : null);
                return true;
            }
            return false;
        }

        /* Status */

        function status() {
            if (unavailable) {
                return 'unavailable';
            }
            if (limited) {
                return 'limited';
            }
            if (storeDown || nackAttempt || (!live && everLive)) {
                return 'reconnecting';
            }
            return !live && slow ? 'connecting' : '';
        }

        function refresh() {
            var s = status();

            if (s !== shown) {
                shown = s;
                emit('status', s);
            }
        }

        /* Connection */

        function connect() {
            var sock;

            reconnectTimer = 0;
            /* the handshake puts it in the cookie */
            token = load(opts.tokenKey, token);

            try {
                sock = new WS(opts.url, token ? ['lh.' + token] : []);

            } catch (e) {
                scheduleReconnect();
                return;
            }

            ws = sock;
            heard = now();

            sock.onmessage = function (ev) {
                var msg;

                if (sock !== ws) {
                    return;
                }
                heard = now();
                try {
                    msg = JSON.parse(ev.data);

                } catch (e) {
                    return;
                }
                if (msg && typeof msg === 'object') {
                    receive(msg);
                }
            };

            sock.onclose = function () {
                if (sock === ws) {
                    dropped();
                }
            };
        }

        /* the socket is gone (closed, or silent for too long) */
        function dropped() {
            var sock = ws;

            ws = null;
            live = false;
            cancel(ackTimer);
            ackTimer = 0;

            /* a new socket holds nothing back: the outbox goes once live */
            cancel(retryTimer);
            retryTimer = 0;
            held = false;
            heldItem = null;
            typingOn = false;

            if (sock) {
                sock.onclose = sock.onmessage = null;
                try {
                    sock.close();

                } catch (e) {
                    /* already closing */
                }
            }

            /* what comes after the last event held must be asked for */
            convs.forEach(function (c) {
                markSync(c);
                if (c.loading && !c.loaded) {
                    /* the answer is lost, and with it all before the
                       live events held: read it from the start */
                    c.syncFrom = null;
                }
                c.loading = false;
                c.again = false;
            });
            refresh();
            scheduleReconnect();
        }

        function scheduleReconnect() {
            var max = Math.min(t.backoffMax,
                               t.backoffMin * Math.pow(2, attempt));

            if (reconnectTimer) {
                return;
            }
            attempt++;
            /* jitter: a reload must not bring every client back at once */
            reconnectTimer = later(connect, max / 2 + random() * max / 2);
        }

        function reconnectNow() {
            if (!ws && reconnectTimer) {
                cancel(reconnectTimer);
                connect();
            }
        }

        function sendJson(obj) {
            if (ws && ws.readyState === OPEN) {
                ws.send(JSON.stringify(obj));
                return true;
            }
            return false;
        }

        /* a silent socket may be dead (lost network): ask, then give up */
        function watch() {
            var quiet = now() - heard;

            if (ws) {
                if (quiet > t.deadAfter) {
                    dropped();
                } else if (quiet > t.pingAfter) {
                    sendJson({ type: 'ping' });
                }
            }
            later(watch, t.pingAfter / 2);
        }

        function receive(msg) {
            switch (msg.type) {

            case 'welcome':
                storeDown = msg.store === false;
                refresh();
                if (agent) {
                    /* the page may say more at once, e.g. that it is away */
                    sendJson(Object.assign({ type: 'hello' },
                                           opts.hello ? opts.hello() : {}));
                    break;
                }
                /* another tab may have been given a token meanwhile */
                token = load(opts.tokenKey, token);
                sendJson({ type: 'hello', token: token || undefined,
                           after: (visitorConv && visitorConv.lastSeq)
                                  || undefined });
                break;

            case 'session':
                if (agent) {
                    /* who we are, after every hello: no conversation */
                    emit('session', msg);
                    break;
                }
                session(msg);
                break;

            case 'event':
                addEvent(conv(msg.conversation || (visitorConv
                                                   && visitorConv.id)),
                         msg.seq, msg.event);
                break;

            case 'live':
                /* a catch-up means the store answers again */
                storeDown = false;
                nowLive();
                break;

            case 'conversations':
                listed(Array.isArray(msg.items) ? msg.items : [], msg);
                break;

            case 'refused':
                refusedAction(msg);
                break;

            case 'faq':
            case 'agents':
            case 'visitors':
            case 'visitor':
            case 'erased':
                /* agents' lists, visitors' FAQ answers: nothing to keep,
                   the page draws them */
                emit(msg.type, msg);
                break;

            case 'history':
                historyArrived(msg.conversation,
                               Array.isArray(msg.events) ? msg.events : [],
                               msg.more && msg.last);
                break;

            case 'ack':
                acked(msg.cid, msg.seq);
                break;

            case 'nack':
                nacked(msg.cid, msg.code === 'rate_limited' && msg.retry);
                break;

            case 'status':
                /* the worker lost or got back its store */
                storeDown = msg.store === false;
                if (!storeDown) {
                    nackAttempt = 0;
                    if (agent && !live) {
                        /* the list was refused while it was away */
                        sendJson({ type: 'conversations' });
                    }
                    retryNow();
                    if (agent) {
                        convs.forEach(markSync);
                        catchUp(true);
                    }
                }
                refresh();
                break;

            case 'resync':
                /* live events may have been missed: ask the logs again,
                   and the list, for conversations that began meanwhile.
                   The server says this once it is subscribed again, so
                   what is announced from now on comes live, and the rest
                   is in the logs after the last event held now. */
                convs.forEach(markSync);
                catchUp(true);
                sendJson({ type: 'conversations' });
                break;

            case 'typing':
                emit('typing', msg.conversation || (visitorConv
                                                    && visitorConv.id),
                     msg.event || {});
                break;

            case 'presence':
                emit('presence', msg.agents);
                break;

            case 'error':
                refused(msg.id, msg.code);
                break;
            }
        }

        function nowLive() {
            live = true;
            everLive = true;
            unavailable = false;    /* configured since, and reloaded */
            attempt = 0;
            refresh();
            /* what needs no outbox (a page view) goes before it */
            emit('live');
            flush();
        }

        /* Conversations */

        function conv(id) {
            var c = convs.get(id);

            if (typeof id !== 'string') {
                return null;
            }
            if (!c) {
                c = {
                    id: id,
                    active: 0,          /* ms of the last activity */
                    events: [],         /* {seq, event}, in seq order */
                    seen: new Set(),
                    lastSeq: null,
                    loaded: false,      /* the whole log has been read */
                    loading: false,     /* a history answer is on its way */
                    again: false,       /* catch up once the answer is in */
                    syncFrom: undefined,/* catch up after this (null: all) */
                    wanted: false       /* opened: read its log */
                };
                convs.set(id, c);
            }
            return c;
        }

        /* visitors: a token refused means a new, empty conversation */
        function session(msg) {
            if (visitorConv && msg.conversation !== visitorConv.id) {
                convs.delete(visitorConv.id);
                emit('reset', visitorConv.id);
            }
            visitorConv = conv(msg.conversation);
            /* none: the cookie has it */
            save(opts.tokenKey, token = msg.token || null);
            /* and the rest: departments, prechat, the visitor's name */
            emit('session', msg.conversation, msg);
        }

        /* a new seq takes its place, once; the rest is dropped */
        function addEvent(c, seq, ev) {
            var at;

            if (!c || typeof seq !== 'string' || c.seen.has(seq)) {
                return;
            }
            if (!ev || typeof ev !== 'object') {
                ev = {};
            }
            c.seen.add(seq);

            /* history and live events may interleave: keep seq order */
            at = c.events.length;
            while (at > 0 && cmpSeq(c.events[at - 1].seq, seq) > 0) {
                at--;
            }
            c.events.splice(at, 0, { seq: seq, event: ev });
            if (!c.lastSeq || cmpSeq(seq, c.lastSeq) > 0) {
                c.lastSeq = seq;
            }
            c.active = Math.max(c.active, seqMs(seq));

            /* our own message, stored (maybe by another tab, or before a
               reload): it leaves the outbox */
            if (ev.kind === 'message' && ev.cid
                && ev.from === (agent ? 'agent' : 'visitor'))
            {
                outboxRemove(ev.cid);
            }

            emit('event', c, seq, ev, at);
        }

        function listed(items, msg) {
            items.forEach(function (item) {
                var c = typeof item.conversation === 'string'
                        && conv(item.conversation);

                if (c) {
                    c.active = Math.max(c.active, Number(item.active) || 0);
                }
            });
            emit('conversations', items, msg || {});

            live = true;
            /* what a resync or status true asked for is on its way */
            catchUp(false);
            convs.forEach(function (c) {
                if (c.wanted && !c.loaded && !c.loading) {
                    history(c, null);
                }
            });
            nowLive();
        }

        /* a log read or being read may miss what came after: read on */
        function markSync(c) {
            if ((c.loaded || c.loading) && c.syncFrom === undefined) {
                c.syncFrom = c.lastSeq;
            }
        }

        /* again: an answer on its way may have been read before the gap */
        function catchUp(again) {
            convs.forEach(function (c) {
                if (c.syncFrom !== undefined && (again || !c.loading)) {
                    history(c, c.syncFrom);
                }
            });
        }

        function history(c, after) {
            if (c.loading) {
                c.again = true;
                return;
            }
            if (!live) {
                return;
            }
            c.loading = true;
            emit('history', c);
            sendJson({ type: 'history', id: 'h:' + c.id, conversation: c.id,
                       after: after || undefined });
        }

        /* more: the seq to read on after, while the log goes on */
        function historyArrived(id, events, more) {
            var c = convs.get(id);

            if (!c) {
                return;
            }
            c.loading = false;
            events.forEach(function (e) {
                if (e) {
                    addEvent(c, e.seq, e.event);
                }
            });

            if (more) {
                history(c, more);
                return;
            }

            c.loaded = true;
            if (c.again) {
                c.again = false;
                if (c.syncFrom !== undefined) {
                    history(c, c.syncFrom);
                    return;
                }
            }
            c.syncFrom = undefined;
            emit('history', c);
        }

        /* history refused (the store is away): ask again later */
        function historyRefused(c) {
            c.loading = false;
            later(function () {
                if (!c.loaded) {
                    history(c, null);
                } else if (c.syncFrom !== undefined) {
                    history(c, c.syncFrom);
                }
            }, t.historyRetry);
        }

        /* Sending */

        function sendItem(item) {
            var msg = { type: item.type || 'message', id: item.cid };

            if (agent) {
                msg.conversation = item.conversation;
            }
            msg.cid = item.cid;
            actionFields(item, msg);
            if (sendJson(msg) && !ackTimer) {
                ackTimer = later(function () {
                    ackTimer = 0;
                    flush();
                }, t.ackTimeout);
            }
        }

        /* a new message or action: kept, told, and sent if it may go */
        function enqueue(item) {
            var list = outbox();

            list.push(item);
            save(opts.outboxKey, list);
            emit('pending', item);
            if (live && !held) {
                sendItem(item);
            }
            return item;
        }

        /* everything not yet acknowledged, oldest first */
        function flush() {
            var list;

            if (!live || held) {
                return;
            }
            cancel(ackTimer);
            ackTimer = 0;
            list = outbox();
            if (!list.length && nackAttempt) {
                /* what was refused went out from another tab */
                nackAttempt = 0;
                refresh();
            }
            list.forEach(function (item) {
                emit('pending', item);
            });
            if (heldItem && !list.some(function (m) {
                return m.cid === heldItem.cid;
            })) {
                /* stored by another tab meanwhile, but this socket takes
                   nothing else before it */
                sendItem(heldItem);
            }
            list.forEach(sendItem);
        }

        function acked(cid, seq) {
            outboxRemove(cid);
            if (heldItem && heldItem.cid === cid) {
                heldItem = null;
            }
            nackAttempt = 0;
            refresh();
            emit('ack', cid, seq);
            if (!outbox().length) {
                cancel(ackTimer);
                ackTimer = 0;
            }
        }

        /* not stored: hold everything, back off, send all again in order */
        function nacked(cid, wait) {
            var max;

            if (held) {
                /* one of those behind the nacked one */
                return;
            }
            /* too fast: the store is fine, wait as long as it says */
            limited = wait > 0;
            max = limited ? 2 * wait + 200
                          : Math.min(t.backoffMax, t.backoffMin
                                     * Math.pow(2, nackAttempt++));
            held = true;
            heldItem = outbox().concat(heldItem || []).filter(function (m) {
                return m.cid === cid;
            })[0] || null;
            cancel(ackTimer);
            ackTimer = 0;
            refresh();
            retryTimer = later(retryNow, max / 2 + random() * max / 2);
        }

        /* nackAttempt stays: only an ack says the store takes messages */
        function retryNow() {
            cancel(retryTimer);
            retryTimer = 0;
            held = limited = false;
            flush();
        }

        /* claim, close, transfer, invite, handoff, and a visitor's
           message (department, offline): only what the protocol names */
        function actionFields(item, msg) {
            ['agent', 'department', 'offline', 'visitor', 'text', 'via',
             'email'].forEach(function (k) {
                if (item[k]) {
                    msg[k] = item[k];
                }
            });
            /* rate, faq_shown (visitors), tag (agents): false and ""
               count */
            ['good', 'comment', 'n', 'tag', 'faq'].forEach(function (k) {
                if (item[k] !== undefined) {
                    msg[k] = item[k];
                }
            });
        }

        /*
         * A message or an action that can never be stored as it is
         * (another agent owns the conversation, it is closed, ...): it
         * leaves the outbox like an acked one, and the page says why.
         */
        function refusedAction(msg) {
            var cid = msg.cid;

            outboxRemove(cid);
            if (heldItem && heldItem.cid === cid) {
                heldItem = null;
            }
            nackAttempt = 0;
            refresh();
            emit('refused', cid, msg.code, msg);
            if (!outbox().length) {
                cancel(ackTimer);
                ackTimer = 0;
            }
        }

        function refused(id, code) {
            var c;

            if (code === 'not_configured') {
                /* no live_help_redis: waiting would not help */
                unavailable = true;
                refresh();
                return;
            }
            if (typeof id !== 'string') {
                if (agent && code === 'unavailable') {
                    /* a history answer that failed names no request */
                    convs.forEach(function (c) {
                        if (c.loading) {
                            historyRefused(c);
                        }
                    });
                }
                return;
            }
            if (agent && id.slice(0, 2) === 'h:') {
                c = convs.get(id.slice(2));
                if (c) {
                    historyRefused(c);
                }
                return;
            }
            /* a message the server will never take */
            if ((code === 'bad_text' || code === 'bad_cid'
                 || code === 'bad_conversation' || code === 'bad_faq')
                && outboxRemove(id))
            {
                emit('refused', id, code);
            }
        }

        function typingMsg(on) {
            return agent ? { type: 'typing', conversation: typingConv, on: on }
                         : { type: 'typing', on: on };
        }

        function stopTyping() {
            cancel(typingIdle);
            if (typingOn) {
                typingOn = false;
                sendJson(typingMsg(false));
            }
        }

        return {
            /* name: status, event, reset, session, pending, ack, refused,
               typing, presence, conversations, history, live */
            on: function (name, fn) {
                (handlers[name] = handlers[name] || []).push(fn);
            },

            start: function () {
                later(function () {
                    slow = true;
                    refresh();
                }, t.firstStatus);
                later(watch, t.pingAfter / 2);
                connect();
            },

            /* '', 'connecting' or 'reconnecting' */
            status: status,

            isLive: function () {
                return live;
            },

            reconnectNow: reconnectNow,

            conversation: function (id) {
                return convs.get(id || (visitorConv && visitorConv.id))
                       || null;
            },

            /* agents: the user opens a conversation, read its log */
            open: function (id) {
                var c = conv(id);

                c.wanted = true;
                if (!c.loaded) {
                    history(c, null);
                }
                return c;
            },

            /* the messages not yet acknowledged, oldest first */
            outbox: outbox,

            /* fields (visitors): department, offline */
            send: function (text, conversation, fields) {
                var item = { cid: newCid() };

                if (agent) {
                    item.conversation = conversation;
                }
                item.text = text;
                if (fields) {
                    actionFields(fields, item);
                }
                return enqueue(item);
            },

            /*
             * agents: claim, close or transfer (fields: agent or
             * department), kept in the outbox like a message until its
             * ack or refused, so that a reconnect does it once
             */
            act: function (type, conversation, fields) {
                var item = { cid: newCid(), type: type,
                             conversation: conversation };

                if (fields) {
                    actionFields(fields, item);
                }
                return enqueue(item);
            },

            /* agents: a request that needs no outbox (away, agents,
               visitors, visitor); false while there is no socket */
            request: function (obj) {
                return live && sendJson(obj);
            },

            /* the user typed (and the box is not empty) */
            typing: function (conversation) {
                var at = now();

                if (typingOn && typingConv !== conversation) {
                    stopTyping();
                }
                if (live && (!typingOn || at - typingSentAt
                                          >= t.typingEvery))
                {
                    typingConv = conversation;
                    typingOn = sendJson(typingMsg(true));
                    typingSentAt = at;
                }
                cancel(typingIdle);
                typingIdle = later(stopTyping, t.typingIdle);
            },

            stopTyping: stopTyping
        };
    }

    function pad(n) {
        return (n < 10 ? '0' : '') + n;
    }

    var api = {
        create: create,
        cmpSeq: cmpSeq,
        seqMs: seqMs,
        displayName: displayName,
        /* local "2026-05-04 13:02:09" of ms, for transcripts */
        stamp: function (ms) {
            var d = new Date(ms);

            return [d.getFullYear(), d.getMonth() + 1, d.getDate()]
                .map(pad).join('-') + ' ' + [d.getHours(), d.getMinutes(),
                                           d.getSeconds()].map(pad).join(':');
        },
        /* a text file the browser saves as name */
        download: function (name, text) {
            var a = document.createElement('a');

            a.href = URL.createObjectURL(new Blob([text],
                                         { type: 'text/plain;charset=utf-8' }));
            a.download = name;
            document.body.appendChild(a);
            a.click();
            a.remove();
            setTimeout(function () {
                URL.revokeObjectURL(a.href);
            }, 10000);
        },
        /* the pages' own keys in localStorage */
        load: function (k, fallback) {
            var storage = defaultStorage();

            return storage ? loadJson(storage, k, fallback) : fallback;
        },
        save: function (k, value) {
            var storage = defaultStorage();

            if (storage) {
                saveJson(storage, k, value);
            }
        }
    };

    if (typeof module === 'object' && module.exports) {
        module.exports = api;
    } else {
        globalThis.LiveHelpClient = api;
    }
})();
