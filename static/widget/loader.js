/*
 * Live Help loader, injected into every page by the module. It draws the
 * launcher and, once the page is idle, starts client.js: every page is a
 * page view, replies raise the unread badge and unsent messages go out.
 * The chat UI (chat.js, chat.css) comes on the first click. Assets come
 * from this script's directory with its ?v=; all lives in a shadow root.
 */
(function () {
    'use strict';

    var TAG = 'live-help-widget';
    var PANEL_ID = 'live-help-panel';

    /*
     * Every user-facing string, in one place for translation: English
     * here, the other languages in lang/<code>.js with the same keys (a
     * key missing there stays English). A function words a value; an
     * operator's live_help_string for it is a template ({n}, {name} or
     * {dept}; "one|other" for plural forms).
     */
    var STRINGS = {
        title: 'Live Help',
        unread: function (n) {
            return n === 1 ? '1 unread message' : n + ' unread messages';
        },
        newMessage: function (name) {
            return 'New message from ' + name;
        },
        close: 'Close chat',
        menu: 'More options',
        endChat: 'End chat',
        endConfirm: 'End this chat?',
        cancel: 'Cancel',
        greeting: 'No messages yet \u2014 an agent will answer here.',
        intro: 'Ask us anything',
        inputLabel: 'Message',
        inputPlaceholder: 'Type your message\u2026',
        newChat: 'Write to start a new chat',
        send: 'Send',
        loading: 'Loading chat\u2026',
        loadError: 'The chat could not be loaded. Please try again.',
        you: 'You',
        agent: 'Agent',
        talkingTo: function (name) {
            return 'You\u2019re talking to ' + name;
        },
        waiting: 'We\u2019ll be with you shortly',
        joined: function (name) {
            return name + ' joined the chat';
        },
        transferred: function (dept) {
            return 'You were transferred to ' + dept;
        },
        released: 'Waiting for the next available agent',
        ended: 'Chat ended',
        typing: function (name) {
            return name + ' is typing\u2026';
        },
        sending: 'Sending\u2026',
        notSent: 'Not sent',
        connecting: 'Connecting\u2026',
        reconnecting: 'Reconnecting\u2026',
        unavailable: 'Chat is not available right now.',
        tooLong: 'This message is too long.',
        faqTitle: 'Suggested answers',
        faqFound: function (n) {
            return n === 1 ? '1 suggested answer' : n + ' suggested answers';
        },
        faqCard: 'Answer from our FAQ',
        limited: 'Sending too fast: it goes in a moment.',
        away: 'We\u2019re away right now',
        offlineIntro: 'Nobody is here right now. Leave a message and ' +
                      'we\u2019ll get back to you.',
        prechatIntro: 'Tell us about you, then ask away.',
        name: 'Name',
        email: 'E-mail',
        optional: ' (optional)',
        department: 'Department',
        anyDepartment: 'Any',
        question: 'Your question',
        yourMessage: 'Your message',
        startChat: 'Start chat',
        leaveMessage: 'Send message',
        badName: 'Please enter your name (up to 64 characters).',
        badEmail: 'Please enter a valid e-mail address.',
        badText: 'Please write a message.',
        thanks: 'Thanks, we\u2019ll reply by e-mail or here when you ' +
                'come back',
        delivered: 'Delivered',
        read: 'Read',
        rateQuestion: 'How was this chat?',
        rateGood: 'Good',
        rateBad: 'Bad',
        rateComment: 'Tell us more (optional)',
        rateSend: 'Send feedback',
        rateThanks: 'Thanks for your feedback!',
        rated: function (good) {
            return 'You rated this chat ' + (good ? 'good' : 'bad');
        },
        transcript: 'Download transcript',
        transcriptTitle: function (shop) {
            return 'Chat transcript \u2014 ' + shop;
        },
        invitation: 'Invitation to chat',
        chatNow: 'Chat now',
        noThanks: 'No thanks',
        newTitle: function (n) {
            return '(' + n + ') New message' + (n === 1 ? '' : 's');
        },
        soundOn: 'Sound on',
        soundOff: 'Sound off',
        leaveEmail: 'Leave your e-mail',
        emailIntro: 'We\u2019ll reply by e-mail.',
        note: 'Note',
        sendEmail: 'Send',
        emailSent: function (email) {
            return 'We\u2019ll reply to ' + email;
        },
        bookCall: 'Book a call',
        booked: 'You opened the booking page'
    };

    /* languages with a lang/<code>.js; others are English */
    var LANGS = ['fi', 'de'];

    /*
     * Colours: the brand, its text, hover, active, focus ring; the
     * module computes them for live_help_color (all at WCAG AA), these
     * are its values for the default blue.
     */
    var COLORS = '#1d4ed8 #ffffff #1942b8 #163ba2 #1d4ed8';

    var CSS =
        ':host{all:initial!important}' +
        '[hidden]{display:none!important}' +
        '.launcher{position:fixed;inset-inline-end:20px;bottom:20px;' +
        'z-index:2147483000;box-sizing:border-box;display:inline-flex;' +
        'align-items:center;gap:8px;margin:0;min-height:48px;' +
        'padding:0 20px 0 16px;border:0;border-radius:24px;' +
        'background:var(--lh-bg);color:var(--lh-fg);cursor:pointer;' +
        'font:600 15px/1.2 system-ui,-apple-system,"Segoe UI",Roboto,' +
        'Helvetica,Arial,sans-serif;letter-spacing:normal;' +
        'text-transform:none;text-shadow:none;' +
        'box-shadow:0 4px 14px rgba(15,23,42,.28);' +
        'transition:background-color .15s}' +
        ':host([data-pos=left]) .launcher{inset-inline:20px auto}' +
        '.launcher:hover{background:var(--lh-hover)}' +
        '.launcher:active{background:var(--lh-active)}' +
        '.launcher:focus{outline:none}' +
        '.launcher:focus-visible{outline:3px solid var(--lh-ring);' +
        'outline-offset:3px}' +
        '.launcher[aria-busy=true]{cursor:progress}' +
        '.launcher svg{flex:none;width:22px;height:22px;fill:currentColor}' +
        '.badge{position:absolute;top:-6px;inset-inline-end:-6px;' +
        'min-width:20px;' +
        'height:20px;box-sizing:border-box;padding:0 6px;' +
        'border-radius:10px;background:#dc2626;color:#fff;' +
        'font:700 12px/20px system-ui,sans-serif;text-align:center}' +
        '.sr-only{position:absolute;width:1px;height:1px;margin:-1px;' +
        'padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;' +
        'border:0}' +
        '@media (prefers-reduced-motion:reduce){.launcher{transition:none}}' +
        '@media print{.launcher,.invite{display:none}}';

    /* live_help_launcher_icon: chat (a bubble), help (a question mark) */
    var ICONS = {
        chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1' +
              '-2-2V6a2 2 0 0 1 2-2z',
        help: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 16h-2v-2h2zm2.1' +
              '-7.7-.9.9c-.8.8-1.2 1.4-1.2 2.8h-2v-.5c0-1.1.4-2.1 1.2-2.8l' +
              '1.2-1.3A2 2 0 1 0 10 8H8a4 4 0 1 1 7.1 2.3z'
    };

    var script = document.currentScript;

    if (!script || !document.body || document.querySelector(TAG)) {
        return;
    }

    var src = new URL(script.src, document.baseURI);
    var base = new URL('./', src);
    var nonce = script.nonce || script.getAttribute('nonce') || '';
    function attr(name) {
        return script.getAttribute('data-live-help-' + name);
    }

    var lang = (attr('lang') || document.documentElement.lang || '')
        .split('-')[0].toLowerCase();
    var colors = (attr('colors') || COLORS).split(' ');
    var icon = ICONS[attr('icon') || 'chat'];
    var title;

    if (LANGS.indexOf(lang) < 0) {
        lang = 'en';
    }

    var host = document.createElement(TAG);
    var root = host.attachShadow({ mode: 'open' });

    var READ_KEY = 'liveHelp.read';
    var PROFILE_KEY = 'liveHelp.profile';
    var endpoint = new URL('../', base);

    var state = {
        open: false,
        loading: false,
        chat: null,         /* what chat.js's factory returned */
        factory: null,
        client: null,       /* client.js's, started when the page is idle */
        session: null,      /* the last session message */
        agents: null,       /* agents online, from presence */
        unread: 0,
        invite: null,       /* a rule's text, the chat's first line */
        notice: null        /* notice.js's: invitations, blink, chime */
    };
    var loads = {};         /* asset name -> promise of its load */
    var pageSent = false;

    function asset(name) {
        var url = new URL(name, base);

        url.search = src.search;
        return url.href;
    }

    function el(name, attrs, text) {
        var node = document.createElement(name);
        var key;

        for (key in attrs) {
            node.setAttribute(key, attrs[key]);
        }
        if (text) {
            node.textContent = text;
        }
        return node;
    }

    function withNonce(node) {
        if (nonce) {
            node.setAttribute('nonce', nonce);
        }
        return node;
    }

    function adoptCss(css) {
        var sheet;

        try {
            sheet = new CSSStyleSheet();
            sheet.replaceSync(css);
            root.adoptedStyleSheets = root.adoptedStyleSheets.concat(sheet);
            return;

        } catch (e) {
            /* no constructable stylesheets: fall back to <style> */
        }

        root.appendChild(withNonce(el('style', {}, css)));
    }

    /* live_help_string: on top of the language, templates for functions */
    function override(json) {
        var own = {};

        try {
            own = JSON.parse(json || '{}');
        } catch (e) {
            /* the module wrote it: cannot happen */
        }

        Object.keys(own).forEach(function (key) {
            var text = own[key];

            STRINGS[key] = typeof STRINGS[key] !== 'function' ? text
                : function (v) {
                    var forms = text.split('|');

                    return forms[v === 1 ? 0 : forms.length - 1]
                        .replace(/\{\w+\}/g, v);
                };
        });
    }

    function svgIcon() {
        var ns = 'http://www.w3.org/2000/svg';
        var svg = document.createElementNS(ns, 'svg');
        var path = document.createElementNS(ns, 'path');

        svg.setAttribute('viewBox', '0 0 24 24');
        svg.setAttribute('aria-hidden', 'true');
        svg.setAttribute('focusable', 'false');
        path.setAttribute('d', icon);
        svg.appendChild(path);
        return svg;
    }

    adoptCss(':host{--lh-bg:' + colors[0] + ';--lh-fg:' + colors[1] +
             ';--lh-hover:' + colors[2] + ';--lh-active:' + colors[3] +
             ';--lh-ring:' + colors[4] + '}' + CSS);

    /* the page's direction and the chosen language, for the shadow root */
    host.dir = document.documentElement.dir || 'ltr';
    host.lang = lang;
    if (attr('position') === 'left') {
        host.setAttribute('data-pos', 'left');
    }

    var launcher = el('button', {
        type: 'button',
        'class': 'launcher',
        part: 'launcher',
        'aria-expanded': 'false',
        'aria-haspopup': 'dialog'
    });
    var label = el('span', { 'class': 'label' });
    var badge = el('span', { 'class': 'badge', hidden: '' });
    var status = el('span', { 'class': 'sr-only', role: 'status' });

    if (icon) {
        launcher.appendChild(svgIcon());
    }
    launcher.appendChild(label);
    launcher.appendChild(badge);
    root.appendChild(launcher);
    root.appendChild(status);

    function setUnread(n) {
        state.unread = n;
        badge.hidden = !n;
        badge.textContent = n ? String(n) : '';
        if (n) {
            badge.setAttribute('aria-label', STRINGS.unread(n));
        }
    }

    /* once per asset, whoever asks first; a failure may be tried again */
    function load(name) {
        var css = /\.css$/.test(name);
        var node;

        if (!loads[name]) {
            node = withNonce(css ? el('link', { rel: 'stylesheet',
                                                href: asset(name) })
                                 : el('script', { src: asset(name) }));
            loads[name] = new Promise(function (resolve, reject) {
                node.addEventListener('load', resolve);
                node.addEventListener('error', function () {
                    node.remove();
                    delete loads[name];
                    reject(new Error(name));
                });
            });
            (css ? root : document.head || document.documentElement)
                .appendChild(node);
        }
        return loads[name];
    }

    /* page view (not on the endpoint's own pages), profile, unread */
    function connect() {
        var assets = Promise.all([load('client.js'), load('notice.js')]);

        return assets.then(function () {
            var C = window.LiveHelpClient;
            var ws = new URL('ws', endpoint);
            var client;
            var notice;

            if (state.client) {
                return;
            }
            notice = state.notice = window.LiveHelpNotice({
                root: root,
                launcher: launcher,
                status: status,
                el: el,
                css: adoptCss,
                strings: STRINGS,
                state: state,
                script: script,
                connect: connect
            });
            ws.protocol = ws.protocol === 'https:' ? 'wss:' : 'ws:';
            client = state.client = C.create({
                role: 'visitor',
                url: ws.href,
                outboxKey: 'liveHelp.outbox',
                tokenKey: 'liveHelp.token'
            });

            client.on('session', function (id, msg) {
                state.session = msg;
            });
            client.on('presence', function (n) {
                state.agents = n;
            });
            client.on('live', function () {
                if (!pageSent
                    && location.href.indexOf(endpoint.href) !== 0)
                {
                    pageSent = client.request({
                        type: 'page',
                        url: location.href,
                        title: document.title,
                        referrer: document.referrer,
                        ua: navigator.userAgent
                    });
                }
                sendProfile();
            });
            client.on('live', notice.invites);
            client.on('event', function (c, seq, ev) {
                var read = C.load(READ_KEY, null);

                if (client.isLive()) {
                    notice.invites();
                }
                if (ev.kind !== 'message' || ev.from !== 'agent') {
                    return;
                }
                if (client.isLive() && document.hidden) {
                    notice.attention();
                }
                if (state.open) {
                    markRead();

                } else if (read === null || C.cmpSeq(seq, read) > 0) {
                    setUnread(state.unread + 1);
                    if (client.isLive()) {
                        status.textContent = STRINGS.newMessage(
                            C.displayName(ev.author) || STRINGS.agent);
                    }
                }
            });
            window.addEventListener('online', client.reconnectNow);
            client.start();
        });
    }

    /* a profile waits in storage until a socket takes it */
    function sendProfile() {
        var C = window.LiveHelpClient;
        var p = C.load(PROFILE_KEY, null);

        if (p && state.client.request(p)) {
            C.save(PROFILE_KEY, null);
        }
    }

    function markRead() {
        var C = window.LiveHelpClient;
        var c = state.client.conversation();
        var read = C.load(READ_KEY, null);

        setUnread(0);
        if (c && c.lastSeq
            && (read === null || C.cmpSeq(c.lastSeq, read) > 0))
        {
            C.save(READ_KEY, c.lastSeq);
        }
    }

    function start() {
        if (!state.chat) {
            state.chat = state.factory({
                root: root,
                title: title,
                strings: STRINGS,
                panelId: PANEL_ID,
                client: state.client,
                known: state,
                booking: script.getAttribute('data-live-help-booking'),
                sound: state.notice.soundOn,
                profile: function (p) {
                    window.LiveHelpClient.save(PROFILE_KEY, p);
                    sendProfile();
                },
                close: function () {
                    close(true);
                }
            });
            launcher.setAttribute('aria-controls', PANEL_ID);
        }
    }

    function open() {
        if (state.notice) {
            state.notice.hide(false);
        }
        start();
        state.open = true;
        state.chat.show();
        launcher.setAttribute('aria-expanded', 'true');
        markRead();
        state.chat.focus();
    }

    function close(restoreFocus) {
        if (!state.open) {
            return;
        }

        state.open = false;
        state.chat.hide();
        launcher.setAttribute('aria-expanded', 'false');

        if (restoreFocus) {
            launcher.focus();
        }
    }

    function loadChat() {
        state.loading = true;
        launcher.setAttribute('aria-busy', 'true');
        status.textContent = STRINGS.loading;

        Promise.all([connect(), load('chat.js'), load('chat.css')])
            .then(function () {
                if (!state.factory) {
                    throw new Error('chat.js did not run');
                }
                status.textContent = '';
                open();

            }).catch(function () {
                status.textContent = STRINGS.loadError;

            }).then(function () {
                state.loading = false;
                launcher.removeAttribute('aria-busy');
            });
    }

    launcher.addEventListener('click', function () {
        if (state.loading) {
            return;
        }

        if (state.open) {
            close(false);

        } else if (state.chat) {
            open();

        } else {
            loadChat();
        }
    });

    root.addEventListener('keydown', function (ev) {
        if (ev.key === 'Escape' && state.open) {
            ev.stopPropagation();
            close(true);
        }
    });

    /*
     * chat.js calls defineChat() with its factory once it has run,
     * lang/<code>.js calls strings() with its table
     */
    window.__liveHelp = {
        defineChat: function (factory) {
            state.factory = state.factory || factory;
        },
        strings: function (table) {
            Object.keys(table).forEach(function (key) {
                STRINGS[key] = table[key];
            });
        }
    };

    /* the launcher shows once its language is there (English if lost) */
    (lang === 'en' ? Promise.resolve() : load('lang/' + lang + '.js'))
        .catch(function () {
            lang = host.lang = 'en';

        }).then(function () {
            override(attr('strings'));
            STRINGS.lang = lang;
            STRINGS.time = function (d) {
                return new Intl.DateTimeFormat(lang, {
                    hour: 'numeric',
                    minute: '2-digit'
                }).format(d);
            };
            title = attr('title') || STRINGS.title;
            label.textContent = title;
            document.body.appendChild(host);
        });

    /* every page: connect once the page has what it needs */
    function idle() {
        (window.requestIdleCallback || setTimeout)(function () {
            connect().catch(function () {
                /* tried again on the first click */
            });
        }, { timeout: 2000 });
    }

    if (document.readyState === 'complete') {
        idle();
    } else {
        window.addEventListener('load', idle);
    }
})();
