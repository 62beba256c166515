/*
 * Live Help notices, started by the loader with client.js on every page:
 * invitations beside the launcher (by rule, by an agent) and, for a reply
 * while the tab is hidden, the title blink and a chime.  Apart from the
 * loader so that it stays small; w is what the loader shares: root,
 * launcher, status, el, css, strings, state, script, connect.
 */
(function () {
    'use strict';

    var SOUND_KEY = 'liveHelp.sound';
    var SHOWN_KEY = 'liveHelp.invited';     /* sessionStorage: this visit */
    var DISMISS_KEY = 'liveHelp.dismissed'; /* invitation -> until (ms) */
    var DISMISS_MS = 7 * 86400000;
    var AGENT_INVITE_MS = 1800000;  /* an agent's invitation is for now */

    var CSS =
        '.invite{position:fixed;right:20px;bottom:80px;' +
        'z-index:2147483000;box-sizing:border-box;' +
        'width:min(300px,calc(100vw - 40px));padding:16px 40px 16px 16px;' +
        'border-radius:12px;background:#fff;color:#0f172a;' +
        'font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,' +
        'Helvetica,Arial,sans-serif;box-shadow:0 8px 30px ' +
        'rgba(15,23,42,.25)}' +
        '.invite p{margin:0 0 12px;overflow-wrap:anywhere}' +
        '.invite b{display:block;font-size:13px;color:#475569}' +
        '.invite button{cursor:pointer;font:600 14px system-ui,sans-serif;' +
        'border:0;border-radius:8px}' +
        '.invite .go{min-height:40px;padding:0 16px;background:var(--lh-bg);' +
        'color:var(--lh-fg)}' +
        '.invite .x{position:absolute;top:6px;right:6px;width:32px;' +
        'height:32px;background:none;color:#475569;font-size:20px}' +
        '.invite button:focus-visible{outline:3px solid var(--lh-ring);' +
        'outline-offset:2px}';

    window.LiveHelpNotice = function (w) {
        var root = w.root;
        var launcher = w.launcher;
        var status = w.status;
        var el = w.el;
        var STRINGS = w.strings;
        var state = w.state;
        var script = w.script;
        var connect = w.connect;

        w.css(CSS);

        /*
         * Invitations: by rule (data-live-help-invite: [[glob, seconds,
         * text]], after that long with the page visible) or by an agent (an
         * "invited" note in the log, after which nothing opened), shown beside
         * the launcher while the chat is closed and no conversation goes on.
         */
        var rules = [];
        var card = null;

        try {
            rules = JSON.parse(script.getAttribute('data-live-help-invite')
                               || '[]');
        } catch (e) {
            /* none */
        }

        function stored(area, k) {
            try {
                return JSON.parse(window[area].getItem(k)) || {};
            } catch (e) {
                return {};
            }
        }

        function store(area, k, key, value) {
            var all = stored(area, k);

            all[key] = value;
            try {
                window[area].setItem(k, JSON.stringify(all));
            } catch (e) {
                /* private mode: shown again next time */
            }
        }

        function seen(key) {
            return stored('sessionStorage', SHOWN_KEY)[key]
                   || stored('localStorage', DISMISS_KEY)[key] > Date.now();
        }

        /* a conversation waiting or open, or a message on its way */
        function busy() {
            var c = state.client && state.client.conversation();
            var ev = (c ? c.events : []).filter(function (e) {
                return /^(opened|closed)$/.test(e.event.kind);
            }).pop();

            return state.open || (ev && ev.event.kind === 'opened')
                   || (state.client && state.client.outbox().some(function (m) {
                       return !m.type;
                   }));
        }

        /* the agent's invitation still to answer: after it nothing opened */
        function agentInvite() {
            var c = state.client && state.client.conversation();
            var list = c ? c.events : [];
            var i;

            for (i = list.length - 1; i >= 0; i--) {
                if (list[i].event.kind === 'opened') {
                    return null;
                }
                if (list[i].event.kind === 'invited') {
                    return window.LiveHelpClient.seqMs(list[i].seq)
                           > Date.now() - AGENT_INVITE_MS ? list[i] : null;
                }
            }
            return null;
        }

        function hideInvite(dismissed) {
            if (card) {
                if (dismissed) {
                    store('localStorage', DISMISS_KEY, card.key,
                          Date.now() + DISMISS_MS);
                }
                card.remove();
                card = null;
            }
        }

        function showInvite(key, text, name) {
            var go = el('button', { type: 'button', 'class': 'go' },
                        STRINGS.chatNow);
            var x = el('button', { type: 'button', 'class': 'x',
                                   'aria-label': STRINGS.noThanks,
                                   title: STRINGS.noThanks }, '\u00d7');

            /* a rule does not invite to a chat nobody can answer */
            if (card || busy() || seen(key) || (!name && (state.agents === 0
                || (state.session || {}).open === false)))
            {
                return;
            }
            card = el('aside', { 'class': 'invite', part: 'invite',
                                 'aria-label': STRINGS.invitation });
            card.key = key;
            if (name) {
                card.appendChild(el('b', {}, name));
            }
            card.appendChild(el('p', {}, text));
            card.appendChild(go);
            card.appendChild(x);
            root.insertBefore(card, launcher);
            if (!name) {
                /* a rule once a visit; an agent's until answered or dismissed */
                store('sessionStorage', SHOWN_KEY, key, 1);
            }
            status.textContent = (name ? name + ': ' : '') + text;
            /* the rule's text opens the chat as the shop's first line */
            go.addEventListener('click', function () {
                state.invite = name ? null : text;
                hideInvite(false);
                launcher.click();
            });
            x.addEventListener('click', function () {
                hideInvite(true);
                launcher.focus();
            });
        }

        function invites() {
            var inv = agentInvite();

            if (card && (busy() || (/^a:/.test(card.key)
                                    && (!inv || card.key !== 'a:' + inv.seq))))
            {
                hideInvite(false);
            }
            if (inv) {
                showInvite('a:' + inv.seq, String(inv.event.text || ''),
                           window.LiveHelpClient.displayName(inv.event.name)
                           || STRINGS.agent);
            }
        }

        function glob(p) {
            return new RegExp('^' + p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
                                     .replace(/\*/g, '.*') + '$');
        }

        /* the first rule of this page not seen: after its seconds visible */
        (function () {
            var rule = rules.filter(function (r) {
                return glob(r[0]).test(location.pathname)
                       && !seen('r:' + r[0] + ' ' + r[2]);
            })[0];
            var left, since, timer;

            function fire() {
                document.removeEventListener('visibilitychange', tick);
                /* what the log says decides: wait for the socket */
                connect().then(function () {
                    function show() {
                        showInvite('r:' + rule[0] + ' ' + rule[2], rule[2]);
                    }

                    if (state.client.isLive()) {
                        show();
                    } else {
                        state.client.on('live', function once() {
                            show();
                            show = function () {};
                        });
                    }
                }, function () {});
            }

            function tick() {
                clearTimeout(timer);
                if (document.hidden) {
                    left -= since ? Date.now() - since : 0;
                    since = 0;
                } else {
                    since = Date.now();
                    timer = setTimeout(fire, Math.max(left, 0));
                }
            }

            if (rule) {
                left = rule[1] * 1000;
                document.addEventListener('visibilitychange', tick);
                tick();
            }
        })();

        /*
         * A reply while the tab is hidden: the title blinks until it is seen
         * again, and a soft chime sounds (off by default on touch screens)
         */
        var blink = { n: 0, timer: 0, title: '' };

        function soundOn(on) {
            var C = window.LiveHelpClient;

            if (on !== undefined) {
                C.save(SOUND_KEY, on);
            }
            on = C.load(SOUND_KEY, null);
            return on === null ? !matchMedia('(pointer: coarse)').matches : on;
        }

        function chime() {
            var A = window.AudioContext || window.webkitAudioContext;
            var ctx, o, g, t;

            try {
                ctx = chime.ctx = chime.ctx || new A();
                o = ctx.createOscillator();
                g = ctx.createGain();
                t = ctx.currentTime;
                o.frequency.setValueAtTime(880, t);
                o.frequency.setValueAtTime(660, t + 0.12);
                g.gain.setValueAtTime(0.0001, t);
                g.gain.exponentialRampToValueAtTime(0.12, t + 0.02);
                g.gain.exponentialRampToValueAtTime(0.0001, t + 0.4);
                o.connect(g);
                g.connect(ctx.destination);
                o.start(t);
                o.stop(t + 0.45);
            } catch (e) {
                /* no sound: the title still says it */
            }
        }

        function attention() {
            if (!blink.n++) {
                blink.title = document.title;
                blink.timer = setInterval(function () {
                    document.title = document.title === blink.title
                                     ? STRINGS.newTitle(blink.n) : blink.title;
                }, 1000);
            }
            if (soundOn()) {
                chime();
            }
        }

        document.addEventListener('visibilitychange', function () {
            if (!document.hidden && blink.n) {
                clearInterval(blink.timer);
                document.title = blink.title;
                blink.n = 0;
            }
        });


        return {
            invites: invites,
            attention: attention,
            soundOn: soundOn,
            hide: hideInvite
        };
    };
})();
