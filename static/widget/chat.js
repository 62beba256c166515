/*
 * Live Help chat panel, loaded by loader.js on the first click.
 *
 * For now this is the shell of the conversation window: header, an empty
 * message list and a disabled composer. The loader owns opening, closing
 * and focus; this file only builds the panel inside the loader's shadow
 * root. All text is set with textContent.
 */
(function () {
    'use strict';

    var api = window.__liveHelp;

    if (!api || typeof api.defineChat !== 'function') {
        return;
    }

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

    function createChat(ctx) {
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
        var heading = el('h2', { id: titleId, 'class': 'title' }, ctx.title);
        var closeBtn = el('button', {
            type: 'button',
            'class': 'close',
            'aria-label': s.close,
            title: s.close
        }, '\u00d7');

        var log = el('div', {
            'class': 'messages',
            role: 'log',
            'aria-live': 'polite',
            'aria-labelledby': titleId,
            tabindex: '0'
        });
        var empty = el('p', { 'class': 'empty' }, s.empty);

        var form = el('form', { 'class': 'composer', novalidate: '' });
        var notice = el('p', { 'class': 'notice' }, s.preview);
        var row = el('div', { 'class': 'row' });
        var label = el('label', { 'for': inputId, 'class': 'sr-only' },
                       s.inputLabel);
        var input = el('input', {
            id: inputId,
            type: 'text',
            'class': 'input',
            autocomplete: 'off',
            placeholder: s.inputPlaceholder,
            disabled: ''
        });
        var send = el('button', {
            type: 'submit',
            'class': 'send',
            disabled: ''
        }, s.send);

        closeBtn.addEventListener('click', ctx.close);

        /* nothing can be sent yet: never let a submit reload the page */
        form.addEventListener('submit', function (ev) {
            ev.preventDefault();
        });

        header.appendChild(heading);
        header.appendChild(closeBtn);
        log.appendChild(empty);
        row.appendChild(label);
        row.appendChild(input);
        row.appendChild(send);
        form.appendChild(notice);
        form.appendChild(row);
        panel.appendChild(header);
        panel.appendChild(log);
        panel.appendChild(form);
        ctx.root.appendChild(panel);

        return {
            show: function () {
                panel.hidden = false;
            },
            hide: function () {
                panel.hidden = true;
            },
            focus: function () {
                closeBtn.focus();
            }
        };
    }

    api.defineChat(createChat);
})();
