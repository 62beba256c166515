'use strict';

/*
 * The widget's weight budget, measured on what the module serves: each
 * file as gen_assets.pl embeds it (comments and indentation stripped),
 * compressed with gzip -9. Every page downloads the loader and, once idle,
 * client.js (the socket that makes the page a page view and keeps the
 * unread badge) and notice.js (invitations, title blink); a page in another language than English one file of
 * lang/; the chat UI (every other file) only on the first click. The
 * stripped JavaScript must still parse.
 */

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const zlib = require('node:zlib');
const { test } = require('node:test');

const ROOT = path.resolve(__dirname, '..', '..');
const WIDGET = path.join(ROOT, 'static', 'widget');
const GEN = path.join(ROOT, 'ngx_live_help_module', 'gen_assets.pl');
const LOADER_BUDGET = 5 * 1024;
const TOTAL_BUDGET = 25 * 1024;
const EVERY_PAGE = ['loader.js', 'client.js', 'notice.js'];

function files(dir, prefix = '') {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (
        d.isDirectory() ? files(path.join(dir, d.name), `${prefix}${d.name}/`)
                        : [`${prefix}${d.name}`]));
}

function served(file) {
    return execFileSync('perl', [GEN, '--print', path.join(WIDGET, file)]);
}

function gzipSize(file) {
    return zlib.gzipSync(served(file), { level: 9 }).length;
}

function sizeOf(list) {
    return list.reduce((sum, f) => sum + gzipSize(f), 0);
}

const ALL = files(WIDGET).filter((f) => /\.(js|css|svg|html)$/.test(f));
const LANG = ALL.filter((f) => f.startsWith('lang/'));
const ON_CLICK = ALL.filter((f) => !EVERY_PAGE.includes(f)
                            && !LANG.includes(f));
/* a shopper downloads one language at most: the largest counts */
const ONE_LANG = LANG.length
    ? [LANG.reduce((a, b) => (gzipSize(a) >= gzipSize(b) ? a : b))] : [];

test('the_served_javascript_still_parses', () => {
    for (const f of ALL.filter((x) => x.endsWith('.js'))) {
        const code = served(f).toString();

        assert.doesNotThrow(() => new vm.Script(code, { filename: f }), f);
        assert.ok(code.length < fs.statSync(path.join(WIDGET, f)).size, f);
    }
});

test('loader_stays_under_5_kb_gzipped', (t) => {
    const size = gzipSize('loader.js');

    t.diagnostic(`loader.js: ${size} bytes gzipped`);
    assert.ok(size < LOADER_BUDGET, `loader.js is ${size} bytes gzipped`);
});

test('what_a_shopper_downloads_stays_under_25_kb_gzipped', (t) => {
    const list = [...EVERY_PAGE, ...ONE_LANG, ...ON_CLICK];
    const total = sizeOf(list);

    for (const [what, l] of [['every page', EVERY_PAGE],
                             ['another language', ONE_LANG],
                             ['first click', ON_CLICK]]) {
        t.diagnostic(`${what}: ${sizeOf(l)} bytes gzipped `
                     + `(${l.map((f) => `${f} ${gzipSize(f)}`).join(', ')})`);
    }
    t.diagnostic(`total: ${total} bytes gzipped of ${TOTAL_BUDGET}`);
    assert.ok(EVERY_PAGE.every((f) => ALL.includes(f)));
    assert.ok(total < TOTAL_BUDGET, `the widget is ${total} bytes gzipped`);
});
