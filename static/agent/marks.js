/*
 * Read marks, ratings and transcripts in the agent panel (docs/PROTOCOL.md):
 * "Delivered" / "Read" under the agent's last reply, the read mark sent
 * while the agent owns the conversation on screen, the shopper's rating
 * with its tag buttons, thumbs in the list, and "Download transcript".
 * agent.js calls the hooks; all text is set with textContent.
 */
(function () {
    'use strict';

    var Client = globalThis.LiveHelpClient;
    var cmpSeq = Client.cmpSeq;
    var READ_EVERY = 1000;
    var THUMB = { good: '\u263a', bad: '\u2639' };

    function el(tag, cls, text) {
        var n = document.createElement(tag);

        n.className = cls || '';
        if (text) {
            n.textContent = text;
        }
        return n;
    }

    /* x: client, me, S (strings), nameOf(c), mine(c), current() */
    globalThis.LiveHelpMarks = function (x) {
        var S = x.S;
        var bar = el('div', 'marks-bar');
        var rating = el('span', 'rating');
        var tags = el('span', 'tags');
        var save = el('button', 'plain', S.transcript);
        var mark = el('span', 'mark');
        var sentAt = 0;
        var timer = 0;

        save.type = 'button';
        ['feedback', 'complaint'].forEach(function (t) {
            var b = el('button', 'tag', S['tag_' + t]);

            b.type = 'button';
            b.dataset.tag = t;
            b.addEventListener('click', function () {
                var c = x.current();

                x.client.act('tag', c.id, {
                    tag: c.tag === t ? '' : t
                });
            });
            tags.appendChild(b);
        });
        bar.appendChild(rating);
        bar.appendChild(tags);
        bar.appendChild(save);
        document.getElementById('notice').after(bar);

        save.addEventListener('click', function () {
            transcript(x.current());
        });

        function m(c) {
            return c.marks || (c.marks = { aread: null, vread: null,
                                           last: null, visitor: null,
                                           sent: null });
        }

        /* the read mark the owner sends: once a shopper's message is
           after it, the conversation on screen, one a second at most */
        function readSoon() {
            var c = x.current();
            var k = c && m(c);
            var wait = sentAt + READ_EVERY - Date.now();

            clearTimeout(timer);
            if (!c || document.hidden || !x.mine(c) || !k.visitor
                || (k.aread && cmpSeq(k.aread, k.visitor) >= 0)
                || (k.sent && cmpSeq(k.sent, k.last) >= 0))
            {
                return;
            }
            if (wait > 0) {
                timer = setTimeout(readSoon, wait);
                return;
            }
            sentAt = Date.now();
            if (x.client.request({ type: 'read', conversation: c.id,
                                   seq: k.last })) {
                k.sent = k.last;
            }
        }

        /* "Delivered" or "Read" under this agent's last reply */
        function draw(c) {
            var log = document.getElementById('log');
            var mine = log.querySelectorAll('.msg.agent');
            var i = mine.length - 1;
            var k = m(c);

            while (i >= 0 && (typeof mine[i].seq !== 'string'
                              || !mine[i].mine)) {
                i--;
            }
            if (i < 0) {
                mark.remove();
                return;
            }
            mark.textContent = k.vread && cmpSeq(k.vread, mine[i].seq) >= 0
                               ? S.read : S.delivered;
            mine[i].appendChild(mark);
        }

        function transcript(c) {
            var lines = [S.transcriptTitle(location.hostname, x.nameOf(c)),
                         ''];

            c.data.events.forEach(function (e) {
                var ev = e.event;
                var line = x.line(ev);

                if (ev.kind === 'message' && typeof ev.text === 'string') {
                    line = (ev.from === 'agent'
                            ? Client.displayName(ev.author) || S.agentName
                            : x.nameOf(c)) + ': '
                           + ev.text.replace(/\n/g, '\n    ');
                } else if (line) {
                    line = '\u2014 ' + line;
                }
                if (line) {
                    lines.push('[' + Client.stamp(Client.seqMs(e.seq)) + '] '
                               + line);
                }
            });
            Client.download('transcript-' + Client.stamp(Date.now())
                            .slice(0, 10) + '.txt', lines.join('\n') + '\n');
        }

        return {
            /* the list's item: its rating and tag */
            listed: function (c, item) {
                if (item.rating === 'good' || item.rating === 'bad') {
                    c.rating = item.rating;
                    c.tag = item.tag || '';
                }
            },
            /* every event of a conversation, in seq order per log */
            event: function (c, seq, ev) {
                var k = m(c);

                if (ev.kind === 'read') {
                    k[ev.by === 'agent' ? 'aread' : 'vread'] = ev.seq;
                } else {
                    k.last = seq;
                    if (ev.kind === 'message' && ev.from === 'visitor') {
                        k.visitor = seq;
                    }
                }
                if (ev.kind === 'opened') {
                    c.rating = c.tag = '';
                } else if (ev.kind === 'rated') {
                    c.rating = ev.good ? 'good' : 'bad';
                    c.comment = typeof ev.comment === 'string'
                                ? ev.comment : '';
                    c.tag = '';
                } else if (ev.kind === 'tagged') {
                    c.tag = typeof ev.tag === 'string' ? ev.tag : '';
                }
            },
            /* a message node drawn: is it this agent's */
            node: function (node, ev) {
                node.mine = ev.from === 'agent' && ev.agent === x.me.agent;
            },
            /* the conversation on screen changed or grew */
            seen: function (c) {
                draw(c);
                readSoon();
            },
            /* system lines of ours */
            line: function (ev) {
                if (ev.kind === 'rated') {
                    return S.rated(ev.good === true, typeof ev.comment
                                   === 'string' ? ev.comment : '');
                }
                if (ev.kind === 'tagged') {
                    return ev.tag ? S.tagged(S['tag_' + ev.tag] || ev.tag,
                                             String(ev.name || ''))
                                  : S.untagged(String(ev.name || ''));
                }
                return '';
            },
            /* the head's bar: rating, tags, transcript */
            head: function (c) {
                bar.hidden = !c;
                if (!c) {
                    return;
                }
                rating.textContent = c.rating ? THUMB[c.rating] + ' '
                    + S.ratedShort(c.rating === 'good') : '';
                rating.title = c.comment || '';
                tags.hidden = !c.rating;
                tags.querySelectorAll('button').forEach(function (b) {
                    b.setAttribute('aria-pressed',
                                   String(b.dataset.tag === c.tag));
                });
            },
            /* the row in the list: a thumb for a rated one */
            row: function (c, r) {
                var t = r.thumb;

                if (!t) {
                    t = r.thumb = el('span', 'thumb');
                    r.badges.insertBefore(t, r.badges.firstChild);
                }
                t.textContent = c.rating ? THUMB[c.rating] : '';
                t.title = c.rating ? S.ratedShort(c.rating === 'good')
                                     + (c.tag ? ', ' + S['tag_' + c.tag]
                                        : '') : '';
                t.hidden = !c.rating;
            },
            readSoon: readSoon
        };
    };
})();
