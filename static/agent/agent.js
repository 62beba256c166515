/*
 * Live Help agent page, the minimal one: every conversation, newest
 * activity first, and a reply box for the one that is open.
 *
 * It speaks the agents' side of the chat protocol (docs/PROTOCOL.md) on
 * "ws" next to this page, i.e. <endpoint>/agent/ws. nginx decides who the
 * agent is (auth_basic or auth_request on this location); the browser
 * sends its credentials with the WebSocket handshake as with any other
 * same-origin request. Replies wait in an outbox (localStorage) until
 * acknowledged and are sent again with the same client id, as the widget
 * does. Every text is rendered with textContent.
 */
(function () {
    'use strict';

    var STRINGS = {
        connecting: 'Connecting\u2026',
        reconnecting: 'Reconnecting\u2026',
        visitor: 'Visitor',
        you: 'You',
        conversation: function (id) {
            return 'Visitor ' + id.slice(1, 7);
        },
        unread: 'unread',
        noMessages: 'No messages yet.',
        loading: 'Loading\u2026',
        sending: 'Sending\u2026',
        notSent: 'Not sent',
        typing: 'Visitor is typing\u2026',
        tooLong: 'This reply is too long.',
        title: 'Live Help agents'
    };

    var OUTBOX_KEY = 'liveHelp.agentOutbox';
    var READ_KEY = 'liveHelp.agentRead';

    var BACKOFF_MIN = 500;
    var BACKOFF_MAX = 10000;
    var FIRST_STATUS_DELAY = 1000;
    var ACK_TIMEOUT = 10000;
    var HISTORY_RETRY = 2000;
    var HISTORY_PAGE = 1000;        /* the server's most events per answer */
    var PING_AFTER = 25000;
    var DEAD_AFTER = 40000;
    var TYPING_EVERY = 2000;
    var TYPING_IDLE = 3000;
    var TYPING_SHOWN = 5000;
    var TEXT_MAX = 4000;

    var $ = function (id) {
        return document.getElementById(id);
    };

    var statusEl = $('status');
    var listEl = $('convs');
    var noConvs = $('no-convs');
    var chatTitle = $('chat-title');
    var logEl = $('log');
    var typingEl = $('typing');
    var form = $('reply');
    var input = $('reply-text');

    var ws = null;
    var live = false;
    var everLive = false;
    var slow = false;
    var tooLong = false;
    var attempt = 0;
    var reconnectTimer = 0;
    var heard = 0;

    var convs = new Map();
    var current = null;             /* the open conversation */
    var read = load(READ_KEY, {});  /* conversation -> last seq read */

    var storeDown = false;
    var held = false;
    var nackAttempt = 0;
    var retryTimer = 0;
    var ackTimer = 0;

    var typingOn = false;
    var typingSentAt = 0;
    var typingIdle = 0;

    function el(name, cls, text) {
        var node = document.createElement(name);

        if (cls) {
            node.className = cls;
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
            localStorage.setItem(key, JSON.stringify(value));

        } catch (e) {
            /* full or disabled: nothing survives a reload, that is all */
        }
    }

    function cmpSeq(a, b) {
        var x = a.split('-');
        var y = b.split('-');

        return (x[0] - y[0]) || (x[1] - y[1]);
    }

    function seqMs(seq) {
        return Number(seq.split('-')[0]) || 0;
    }

    function clock(ms) {
        return new Date(ms).toLocaleTimeString([], { hour: '2-digit',
                                                     minute: '2-digit' });
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
                save(OUTBOX_KEY, left);
            }
        }
    };

    /* Status */

    function refreshStatus() {
        var text = '';

        if (tooLong) {
            text = STRINGS.tooLong;
        } else if (storeDown || nackAttempt || (!live && everLive)) {
            text = STRINGS.reconnecting;
        } else if (!live && slow) {
            text = STRINGS.connecting;
        }
        if (statusEl.textContent !== text) {
            statusEl.textContent = text;
        }
    }

    /* Connection */

    function connect() {
        var url = new URL('ws', location.href);
        var sock;

        reconnectTimer = 0;
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        url.search = '';
        url.hash = '';

        try {
            sock = new WebSocket(url.href);

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
        /* what comes after the last event we have must be asked for */
        convs.forEach(function (c) {
            markSync(c);
            c.loading = false;
            c.again = false;
        });
        refreshStatus();
        scheduleReconnect();
    }

    function scheduleReconnect() {
        var max = Math.min(BACKOFF_MAX, BACKOFF_MIN * Math.pow(2, attempt));

        if (reconnectTimer) {
            return;
        }
        attempt++;
        reconnectTimer = setTimeout(connect, max / 2 + Math.random() * max / 2);
    }

    function sendJson(obj) {
        if (ws && ws.readyState === WebSocket.OPEN) {
            ws.send(JSON.stringify(obj));
            return true;
        }
        return false;
    }

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
            sendJson({ type: 'hello' });
            break;

        case 'conversations':
            listed(msg.items || []);
            break;

        case 'event':
            addEvent(conv(msg.conversation), msg.seq, msg.event || {});
            break;

        case 'history':
            historyArrived(msg.conversation, msg.events || []);
            break;

        case 'typing':
            typing(msg.conversation, msg.event || {});
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
                if (!live) {
                    /* the list was refused while the store was away */
                    sendJson({ type: 'conversations' });
                }
                retryNow();
                catchUp();
            }
            refreshStatus();
            break;

        case 'resync':
            /* live events may have been missed: ask the logs again, and
               the list, for conversations that began meanwhile.  The
               server says this once it is subscribed again, so what is
               announced from now on comes live, and the rest is in the
               logs after the last event we have now. */
            convs.forEach(markSync);
            catchUp();
            sendJson({ type: 'conversations' });
            break;

        case 'error':
            refused(msg.id, msg.code);
            break;
        }
    }

    function listed(items) {
        items.forEach(function (item) {
            var c;

            if (typeof item.conversation !== 'string') {
                return;
            }
            c = conv(item.conversation);
            c.active = Math.max(c.active, Number(item.active) || 0);
            updateItem(c);
        });
        sortList();

        live = true;
        everLive = true;
        attempt = 0;
        refreshStatus();
        catchUp();
        if (current && !current.loaded) {
            history(current, null);
        }
        flush();
    }

    /* Conversations */

    function conv(id) {
        var c = convs.get(id);
        var li;

        if (c) {
            return c;
        }

        c = {
            id: id,
            active: 0,
            events: [],             /* {seq, event}, in seq order */
            seen: new Set(),
            lastSeq: null,
            loaded: false,          /* the whole log has been fetched */
            loading: false,
            again: false,           /* catch up once the answer is in */
            syncFrom: undefined,    /* catch up after this seq (null: all) */
            unread: 0,
            preview: '',
            typing: false,
            typingTimer: 0
        };

        li = el('li');
        c.button = el('button', 'conv');
        c.button.type = 'button';
        c.nameEl = el('span', 'name', STRINGS.conversation(id));
        c.timeEl = el('span', 'time');
        c.previewEl = el('span', 'preview');
        c.unreadEl = el('span', 'dot');
        c.unreadEl.hidden = true;
        c.unreadEl.appendChild(el('span', 'sr-only', STRINGS.unread));
        c.button.appendChild(c.nameEl);
        c.button.appendChild(c.timeEl);
        c.button.appendChild(c.unreadEl);
        c.button.appendChild(c.previewEl);
        c.button.addEventListener('click', function () {
            open(c);
        });
        li.appendChild(c.button);
        c.li = li;

        convs.set(id, c);
        noConvs.hidden = true;
        return c;
    }

    function isUnread(c) {
        return c !== current && (c.unread > 0 || !(c.id in read));
    }

    function updateItem(c) {
        var unread = isUnread(c);

        c.timeEl.textContent = c.active ? clock(c.active) : '';
        c.previewEl.textContent = c.preview;
        c.unreadEl.hidden = !unread;
        c.button.classList.toggle('unread', unread);
        if (c === current) {
            c.button.setAttribute('aria-current', 'true');
        } else {
            c.button.removeAttribute('aria-current');
        }
    }

    function sortList() {
        var all = Array.from(convs.values()).sort(function (a, b) {
            return b.active - a.active;
        });
        var n = 0;

        all.forEach(function (c, i) {
            if (listEl.children[i] !== c.li) {
                listEl.insertBefore(c.li, listEl.children[i] || null);
            }
            if (isUnread(c)) {
                n++;
            }
        });
        document.title = n ? '(' + n + ') ' + STRINGS.title : STRINGS.title;
    }

    function markRead(c) {
        c.unread = 0;
        if (c.lastSeq && (!read[c.id] || cmpSeq(c.lastSeq, read[c.id]) > 0)) {
            read[c.id] = c.lastSeq;
        } else if (!(c.id in read)) {
            read[c.id] = c.lastSeq || '0-0';
        }
        save(READ_KEY, read);
    }

    function open(c) {
        var prev = current;

        if (prev === c) {
            input.focus();
            return;
        }

        stopTyping();
        current = c;
        markRead(c);
        if (prev) {
            updateItem(prev);
        }
        updateItem(c);
        sortList();

        chatTitle.textContent = STRINGS.conversation(c.id);
        logEl.textContent = '';
        c.events.forEach(function (e) {
            render(c, e.seq, e.event);
        });
        outbox.all().forEach(function (item) {
            if (item.conversation === c.id) {
                showPending(item);
            }
        });
        if (!c.loaded) {
            history(c, null);
        }
        updateEmpty();
        showTyping();
        form.hidden = false;
        input.value = '';
        input.focus();
        scrollDown();
    }

    /* Events */

    function addEvent(c, seq, ev) {
        var at;

        if (typeof seq !== 'string' || c.seen.has(seq)) {
            return;
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

        if (ev.kind !== 'message' || typeof ev.text !== 'string') {
            return;
        }

        if (at === c.events.length - 1) {
            c.preview = (ev.from === 'agent' ? displayName(ev.author) + ': '
                                             : '') + ev.text;
        }
        if (ev.cid) {
            outbox.remove(ev.cid);
        }

        if (ev.from === 'visitor') {
            c.typing = false;
            if (c === current) {
                showTyping();
            }
            if (c !== current && read[c.id] && cmpSeq(seq, read[c.id]) > 0) {
                c.unread++;
            }
        }

        if (c === current) {
            render(c, seq, ev);
            markRead(c);
            updateEmpty();
            scrollDown();
        }
        updateItem(c);
        sortList();
    }

    /* a log read or being read may miss what came after: read on */
    function markSync(c) {
        if ((c.loaded || c.loading) && c.syncFrom === undefined) {
            c.syncFrom = c.lastSeq;
        }
    }

    function history(c, after) {
        if (c.loading) {
            /* the answer on its way may have been read before the gap */
            c.again = true;
            return;
        }
        if (!live) {
            return;
        }
        c.loading = true;
        if (c === current && !c.events.length) {
            logEl.setAttribute('aria-busy', 'true');
        }
        sendJson({ type: 'history', id: 'h:' + c.id, conversation: c.id,
                   after: after || undefined });
    }

    function historyArrived(id, events) {
        var c = convs.get(id);

        if (!c) {
            return;
        }
        c.loading = false;
        events.forEach(function (e) {
            addEvent(c, e.seq, e.event || {});
        });

        if (events.length >= HISTORY_PAGE) {
            history(c, events[events.length - 1].seq);
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
        if (c === current) {
            logEl.removeAttribute('aria-busy');
            updateEmpty();
        }
    }

    function catchUp() {
        convs.forEach(function (c) {
            if (c.syncFrom !== undefined) {
                history(c, c.syncFrom);
            }
        });
    }

    /* Rendering the open conversation */

    function who(from, author) {
        return from === 'agent' ? displayName(author) || STRINGS.you
                                : STRINGS.visitor;
    }

    function message(from, text, author) {
        var node = el('div', 'msg ' + (from === 'agent' ? 'agent' : 'visitor'));
        node.appendChild(el('span', 'who', who(from, author)));
        node.appendChild(el('p', 'text', text));
        node.appendChild(el('span', 'meta'));
        node.seq = null;
        return node;
    }

    function byCid(cid) {
        var nodes = logEl.querySelectorAll('.msg');
        var i;

        for (i = 0; i < nodes.length; i++) {
            if (nodes[i].cid === cid) {
                return nodes[i];
            }
        }
        return null;
    }

    function render(c, seq, ev) {
        var node = ev.cid ? byCid(ev.cid) : null;

        if (ev.kind !== 'message' || typeof ev.text !== 'string') {
            return;
        }
        if (node && node.seq !== null && node.seq !== seq) {
            node = null;
        }
        if (!node) {
            node = message(ev.from, ev.text, ev.author);
            node.cid = ev.cid;
        }
        node.seq = seq;
        node.classList.remove('pending');
        node.firstChild.textContent = who(ev.from, ev.author);
        node.lastChild.textContent = clock(seqMs(seq));
        place(node);
    }

    function place(node) {
        var ref = null;
        var n = logEl.lastElementChild;

        if (node.seq !== null) {
            /* after every stored message before it; the "Loading" and
               "No messages" rows and pending ones stay below */
            while (n && (n === node || typeof n.seq !== 'string'
                         || cmpSeq(n.seq, node.seq) > 0))
            {
                if (n !== node) {
                    ref = n;
                }
                n = n.previousElementSibling;
            }
        }
        if (!node.parentNode || node.nextElementSibling !== ref) {
            logEl.insertBefore(node, ref);
        }
    }

    function updateEmpty() {
        var empty = logEl.querySelector('.empty');

        if (logEl.querySelector('.msg')) {
            if (empty) {
                empty.remove();
            }
        } else if (!empty) {
            logEl.appendChild(el('p', 'empty', current && current.loaded
                                 ? STRINGS.noMessages : STRINGS.loading));
        } else {
            empty.textContent = current && current.loaded
                                ? STRINGS.noMessages : STRINGS.loading;
        }
    }

    function scrollDown() {
        logEl.scrollTop = logEl.scrollHeight;
    }

    /* Typing, both ways */

    function typing(id, ev) {
        var c = convs.get(id);

        if (!c || ev.from !== 'visitor') {
            return;
        }
        clearTimeout(c.typingTimer);
        c.typing = ev.on === true;
        if (c.typing) {
            c.typingTimer = setTimeout(function () {
                c.typing = false;
                if (c === current) {
                    showTyping();
                }
            }, TYPING_SHOWN);
        }
        if (c === current) {
            showTyping();
        }
    }

    function showTyping() {
        typingEl.textContent = current && current.typing ? STRINGS.typing
                                                         : '';
    }

    function stopTyping() {
        clearTimeout(typingIdle);
        if (typingOn && current) {
            sendJson({ type: 'typing', conversation: current.id, on: false });
        }
        typingOn = false;
    }

    function typed() {
        var now = Date.now();

        if (!current || !input.value) {
            stopTyping();
            return;
        }
        if (live && (!typingOn || now - typingSentAt >= TYPING_EVERY)) {
            typingOn = sendJson({ type: 'typing', conversation: current.id,
                                  on: true });
            typingSentAt = now;
        }
        clearTimeout(typingIdle);
        typingIdle = setTimeout(stopTyping, TYPING_IDLE);
    }

    /* Sending */

    function showPending(item) {
        var node = byCid(item.cid);

        if (!node) {
            node = message('agent', item.text, '');
            node.cid = item.cid;
            node.classList.add('pending');
            node.lastChild.textContent = STRINGS.sending;
            place(node);
        }
    }

    function sendItem(item) {
        if (sendJson({ type: 'message', id: item.cid,
                       conversation: item.conversation, cid: item.cid,
                       text: item.text }) && !ackTimer)
        {
            ackTimer = setTimeout(function () {
                ackTimer = 0;
                flush();
            }, ACK_TIMEOUT);
        }
    }

    function flush() {
        if (!live || held) {
            return;
        }
        clearTimeout(ackTimer);
        ackTimer = 0;
        if (!outbox.all().length && nackAttempt) {
            nackAttempt = 0;
            refreshStatus();
        }
        outbox.all().forEach(sendItem);
    }

    function acked(cid, seq) {
        var node = byCid(cid);

        outbox.remove(cid);
        nackAttempt = 0;
        refreshStatus();
        if (node && node.seq === null && typeof seq === 'string') {
            node.seq = seq;
            node.classList.remove('pending');
            node.lastChild.textContent = clock(seqMs(seq));
            place(node);
        }
        if (!outbox.all().length) {
            clearTimeout(ackTimer);
            ackTimer = 0;
        }
    }

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
        retryTimer = setTimeout(retryNow, max / 2 + Math.random() * max / 2);
    }

    /* nackAttempt stays: only an ack says the store takes messages */
    function retryNow() {
        clearTimeout(retryTimer);
        retryTimer = 0;
        held = false;
        flush();
    }

    function refused(id, code) {
        var c;
        var node;

        if (typeof id !== 'string') {
            return;
        }
        if (id.slice(0, 2) === 'h:') {
            /* history refused (the store is away): ask again later */
            c = convs.get(id.slice(2));
            if (c) {
                c.loading = false;
                setTimeout(function () {
                    if (!c.loaded) {
                        history(c, null);
                    } else if (c.syncFrom !== undefined) {
                        history(c, c.syncFrom);
                    }
                }, HISTORY_RETRY);
            }
            return;
        }
        if (code === 'bad_text' || code === 'bad_cid'
            || code === 'bad_conversation')
        {
            outbox.remove(id);
            node = byCid(id);
            if (node) {
                node.lastChild.textContent = STRINGS.notSent;
            }
        }
    }

    function submit() {
        var text = input.value;
        var item;

        if (!current || !text.trim()) {
            return;
        }
        tooLong = new TextEncoder().encode(text).length > TEXT_MAX;
        refreshStatus();
        if (tooLong) {
            return;
        }

        item = { cid: newCid(), conversation: current.id, text: text };
        input.value = '';
        stopTyping();
        outbox.add(item);
        showPending(item);
        updateEmpty();
        scrollDown();
        if (live && !held) {
            sendItem(item);
        }
    }

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
        if (tooLong) {
            tooLong = false;
            refreshStatus();
        }
        typed();
    });

    window.addEventListener('online', function () {
        if (!ws && reconnectTimer) {
            clearTimeout(reconnectTimer);
            connect();
        }
    });

    setTimeout(function () {
        slow = true;
        refreshStatus();
    }, FIRST_STATUS_DELAY);

    connect();
})();
