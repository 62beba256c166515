/*
 * Live Help chat panel, loaded by loader.js (on the first click, or at once
 * for a visitor with a conversation to resume).
 *
 * It speaks the chat protocol (docs/PROTOCOL.md) over the endpoint's "ws"
 * socket. Nothing is lost: every message waits in an outbox kept in
 * localStorage until the server acknowledges it, and is sent again with
 * the same client id after a nack, a reconnect, a silence or a reload; the
 * server stores a client id once. Nothing is shown twice: events are
 * placed by their seq, a seq is shown once, and the visitor's own message
 * is matched to its event by client id.
 *
 * A page (load, reload, navigation) asks for the whole conversation; a
 * reconnect asks for what came after the last seq this page has seen. The
 * loader owns opening, closing and focus. All text is set with
 * textContent.
 */
(function () {
    'use strict';

    var api = window.__liveHelp;

    if (!api || typeof api.defineChat !== 'function') {
        return;
    }

    var TOKEN_KEY = 'liveHelp.token';
    var OUTBOX_KEY = 'liveHelp.outbox';
    var READ_KEY = 'liveHelp.read';

    var BACKOFF_MIN = 500;          /* ms; doubles up to BACKOFF_MAX */
    var BACKOFF_MAX = 10000;
    var FIRST_STATUS_DELAY = 1000;  /* a quick first connect shows nothing */
    var ACK_TIMEOUT = 10000;        /* no answer: send the outbox again */
    var PING_AFTER = 25000;         /* silence before we ask for a pong */
    var DEAD_AFTER = 40000;         /* silence before we give a socket up */
    var TYPING_EVERY = 2000;
    var TYPING_IDLE = 3000;
    var TYPING_SHOWN = 5000;
    var TEXT_MAX = 4000;            /* bytes of UTF-8, as the server counts */

    function el(name, attrs, text) {
        var node = document.createElement(name);
        var key;

        for (key in attrs || {}) {
            node.setAttribute(key, attrs[key]);
        }
        if (text) {
            node.textContent = text;
        }
        return node;
    }

    function load(key, fallback) {
        try {
            var v = localStorage.getItem(key);

            return v === null ? fallback : JSON.parse(v);

        } catch (e) {
            return fallback;
        }
    }

    function save(key, value) {
        try {
            if (value === null) {
                localStorage.removeItem(key);
            } else {
                localStorage.setItem(key, JSON.stringify(value));
            }

        } catch (e) {
            /* full or disabled: the page still works, without resuming */
        }
    }

    /* "<ms>-<n>": negative, zero or positive like a comparator */
    function cmpSeq(a, b) {
        var x = a.split('-');
        var y = b.split('-');

        return (x[0] - y[0]) || (x[1] - y[1]);
    }

    function newCid() {
        var bytes = new Uint8Array(16);
        var abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' +
                  '0123456789_-';
        var cid = '';
        var i;

        crypto.getRandomValues(bytes);
        for (i = 0; i < bytes.length; i++) {
            cid += abc[bytes[i] & 63];
        }
        return cid;
    }

    function displayName(author) {
        var name = String(author || '').trim();

        return name ? name.charAt(0).toUpperCase() + name.slice(1) : '';
    }

    function initials(name) {
        return name.split(/\s+/).slice(0, 2).map(function (w) {
            return w.charAt(0);
        }).join('').toUpperCase();
    }

    /*
     * The outbox is shared by the visitor's tabs through localStorage, so
     * every change reads it afresh: one tab never drops another's message.
     */
    var outbox = {
        all: function () {
            var list = load(OUTBOX_KEY, []);

            return Array.isArray(list) ? list : [];
        },
        add: function (item) {
            var list = outbox.all();

            list.push(item);
            save(OUTBOX_KEY, list);
        },
        remove: function (cid) {
            var list = outbox.all();
            var left = list.filter(function (m) {
                return m.cid !== cid;
            });

            if (left.length !== list.length) {
                save(OUTBOX_KEY, left.length ? left : null);
            }
        }
    };

    function createChat(ctx) {
        var s = ctx.strings;
        var titleId = ctx.panelId + '-title';
        var inputId = ctx.panelId + '-input';

        var panel = el('section', {
            id: ctx.panelId,
            'class': 'panel',
            part: 'panel',
            role: 'dialog',
            'aria-label': ctx.title,
            hidden: ''
        });

        var header = el('header', { 'class': 'header' });
        var heading = el('div', { 'class': 'heading' });
        var titleEl = el('h2', { id: titleId, 'class': 'title' }, ctx.title);
        var subtitle = el('p', { 'class': 'subtitle' });
        var closeBtn = el('button', {
            type: 'button',
            'class': 'close',
            'aria-label': s.close,
            title: s.close
        }, '\u00d7');

        var status = el('p', { 'class': 'status', role: 'status' });
        var log = el('div', {
            'class': 'messages',
            role: 'log',
            'aria-live': 'polite',
            'aria-labelledby': titleId,
            tabindex: '0'
        });
        var empty = el('p', { 'class': 'empty' }, s.empty);
        var typingEl = el('p', { 'class': 'typing', 'aria-live': 'polite' });

        var form = el('form', { 'class': 'composer', novalidate: '' });
        var label = el('label', { 'for': inputId, 'class': 'sr-only' },
                       s.inputLabel);
        var input = el('textarea', {
            id: inputId,
            'class': 'input',
            rows: '1',
            maxlength: String(TEXT_MAX),
            autocomplete: 'off',
            placeholder: s.inputPlaceholder
        });
        var send = el('button', { type: 'submit', 'class': 'send' }, s.send);

        /* connection */
        var ws = null;
        var live = false;           /* caught up; events now come live */
        var storeDown = false;      /* the worker has lost its store */
        var everLive = false;
        var slow = false;           /* the first connect is taking a while */
        var tooLong = false;
        var attempt = 0;
        var reconnectTimer = 0;
        var heard = 0;              /* when the socket last said anything */

        /* conversation */
        var token = load(TOKEN_KEY, null);
        var conversation = null;
        var lastSeq = null;         /* last event seq this page has seen */
        var seen = new Set();
        var byCid = new Map();      /* the visitor's bubbles, by client id */
        var agentName = '';
        var readSeq = load(READ_KEY, null);
        var unread = 0;
        var visible = false;

        /* outbox */
        var held = false;           /* a nack: everything waits for retry */
        var nackAttempt = 0;        /* nacks since the last ack */
        var retryTimer = 0;
        var ackTimer = 0;

        /* typing */
        var typingOn = false;
        var typingSentAt = 0;
        var typingIdle = 0;
        var typingHide = 0;

        /* the one status line, from the state of things */
        function refreshStatus() {
            var text = '';

            if (tooLong) {
                text = s.tooLong;
            } else if (storeDown || nackAttempt || (!live && everLive)) {
                text = s.reconnecting;
            } else if (!live && slow) {
                text = s.connecting;
            }
            if (status.textContent !== text) {
                status.textContent = text;
            }
        }

        function wsUrl() {
            var url = new URL('ws', ctx.endpoint);

            url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
            return url.href;
        }

        function connect() {
            var sock;

            reconnectTimer = 0;

            try {
                sock = new WebSocket(wsUrl());

            } catch (e) {
                scheduleReconnect();
                return;
            }

            ws = sock;
            heard = Date.now();

            sock.onmessage = function (ev) {
                var msg;

                if (sock !== ws) {
                    return;
                }

                heard = Date.now();

                try {
                    msg = JSON.parse(ev.data);

                } catch (e) {
                    return;
                }

                receive(msg);
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
            clearTimeout(ackTimer);
            ackTimer = 0;
            if (sock) {
                sock.onclose = sock.onmessage = null;
                try {
                    sock.close();
                } catch (e) {
                    /* already closing */
                }
            }
            refreshStatus();
            scheduleReconnect();
        }

        function scheduleReconnect() {
            var max = Math.min(BACKOFF_MAX, BACKOFF_MIN * Math.pow(2, attempt));

            if (reconnectTimer) {
                return;
            }

            attempt++;
            /* jitter: a reload must not bring every visitor back at once */
            reconnectTimer = setTimeout(connect,
                                        max / 2 + Math.random() * max / 2);
        }

        function reconnectNow() {
            if (!ws && reconnectTimer) {
                clearTimeout(reconnectTimer);
                connect();
            }
        }

        function sendJson(obj) {
            if (ws && ws.readyState === WebSocket.OPEN) {
                ws.send(JSON.stringify(obj));
                return true;
            }
            return false;
        }

        /* a silent socket may be dead (lost network): ask, then give up */
        setInterval(function () {
            var quiet = Date.now() - heard;

            if (!ws) {
                return;
            }
            if (quiet > DEAD_AFTER) {
                dropped();
            } else if (quiet > PING_AFTER) {
                sendJson({ type: 'ping' });
            }
        }, PING_AFTER / 2);

        function receive(msg) {
            switch (msg.type) {

            case 'welcome':
                storeDown = msg.store === false;
                refreshStatus();
                /* another tab may have been given a token meanwhile */
                token = load(TOKEN_KEY, token);
                sendJson({ type: 'hello', token: token || undefined,
                           after: lastSeq || undefined });
                break;

            case 'session':
                if (conversation && msg.conversation !== conversation) {
                    /* the token was refused: a new, empty conversation */
                    resetConversation();
                }
                conversation = msg.conversation;
                token = msg.token;
                save(TOKEN_KEY, token);
                break;

            case 'event':
                addEvent(msg.seq, msg.event || {});
                break;

            case 'live':
                /* a catch-up means the store answers again */
                live = true;
                everLive = true;
                storeDown = false;
                attempt = 0;
                refreshStatus();
                flush();
                break;

            case 'ack':
                acked(msg.cid, msg.seq);
                break;

            case 'nack':
                nacked();
                break;

            case 'status':
                /* the worker lost or got back its store */
                storeDown = msg.store === false;
                if (!storeDown) {
                    nackAttempt = 0;
                    retryNow();
                }
                refreshStatus();
                break;

            case 'typing':
                if (msg.event && msg.event.from === 'agent') {
                    showTyping(msg.event.on === true);
                }
                break;

            case 'error':
                refused(msg.id, msg.code);
                break;
            }
        }

        function resetConversation() {
            lastSeq = null;
            seen.clear();
            /* the outbox stays, for the new conversation */
            Array.prototype.forEach.call(log.querySelectorAll('.msg'),
                                         function (n) {
                if (n.seq !== null) {
                    n.remove();
                }
            });
            byCid.forEach(function (node, cid) {
                if (node.seq !== null) {
                    byCid.delete(cid);
                }
            });
            updateEmpty();
        }

        /* Messages */

        function bubble(from, text, author) {
            var node = el('div', { 'class': 'msg ' + from });
            var body = el('div', { 'class': 'body' });
            var who = from === 'agent'
                      ? displayName(author) || s.agent : s.you;

            if (from === 'agent') {
                node.appendChild(el('span', {
                    'class': 'avatar',
                    'aria-hidden': 'true'
                }, initials(who)));
                body.appendChild(el('span', { 'class': 'author' }, who));

            } else {
                body.appendChild(el('span', { 'class': 'sr-only' },
                                    who + ':'));
            }

            body.appendChild(el('p', { 'class': 'text' }, text));
            node.appendChild(body);
            node.seq = null;
            return node;
        }

        function setMeta(node, text) {
            var meta = node.querySelector('.meta');

            if (!text) {
                if (meta) {
                    meta.remove();
                }
                node.classList.remove('pending');
                return;
            }
            if (!meta) {
                meta = el('span', { 'class': 'meta' });
                node.lastChild.appendChild(meta);
            }
            node.classList.add('pending');
            meta.textContent = text;
        }

        /*
         * Stored messages in seq order, then the ones still in the outbox
         * in the order they were written.
         */
        function place(node) {
            var ref = null;
            var n = log.lastElementChild;

            if (node.seq !== null) {
                while (n && n !== empty
                       && (n === node || n.seq === null
                           || cmpSeq(n.seq, node.seq) > 0))
                {
                    if (n !== node) {
                        ref = n;
                    }
                    n = n.previousElementSibling;
                }
            }

            if (node.nextElementSibling !== ref || !node.parentNode) {
                log.insertBefore(node, ref);
            }
            updateEmpty();
        }

        function updateEmpty() {
            empty.hidden = log.children.length > 1;
        }

        function scrollDown() {
            log.scrollTop = log.scrollHeight;
        }

        function addEvent(seq, ev) {
            var node;
            var name;

            if (typeof seq !== 'string' || seen.has(seq)) {
                return;
            }
            seen.add(seq);
            if (lastSeq === null || cmpSeq(seq, lastSeq) > 0) {
                lastSeq = seq;
            }

            if (ev.kind !== 'message' || typeof ev.text !== 'string') {
                return;
            }

            if (ev.from === 'visitor' && ev.cid && byCid.has(ev.cid)) {
                /* our own message, now stored: it takes its place */
                node = byCid.get(ev.cid);
                outbox.remove(ev.cid);
                setMeta(node, '');

            } else {
                node = bubble(ev.from === 'agent' ? 'agent' : 'visitor',
                              ev.text, ev.author);
                if (ev.from === 'visitor' && ev.cid) {
                    byCid.set(ev.cid, node);
                    /* stored by another tab or before a reload */
                    outbox.remove(ev.cid);
                }
            }

            node.seq = seq;
            place(node);

            if (ev.from === 'agent') {
                name = displayName(ev.author);
                if (name && name !== agentName) {
                    agentName = name;
                    subtitle.textContent = s.talkingTo(name);
                }
                showTyping(false);
                if (visible) {
                    markRead();
                } else if (readSeq === null || cmpSeq(seq, readSeq) > 0) {
                    unread++;
                    ctx.setUnread(unread);
                }
            }
            scrollDown();
        }

        function markRead() {
            unread = 0;
            if (lastSeq && (readSeq === null || cmpSeq(lastSeq, readSeq) > 0)) {
                readSeq = lastSeq;
                save(READ_KEY, readSeq);
            }
        }

        /* Sending */

        function showPending(item) {
            var node = byCid.get(item.cid);

            if (!node) {
                node = bubble('visitor', item.text);
                byCid.set(item.cid, node);
                setMeta(node, s.sending);
                place(node);
            }
        }

        function sendItem(item) {
            if (sendJson({ type: 'message', id: item.cid, cid: item.cid,
                           text: item.text }))
            {
                if (!ackTimer) {
                    ackTimer = setTimeout(function () {
                        ackTimer = 0;
                        flush();
                    }, ACK_TIMEOUT);
                }
            }
        }

        /* everything not yet acknowledged, oldest first */
        function flush() {
            var list;

            if (!live || held) {
                return;
            }
            clearTimeout(ackTimer);
            ackTimer = 0;
            list = outbox.all();
            if (!list.length && nackAttempt) {
                /* what was refused went out from another tab */
                nackAttempt = 0;
                refreshStatus();
            }
            list.forEach(showPending);
            list.forEach(sendItem);
        }

        function acked(cid, seq) {
            var node = byCid.get(cid);

            outbox.remove(cid);
            nackAttempt = 0;
            refreshStatus();
            if (node && node.seq === null && typeof seq === 'string') {
                node.seq = seq;
                setMeta(node, '');
                place(node);
            }
            if (!outbox.all().length) {
                clearTimeout(ackTimer);
                ackTimer = 0;
            }
        }

        /* not stored (the store is away): hold everything, retry in order */
        function nacked() {
            var max = Math.min(BACKOFF_MAX,
                               BACKOFF_MIN * Math.pow(2, nackAttempt++));

            refreshStatus();
            if (held) {
                return;
            }
            held = true;
            clearTimeout(ackTimer);
            ackTimer = 0;
            retryTimer = setTimeout(retryNow,
                                    max / 2 + Math.random() * max / 2);
        }

        /* nackAttempt stays: only an ack says the store takes messages */
        function retryNow() {
            clearTimeout(retryTimer);
            retryTimer = 0;
            held = false;
            flush();
        }

        /* a message the server will never take: keep it out of the outbox */
        function refused(cid, code) {
            var node = typeof cid === 'string' && byCid.get(cid);

            if (node && (code === 'bad_text' || code === 'bad_cid')) {
                outbox.remove(cid);
                setMeta(node, s.notSent);
            }
        }

        function submit() {
            var text = input.value;
            var item;

            if (!text.trim()) {
                return;
            }
            tooLong = new TextEncoder().encode(text).length > TEXT_MAX;
            refreshStatus();
            if (tooLong) {
                return;
            }

            item = { cid: newCid(), text: text };
            input.value = '';
            input.style.height = '';
            stopTyping();
            outbox.add(item);
            showPending(item);
            scrollDown();

            if (live && !held) {
                sendItem(item);
            }
        }

        /* Typing, both ways */

        function stopTyping() {
            clearTimeout(typingIdle);
            if (typingOn) {
                typingOn = false;
                sendJson({ type: 'typing', on: false });
            }
        }

        function typed() {
            var now = Date.now();

            if (!input.value) {
                stopTyping();
                return;
            }
            if (live && (!typingOn || now - typingSentAt >= TYPING_EVERY)) {
                typingOn = sendJson({ type: 'typing', on: true });
                typingSentAt = now;
            }
            clearTimeout(typingIdle);
            typingIdle = setTimeout(stopTyping, TYPING_IDLE);
        }

        function showTyping(on) {
            clearTimeout(typingHide);
            typingEl.textContent = on ? s.typing(agentName || s.agent) : '';
            if (on) {
                typingHide = setTimeout(function () {
                    typingEl.textContent = '';
                }, TYPING_SHOWN);
            }
        }

        /* Wiring */

        closeBtn.addEventListener('click', ctx.close);

        form.addEventListener('submit', function (ev) {
            ev.preventDefault();
            submit();
            input.focus();
        });

        input.addEventListener('keydown', function (ev) {
            if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
                ev.preventDefault();
                submit();
            }
        });

        input.addEventListener('input', function () {
            /* grow with the text, up to the CSS max-height */
            input.style.height = '';
            input.style.height = input.scrollHeight + 2 + 'px';
            if (tooLong) {
                tooLong = false;
                refreshStatus();
            }
            typed();
        });

        window.addEventListener('online', reconnectNow);

        heading.appendChild(titleEl);
        heading.appendChild(subtitle);
        header.appendChild(heading);
        header.appendChild(closeBtn);
        log.appendChild(empty);
        form.appendChild(label);
        form.appendChild(input);
        form.appendChild(send);
        panel.appendChild(header);
        panel.appendChild(status);
        panel.appendChild(log);
        panel.appendChild(typingEl);
        panel.appendChild(form);
        ctx.root.appendChild(panel);

        /* what a reload or another page left unsent shows at once */
        outbox.all().forEach(showPending);
        setTimeout(function () {
            slow = true;
            refreshStatus();
        }, FIRST_STATUS_DELAY);
        connect();

        return {
            show: function () {
                panel.hidden = false;
                visible = true;
                markRead();
                ctx.setUnread(0);
                scrollDown();
            },
            hide: function () {
                panel.hidden = true;
                visible = false;
            },
            focus: function () {
                input.focus();
            }
        };
    }

    api.defineChat(createChat);
})();
