/*
 * Live Help chat panel, loaded by loader.js (on the first click, or at once
 * for a visitor with a conversation to resume), with client.js.
 *
 * client.js speaks the chat protocol (docs/PROTOCOL.md) over the
 * endpoint's "ws" socket and keeps its promises: every message waits in an
 * outbox in localStorage until acknowledged and is sent again with the same
 * client id, and every event comes once, by seq. This panel draws what it
 * is told and hands it what the visitor writes; the visitor's own message
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

    function initials(name) {
        return name.split(/\s+/).slice(0, 2).map(function (w) {
            return w.charAt(0);
        }).join('').toUpperCase();
    }

    function createChat(ctx) {
        var Client = window.LiveHelpClient;
        var cmpSeq = Client.cmpSeq;
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

        var wsUrl = new URL('ws', ctx.endpoint);

        wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';

        var client = Client.create({
            role: 'visitor',
            url: wsUrl.href,
            outboxKey: OUTBOX_KEY,
            tokenKey: TOKEN_KEY
        });

        var tooLong = false;
        var lastSeq = null;         /* last event seq this page has seen */
        var byCid = new Map();      /* the visitor's bubbles, by client id */
        var agentName = '';
        var readSeq = Client.load(READ_KEY, null);
        var unread = 0;
        var visible = false;
        var typingHide = 0;

        /* the one status line, from the state of things */
        function refreshStatus() {
            var text = '';
            var off = client.status() === 'unavailable';

            /* nobody can answer here: promise nothing, take nothing */
            input.disabled = off;
            send.disabled = off;
            empty.textContent = off ? '' : s.empty;

            if (tooLong) {
                text = s.tooLong;
            } else if (client.status()) {
                text = s[client.status()];
            }
            if (status.textContent !== text) {
                status.textContent = text;
            }
        }

        /* the token was refused: a new, empty conversation */
        function resetConversation() {
            lastSeq = null;
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
                      ? Client.displayName(author) || s.agent : s.you;

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

        /* an event the client has not given before */
        function addEvent(c, seq, ev) {
            var node;
            var name;

            lastSeq = c.lastSeq;
            if (ev.kind !== 'message' || typeof ev.text !== 'string') {
                return;
            }

            if (ev.from === 'visitor' && ev.cid && byCid.has(ev.cid)) {
                /* our own message, now stored: it takes its place */
                node = byCid.get(ev.cid);
                setMeta(node, '');

            } else {
                node = bubble(ev.from === 'agent' ? 'agent' : 'visitor',
                              ev.text, ev.author);
                if (ev.from === 'visitor' && ev.cid) {
                    byCid.set(ev.cid, node);
                }
            }

            node.seq = seq;
            place(node);

            if (ev.from === 'agent') {
                name = Client.displayName(ev.author);
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
                Client.save(READ_KEY, readSeq);
            }
        }

        /* Sending */

        /* a message in the outbox: shown once, until its event or ack */
        function showPending(item) {
            var node = byCid.get(item.cid);

            if (!node) {
                node = bubble('visitor', item.text);
                byCid.set(item.cid, node);
                setMeta(node, s.sending);
                place(node);
            }
        }

        function acked(cid, seq) {
            var node = byCid.get(cid);

            if (node && node.seq === null && typeof seq === 'string') {
                node.seq = seq;
                setMeta(node, '');
                place(node);
            }
        }

        /* a message the server will never take */
        function refused(cid) {
            var node = byCid.get(cid);

            if (node) {
                setMeta(node, s.notSent);
            }
        }

        function submit() {
            var text = input.value;

            if (!text.trim()) {
                return;
            }
            tooLong = new TextEncoder().encode(text).length > TEXT_MAX;
            refreshStatus();
            if (tooLong) {
                return;
            }

            input.value = '';
            input.style.height = '';
            client.stopTyping();
            client.send(text);
            scrollDown();
        }

        /* Typing, the agent's */

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

        client.on('status', refreshStatus);
        client.on('reset', resetConversation);
        client.on('event', addEvent);
        client.on('pending', showPending);
        client.on('ack', acked);
        client.on('refused', refused);
        client.on('typing', function (id, ev) {
            if (ev.from === 'agent') {
                showTyping(ev.on === true);
            }
        });

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
            if (input.value) {
                client.typing();
            } else {
                client.stopTyping();
            }
        });

        window.addEventListener('online', client.reconnectNow);

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
        client.outbox().forEach(showPending);
        client.start();

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
