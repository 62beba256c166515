/*
 * Live Help agent panel: the conversation list (Mine, Queue, All open,
 * Closed, Visitors now), the open conversation with who answers it, and
 * the visitor card; presence, notifications and keyboard use.
 *
 * client.js (the widget's, loaded before this file) speaks the agents'
 * side of the chat protocol (docs/PROTOCOL.md) on "ws" next to this page,
 * i.e. <endpoint>/agent/ws: replies, claims, closes and transfers wait in
 * an outbox (localStorage) until acknowledged or refused, conversations
 * are read and caught up by history, and every event comes once, by seq.
 * This page draws what it is told and hands it what the agent does.
 * nginx decides who the agent is (auth_basic, auth_request or the module's
 * own sign-in on this location). Every text from a visitor or another
 * agent is set with textContent.
 *
 * Who answers a conversation is worked out here from its events (opened,
 * joined, transferred, released, closed), starting from the state the
 * list gave with the seq it was read at, so that a late history answer
 * never turns a conversation back.
 */
(function () {
    'use strict';

    var S = globalThis.LiveHelpPanelStrings;
    var V = globalThis.LiveHelpView;
    var Client = globalThis.LiveHelpClient;
    var el = V.el;
    var append = V.append;
    var str = V.str;
    var cmpSeq = Client.cmpSeq;
    var seqMs = Client.seqMs;

    var OUTBOX_KEY = 'liveHelp.agentOutbox';
    var READ_KEY = 'liveHelp.agentRead';
    var AWAY_KEY = 'liveHelp.agentAway';
    var SERVE_KEY = 'liveHelp.agentServes';
    var TAB_KEY = 'liveHelp.agentTab';

    var TYPING_SHOWN = 5000;
    var TEXT_MAX = 4000;
    var TICK_MS = 15000;            /* "4 min" and "on site" move on */
    var SIGNED_OUT = 4001;          /* close codes: the sign-in ended */
    var REAUTH = 4002;              /* the socket's lifetime passed */
    var RELIST_MS = 300;            /* a new visitor: ask for names */
    var PRELOAD = 20;               /* queued logs read at once */

    var $ = function (id) {
        return document.getElementById(id);
    };

    var layout = $('layout');
    var statusEl = $('status');
    var tabsEl = $('tabs');
    var listEl = $('convs');
    var emptyEl = $('no-convs');
    var visitorsEl = $('visitors');
    var visitorsTotal = $('visitors-total');
    var chatTitle = $('chat-title');
    var chatState = $('chat-state');
    var noticeEl = $('notice');
    var logEl = $('log');
    var typingEl = $('typing');
    var form = $('reply');
    var input = $('reply-text');
    var claimBtn = $('claim');
    var transferBtn = $('transfer');
    var menu = $('transfer-menu');
    var closeBtn = $('close');
    var infoBtn = $('info');
    var confirmDlg = $('confirm');
    var presenceBtn = $('presence');
    var moreWrap = $('more-wrap');
    var moreBtn = $('more');

    var wsUrl = new URL('ws', location.href);

    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    wsUrl.search = '';
    wsUrl.hash = '';

    var signedOut = false;          /* nginx or the login said no */

    /*
     * The panel's sockets, as client.js opens them, with an ear for why
     * the server closed one: at the end of its lifetime (4002) or of the
     * sign-in (4001) the page itself is asked again, through nginx's auth
     * or the login. Still ours: reconnect at once. Refused (401, 403, or
     * a redirect to the login): say so, and open no more sockets.
     */
    function PanelSocket(url) {
        var sock;

        if (signedOut) {
            throw new Error('signed out');
        }
        sock = new WebSocket(url);
        sock.addEventListener('close', function (ev) {
            if (ev.code === REAUTH || ev.code === SIGNED_OUT) {
                recheck();
            }
        });
        return sock;
    }

    function recheck() {
        fetch(location.href, { cache: 'no-store',
                               redirect: 'manual' }).then(function (res) {
            if (res.ok) {
                client.reconnectNow();
            } else if (res.type === 'opaqueredirect' || res.status === 401
                       || res.status === 403)
            {
                signedOut = true;
                refreshStatus();
            }
            /* anything else: the client keeps trying */
        }, function () {
            /* offline: the client keeps trying */
        });
    }

    var client = Client.create({
        WebSocket: PanelSocket,
        /* away across reloads, said in the hello: no chat is given
           between a hello and a later "away" */
        hello: function () {
            var h = away ? { away: true } : {};

            if (serving) {
                h.departments = [serving];
            }
            return h;
        },
        role: 'agent',
        url: wsUrl.href,
        outboxKey: OUTBOX_KEY
    });

    var notify = globalThis.LiveHelpNotify.create();

    var me = { agent: null, name: '', max: 0, departments: [] };
    var M = globalThis.LiveHelpMarks({
        client: client, me: me, S: S, nameOf: nameOf, mine: mine,
        line: systemText,
        current: function () {
            return current;
        }
    });
    var agents = [];                /* online, as the server last said */
    var convs = new Map();          /* conversation id -> its row */
    var current = null;             /* the open conversation */
    var tab = Client.load(TAB_KEY, 'mine');
    var read = Client.load(READ_KEY, {});  /* conversation -> seq read */
    var away = Client.load(AWAY_KEY, false) === true;
    /* the one department whose chats I am given; '' for all of them */
    var serving = str(Client.load(SERVE_KEY, ''));
    var startedAt = Date.now();
    var drawQueued = false;
    var relistTimer = 0;
    var outboxCids = new Set();     /* actions on their way */
    /* each list as the server has it: total, and where its next page
       starts (0: the panel has it all) */
    var pages = {};
    var paging = '';                /* the list whose next page comes */

    var visitors = globalThis.LiveHelpVisitors.create({
        card: $('card-body'),
        list: visitorsEl,
        total: visitorsTotal,
        empty: emptyEl,
        request: function (obj) {
            return client.request(obj);
        },
        open: openVisitor,
        conversation: function (id) {
            return convs.get(id) || null;
        },
        jump: jump,
        invite: function (id, text) {
            return client.act('invite', id, { visitor: id, text: text }).cid;
        },
        onCount: function () {
            schedule();
        }
    });

    /* Conversations */

    function conv(id) {
        var c = convs.get(id);

        if (c) {
            return c;
        }
        c = {
            id: id,
            data: client.conversation(id),  /* null until it has one */
            name: '',
            state: 'none',
            n: 0,
            dept: '',
            owner: '',
            oname: '',
            since: 0,
            stateSeq: null,         /* the event the state is as of */
            listedSeq: null,        /* the last event when listed */
            preview: '',
            previewSeq: null,
            typing: false,
            typingWho: '',
            typingTimer: 0,
            notice: '',
            row: null
        };
        convs.set(id, c);
        return c;
    }

    function nameOf(c) {
        var v = visitors.get(c.id);

        return str(v && v.name) || c.name || S.visitorFallback(c.id);
    }

    function deptName(id) {
        var d = me.departments.filter(function (x) {
            return x.id === id;
        })[0];

        return d ? str(d.name) || id : str(id);
    }

    function mine(c) {
        return c.state === 'open' && c.owner === me.agent;
    }

    function myOpenCount() {
        var n = 0;

        convs.forEach(function (c) {
            if (mine(c)) {
                n++;
            }
        });
        return n;
    }

    function room() {
        return !away && (!me.max || myOpenCount() < me.max);
    }

    /* the list's item: the state as of its seq */
    function listed(items, msg) {
        var preload = 0;

        items.forEach(function (item) {
            var c;

            if (typeof item.conversation !== 'string') {
                return;
            }
            c = conv(item.conversation);
            c.name = str(item.visitor) || c.name;
            if (!c.stateSeq || !item.seq || cmpSeq(item.seq,
                                                   c.stateSeq) >= 0)
            {
                c.state = str(item.state) || 'none';
                c.n = Number(item.n) || c.n;
                c.dept = str(item.dept);
                c.owner = str(item.owner);
                c.oname = str(item.oname);
                c.since = Number(item.since) || c.since;
                c.stateSeq = item.seq || c.stateSeq;
            }
            if (item.seq) {
                c.listedSeq = item.seq;
            }
            M.listed(c, item);
            if (item.last && item.last.kind === 'message'
                && (!c.previewSeq || cmpSeq(item.seq, c.previewSeq) > 0))
            {
                setPreview(c, item.last, item.seq);
            }
            /* read what needs this agent, for its unread count */
            if (mine(c) || (c.state === 'waiting' && preload++ < PRELOAD)) {
                c.data = client.open(c.id);
            }
        });
        if (Array.isArray(msg.agents)) {
            agents = msg.agents;
        }
        if (typeof msg.list === 'string') {
            paged(msg.list, msg, false);
        } else if (msg.lists && typeof msg.lists === 'object') {
            Object.keys(TABS).forEach(function (k) {
                if (msg.lists[k]) {
                    paged(k, msg.lists[k], true);
                }
            });
        }
        client.request({ type: 'visitors' });
        if (current) {
            visitors.select(current.id);
        }
        schedule();
        drawHead();
    }

    /* a list's page came; the first page (again) keeps the later pages
       already read, unless the list now ends within it */
    function paged(list, l, first) {
        var next = Number(l.next) || 0;
        var had = pages[list] ? pages[list].next : 0;

        if (list === paging) {
            paging = '';
        }
        pages[list] = { total: Number(l.total) || 0,
                        next: first && next && had > next ? had : next };
    }

    function loadMore() {
        var p = pages[tab];

        if (p && p.next && !paging
            && client.request({ type: 'conversations', list: tab,
                                offset: p.next }))
        {
            paging = tab;
            schedule();
        }
    }

    /* the visitor was erased: their conversation and card go */
    function erased(msg) {
        var c = convs.get(msg.conversation);

        if (!c) {
            visitors.erased(msg.conversation);
            return;
        }
        if (c.row) {
            c.row.li.remove();
        }
        convs.delete(c.id);
        visitors.erased(c.id);
        if (current === c) {
            current = null;
            logEl.textContent = '';
            layout.dataset.view = 'list';
            drawHead();
        }
        schedule();
    }

    function setPreview(c, ev, seq) {
        c.preview = (ev.from === 'agent' ? Client.displayName(ev.author)
                                           + ': ' : '') + str(ev.text);
        c.previewSeq = seq;
    }

    /* a new visitor's name comes with the list */
    function relist() {
        if (!relistTimer) {
            relistTimer = setTimeout(function () {
                relistTimer = 0;
                client.request({ type: 'conversations' });
            }, RELIST_MS);
        }
    }

    /* Events */

    function isNews(c, seq) {
        return seqMs(seq) > startedAt
               && (!c.listedSeq || cmpSeq(seq, c.listedSeq) > 0);
    }

    /* who answers, from one event newer than the state held */
    function applyState(c, seq, ev) {
        var wasMine = mine(c);
        var wasWaiting = c.state === 'waiting';

        switch (ev.kind) {
        case 'opened':
            c.state = 'waiting';
            c.n = Number(ev.n) || c.n + 1;
            c.dept = str(ev.dept);
            c.owner = c.oname = '';
            break;
        case 'joined':
            c.state = 'open';
            c.owner = str(ev.agent);
            c.oname = str(ev.name);
            break;
        case 'transferred':
            if (ev.agent) {
                c.state = 'open';
                c.owner = str(ev.agent);
                c.oname = str(ev.name);
            } else {
                c.state = 'waiting';
                c.dept = str(ev.dept);
                c.owner = c.oname = '';
            }
            break;
        case 'released':
            c.state = 'waiting';
            c.owner = c.oname = '';
            break;
        case 'closed':
            c.state = 'closed';
            break;
        default:
            return;
        }
        c.since = seqMs(seq);
        c.stateSeq = seq;
        if (!(c.state === 'open' && c.owner !== me.agent)) {
            /* "Jonas took it first" stays while Jonas answers */
            c.notice = '';
        }

        if (!isNews(c, seq)) {
            return;
        }
        if (mine(c) && !wasMine && ev.by !== 'claim' && ev.by !== 'reply') {
            notify.tell(S.newChat(nameOf(c)), c.id, function () {
                open(c);
            });
        } else if (c.state === 'waiting' && !wasWaiting && room()) {
            notify.tell(S.newChat(nameOf(c)), c.id, function () {
                open(c);
            });
        }
    }

    /* an event the client has not given before; at: its place in data */
    function addEvent(data, seq, ev) {
        var fresh = !convs.has(data.id);
        var c = conv(data.id);

        c.data = data;
        if (fresh && !c.name) {
            relist();
        }
        M.event(c, seq, ev);
        if (ev.kind !== 'message') {
            if (!c.stateSeq || cmpSeq(seq, c.stateSeq) > 0) {
                applyState(c, seq, ev);
                if (c === current) {
                    drawHead();
                }
            }
        } else if (typeof ev.text === 'string') {
            if (!c.previewSeq || cmpSeq(seq, c.previewSeq) >= 0) {
                setPreview(c, ev, seq);
            }
            if (ev.from === 'visitor') {
                c.typing = false;
                if (mine(c) && isNews(c, seq)
                    && (c !== current || document.hidden))
                {
                    notify.tell(S.newMessage(nameOf(c)) + ': ' + ev.text,
                                c.id, function () {
                        open(c);
                    });
                }
            }
        }

        if (c === current) {
            render(seq, ev);
            if (!document.hidden) {
                markRead(c);
            }
            showTyping();
            updateEmpty();
            scrollDown();
            visitors.refresh();
            M.seen(c);
        }
        schedule();
    }

    /* visitor messages of the conversation going on, after the one read */
    function unread(c) {
        var mark = read[c.id];
        var events = c.data ? c.data.events : [];
        var n = 0;
        var i;

        if (c === current && !document.hidden) {
            return 0;
        }
        for (i = events.length - 1; i >= 0; i--) {
            if (events[i].event.kind === 'opened'
                || (mark && cmpSeq(events[i].seq, mark) <= 0))
            {
                break;
            }
            if (events[i].event.kind === 'message'
                && events[i].event.from === 'visitor')
            {
                n++;
            }
        }
        return n;
    }

    function markRead(c) {
        var last = c.data && c.data.lastSeq;

        if (last && (!read[c.id] || cmpSeq(last, read[c.id]) > 0)) {
            read[c.id] = last;
            Client.save(READ_KEY, read);
        }
    }

    /* The list */

    var TABS = {
        mine: function (c) {
            return mine(c);
        },
        queue: function (c) {
            return c.state === 'waiting';
        },
        open: function (c) {
            return c.state === 'open' || c.state === 'waiting';
        },
        closed: function (c) {
            return c.state === 'closed';
        }
    };

    function order(list) {
        if (tab === 'queue') {
            return list.sort(function (a, b) {
                return a.since - b.since;
            });
        }
        return list.sort(function (a, b) {
            return tab === 'closed' ? b.since - a.since
                                    : active(b) - active(a);
        });
    }

    function active(c) {
        return Math.max(c.data ? c.data.active : 0, c.since);
    }

    function schedule() {
        if (!drawQueued) {
            drawQueued = true;
            Promise.resolve().then(function () {
                drawQueued = false;
                drawList();
            });
        }
    }

    function rowOf(c) {
        var r = c.row;

        if (r) {
            return r;
        }
        r = c.row = { li: el('li'), button: el('button', 'conv') };
        r.button.type = 'button';
        r.button.dataset.id = c.id;
        r.avatar = el('span', 'avatar');
        r.avatar.setAttribute('aria-hidden', 'true');
        r.main = el('span', 'row-main');
        r.top = el('span', 'row-top');
        r.name = el('span', 'name');
        r.time = el('span', 'time');
        r.bottom = el('span', 'row-bottom');
        r.preview = el('span', 'preview');
        r.badges = el('span', 'row-badges');
        r.dept = el('span', 'badge dept');
        r.state = el('span', 'badge');
        r.count = el('span', 'unread-count');
        r.countText = el('span', 'sr-only');
        append(r.top, r.name, r.time);
        append(r.badges, r.dept, r.state, r.count, r.countText);
        append(r.bottom, r.preview, r.badges);
        append(r.main, r.top, r.bottom);
        append(r.button, r.avatar, r.main);
        r.button.addEventListener('click', function (ev) {
            /* a click goes to the reply box; Enter stays on the list */
            open(c, ev.detail > 0);
        });
        r.li.appendChild(r.button);
        return r;
    }

    function setText(node, text) {
        if (node.textContent !== text) {
            node.textContent = text;
        }
    }

    function drawRow(c) {
        var r = rowOf(c);
        var name = nameOf(c);
        var n = unread(c);
        var stateText = c.state === 'open'
            ? (mine(c) ? S.youOwn : c.oname || S.open)
            : S[c.state] || '';

        setText(r.avatar, V.initials(name));
        setText(r.name, name);
        setText(r.time, c.state === 'waiting' ? V.since(c.since)
                        : active(c) ? V.when(active(c)) : '');
        setText(r.preview, c.typing ? S.typingShort : c.preview);
        r.preview.classList.toggle('is-typing', c.typing);
        setText(r.dept, c.dept ? deptName(c.dept) : '');
        r.dept.hidden = !c.dept;
        setText(r.state, stateText);
        r.state.className = 'badge state-' + c.state;
        r.state.hidden = tab === 'mine' || !stateText;
        setText(r.count, n ? String(n) : '');
        r.count.hidden = !n;
        r.count.setAttribute('aria-hidden', 'true');
        setText(r.countText, n ? S.unread(n) : '');
        r.button.classList.toggle('unread', n > 0);
        M.row(c, r);
        if (c === current) {
            r.button.setAttribute('aria-current', 'true');
        } else {
            r.button.removeAttribute('aria-current');
        }
        return r;
    }

    function drawList() {
        var all = Array.from(convs.values());
        var counts = {};
        var need = 0;
        var shown = tab === 'visitors' ? [] : order(all.filter(TABS[tab]));
        var keep = new Set();

        Object.keys(TABS).forEach(function (k) {
            counts[k] = all.filter(TABS[k]).length;
        });
        /* more wait than were sent */
        ['mine', 'queue'].forEach(function (k) {
            counts[k] = Math.max(counts[k], pages[k] ? pages[k].total : 0);
        });
        counts.open = Math.max(counts.open, counts.queue
                               + (pages.open ? pages.open.total : 0));
        counts.visitors = visitors.count();

        shown.forEach(function (c, i) {
            var r = drawRow(c);

            keep.add(r.li);
            if (listEl.children[i] !== r.li) {
                listEl.insertBefore(r.li, listEl.children[i] || null);
            }
        });
        Array.from(listEl.children).forEach(function (li) {
            if (!keep.has(li)) {
                li.remove();
            }
        });

        tabsEl.querySelectorAll('[role=tab]').forEach(function (t) {
            var k = t.dataset.tab;
            var count = t.querySelector('.count');
            var on = k === tab;

            t.setAttribute('aria-selected', on ? 'true' : 'false');
            t.tabIndex = on ? 0 : -1;
            /* the closed ever grow: no count */
            setText(count, counts[k] && k !== 'closed' ? String(counts[k])
                                                       : '');
            count.hidden = !count.textContent;
        });
        $('list-panel').setAttribute('aria-labelledby', 'tab-' + tab);

        listEl.hidden = tab === 'visitors';
        drawMore();
        visitorsEl.hidden = visitorsTotal.hidden = tab !== 'visitors';
        emptyEl.hidden = tab === 'visitors' ? visitors.count() > 0
                                            : shown.length > 0;
        setText(emptyEl, S['empty' + tab.charAt(0).toUpperCase()
                           + tab.slice(1)]);

        all.forEach(function (c) {
            if (mine(c)) {
                need += unread(c);
            }
        });
        if (room()) {
            need += counts.queue;
        }
        notify.title(need);
        drawMe();
    }

    /* "Load more" below a list the panel does not have whole */
    function drawMore() {
        var p = tab !== 'visitors' && pages[tab];

        moreWrap.hidden = !(p && p.next);
        if (!moreWrap.hidden) {
            setText(moreBtn, paging === tab ? S.loading
                                            : S.loadMore(p.next, p.total));
            moreBtn.disabled = paging === tab;
        }
    }

    function selectTab(k, focus) {
        if (!TABS[k] && k !== 'visitors') {
            return;
        }
        tab = k;
        Client.save(TAB_KEY, k);
        if (k === 'visitors') {
            client.request({ type: 'visitors' });
            visitors.redrawList();
        }
        drawList();
        if (focus) {
            layout.dataset.view = 'list';
            $('tab-' + k).focus();
        }
    }

    /* The header */

    function drawMe() {
        setText($('me-name'), me.name);
        setText($('me-avatar'), me.name ? V.initials(me.name) : '');
        setText($('presence-text'), away ? S.away : S.online);
        presenceBtn.setAttribute('aria-checked', away ? 'false' : 'true');
        presenceBtn.classList.toggle('is-away', away);
        setText($('load'), me.max ? S.load(myOpenCount(), me.max) : '');
    }

    /* "Chats from: All departments / Sales / ..." when there are any */
    function drawServe() {
        var sel = $('serve');
        var known = me.departments.some(function (d) {
            return str(d.id) === serving;
        });

        sel.textContent = '';
        /* its visible label is hidden on a phone */
        sel.setAttribute('aria-label', S.chatsFrom);
        sel.appendChild(new Option(S.allDepartments, ''));
        me.departments.forEach(function (d) {
            sel.appendChild(new Option(str(d.name) || str(d.id), str(d.id)));
        });
        if (serving && !known) {
            /* the department is gone from the configuration */
            serving = '';
            Client.save(SERVE_KEY, null);
            client.request({ type: 'serve', departments: [] });
        }
        sel.value = serving;
        $('serve-box').hidden = me.departments.length === 0;
    }

    function refreshStatus() {
        var s = client.status();
        var again;

        if (signedOut) {
            if (!statusEl.querySelector('a')) {
                /* the page again: nginx's auth or the login asks */
                again = el('a', '', S.signInAgain);
                again.href = location.href;
                statusEl.textContent = S.signedOut + ' ';
                statusEl.appendChild(again);
            }
            statusEl.classList.add('is-down');
            layout.dataset.live = 'false';
            return;
        }
        setText(statusEl, s ? S[s] : '');
        statusEl.classList.toggle('is-down', s === 'reconnecting'
                                             || s === 'unavailable');
        /* for tests and styles: the panel has its list and is live */
        layout.dataset.live = client.isLive() ? 'true' : 'false';
    }

    /* The open conversation */

    function open(c, focusReply) {
        var prev = current;

        closeMenu(false);
        if (prev !== c) {
            stopTyping();
            current = c;
            c.notice = '';
            logEl.textContent = '';
            c.data = client.open(c.id);
            c.data.events.forEach(function (e) {
                render(e.seq, e.event);
            });
            client.outbox().forEach(function (item) {
                if (item.conversation === c.id && !item.type) {
                    showPending(item);
                }
            });
            input.value = '';
            busy();
            updateEmpty();
            showTyping();
            scrollDown();
            visitors.select(c.id);
        }
        markRead(c);
        drawHead();
        M.seen(c);
        schedule();
        layout.dataset.view = 'chat';
        if (focusReply && !input.disabled) {
            input.focus();
        }
    }

    function openVisitor(id) {
        open(conv(id), true);
    }

    /* title, who answers, the buttons and the composer */
    function drawHead() {
        var c = current;
        var waiting = c && c.state === 'waiting';
        var own = c && mine(c);
        var other = c && c.state === 'open' && !own;
        var note = '';
        var stateText = '';

        form.hidden = !c;
        infoBtn.hidden = !c;
        if (!c) {
            return;
        }
        setText(chatTitle, nameOf(c));
        if (waiting) {
            stateText = S.waitingFor(V.since(c.since), c.dept
                                     ? deptName(c.dept) : '');
        } else if (own) {
            stateText = S.youAnswer;
        } else if (other) {
            stateText = S.answering(c.oname || S.visitor);
        } else if (c.state === 'closed') {
            stateText = S.closed;
        }
        setText(chatState, stateText);

        claimBtn.hidden = !waiting;
        transferBtn.hidden = closeBtn.hidden = !(own || waiting);
        if (other) {
            note = S.answering(c.oname || S.visitor);
        } else if (c.state === 'closed') {
            note = S.closedNote;
        } else if (c.state === 'none' && !(c.data && c.data.events.length)) {
            note = S.notWritten;
        }
        setText(noticeEl, c.notice || note);
        noticeEl.classList.toggle('is-refused', !!c.notice);

        input.disabled = !!other || c.state === 'closed'
                         || c.state === 'none';
        form.querySelector('button').disabled = input.disabled;
        form.classList.toggle('is-disabled', input.disabled);
        M.head(c);
    }

    function busy() {
        if (current.data.loading && !current.data.events.length) {
            logEl.setAttribute('aria-busy', 'true');
        } else {
            logEl.removeAttribute('aria-busy');
        }
    }

    /* a history request went, or the log is read: Loading, or not */
    function historyChanged(data) {
        if (current && current.id === data.id) {
            busy();
            if (!data.loading) {
                updateEmpty();
                drawHead();
                visitors.refresh();
            }
        }
        schedule();
    }

    /* Rendering the log */

    function who(ev) {
        if (ev.from !== 'agent') {
            return current ? nameOf(current) : S.visitor;
        }
        return ev.agent === me.agent ? S.you
                                     : Client.displayName(ev.author) || S.you;
    }

    function systemText(ev) {
        var by = str(ev.from_name) || str(ev.name);

        switch (ev.kind) {
        case 'opened':
            return ev.offline ? S.startedOffline(Number(ev.n) || 1)
                              : S.started(Number(ev.n) || 1,
                                          ev.dept ? deptName(ev.dept) : '');
        case 'joined':
            return S.joined(str(ev.name) || S.you);
        case 'transferred':
            return S.transferredTo(ev.agent ? str(ev.name)
                                            : deptName(ev.dept),
                                   str(ev.from_name) || by);
        case 'released':
            return S.released(str(ev.name));
        case 'closed':
            return ev.by === 'visitor' ? S.closedByVisitor
                                       : S.closedBy(str(ev.name) || S.you);
        case 'faq':
            return S.faqShown(str(ev.q));
        case 'invited':
            return S.invitedBy(str(ev.name) || S.you, str(ev.text));
        case 'handoff':
            return ev.via === 'email' ? S.handoffEmail(str(ev.email),
                                                       str(ev.text))
                                      : S.handoffBooking;
        }
        return M.line(ev);
    }

    function messageNode(from) {
        var node = el('div', 'msg ' + (from === 'agent' ? 'agent'
                                                        : 'visitor'));

        node.appendChild(el('span', 'who'));
        node.appendChild(el('p', 'text'));
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
        var node;
        var text;

        if (ev.kind !== 'message') {
            text = systemText(ev);
            if (!text) {
                return;
            }
            node = el('p', 'sys', text);
            node.seq = seq;
            node.dataset.seq = seq;
            node.tabIndex = -1;
            if (ev.kind === 'opened') {
                node.classList.add('sys-start');
                node.appendChild(el('span', 'sys-at',
                                    ' \u00b7 ' + V.when(seqMs(seq))));
            }
            place(node);
            return;
        }
        if (typeof ev.text !== 'string') {
            return;
        }
        node = ev.cid ? byCid(ev.cid) : null;
        if (node && node.seq !== null && node.seq !== seq) {
            node = null;
        }
        if (!node) {
            node = messageNode(ev.from);
            node.cid = ev.cid;
        }
        node.seq = seq;
        node.classList.remove('pending', 'failed');
        node.children[0].textContent = who(ev);
        node.children[1].textContent = ev.text;
        node.children[2].textContent = V.clock(seqMs(seq))
            + (ev.from === 'agent' && ev.agent === me.agent
               ? ' \u00b7 ' + S.sent : '');
        M.node(node, ev);
        place(node);
    }

    function place(node) {
        var ref = null;
        var n = logEl.lastElementChild;

        if (node.seq !== null) {
            /* after every stored event before it; the "Loading" and
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
        var text = current && current.data.loaded ? S.noMessages : S.loading;

        if (logEl.querySelector('.msg, .sys')) {
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

    /* the card's past conversations: scroll to where one began */
    function jump(seq) {
        var node = logEl.querySelector('[data-seq="' + CSS.escape(seq)
                                       + '"]');

        if (node) {
            layout.dataset.view = 'chat';
            node.scrollIntoView({ block: 'start' });
            node.focus();
        }
    }

    /* Typing, both ways */

    function typing(id, ev) {
        var c = convs.get(id);

        if (!c || (ev.from === 'agent' && ev.agent === me.agent)) {
            return;
        }
        clearTimeout(c.typingTimer);
        c.typing = ev.on === true;
        c.typingWho = ev.from === 'agent' ? Client.displayName(ev.author)
                                          : '';
        if (c.typing) {
            c.typingTimer = setTimeout(function () {
                c.typing = false;
                showTyping();
                schedule();
            }, TYPING_SHOWN);
        }
        showTyping();
        schedule();
    }

    function showTyping() {
        var c = current;

        setText(typingEl, c && c.typing ? (c.typingWho
                                           ? S.agentTyping(c.typingWho)
                                           : S.typing) : '');
    }

    function stopTyping() {
        client.stopTyping();
    }

    /* Sending and acting */

    /* a reply in the outbox: shown once, until its event or ack */
    function showPending(item) {
        var node = byCid(item.cid);

        if (!node) {
            node = messageNode('agent');
            node.cid = item.cid;
            node.classList.add('pending');
            node.children[0].textContent = S.you;
            node.children[1].textContent = item.text;
            node.children[2].textContent = S.sending;
            place(node);
        }
    }

    function acked(cid, seq) {
        var node = byCid(cid);

        outboxCids.delete(cid);
        if (node && node.seq === null && typeof seq === 'string') {
            node.seq = seq;
            node.classList.remove('pending');
            node.children[2].textContent = V.clock(seqMs(seq)) + ' \u00b7 '
                                           + S.sent;
            place(node);
        }
        drawActions();
    }

    function refusalText(code, msg) {
        switch (code) {
        case 'owned':
            return S.refusedOwned(str(msg && msg.name));
        case 'closed':
            return S.refusedClosed;
        case 'yours':
            return S.refusedYours;
        case 'same':
            return S.refusedSame;
        case 'offline':
            return S.refusedOffline;
        }
        return S.refusedOther;
    }

    /* a reply or an action the server will never take, and why */
    function refused(cid, code, msg) {
        var node = byCid(cid);
        var c = msg && convs.get(msg.conversation);

        if (visitors.answered(cid, code)) {
            return;
        }
        outboxCids.delete(cid);
        if (node) {
            node.classList.remove('pending');
            node.classList.add('failed');
            node.children[2].textContent = S.notSent;
        }
        if (c) {
            c.notice = refusalText(code, msg);
            if (msg.owner && code === 'owned' && c.state !== 'closed') {
                c.state = 'open';
                c.owner = str(msg.owner);
                c.oname = str(msg.name);
            }
            if (c === current) {
                drawHead();
            }
            schedule();
        }
        drawActions();
    }

    function act(type, fields) {
        var item;

        if (!current) {
            return;
        }
        current.notice = '';
        item = client.act(type, current.id, fields);
        outboxCids.add(item.cid);
        drawHead();
        drawActions();
    }

    /* while an action waits for its answer, none other goes */
    function drawActions() {
        var busyNow = outboxCids.size > 0;

        claimBtn.disabled = transferBtn.disabled = closeBtn.disabled = busyNow;
    }

    function claim() {
        if (current && current.state === 'waiting' && !claimBtn.disabled) {
            act('claim');
        }
    }

    function askClose() {
        if (!current || closeBtn.hidden || closeBtn.disabled) {
            return;
        }
        confirmDlg.returnValue = '';
        confirmDlg.showModal();
    }

    confirmDlg.addEventListener('close', function () {
        if (confirmDlg.returnValue === 'close') {
            act('close');
        }
        if (!closeBtn.hidden) {
            closeBtn.focus();
        } else {
            logEl.focus();
        }
    });

    function submit() {
        var text = input.value;

        if (!current || !text.trim() || input.disabled) {
            return;
        }
        if (new TextEncoder().encode(text).length > TEXT_MAX) {
            current.notice = S.tooLong;
            drawHead();
            return;
        }
        current.notice = '';
        input.value = '';
        stopTyping();
        client.send(text, current.id);
        drawHead();
        updateEmpty();
        scrollDown();
    }

    function typed() {
        if (!current || !input.value) {
            stopTyping();
            return;
        }
        client.typing(current.id);
    }

    /* The transfer menu */

    function menuItem(text, onpick, disabled) {
        var b = el('button', 'menu-item', text);

        b.type = 'button';
        b.setAttribute('role', 'menuitem');
        b.tabIndex = -1;
        if (disabled) {
            b.setAttribute('aria-disabled', 'true');
        } else {
            b.addEventListener('click', function () {
                closeMenu(true);
                onpick();
            });
        }
        return b;
    }

    function drawMenu() {
        var others = agents.filter(function (a) {
            return a.agent !== me.agent;
        }).sort(function (a, b) {
            return (a.chats / (a.max || 1)) - (b.chats / (b.max || 1));
        });
        var focused = menu.contains(document.activeElement)
                      ? Array.from(menu.querySelectorAll('[role=menuitem]'))
                          .indexOf(document.activeElement) : 0;

        menu.textContent = '';
        menu.appendChild(el('p', 'menu-label', S.transferAgents))
            .setAttribute('role', 'presentation');
        if (!others.length) {
            menu.appendChild(menuItem(S.transferNobody, null, true));
        }
        others.forEach(function (a) {
            menu.appendChild(menuItem(S.agentLoad(str(a.name), a.chats,
                                                  a.max, a.status === 'away'),
                                      function () {
                act('transfer', { agent: a.agent });
            }));
        });
        if (me.departments.length) {
            menu.appendChild(el('p', 'menu-label', S.transferDepts))
                .setAttribute('role', 'presentation');
            me.departments.forEach(function (d) {
                menu.appendChild(menuItem(str(d.name) || str(d.id),
                                          function () {
                    act('transfer', { department: d.id });
                }));
            });
        }
        if (!menu.hidden) {
            focusMenuItem(Math.max(0, focused));
        }
    }

    function focusMenuItem(i) {
        var items = menu.querySelectorAll('[role=menuitem]');

        if (items.length) {
            items[(i + items.length) % items.length].focus();
        }
    }

    function openMenu() {
        client.request({ type: 'agents' });
        menu.hidden = false;
        transferBtn.setAttribute('aria-expanded', 'true');
        drawMenu();
    }

    function closeMenu(focusButton) {
        if (menu.hidden) {
            return;
        }
        menu.hidden = true;
        transferBtn.setAttribute('aria-expanded', 'false');
        if (focusButton) {
            transferBtn.focus();
        }
    }

    transferBtn.addEventListener('click', function () {
        if (menu.hidden) {
            openMenu();
        } else {
            closeMenu(true);
        }
    });

    menu.addEventListener('keydown', function (ev) {
        var items = Array.from(menu.querySelectorAll('[role=menuitem]'));
        var at = items.indexOf(document.activeElement);

        if (ev.key === 'ArrowDown' || ev.key === 'j') {
            focusMenuItem(at + 1);
        } else if (ev.key === 'ArrowUp' || ev.key === 'k') {
            focusMenuItem(at - 1);
        } else if (ev.key === 'Home') {
            focusMenuItem(0);
        } else if (ev.key === 'End') {
            focusMenuItem(items.length - 1);
        } else if (ev.key === 'Escape' || ev.key === 'Tab') {
            closeMenu(ev.key === 'Escape');
            if (ev.key === 'Tab') {
                return;
            }
        } else {
            return;
        }
        ev.preventDefault();
        ev.stopPropagation();
    });

    document.addEventListener('click', function (ev) {
        if (!menu.hidden && !menu.contains(ev.target)
            && ev.target !== transferBtn)
        {
            closeMenu(false);
        }
    });

    /* Keyboard */

    function rows() {
        return Array.from((tab === 'visitors' ? visitorsEl : listEl)
                          .querySelectorAll('button'));
    }

    function move(by) {
        var list = rows();
        var at = list.indexOf(document.activeElement);

        if (!list.length) {
            return;
        }
        if (at < 0) {
            at = current && current.row ? list.indexOf(current.row.button)
                                        : -1;
            at = at < 0 ? (by > 0 ? -1 : list.length) : at;
        }
        at = Math.min(list.length - 1, Math.max(0, at + by));
        layout.dataset.view = 'list';
        list[at].focus();
    }

    function focusReply() {
        if (current && !input.disabled) {
            layout.dataset.view = 'chat';
            input.focus();
        }
    }

    /* leave the reply box for the list, on the open conversation */
    function leaveComposer() {
        stopTyping();
        if (current && current.row && current.row.button.isConnected) {
            current.row.button.focus();
        } else {
            logEl.focus();
        }
    }

    document.addEventListener('keydown', function (ev) {
        var t = ev.target;
        var field = t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT'
                          || t.tagName === 'SELECT' || t.isContentEditable);

        if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey
            || confirmDlg.open)
        {
            return;
        }
        if (field) {
            if (ev.key === 'Escape' && t === input) {
                ev.preventDefault();
                leaveComposer();
            }
            return;
        }
        if (t && t.getAttribute && t.getAttribute('role') === 'tab'
            && (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight'))
        {
            var tabs = Array.from(tabsEl.querySelectorAll('[role=tab]'));
            var i = tabs.indexOf(t) + (ev.key === 'ArrowRight' ? 1 : -1);

            selectTab(tabs[(i + tabs.length) % tabs.length].dataset.tab,
                      true);
            ev.preventDefault();
            return;
        }

        switch (ev.key) {
        case 'j':
        case 'ArrowDown':
            if (ev.key === 'ArrowDown' && logEl.contains(t)) {
                return;
            }
            move(1);
            break;
        case 'k':
        case 'ArrowUp':
            if (ev.key === 'ArrowUp' && logEl.contains(t)) {
                return;
            }
            move(-1);
            break;
        case 'r':
        case '/':
            focusReply();
            break;
        case 'c':
            claim();
            break;
        case 'e':
            askClose();
            break;
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
            selectTab(['mine', 'queue', 'open', 'closed',
                       'visitors'][ev.key - 1], true);
            break;
        case 'Escape':
            if (layout.dataset.view !== 'list') {
                layout.dataset.view = layout.dataset.view === 'card'
                                      ? 'chat' : 'list';
            }
            break;
        default:
            return;
        }
        ev.preventDefault();
    });

    /* Wiring */

    tabsEl.addEventListener('click', function (ev) {
        var t = ev.target.closest('[role=tab]');

        if (t) {
            selectTab(t.dataset.tab, false);
        }
    });

    $('serve').addEventListener('change', function (e) {
        serving = e.target.value;
        Client.save(SERVE_KEY, serving || null);
        client.request({ type: 'serve',
                         departments: serving ? [serving] : [] });
    });

    presenceBtn.addEventListener('click', function () {
        away = !away;
        Client.save(AWAY_KEY, away);
        client.request({ type: 'away', on: away });
        schedule();
    });

    claimBtn.addEventListener('click', claim);
    closeBtn.addEventListener('click', askClose);

    $('back').addEventListener('click', function () {
        layout.dataset.view = 'list';
        if (current && current.row && current.row.button.isConnected) {
            current.row.button.focus();
        }
    });

    infoBtn.addEventListener('click', function () {
        layout.dataset.view = 'card';
        $('card-title').focus();
    });

    $('card-back').addEventListener('click', function () {
        layout.dataset.view = 'chat';
        infoBtn.focus();
    });

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
        typed();
    });

    document.addEventListener('visibilitychange', function () {
        if (!document.hidden && current) {
            markRead(current);
            M.readSoon();
            schedule();
        }
    });

    client.on('session', function (s) {
        me.agent = str(s.agent);
        me.name = str(s.name);
        me.max = Number(s.max_chats) || 0;
        me.departments = Array.isArray(s.departments) ? s.departments : [];
        drawServe();
        drawMe();
    });
    client.on('status', refreshStatus);
    client.on('conversations', function (items, msg) {
        layout.dataset.live = 'true';
        listed(items, msg);
    });
    client.on('event', addEvent);
    client.on('history', historyChanged);
    client.on('typing', typing);
    client.on('pending', function (item) {
        if (item.type) {
            outboxCids.add(item.cid);
            drawActions();
        } else if (current && item.conversation === current.id) {
            showPending(item);
        }
    });
    client.on('ack', acked);
    client.on('refused', refused);
    client.on('ack', function (cid) {
        visitors.answered(cid, '');
    });
    client.on('presence', function () {
        client.request({ type: 'agents' });
    });
    client.on('agents', function (msg) {
        agents = Array.isArray(msg.agents) ? msg.agents : [];
        if (!menu.hidden) {
            drawMenu();
        }
    });
    client.on('visitors', visitors.listed);
    client.on('erased', erased);
    moreBtn.addEventListener('click', loadMore);
    client.on('visitor', function (msg) {
        visitors.changed(msg);
        if (msg.visitor && convs.has(msg.visitor.visitor)) {
            schedule();
            if (current && current.id === msg.visitor.visitor) {
                drawHead();
            }
        }
    });

    window.addEventListener('online', client.reconnectNow);

    setInterval(function () {
        schedule();
        if (tab === 'visitors') {
            visitors.redrawList();
        }
        drawHead();
    }, TICK_MS);

    /* the lists' tabs, in the order of the keys 1 to 5 */
    ['mine', 'queue', 'open', 'closed', 'visitors'].forEach(function (k) {
        var b = el('button');

        b.id = 'tab-' + k;
        b.type = 'button';
        b.dataset.tab = k;
        b.setAttribute('role', 'tab');
        b.setAttribute('aria-controls', 'list-panel');
        append(tabsEl, append(b, el('span', '', S['tab' + k.charAt(0)
                                                   .toUpperCase()
                                                   + k.slice(1)]),
                              el('span', 'count')));
    });
    V.translate(document);
    document.title = S.title;
    logEl.appendChild(el('p', 'empty shortcuts', S.shortcuts));
    visitors.select(null);
    drawList();
    refreshStatus();
    client.start();
})();
