/*
 * Live Help chat panel, loaded by loader.js on the first click: it draws
 * what client.js holds and tells (docs/PROTOCOL.md), events that say who
 * answers as lines, and below the log the composer, or the offline or
 * pre-chat form. All text is set with textContent.
 */
(function () {
    'use strict';

    var api = window.__liveHelp;

    if (!api || typeof api.defineChat !== 'function') {
        return;
    }

    var TYPING_SHOWN = 5000;
    var TEXT_MAX = 4000;            /* bytes of UTF-8, as the server counts */
    var NAME_MAX = 64;
    var EMAIL_MAX = 254;
    var EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
    var PHONE = '(max-width: 480px)';
    var FAQ_WAIT = 200;             /* ms after the last keystroke */
    var FAQ_LETTERS = /[\p{L}\p{N}]/gu;
    var COMMENT_MAX = 1000;
    var READ_EVERY = 1000;          /* ms between two read marks sent */

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

    function add(parent) {
        Array.prototype.slice.call(arguments, 1).forEach(function (n) {
            parent.appendChild(n);
        });
        return parent;
    }

    function bytes(text) {
        return new TextEncoder().encode(text).length;
    }

    function initials(name) {
        return name.split(/\s+/).slice(0, 2).map(function (w) {
            return w.charAt(0);
        }).join('').toUpperCase();
    }

    function createChat(ctx) {
        var Client = window.LiveHelpClient;
        var cmpSeq = Client.cmpSeq;
        var client = ctx.client;
        var known = ctx.known;
        var s = ctx.strings;
        var pid = ctx.panelId;
        var titleId = pid + '-title';

        var conv = { state: 'none', agent: '', offline: false, n: 0 };
        /* read marks: the agent's and ours, the last event and agent
           message, the last mark sent and when */
        var marks = { aread: null, vread: null, last: null, agent: null,
                      sent: null, at: 0, timer: 0 };
        var rated = {};             /* conversation numbers rated */
        var thanked = 0;            /* the one this page rated */
        var choice = null;          /* good (true) or bad, being rated */
        var leftOffline = false;    /* this page sent the offline form */
        var tooLong = false;
        var byCid = new Map();      /* the visitor's bubbles, by client id */
        var typingHide = 0;

        var panel = el('section', {
            id: pid,
            'class': 'panel',
            part: 'panel',
            role: 'dialog',
            'aria-labelledby': titleId,
            hidden: ''
        });

        var header = el('div', { 'class': 'header', part: 'header' });
        var avatar = el('span', { 'class': 'avatar big', 'aria-hidden': 'true',
                                  hidden: '' });
        var heading = el('div', { 'class': 'heading' });
        var titleEl = el('h2', { id: titleId, 'class': 'title' }, ctx.title);
        var subtitle = el('p', { 'class': 'subtitle' });
        var menuBtn = el('button', {
            type: 'button',
            'class': 'icon',
            'aria-label': s.menu,
            title: s.menu,
            'aria-haspopup': 'menu',
            'aria-expanded': 'false',
            'aria-controls': pid + '-menu'
        }, '\u22ee');
        var menu = el('div', { id: pid + '-menu', 'class': 'menu',
                               role: 'menu', hidden: '' });
        var endItem = el('button', { type: 'button', role: 'menuitem' },
                         s.endChat);
        var saveItem = el('button', { type: 'button', role: 'menuitem',
                                      'class': 'item' }, s.transcript);
        var markEl = el('span', { 'class': 'mark' });

        var rateBox = el('form', { 'class': 'card rate', novalidate: '',
                                   'aria-labelledby': pid + '-rate',
                                   hidden: '' });
        var rateAsk = el('p', { id: pid + '-rate', 'class': 'intro' },
                         s.rateQuestion);
        var thumbs = el('div', { 'class': 'thumbs' });
        var goodBtn = thumb(true, '\u263a', s.rateGood);
        var badBtn = thumb(false, '\u2639', s.rateBad);
        var comment = el('textarea', { 'class': 'input', rows: '3',
                                       maxlength: String(COMMENT_MAX),
                                       'aria-label': s.rateComment,
                                       placeholder: s.rateComment,
                                       hidden: '' });
        var rateSend = el('button', { type: 'submit', 'class': 'send',
                                      hidden: '' }, s.rateSend);

        function thumb(good, icon, label) {
            var b = el('button', { type: 'button', 'class': 'thumb',
                                   'aria-pressed': 'false', title: label,
                                   'aria-label': label }, icon);

            b.addEventListener('click', function () {
                choice = good;
                goodBtn.setAttribute('aria-pressed', String(good));
                badBtn.setAttribute('aria-pressed', String(!good));
                comment.hidden = rateSend.hidden = false;
                comment.focus();
                scrollDown();
            });
            return b;
        }
        var emailItem = el('button', { type: 'button', role: 'menuitem',
                                       'class': 'item' }, s.leaveEmail);
        var soundItem = el('button', { type: 'button', role: 'menuitem',
                                       'class': 'item' });
        var closeBtn = el('button', {
            type: 'button',
            'class': 'icon close',
            'aria-label': s.close,
            title: s.close
        }, '\u00d7');

        var status = el('p', { 'class': 'status', role: 'status' });
        var scroller = el('div', { 'class': 'scroll', tabindex: '0',
                                   'aria-labelledby': titleId });
        var log = el('div', {
            'class': 'messages',
            role: 'log',
            'aria-live': 'off',
            'aria-labelledby': titleId
        });
        var empty = el('p', { 'class': 'empty', part: 'greeting' },
                       s.greeting);
        var announcer = el('p', { 'class': 'sr-only', 'aria-live': 'polite' });
        var typingEl = el('p', { 'class': 'typing', 'aria-live': 'polite' });

        var confirmBox = el('div', {
            'class': 'confirm',
            role: 'alertdialog',
            'aria-labelledby': pid + '-confirm',
            hidden: ''
        });
        var confirmYes = el('button', { type: 'button', 'class': 'danger' },
                            s.endChat);
        var confirmNo = el('button', { type: 'button', 'class': 'plain' },
                           s.cancel);

        var form = el('form', { 'class': 'composer', part: 'composer',
                                 novalidate: '' });
        var input = el('textarea', {
            id: pid + '-input',
            'class': 'input',
            rows: '1',
            maxlength: String(TEXT_MAX),
            autocomplete: 'off'
        });
        var send = el('button', { type: 'submit', 'class': 'send',
                                  part: 'send' }, s.send);
        var note = el('p', { 'class': 'note', 'aria-live': 'polite' });

        /* FAQ answers suggested while typing, above the message box */
        var faqBox = el('div', { 'class': 'faq', role: 'group',
                                 'aria-labelledby': pid + '-faq',
                                 hidden: '' });
        var faqList = el('div', { 'class': 'faq-list' });
        var faqTimer = 0;
        var faqAsked = '';          /* the text the last search was for */
        var faqSeq = 0;             /* the id of the last search */
        var faqShown = '';          /* the ids suggested now */

        var offline = card('offline', s.offlineIntro, s.leaveMessage, true, [
            ['name', 'input'],
            ['email', 'input'],
            ['text', 'textarea', s.yourMessage]
        ], function () {
            leftOffline = true;
            return { offline: true };
        });
        /* hand-off: an e-mail (and a note) for a reply, or a booking */
        var handoff = el('form', { 'class': 'card', novalidate: '',
                                   'aria-labelledby': pid + '-handoff',
                                   hidden: '' });
        var hEmail = el('input', { id: pid + '-h-email', type: 'email',
                                   autocomplete: 'email', required: '',
                                   'aria-describedby': pid + '-h-err' });
        var hNote = el('textarea', { id: pid + '-h-note' });
        var hErr = el('p', { id: pid + '-h-err', 'class': 'err' });

        function bookLink() {
            var a = el('a', { 'class': 'book', href: ctx.booking,
                              target: '_blank', rel: 'noopener' },
                       s.bookCall);

            a.addEventListener('click', function () {
                showMenu(false);
                client.act('handoff', undefined, { via: 'booking' });
            });
            return a;
        }

        add(handoff, el('p', { id: pid + '-handoff', 'class': 'intro' },
                        s.emailIntro),
            add(el('div', { 'class': 'field' }),
                el('label', { 'for': hEmail.id }, s.email), hEmail, hErr),
            add(el('div', { 'class': 'field' }),
                el('label', { 'for': hNote.id }, s.note + s.optional), hNote),
            el('button', { type: 'submit', 'class': 'send' }, s.sendEmail));
        if (ctx.booking) {
            add(handoff, bookLink());
        }
        handoff.addEventListener('submit', function (ev) {
            var email = hEmail.value.trim();
            var text = hNote.value.trim();

            ev.preventDefault();
            if (!EMAIL_RE.test(email) || bytes(email) > EMAIL_MAX) {
                hEmail.setAttribute('aria-invalid', 'true');
                hErr.textContent = s.badEmail;
                hEmail.focus();
                return;
            }
            hEmail.setAttribute('aria-invalid', 'false');
            hErr.textContent = '';
            client.act('handoff', undefined, { via: 'email', email: email,
                                               text: text.slice(0, 1000) });
            handoff.reset();
            handoff.hidden = true;
            input.focus();
        });

        var prechat = card('prechat', s.prechatIntro, s.startChat, false, [
            ['name', 'input'],
            ['email', 'input'],
            ['dept', 'select', s.department],
            ['text', 'textarea', s.question]
        ], function () {
            var dept = prechat.fields.dept.value;

            return dept ? { department: dept } : null;
        });

        /*
         * fields: [name, tag, label]; all required, or only the text.
         * sent() gives the first message's fields.
         */
        function card(kind, intro, submitText, required, fields, sent) {
            var f = el('form', { 'class': 'card', novalidate: '',
                                 'aria-labelledby': pid + '-' + kind,
                                 hidden: '' });
            var list = {};

            add(f, el('p', { id: pid + '-' + kind, 'class': 'intro' }, intro));
            fields.forEach(function (d) {
                var id = pid + '-' + kind + '-' + d[0];
                var box = el(d[1], { id: id, name: d[0],
                                     'aria-describedby': id + '-err' });
                var wrap = el('div', { 'class': 'field' });
                var must = required || d[0] === 'text';

                if (d[0] === 'email') {
                    box.type = 'email';
                    box.autocomplete = 'email';
                } else if (d[0] === 'name') {
                    box.autocomplete = 'name';
                }
                box.required = must;
                add(wrap, el('label', { 'for': id },
                             (d[2] || s[d[0]]) + (must || d[1] === 'select'
                                                  ? '' : s.optional)),
                    box, el('p', { id: id + '-err', 'class': 'err' }));
                list[d[0]] = box;
                box.field = wrap;
                add(f, wrap);
            });
            add(f, el('button', { type: 'submit', 'class': 'send' },
                      submitText));
            f.fields = list;
            f.addEventListener('submit', function (ev) {
                var text;

                ev.preventDefault();
                text = readForm(f, required);
                if (text !== null) {
                    client.send(text, undefined, sent());
                    f.reset();
                    render();
                    input.focus();
                }
            });
            return f;
        }

        if (ctx.booking) {
            add(offline, bookLink());
        }

        function invalid(box, message) {
            box.setAttribute('aria-invalid', message ? 'true' : 'false');
            box.field.lastChild.textContent = message || '';
            return message ? box : null;
        }

        /* the profile sent and the message's text, or null */
        function readForm(f, required) {
            var v = f.fields;
            var name = v.name.value.trim();
            var email = v.email.value.trim();
            var text = v.text.value;
            var bad = [
                invalid(v.name, (required || name) && (!name
                        || bytes(name) > NAME_MAX) && s.badName),
                invalid(v.email, (required || email) && (!EMAIL_RE.test(email)
                        || bytes(email) > EMAIL_MAX) && s.badEmail),
                invalid(v.text, (!text.trim() || bytes(text) > TEXT_MAX)
                        && (text.trim() ? s.tooLong : s.badText))
            ].filter(Boolean);

            if (bad.length) {
                bad[0].focus();
                return null;
            }
            if (name || email) {
                /* a name is what agents see: an e-mail alone lends one */
                ctx.profile({ type: 'profile', name: name
                              || email.split('@')[0], email: email
                              || undefined });
            }
            return text;
        }

        function departments() {
            var d = known.session && known.session.departments;

            return Array.isArray(d) ? d : [];
        }

        function fillDepartments() {
            var select = prechat.fields.dept;
            var list = departments();

            if (select.options.length !== list.length + 1) {
                select.textContent = '';
                add(select, el('option', { value: '' }, s.anyDepartment));
                list.forEach(function (d) {
                    add(select, el('option', { value: d.id }, d.name));
                });
            }
            select.field.hidden = !list.length;
        }

        function deptName(id) {
            var d = departments().filter(function (x) {
                return x.id === id;
            })[0];

            /* as the server names it when the operator gave no name */
            return d ? d.name : id.charAt(0).toUpperCase()
                                + id.slice(1).replace(/_/g, ' ');
        }


        function render() {
            var st = conv.state;
            var off = client.status() === 'unavailable';
            var away = (known.agents === 0 || (known.session || {}).open
                        === false) && st !== 'open' && !off;
            var pending = client.outbox().some(function (m) {
                return !m.type;
            });
            var thanks = away && (leftOffline || (st === 'waiting'
                                                  && conv.offline));
            var showOffline = away && !thanks;
            var showPrechat = !away && !off && st === 'none' && !pending
                              && known.session && known.session.prechat
                              === true;
            var sub = st === 'open' ? s.talkingTo(conv.agent)
                      : away ? s.away
                      : st === 'waiting' ? s.waiting
                      : st === 'closed' ? s.ended : s.intro;

            /* nobody can answer here: promise nothing, take nothing */
            input.disabled = send.disabled = off;
            empty.textContent = off || away || showPrechat ? '' : s.greeting;
            input.placeholder = st === 'closed' ? s.newChat
                                                : s.inputPlaceholder;
            offline.hidden = !showOffline;
            if (showPrechat) {
                fillDepartments();
            }
            prechat.hidden = !showPrechat;
            form.hidden = showOffline || showPrechat;
            note.textContent = thanks ? s.thanks : '';

            subtitle.textContent = off ? '' : sub;
            avatar.hidden = st !== 'open';
            avatar.textContent = initials(conv.agent);
            endItem.disabled = st !== 'open' && st !== 'waiting';
            soundItem.textContent = ctx.sound() ? s.soundOff : s.soundOn;

            /* once per conversation: until rated, then thanks here */
            rateBox.hidden = st !== 'closed' || !conv.n
                             || (rated[conv.n] && thanked !== conv.n);
            rateAsk.textContent = thanked === conv.n ? s.rateThanks
                                                     : s.rateQuestion;
            thumbs.hidden = thanked === conv.n;
            if (thumbs.hidden) {
                comment.hidden = rateSend.hidden = true;
            }

            status.textContent = tooLong ? s.tooLong
                                 : client.status() ? s[client.status()]
                                 : '';
        }

        function resetConversation() {
            conv = { state: 'none', agent: '', offline: false, n: 0 };
            marks = { aread: null, vread: null, last: null, agent: null,
                      sent: null, at: 0, timer: 0 };
            rated = {};
            /* the outbox stays, for the new conversation */
            Array.prototype.forEach.call(log.querySelectorAll(
                '.msg,.line,.faqcard'),
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
            render();
        }

        function bubble(from, text, author) {
            var node = el('div', { 'class': 'msg ' + from });
            var body = el('div', { 'class': 'body' });
            var who = from === 'agent'
                      ? Client.displayName(author) || s.agent : s.you;

            if (from === 'agent') {
                add(node, el('span', { 'class': 'avatar',
                                       'aria-hidden': 'true' }, initials(who)));
                add(body, el('span', { 'class': 'author' }, who));

            } else {
                add(body, el('span', { 'class': 'sr-only' }, who + ':'));
            }

            add(body, el('p', { 'class': 'text', part: 'bubble ' + from },
                               text));
            add(node, body);
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

        /* stored ones by seq, then the outbox's in the order written */
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
            scroller.scrollTop = scroller.scrollHeight;
        }

        function announce(text) {
            if (client.isLive()) {
                announcer.textContent = text;
            }
        }

        /* the line an event other than a message is shown as */
        function describe(ev) {
            var name = Client.displayName(ev.name) || s.agent;

            switch (ev.kind) {
            case 'joined':
                return s.joined(name);
            case 'transferred':
                return ev.agent ? s.joined(name)
                                : s.transferred(deptName(ev.dept));
            case 'released':
                return s.released;
            case 'closed':
                return s.ended;
            case 'rated':
                /* 1 or 0, as a live_help_string "good|bad" takes it */
                return s.rated(ev.good === true ? 1 : 0);
            }
            return '';
        }

        /* who answers: the state, and the line that says it */
        function change(ev) {
            switch (ev.kind) {
            case 'opened':
                conv = { state: 'waiting', agent: '',
                         offline: ev.offline === true, n: ev.n };
                break;
            case 'joined':
            case 'transferred':
                conv.state = ev.agent ? 'open' : 'waiting';
                conv.agent = Client.displayName(ev.name) || s.agent;
                break;
            case 'released':
                conv.state = 'waiting';
                break;
            case 'closed':
                conv.state = 'closed';
                conv.n = ev.n;
                break;
            case 'rated':
                rated[ev.n] = true;
            }
            return describe(ev);
        }

        /* "Delivered" or "Read" under the last message stored of ours */
        function showMarks() {
            var mine = log.querySelectorAll('.msg.visitor');
            var i = mine.length - 1;

            while (i >= 0 && mine[i].seq === null) {
                i--;
            }
            if (i < 0) {
                markEl.remove();
                return;
            }
            markEl.textContent = marks.aread
                                 && cmpSeq(marks.aread, mine[i].seq) >= 0
                                 ? s.read : s.delivered;
            mine[i].lastChild.appendChild(markEl);
        }

        /*
         * Tell the agent what we read: the last event, once an agent's
         * message is after our mark, while the chat is on screen; one a
         * second at most.
         */
        function readSoon() {
            var wait = marks.at + READ_EVERY - Date.now();

            clearTimeout(marks.timer);
            if (panel.hidden || document.visibilityState !== 'visible'
                || !client.isLive() || !marks.agent
                || (marks.vread && cmpSeq(marks.vread, marks.agent) >= 0)
                || (marks.sent && cmpSeq(marks.sent, marks.last) >= 0))
            {
                return;
            }
            if (wait > 0) {
                marks.timer = setTimeout(readSoon, wait);
                return;
            }
            marks.at = Date.now();
            marks.sent = marks.last;
            client.request({ type: 'read', seq: marks.last });
        }

        /* the whole log, as text: it is never parsed as HTML */
        function transcript() {
            var held = client.conversation();
            var lines = [s.transcriptTitle(location.hostname), ''];

            (held ? held.events : []).forEach(function (e) {
                var ev = e.event;
                var line = describe(ev);

                if (ev.kind === 'invited') {
                    ev = { kind: 'message', from: 'agent', author: ev.name,
                           text: ev.text };
                }
                if (ev.kind === 'message' && typeof ev.text === 'string') {
                    line = (ev.from === 'agent'
                            ? Client.displayName(ev.author) || s.agent
                            : s.you) + ': ' + ev.text.replace(/\n/g, '\n    ');
                } else if (ev.kind === 'faq') {
                    line = '\u2014 ' + s.faqCard + ': ' + ev.q + '\n    '
                           + String(ev.a).replace(/\n/g, '\n    ');
                } else if (ev.kind === 'handoff') {
                    line = '\u2014 ' + (ev.via === 'email'
                                        ? s.emailSent(String(ev.email))
                                        : s.booked);
                } else if (line) {
                    line = '\u2014 ' + line + (typeof ev.comment === 'string'
                                               ? ': ' + ev.comment : '');
                }
                if (line) {
                    lines.push('[' + Client.stamp(Client.seqMs(e.seq)) + '] '
                               + line);
                }
            });
            Client.download('transcript-' + Client.stamp(Date.now())
                            .slice(0, 10) + '.txt', lines.join('\n') + '\n');
        }

        function addEvent(c, seq, ev) {
            var node;
            var line;

            if (ev.kind === 'read') {
                marks[ev.by === 'agent' ? 'aread' : 'vread'] = ev.seq;
                showMarks();
                return;
            }
            marks.last = seq;
            if (ev.kind === 'message' && ev.from === 'agent') {
                marks.agent = seq;
            }
            readSoon();

            if (ev.kind === 'faq') {
                node = byCid.get(ev.cid) || faqCard(String(ev.q),
                                                    String(ev.a || ''));
                byCid.set(ev.cid, node);
                node.seq = seq;
                place(node);
                scrollDown();
                return;
            }
            if (ev.kind === 'invited') {
                /* an agent's invitation: their first line */
                ev = { kind: 'message', from: 'agent', author: ev.name,
                       text: ev.text };
            } else if (ev.kind === 'handoff') {
                ev = { kind: 'x', line: ev.via === 'email'
                       ? s.emailSent(String(ev.email)) : s.booked };
            }
            if (ev.kind !== 'message') {
                line = ev.line || change(ev);
                render();
                if (line) {
                    node = el('p', { 'class': 'line' }, line);
                    node.seq = seq;
                    place(node);
                    announce(line);
                    scrollDown();
                }
                return;
            }
            if (typeof ev.text !== 'string') {
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
            showMarks();

            if (ev.from === 'agent') {
                if (conv.state !== 'open') {
                    /* a log of version 1 says nothing but messages */
                    conv.state = 'open';
                    conv.agent = Client.displayName(ev.author) || s.agent;
                    render();
                }
                showTyping(false);
                announce((Client.displayName(ev.author) || s.agent) + ': '
                         + ev.text);
            }
            scrollDown();
        }

        /* a message in the outbox: shown once, until its event or ack */
        function showPending(item) {
            var node = byCid.get(item.cid);

            if (!node && !item.type) {
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
                showMarks();
            }
        }

        /* a message the server will never take */
        function refused(cid) {
            var node = byCid.get(cid);

            if (node) {
                setMeta(node, s.notSent);
            }
        }

        /* an FAQ answer the shopper chose: a card, not a message */
        function faqCard(q, a) {
            var node = el('div', { 'class': 'faqcard' });

            add(node, el('p', { 'class': 'faqcard-label' }, s.faqCard),
                el('p', { 'class': 'faqcard-q' }, q),
                el('p', { 'class': 'faqcard-a' }, a));
            node.seq = null;
            return node;
        }

        function showFaq(items) {
            var ids = items.map(function (it) {
                return it.id;
            }).join(' ');

            if (ids === faqShown) {
                return;
            }
            faqShown = ids;
            faqList.textContent = '';
            items.forEach(function (it) {
                var b = el('button', { type: 'button', 'class': 'faq-item' },
                           String(it.q));

                b.addEventListener('click', function () {
                    chooseFaq(it);
                });
                add(faqList, b);
            });
            faqBox.hidden = !items.length;
            if (items.length) {
                announce(s.faqFound(items.length));
            }
        }

        /* what the box holds, asked FAQ_WAIT ms after the last change */
        function askFaq() {
            var q = input.value.trim();

            clearTimeout(faqTimer);
            if (!(known.session || {}).faq
                || (q.match(FAQ_LETTERS) || []).length < 3)
            {
                faqAsked = '';
                showFaq([]);
                return;
            }
            if (q !== faqAsked) {
                faqTimer = setTimeout(function () {
                    faqAsked = client.request({ type: 'faq', id: ++faqSeq,
                                                q: q.slice(0, 200) })
                               ? q : '';
                }, FAQ_WAIT);
            }
        }

        function chooseFaq(it) {
            var item = client.act('faq_shown', undefined, { faq: it.id });
            var node = faqCard(String(it.q), String(it.a));

            /* its event takes this card's place */
            byCid.set(item.cid, node);
            place(node);
            showFaq([]);
            scrollDown();
            input.focus();
        }

        function faqKey(ev) {
            var items = Array.prototype.slice.call(faqList.children);
            var i = items.indexOf(ev.target);

            if (ev.key === 'ArrowUp' || ev.key === 'ArrowDown') {
                ev.preventDefault();
                i += ev.key === 'ArrowUp' ? -1 : 1;
                /* down from the last one: back to the box */
                (i >= items.length ? input : items[Math.max(i, 0)]).focus();
            } else if (ev.key === 'Escape') {
                ev.stopPropagation();
                showFaq([]);
                input.focus();
            }
        }

        function submit() {
            var text = input.value;

            if (!text.trim()) {
                return;
            }
            tooLong = bytes(text) > TEXT_MAX;
            render();
            if (tooLong) {
                return;
            }

            input.value = '';
            input.style.height = '';
            client.stopTyping();
            client.send(text);
            askFaq();
            scrollDown();
        }

        /*
         * Phones: the panel fills what the keyboard leaves of the screen
         * (the visual viewport), so that the message box stays in view
         * while typing; browsers that overlay the keyboard would hide it.
         */
        function fit(off) {
            var vv = window.visualViewport;
            var phone = matchMedia('(max-width: 480px)').matches;

            if (!vv) {
                return;
            }
            vv[off ? 'removeEventListener' : 'addEventListener']('resize',
                                                                 refit);
            vv[off ? 'removeEventListener' : 'addEventListener']('scroll',
                                                                 refit);
            panel.style.top = panel.style.height = '';
            if (!off && phone) {
                refit();
            }
        }

        function refit() {
            var vv = window.visualViewport;
            var field = ctx.root.activeElement;

            if (matchMedia('(max-width: 480px)').matches) {
                panel.style.top = vv.offsetTop + 'px';
                panel.style.height = vv.height + 'px';
                if (field && field !== input && panel.contains(field)) {
                    field.scrollIntoView({ block: 'nearest' });
                } else {
                    scrollDown();
                }
            } else {
                panel.style.top = panel.style.height = '';
            }
        }

        function showTyping(on) {
            clearTimeout(typingHide);
            typingEl.textContent = on ? s.typing(conv.agent || s.agent) : '';
            if (on) {
                typingHide = setTimeout(function () {
                    typingEl.textContent = '';
                }, TYPING_SHOWN);
            }
        }

        function showMenu(on) {
            menu.hidden = !on;
            menuBtn.setAttribute('aria-expanded', String(on));
            if (on) {
                menu.firstChild.focus();
            }
        }

        function showConfirm(on) {
            confirmBox.hidden = !on;
            (on ? confirmYes : menuBtn).focus();
        }

        menuBtn.addEventListener('click', function () {
            showMenu(menu.hidden);
        });

        endItem.addEventListener('click', function () {
            showMenu(false);
            showConfirm(true);
        });

        saveItem.addEventListener('click', function () {
            showMenu(false);
            transcript();
        });

        rateBox.addEventListener('submit', function (ev) {
            ev.preventDefault();
            if (choice === null) {
                return;
            }
            client.act('rate', undefined, {
                good: choice,
                comment: comment.value.trim().slice(0, COMMENT_MAX)
                         || undefined,
                n: conv.n
            });
            thanked = conv.n;
            choice = null;
            comment.value = '';
            goodBtn.setAttribute('aria-pressed', 'false');
            badBtn.setAttribute('aria-pressed', 'false');
            render();
        });

        document.addEventListener('visibilitychange', readSoon);
        client.on('live', function () {
            /* a mark sent on a socket that went may not have been stored */
            marks.sent = marks.vread;
            readSoon();
        });

        emailItem.addEventListener('click', function () {
            showMenu(false);
            handoff.hidden = false;
            scroller.scrollTop = handoff.offsetTop;
            hEmail.focus();
        });

        soundItem.addEventListener('click', function () {
            ctx.sound(!ctx.sound());
            render();
        });

        confirmYes.addEventListener('click', function () {
            client.act('close');
            showConfirm(false);
            input.focus();
        });

        confirmNo.addEventListener('click', function () {
            showConfirm(false);
        });

        panel.addEventListener('click', function (ev) {
            if (!menu.hidden && ev.target !== menuBtn
                && !menu.contains(ev.target))
            {
                showMenu(false);
            }
        });

        /* Keyboard: Escape closes the innermost thing; phones keep Tab in */

        panel.addEventListener('keydown', function (ev) {
            var all;
            var first;
            var last;

            if (ev.key === 'Escape' && !menu.hidden) {
                ev.stopPropagation();
                showMenu(false);
                menuBtn.focus();

            } else if (ev.key === 'Escape' && !confirmBox.hidden) {
                ev.stopPropagation();
                showConfirm(false);

            } else if (ev.key === 'Tab' && matchMedia(PHONE).matches) {
                all = Array.prototype.filter.call(panel.querySelectorAll(
                    'button,input,select,textarea,[tabindex="0"]'),
                    function (n) {
                        return !n.disabled && n.getClientRects().length;
                    });
                first = all[0];
                last = all[all.length - 1];
                if (ev.shiftKey && ctx.root.activeElement === first) {
                    ev.preventDefault();
                    last.focus();
                } else if (!ev.shiftKey && ctx.root.activeElement === last) {
                    ev.preventDefault();
                    first.focus();
                }
            }
        });

        client.on('status', render);
        client.on('presence', render);
        client.on('session', render);
        client.on('reset', resetConversation);
        client.on('event', addEvent);
        client.on('pending', showPending);
        client.on('ack', acked);
        client.on('refused', refused);
        client.on('faq', function (msg) {
            if (msg.id === faqSeq && input.value.trim()) {
                showFaq(Array.isArray(msg.items) ? msg.items.slice(0, 3)
                                                 : []);
            }
        });
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
            } else if (ev.key === 'ArrowUp' && !faqBox.hidden
                       && input.value.lastIndexOf('\n',
                                                  input.selectionStart - 1)
                          < 0)
            {
                /* from the first line up into the suggestions */
                ev.preventDefault();
                faqList.lastChild.focus();
            }
        });

        faqList.addEventListener('keydown', faqKey);

        input.addEventListener('input', function () {
            /* grow with the text, up to the CSS max-height */
            input.style.height = '';
            input.style.height = input.scrollHeight + 2 + 'px';
            if (tooLong) {
                tooLong = false;
                render();
            }
            if (input.value) {
                client.typing();
            } else {
                client.stopTyping();
            }
            askFaq();
        });

        add(heading, titleEl, subtitle);
        add(menu, saveItem, emailItem);
        if (ctx.booking) {
            add(menu, bookLink());
            menu.lastChild.setAttribute('role', 'menuitem');
        }
        add(menu, soundItem, endItem);
        add(thumbs, goodBtn, badBtn);
        add(rateBox, rateAsk, thumbs, comment, rateSend);
        add(header, avatar, heading, menuBtn, closeBtn, menu);
        add(log, empty);
        add(scroller, log, rateBox, offline, prechat, handoff, note);
        add(confirmBox, el('p', { id: pid + '-confirm' }, s.endConfirm),
            confirmYes, confirmNo);
        add(form, el('label', { 'for': input.id, 'class': 'sr-only' },
                     s.inputLabel), input, send);
        add(faqBox, el('p', { id: pid + '-faq', 'class': 'faq-title' },
                       s.faqTitle), faqList);
        add(panel, header, status, scroller, typingEl, confirmBox, faqBox,
            form, announcer);
        ctx.root.appendChild(panel);

        /* what the client holds already, then what is still unsent */
        var held = client.conversation();

        if (held) {
            held.events.forEach(function (e) {
                addEvent(held, e.seq, e.event);
            });
        }
        client.outbox().forEach(showPending);
        render();

        return {
            show: function () {
                var node;

                if (known.invite) {
                    /* after what is there now, before what comes */
                    node = bubble('agent', known.invite, ctx.title);
                    node.seq = marks.last || '0-0';
                    known.invite = null;
                    place(node);
                }
                panel.hidden = false;
                fit();
                scrollDown();
                readSoon();
            },
            hide: function () {
                fit(true);
                panel.hidden = true;
                showMenu(false);
            },
            focus: function () {
                var f = [offline, prechat].filter(function (x) {
                    return !x.hidden;
                })[0];

                (f ? f.querySelector('input,textarea') : input).focus();
            }
        };
    }

    api.defineChat(createChat);
})();
