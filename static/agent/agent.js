/*
 * Live Help agent page, the minimal one: every conversation, newest
 * activity first, and a reply box for the one that is open.
 *
 * client.js (the widget's, loaded before this file) speaks the agents'
 * side of the chat protocol (docs/PROTOCOL.md) on "ws" next to this page,
 * i.e. <endpoint>/agent/ws: replies wait in an outbox (localStorage) until
 * acknowledged, conversations are read and caught up by history, and
 * every event comes once, by seq. This page draws what it is told and
 * hands it what the agent writes. nginx decides who the agent is
 * (auth_basic or auth_request on this location); the browser sends its
 * credentials with the WebSocket handshake as with any other same-origin
 * request. Every text is rendered with textContent.
 */
(function () {
    'use strict';

    var STRINGS = {
        connecting: 'Connecting\u2026',
        reconnecting: 'Reconnecting\u2026',
        unavailable: 'Chat is not available: this server has no ' +
                     'live_help_redis.',
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

    var TYPING_SHOWN = 5000;
    var TEXT_MAX = 4000;

    var Client = window.LiveHelpClient;
    var cmpSeq = Client.cmpSeq;
    var seqMs = Client.seqMs;

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

    var wsUrl = new URL('ws', location.href);

    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    wsUrl.search = '';
    wsUrl.hash = '';

    var client = Client.create({
        role: 'agent',
        url: wsUrl.href,
        outboxKey: OUTBOX_KEY
    });

    var tooLong = false;
    var convs = new Map();          /* conversation id -> its list item */
    var current = null;             /* the open conversation */
    var read = Client.load(READ_KEY, {});  /* conversation -> last seq read */

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

    function clock(ms) {
        return new Date(ms).toLocaleTimeString([], { hour: '2-digit',
                                                     minute: '2-digit' });
    }

    /* Status */

    function refreshStatus() {
        var text = '';

        if (tooLong) {
            text = STRINGS.tooLong;
        } else if (client.status()) {
            text = STRINGS[client.status()];
        }
        if (statusEl.textContent !== text) {
            statusEl.textContent = text;
        }
    }

    /* Conversations */

    /* the list item of a conversation the client holds */
    function conv(id) {
        var c = convs.get(id);
        var li;

        if (c) {
            return c;
        }

        c = {
            id: id,
            data: client.conversation(id),  /* events, lastSeq, loaded */
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

    function listed(items) {
        items.forEach(function (item) {
            if (typeof item.conversation === 'string') {
                updateItem(conv(item.conversation));
            }
        });
        sortList();
    }

    function isUnread(c) {
        return c !== current && (c.unread > 0 || !(c.id in read));
    }

    function updateItem(c) {
        var unread = isUnread(c);

        c.timeEl.textContent = c.data.active ? clock(c.data.active) : '';
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
            return b.data.active - a.data.active;
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
        var last = c.data.lastSeq;

        c.unread = 0;
        if (last && (!read[c.id] || cmpSeq(last, read[c.id]) > 0)) {
            read[c.id] = last;
        } else if (!(c.id in read)) {
            read[c.id] = last || '0-0';
        }
        Client.save(READ_KEY, read);
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
        c.data.events.forEach(function (e) {
            render(e.seq, e.event);
        });
        client.outbox().forEach(function (item) {
            if (item.conversation === c.id) {
                showPending(item);
            }
        });
        client.open(c.id);
        busy();
        updateEmpty();
        showTyping();
        form.hidden = false;
        input.value = '';
        input.focus();
        scrollDown();
    }

    /* Events */

    /* an event the client has not given before; at: its place in data */
    function addEvent(data, seq, ev, at) {
        var c = conv(data.id);

        if (ev.kind !== 'message' || typeof ev.text !== 'string') {
            return;
        }

        if (at === data.events.length - 1) {
            c.preview = (ev.from === 'agent'
                         ? Client.displayName(ev.author) + ': ' : '')
                        + ev.text;
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
            render(seq, ev);
            markRead(c);
            updateEmpty();
            scrollDown();
        }
        updateItem(c);
        sortList();
    }

    /* a history request went, or the log is read: Loading, or not */
    function historyChanged(data) {
        if (current && current.id === data.id) {
            busy();
            if (!data.loading) {
                updateEmpty();
            }
        }
    }

    function busy() {
        if (current.data.loading && !current.data.events.length) {
            logEl.setAttribute('aria-busy', 'true');
        } else {
            logEl.removeAttribute('aria-busy');
        }
    }

    /* Rendering the open conversation */

    function who(from, author) {
        return from === 'agent' ? Client.displayName(author) || STRINGS.you
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

    function render(seq, ev) {
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
        var text = current && current.data.loaded ? STRINGS.noMessages
                                                  : STRINGS.loading;

        if (logEl.querySelector('.msg')) {
            if (empty) {
                empty.remove();
            }
        } else if (!empty) {
            logEl.appendChild(el('p', 'empty', text));
        } else {
            empty.textContent = text;
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
        client.stopTyping();
    }

    function typed() {
        if (!current || !input.value) {
            stopTyping();
            return;
        }
        client.typing(current.id);
    }

    /* Sending */

    /* a reply in the outbox: shown once, until its event or ack */
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

    function acked(cid, seq) {
        var node = byCid(cid);

        if (node && node.seq === null && typeof seq === 'string') {
            node.seq = seq;
            node.classList.remove('pending');
            node.lastChild.textContent = clock(seqMs(seq));
            place(node);
        }
    }

    /* a reply the server will never take */
    function refused(cid) {
        var node = byCid(cid);

        if (node) {
            node.lastChild.textContent = STRINGS.notSent;
        }
    }

    function submit() {
        var text = input.value;

        if (!current || !text.trim()) {
            return;
        }
        tooLong = new TextEncoder().encode(text).length > TEXT_MAX;
        refreshStatus();
        if (tooLong) {
            return;
        }

        input.value = '';
        stopTyping();
        client.send(text, current.id);
        updateEmpty();
        scrollDown();
    }

    client.on('status', refreshStatus);
    client.on('conversations', listed);
    client.on('event', addEvent);
    client.on('history', historyChanged);
    client.on('typing', typing);
    client.on('pending', function (item) {
        if (current && item.conversation === current.id) {
            showPending(item);
        }
    });
    client.on('ack', acked);
    client.on('refused', refused);

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

    window.addEventListener('online', client.reconnectNow);

    client.start();
})();
