'use strict';

/*
 * The widget's weight budget from the spec, measured the way the README
 * states it: each file compressed with gzip -9. Every page downloads the
 * loader and, once idle, client.js (the socket that makes the page a page
 * view and keeps the unread badge); the chat UI, chat.js and chat.css,
 * only on the first click. The sizes are printed as diagnostics.
 */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { test } = require('node:test');

const WIDGET = path.resolve(__dirname, '..', '..', 'static', 'widget');
const LOADER_BUDGET = 5 * 1024;
const TOTAL_BUDGET = 20 * 1024;
const EVERY_PAGE = ['loader.js', 'client.js'];
const ON_CLICK = ['chat.js', 'chat.css'];
/* one of these, before the launcher, on a page in that language */
const LANGS = ['lang/de.js', 'lang/fi.js'];

function gzipSize(file) {
    const data = fs.readFileSync(path.join(WIDGET, file));

    return zlib.gzipSync(data, { level: 9 }).length;
}

function sizeOf(files) {
    return files.reduce((sum, f) => sum + gzipSize(f), 0);
}

test('loader_stays_under_5_kb_gzipped', (t) => {
    const size = gzipSize('loader.js');

    t.diagnostic(`loader.js: ${size} bytes gzipped`);
    assert.ok(size < LOADER_BUDGET, `loader.js is ${size} bytes gzipped`);
});

test('every_page_downloads_loader_and_client_js_and_the_click_the_chat_ui',
     (t) => {
    const files = fs.readdirSync(WIDGET)
        .filter((f) => /\.(js|css|svg|html)$/.test(f));

    /* nothing in the widget's directory that is neither */
    assert.deepEqual(files.sort(), [...EVERY_PAGE, ...ON_CLICK].sort());
    assert.deepEqual(fs.readdirSync(path.join(WIDGET, 'lang'))
        .map((f) => `lang/${f}`).sort(), LANGS);
    t.diagnostic(`languages: ${LANGS.map((f) => `${f} ${gzipSize(f)}`)
        .join(', ')} bytes gzipped`);
    t.diagnostic(`every page: ${sizeOf(EVERY_PAGE)} bytes gzipped `
                 + `(${EVERY_PAGE.map((f) => `${f} ${gzipSize(f)}`)
                     .join(', ')})`);
    t.diagnostic(`first click: ${sizeOf(ON_CLICK)} bytes gzipped `
                 + `(${ON_CLICK.map((f) => `${f} ${gzipSize(f)}`)
                     .join(', ')})`);
});

test('whole_widget_stays_under_20_kb_gzipped', (t) => {
    const lang = Math.max(...LANGS.map(gzipSize));
    const total = sizeOf([...EVERY_PAGE, ...ON_CLICK]) + lang;

    t.diagnostic(`total: ${total} bytes gzipped of ${TOTAL_BUDGET}`);
    assert.ok(total < TOTAL_BUDGET,
              `widget is ${total} bytes gzipped (${EVERY_PAGE}, ${ON_CLICK})`);
});
