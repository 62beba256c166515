'use strict';

/*
 * The widget's weight budget from the spec, measured the way the README
 * states it: each file compressed with gzip -9.
 */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { test } = require('node:test');

const WIDGET = path.resolve(__dirname, '..', '..', 'static', 'widget');
const LOADER_BUDGET = 5 * 1024;
const TOTAL_BUDGET = 20 * 1024;

function gzipSize(file) {
    const data = fs.readFileSync(path.join(WIDGET, file));

    return zlib.gzipSync(data, { level: 9 }).length;
}

test('loader_stays_under_5_kb_gzipped', () => {
    const size = gzipSize('loader.js');

    assert.ok(size < LOADER_BUDGET, `loader.js is ${size} bytes gzipped`);
});

test('whole_widget_stays_under_20_kb_gzipped', () => {
    const files = fs.readdirSync(WIDGET)
        .filter((f) => /\.(js|css|svg|html)$/.test(f));
    const total = files.reduce((sum, f) => sum + gzipSize(f), 0);

    assert.ok(files.includes('chat.js') && files.includes('chat.css'));
    assert.ok(total < TOTAL_BUDGET,
              `widget is ${total} bytes gzipped (${files.join(', ')})`);
});
