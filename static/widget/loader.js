/*
 * Live Help loader: injected into every page by ngx_http_live_help_module.
 *
 * It draws only the launcher button. The chat UI (chat.js, chat.css, and
 * client.js, the protocol client chat.js draws from) is fetched on the
 * first click, from the directory this script was served from and with the
 * same ?v= query, so one cache-busting version covers every asset. A visitor who has chatted before (a token or an unsent
 * message in localStorage) gets it at once, without opening it, so that
 * replies raise the unread badge and unsent messages go out on any page.
 * Everything lives in an open shadow root so the page's CSS cannot restyle
 * the widget and ours cannot leak into the page.
 */
(function () {
    'use strict';

    var TAG = 'live-help-widget';
    var PANEL_ID = 'live-help-panel';

    /* Every user-facing string, in one place for translation. */
    var STRINGS = {
        title: 'Live Help',
        unread: function (n) {
            return n === 1 ? '1 unread message' : n + ' unread messages';
        },
        close: 'Close chat',
        empty: 'No messages yet \u2014 an agent will answer here.',
        inputLabel: 'Message',
        inputPlaceholder: 'Type your message\u2026',
        send: 'Send',
        loading: 'Loading chat\u2026',
        loadError: 'The chat could not be loaded. Please try again.',
        you: 'You',
        agent: 'Agent',
        talkingTo: function (name) {
            return 'You are talking to ' + name;
        },
        typing: function (name) {
            return name + ' is typing\u2026';
        },
        sending: 'Sending\u2026',
        notSent: 'Not sent',
        connecting: 'Connecting\u2026',
        reconnecting: 'Reconnecting\u2026',
        unavailable: 'Chat is not available right now.',
        tooLong: 'This message is too long.'
    };

    var CSS =
        ':host{all:initial!important}' +
        '[hidden]{display:none!important}' +
        '.launcher{position:fixed;right:20px;bottom:20px;' +
        'z-index:2147483000;box-sizing:border-box;display:inline-flex;' +
        'align-items:center;gap:8px;margin:0;min-height:48px;' +
        'padding:0 20px 0 16px;border:0;border-radius:24px;' +
        'background:#1d4ed8;color:#fff;cursor:pointer;' +
        'font:600 15px/1.2 system-ui,-apple-system,"Segoe UI",Roboto,' +
        'Helvetica,Arial,sans-serif;letter-spacing:normal;' +
        'text-transform:none;text-shadow:none;' +
        'box-shadow:0 4px 14px rgba(15,23,42,.28);' +
        'transition:background-color .15s}' +
        '.launcher:hover{background:#1e40af}' +
        '.launcher:focus{outline:none}' +
        '.launcher:focus-visible{outline:3px solid #f59e0b;' +
        'outline-offset:3px}' +
        '.launcher[aria-busy=true]{cursor:progress}' +
        '.launcher svg{flex:none;width:22px;height:22px;fill:currentColor}' +
        '.badge{position:absolute;top:-6px;right:-6px;min-width:20px;' +
        'height:20px;box-sizing:border-box;padding:0 6px;' +
        'border-radius:10px;background:#dc2626;color:#fff;' +
        'font:700 12px/20px system-ui,sans-serif;text-align:center}' +
        '.sr-only{position:absolute;width:1px;height:1px;margin:-1px;' +
        'padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;' +
        'border:0}' +
        '@media (prefers-reduced-motion:reduce){.launcher{transition:none}}' +
        '@media print{.launcher{display:none}}';

    var ICON = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1' +
               '-2-2V6a2 2 0 0 1 2-2z';

    var script = document.currentScript;

    if (!script || !document.body || document.querySelector(TAG)) {
        return;
    }

    var src = new URL(script.src, document.baseURI);
    var base = new URL('./', src);
    var nonce = script.nonce || script.getAttribute('nonce') || '';
    var title = script.getAttribute('data-live-help-title') || STRINGS.title;

    var host = document.createElement(TAG);
    var root = host.attachShadow({ mode: 'open' });

    var state = {
        open: false,
        loading: false,
        wantOpen: false,    /* open once loaded: the visitor clicked */
        ready: false,       /* client.js, chat.js and chat.css loaded */
        chat: null,         /* what chat.js's factory returned */
        factory: null
    };

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

    function svgIcon() {
        var ns = 'http://www.w3.org/2000/svg';
        var svg = document.createElementNS(ns, 'svg');
        var path = document.createElementNS(ns, 'path');

        svg.setAttribute('viewBox', '0 0 24 24');
        svg.setAttribute('aria-hidden', 'true');
        svg.setAttribute('focusable', 'false');
        path.setAttribute('d', ICON);
        svg.appendChild(path);
        return svg;
    }

    adoptCss(CSS);

    var launcher = el('button', {
        type: 'button',
        'class': 'launcher',
        part: 'launcher',
        'aria-expanded': 'false',
        'aria-haspopup': 'dialog'
    });
    var label = el('span', { 'class': 'label' }, title);
    var badge = el('span', { 'class': 'badge', hidden: '' });
    var status = el('span', { 'class': 'sr-only', role: 'status' });

    launcher.appendChild(svgIcon());
    launcher.appendChild(label);
    launcher.appendChild(badge);
    root.appendChild(launcher);
    root.appendChild(status);

    function setUnread(n) {
        badge.hidden = !n;
        badge.textContent = n ? String(n) : '';
        if (n) {
            badge.setAttribute('aria-label', STRINGS.unread(n));
        }
    }

    function start() {
        if (!state.chat) {
            state.chat = state.factory({
                root: root,
                endpoint: new URL('../', base).href,
                title: title,
                strings: STRINGS,
                panelId: PANEL_ID,
                setUnread: setUnread,
                close: function () {
                    close(true);
                }
            });
            launcher.setAttribute('aria-controls', PANEL_ID);
        }
    }

    function open() {
        start();
        state.open = true;
        state.chat.show();
        launcher.setAttribute('aria-expanded', 'true');
        setUnread(0);
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

    function loaded(node) {
        return new Promise(function (resolve, reject) {
            node.addEventListener('load', resolve);
            node.addEventListener('error', reject);
        });
    }

    function loadChat(andOpen) {
        var client = withNonce(el('script', { src: asset('client.js') }));
        var js = withNonce(el('script', { src: asset('chat.js') }));
        var css = withNonce(el('link', {
            rel: 'stylesheet',
            href: asset('chat.css')
        }));
        var done = Promise.all([loaded(client), loaded(js), loaded(css)]);

        state.loading = true;
        state.wantOpen = andOpen;
        if (andOpen) {
            launcher.setAttribute('aria-busy', 'true');
            status.textContent = STRINGS.loading;
        }

        root.appendChild(css);
        (document.head || document.documentElement).appendChild(client);
        (document.head || document.documentElement).appendChild(js);

        done.then(function () {
            if (!state.factory || !window.LiveHelpClient) {
                throw new Error('chat.js or client.js did not run');
            }

            state.ready = true;
            status.textContent = '';
            start();
            if (state.wantOpen) {
                open();
            }

        }).catch(function () {
            /* drop the failed elements so the next click tries again */
            css.remove();
            client.remove();
            js.remove();
            if (state.wantOpen) {
                status.textContent = STRINGS.loadError;
            }

        }).then(function () {
            state.loading = false;
            launcher.removeAttribute('aria-busy');
        });
    }

    launcher.addEventListener('click', function () {
        if (state.loading) {
            if (!state.wantOpen) {
                state.wantOpen = true;
                launcher.setAttribute('aria-busy', 'true');
                status.textContent = STRINGS.loading;
            }
            return;
        }

        if (state.open) {
            close(false);

        } else if (state.ready) {
            open();

        } else {
            loadChat(true);
        }
    });

    root.addEventListener('keydown', function (ev) {
        if (ev.key === 'Escape' && state.open) {
            ev.stopPropagation();
            close(true);
        }
    });

    /* chat.js calls defineChat() with its factory once it has run */
    window.__liveHelp = {
        defineChat: function (factory) {
            state.factory = state.factory || factory;
        },
        setUnread: setUnread
    };

    document.body.appendChild(host);

    /* a conversation to resume: connect now, open when asked */
    try {
        if (localStorage.getItem('liveHelp.token')
            || localStorage.getItem('liveHelp.outbox'))
        {
            loadChat(false);
        }

    } catch (e) {
        /* storage disabled: chat starts on the first click */
    }
})();
