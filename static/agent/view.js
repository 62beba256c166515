/*
 * What the panel's scripts share to draw: elements made with text only
 * (every visitor's value goes through textContent), links that are links
 * only for http(s), initials, and the ways times are said.
 */
(function () {
    'use strict';

    var S = globalThis.LiveHelpPanelStrings;

    var MINUTE = 60000;
    var HOUR = 60 * MINUTE;
    var DAY = 24 * HOUR;

    /* <name class=cls>text</name>; text always as text */
    function el(name, cls, text) {
        var node = document.createElement(name);

        if (cls) {
            node.className = cls;
        }
        if (text !== undefined && text !== null && text !== '') {
            node.textContent = String(text);
        }
        return node;
    }

    /* parent with children appended, in order */
    function append(parent) {
        var i;

        for (i = 1; i < arguments.length; i++) {
            parent.appendChild(arguments[i]);
        }
        return parent;
    }

    /* a string from a visitor: anything else becomes '' */
    function str(v) {
        return typeof v === 'string' ? v : '';
    }

    /*
     * A link to a page a visitor gave, only if it is http(s): anything
     * else (javascript:, data:, garbage) is shown as plain text.
     */
    function pageLink(url, text, cls) {
        var href = null;
        var a;

        url = str(url);
        try {
            var u = new URL(url);

            if (u.protocol === 'http:' || u.protocol === 'https:') {
                href = u.href;
            }

        } catch (e) {
            /* not a URL: text */
        }
        if (!href) {
            return el('span', cls, text || url);
        }
        a = el('a', cls, text || url);
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        return a;
    }

    /* "Anna Berg" -> "AB", "maria" -> "MA" */
    function initials(name) {
        var words = str(name).trim().split(/\s+/).filter(Boolean);

        if (!words.length) {
            return '?';
        }
        if (/^\d+$/.test(words[words.length - 1]) && words.length > 1) {
            /* "Visitor 12" -> "V12": numbered visitors stay apart */
            return Array.from(words[0])[0].toUpperCase()
                   + words[words.length - 1].slice(-2);
        }
        if (words.length === 1) {
            return Array.from(words[0])[0].toUpperCase();
        }
        return (Array.from(words[0])[0]
                + Array.from(words[words.length - 1])[0]).toUpperCase();
    }

    function clock(ms) {
        return new Date(ms).toLocaleTimeString([], { hour: '2-digit',
                                                     minute: '2-digit' });
    }

    /* "12 Nov" */
    function day(ms) {
        return new Date(ms).toLocaleDateString([], { day: 'numeric',
                                                     month: 'short' });
    }

    /* a time today as its clock, an older one as its day */
    function when(ms) {
        return new Date(ms).toDateString() === new Date().toDateString()
               ? clock(ms) : day(ms);
    }

    /* how long since ms: "now", "4 min", "2 h", "3 d" */
    function since(ms, at) {
        var d = Math.max(0, (at || Date.now()) - ms);

        if (d < MINUTE) {
            return S.now;
        }
        if (d < HOUR) {
            return S.minutes(Math.floor(d / MINUTE));
        }
        if (d < DAY) {
            return S.hours(Math.floor(d / HOUR));
        }
        return S.days(Math.floor(d / DAY));
    }

    /* the page's own texts, named in index.html */
    function translate(root) {
        root.querySelectorAll('[data-s]').forEach(function (n) {
            n.textContent = S[n.getAttribute('data-s')];
        });
        root.querySelectorAll('[data-s-label]').forEach(function (n) {
            n.setAttribute('aria-label', S[n.getAttribute('data-s-label')]);
        });
        root.querySelectorAll('[data-s-title]').forEach(function (n) {
            n.title = S[n.getAttribute('data-s-title')];
        });
        root.querySelectorAll('[data-s-placeholder]').forEach(function (n) {
            n.placeholder = S[n.getAttribute('data-s-placeholder')];
        });
    }

    globalThis.LiveHelpView = {
        el: el,
        append: append,
        str: str,
        pageLink: pageLink,
        initials: initials,
        clock: clock,
        day: day,
        when: when,
        since: since,
        translate: translate
    };
})();
