/*
 * Who the agent is talking to and who is on the site: the visitor card
 * (column 3) and the "Visitors now" list, both live from the server's
 * visitor context (docs/PROTOCOL.md: visitors, visitor).
 *
 * Every value here comes from a visitor's browser and is hostile: it is
 * set as text, and a URL is a link only when it is http(s).
 */
(function () {
    'use strict';

    var S = globalThis.LiveHelpPanelStrings;
    var V = globalThis.LiveHelpView;
    var el = V.el;
    var str = V.str;

    /*
     * ctx: card (the card's body), list, total, empty (the Visitors now
     * list, its count line and its empty line), request(obj) (to the
     * server), open(visitorId), conversation(id) (the panel's, or null),
     * jump(seq) (scroll the open conversation to that event),
     * invite(visitorId, text) (sends an invitation, gives its cid).
     */
    function create(ctx) {
        var known = new Map();      /* visitor id -> V, the newest seen */
        var online = [];            /* ids on the site now, newest first */
        var total = 0;
        var shown = null;           /* the card's visitor */
        var forms = new Map();      /* visitor id -> their invite form */
        var sent = new Map();       /* an invitation's cid -> its form */

        function merge(v) {
            var old;

            if (!v || typeof v.visitor !== 'string') {
                return null;
            }
            old = known.get(v.visitor) || {};
            if (!Array.isArray(v.pages) && old.pages) {
                /* a live update has no pages: keep those, with the new
                   one on top */
                v.pages = old.pages.slice();
                if (v.url && (!v.pages[0] || v.pages[0].url !== v.url
                              || v.pages[0].at !== v.last))
                {
                    v.pages.unshift({ url: v.url, title: v.title,
                                      at: v.last });
                }
            }
            known.set(v.visitor, v);
            return v;
        }

        /* Visitors now */

        function listed(msg) {
            var items = Array.isArray(msg.items) ? msg.items : [];

            online = [];
            items.forEach(function (v) {
                if (merge(v)) {
                    online.push(v.visitor);
                }
            });
            total = Number(msg.total) || online.length;
            drawList();
        }

        /*
         * A visitor's record: the answer to a "visitor" request, or news
         * (a page opened, a profile given, gone). The list keeps the last
         * active first: a new page moves a visitor to the top.
         */
        function changed(msg) {
            var old = msg.visitor && known.get(msg.visitor.visitor);
            var last = old ? old.last : null;
            var v = merge(msg.visitor);
            var at;

            if (!v) {
                return;
            }
            at = online.indexOf(v.visitor);
            if (v.online === false) {
                if (at >= 0) {
                    online.splice(at, 1);
                    total--;
                }
            } else if (at < 0) {
                online.unshift(v.visitor);
                total++;
            } else if (v.last !== last) {
                online.splice(at, 1);
                online.unshift(v.visitor);
            }
            drawList();
            if (shown === v.visitor) {
                show(shown);
            }
        }

        function count() {
            return total;
        }

        /* erased (lua/erase.lua): nothing of them is kept */
        function erased(id) {
            var at = online.indexOf(id);

            known.delete(id);
            if (at >= 0) {
                online.splice(at, 1);
                total--;
            }
            drawList();
            if (shown === id) {
                show(null);
            }
        }

        function drawList() {
            var frag = document.createDocumentFragment();
            var focus = document.activeElement;

            online.forEach(function (id) {
                frag.appendChild(row(known.get(id)));
            });
            ctx.list.textContent = '';
            ctx.list.appendChild(frag);
            /* a form typed in stays in focus through live updates */
            if (focus && focus.isConnected && focus !== document.activeElement) {
                focus.focus();
            }
            ctx.total.textContent = total ? S.visitorsTotal(online.length,
                                                            total) : '';
            ctx.empty.textContent = S.emptyVisitors;
            if (ctx.onCount) {
                ctx.onCount(total);
            }
        }

        function row(v) {
            var li = el('li');
            var b = el('button', 'conv visitor-row');
            var top = el('span', 'row-top');
            var name = el('span', 'name', str(v.name) || S.visitor);
            var kind = el('span', 'badge ' + (v.visits > 1 ? 'returning'
                                                            : 'new'),
                          v.visits > 1 ? S.returning : S.newVisitor);
            var state = v.state && v.state !== 'none' ? v.state : '';

            b.type = 'button';
            b.dataset.visitor = v.visitor;
            top.appendChild(name);
            top.appendChild(kind);
            if (state) {
                top.appendChild(el('span', 'badge state-' + state,
                                   S[state] || state));
            }
            b.appendChild(top);
            b.appendChild(el('span', 'preview', str(v.title)
                                                || str(v.url)));
            b.appendChild(el('span', 'meta-line',
                             S.onSite(V.since(Number(v.since) || Date.now()))
                             + ' \u00b7 '
                             + S.pagesCount(Number(v.views) || 1)));
            b.addEventListener('click', function () {
                ctx.open(v.visitor);
            });
            li.appendChild(b);
            li.appendChild(inviteForm(v));
            return li;
        }

        /*
         * "Invite to chat": a text (prefilled) sent as an "invite"; the
         * server refuses it for a visitor in a conversation or gone. The
         * form is kept per visitor, so live updates keep what is typed.
         */
        function inviteForm(v) {
            var f = forms.get(v.visitor);
            var id = 'invite-' + v.visitor;
            var busy = v.state === 'waiting' || v.state === 'open';

            if (!f) {
                f = el('form', 'invite-form');
                f.open = el('button', 'invite-open', S.invite);
                f.open.type = 'button';
                f.open.setAttribute('aria-expanded', 'false');
                f.open.setAttribute('aria-controls', id);
                f.box = el('div', 'invite-box');
                f.box.id = id;
                f.box.hidden = true;
                f.text = el('input', 'invite-text');
                f.text.id = id + '-text';
                f.text.maxLength = 500;
                f.text.value = S.inviteDefault;
                f.send = el('button', 'invite-send', S.inviteSend);
                f.send.type = 'submit';
                f.cancel = el('button', 'invite-cancel', S.inviteCancel);
                f.cancel.type = 'button';
                f.note = el('p', 'invite-note');
                f.note.setAttribute('role', 'status');
                f.box.appendChild(el('label', 'sr-only', S.inviteText))
                    .htmlFor = f.text.id;
                [f.text, f.send, f.cancel].forEach(function (n) {
                    f.box.appendChild(n);
                });
                [f.open, f.box, f.note].forEach(function (n) {
                    f.appendChild(n);
                });
                f.show = function (on) {
                    f.box.hidden = !on;
                    f.open.setAttribute('aria-expanded', String(on));
                    (on ? f.text : f.open).focus();
                };
                f.open.addEventListener('click', function () {
                    f.note.textContent = '';
                    f.show(f.box.hidden);
                });
                f.cancel.addEventListener('click', function () {
                    f.show(false);
                });
                f.addEventListener('submit', function (ev) {
                    var text = f.text.value.trim();

                    ev.preventDefault();
                    if (text) {
                        sent.set(ctx.invite(f.visitor, text), f);
                        f.note.textContent = S.inviteSending;
                        f.show(false);
                    }
                });
                forms.set(v.visitor, f);
            }
            f.visitor = v.visitor;
            f.open.disabled = busy;
            if (busy) {
                f.box.hidden = true;
            }
            return f;
        }

        /* the server's answer to an invitation: true if it was one */
        function answered(cid, code) {
            var f = sent.get(cid);

            if (f) {
                sent.delete(cid);
                f.note.textContent = !code ? S.inviteSent
                                     : code === 'busy' ? S.inviteBusy
                                     : code === 'offline' ? S.inviteOffline
                                     : S.inviteFailed;
            }
            return !!f;
        }

        /* The card */

        function section(title, body) {
            var s = el('section', 'card-section');

            s.appendChild(el('h3', '', title));
            s.appendChild(body);
            return s;
        }

        function pageItem(p) {
            var li = el('li');

            li.appendChild(V.pageLink(p.url, str(p.title) || str(p.url),
                                      'page-title'));
            if (p.at) {
                li.appendChild(el('span', 'page-at', V.clock(p.at)));
            }
            return li;
        }

        /*
         * "Reply by e-mail": the agent's own mail program, with the last
         * conversation quoted, for a shopper who left a message and went.
         * The address was checked by the server (no spaces, <, >, ").
         */
        function mailto(v, c) {
            var lines = [];
            var a;

            if (!/^[^\s@<>"]+@[^\s@<>"]+$/.test(v.email)) {
                return null;
            }
            (c && c.data ? c.data.events : []).forEach(function (e) {
                var ev = e.event;

                if (ev.kind === 'opened') {
                    lines = [];
                } else if (ev.kind === 'message') {
                    lines.push('> ' + (ev.from === 'visitor'
                                       ? str(v.name) || S.visitor
                                       : str(ev.author) || S.agent)
                               + ': ' + str(ev.text));
                }
            });
            a = el('a', 'card-mail', S.replyByEmail);
            a.href = 'mailto:' + encodeURIComponent(v.email)
                     + '?subject=' + encodeURIComponent(S.mailSubject)
                     + '&body=' + encodeURIComponent('\n\n'
                                                     + lines.join('\n'));
            return a;
        }

        /* the earlier opened ... closed spans of the log, newest first */
        function spans(c) {
            var list = [];
            var cur = null;

            (c && c.data ? c.data.events : []).forEach(function (e) {
                var ev = e.event;

                if (ev.kind === 'opened') {
                    cur = { n: Number(ev.n) || list.length + 1, seq: e.seq,
                            at: Number(e.seq.split('-')[0]), count: 0,
                            end: '' };
                    list.push(cur);
                } else if (ev.kind === 'message' && cur) {
                    cur.count++;
                } else if (ev.kind === 'closed' && cur) {
                    cur.end = ev.by === 'visitor' ? S.closedByVisitor
                            : S.closedBy(str(ev.name) || S.you);
                }
            });
            return list.reverse();
        }

        function head(v, c) {
            var h = el('div', 'card-who');
            var name = str(v && v.name) || (c && c.name) || S.visitor;
            var text = el('div', 'card-id');
            var state = el('p', 'card-online'
                                + (v && v.online ? ' on' : ''));

            h.appendChild(el('span', 'avatar big', V.initials(name)));
            text.appendChild(el('p', 'card-name', name));
            if (v && str(v.email)) {
                text.appendChild(el('p', 'card-email', v.email));
                if (mailto(v, c)) {
                    text.appendChild(mailto(v, c));
                }
            }
            if (v) {
                state.textContent = v.online ? S.onlineNow : S.leftSite;
                text.appendChild(state);
            }
            h.appendChild(text);
            return h;
        }

        function details(v) {
            var frag = document.createDocumentFragment();
            var now = el('div', 'now-on');
            var pages;
            var dl = el('dl', 'facts');

            if (v.url) {
                now.appendChild(V.pageLink(v.url, str(v.title) || v.url,
                                           'page-title'));
                now.appendChild(el('span', 'page-url', str(v.url)));
                frag.appendChild(section(S.nowOn, now));
            }
            if (Array.isArray(v.pages) && v.pages.length) {
                pages = el('ol', 'pages');
                v.pages.forEach(function (p) {
                    pages.appendChild(pageItem(p));
                });
                frag.appendChild(section(S.pagesVisit + ' (' + (Number(
                                         v.views) || v.pages.length) + ')',
                                         pages));
            }

            function fact(term, node) {
                dl.appendChild(el('dt', '', term));
                dl.appendChild(el('dd')).appendChild(node);
            }

            fact(S.visits, el('span', '', Number(v.visits) > 1
                 ? S.nthVisit(Number(v.visits), V.day(Number(v.first)))
                 : S.firstVisit));
            fact(S.referrer, str(v.referrer) ? V.pageLink(v.referrer)
                                             : el('span', '', S.direct));
            if (str(v.browser)) {
                fact(S.browser, el('span', '', v.browser));
            }
            frag.appendChild(dl);
            return frag;
        }

        function past(c) {
            var list = spans(c);
            var ul = el('ul', 'past');

            list.forEach(function (s) {
                var li = el('li');
                var b = el('button', 'past-item');

                b.type = 'button';
                b.appendChild(el('span', '', S.pastItem(s.n, V.when(s.at),
                                                        s.count)));
                if (s.end) {
                    b.appendChild(el('span', 'past-end', s.end));
                }
                b.addEventListener('click', function () {
                    ctx.jump(s.seq);
                });
                li.appendChild(b);
                ul.appendChild(li);
            });
            return list.length ? section(S.pastConversations, ul) : null;
        }

        /* the card of a visitor (id), with their log if they have one */
        function show(id) {
            var body = ctx.card;
            var v = id ? known.get(id) : null;
            var c = id ? ctx.conversation(id) : null;
            var p;

            shown = id;
            body.textContent = '';
            if (!id) {
                body.appendChild(el('p', 'empty', S.noVisitor));
                return;
            }
            body.appendChild(head(v, c));
            if (v) {
                body.appendChild(details(v));
            }
            p = past(c);
            if (p) {
                body.appendChild(p);
            }
        }

        /* opening a card asks for the visitor's pages too */
        function select(id) {
            if (id) {
                ctx.request({ type: 'visitor', visitor: id });
            }
            show(id);
        }

        return {
            listed: listed,
            changed: changed,
            erased: erased,
            select: select,
            refresh: function () {
                if (shown) {
                    show(shown);
                }
            },
            redrawList: drawList,
            answered: answered,
            count: count,
            get: function (id) {
                return known.get(id) || null;
            }
        };
    }

    globalThis.LiveHelpVisitors = { create: create };
})();
