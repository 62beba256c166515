'use strict';

/*
 * The string tables: every key of the English widget table (STRINGS in
 * static/widget/loader.js) and panel table (static/agent/strings.js) is
 * in the Finnish and German files, with nothing else; a function there
 * takes as many parameters as the English one and words the same values;
 * and live_help_string knows every widget key, with the placeholder of
 * the English function's parameter. A feature adding an English string
 * fails here until it is translated and can be overridden.
 *
 * The language files run in a vm as the browser runs them: the widget's
 * call window.__liveHelp.strings(table), the panel's
 * globalThis.LiveHelpPanelLang(lang, table) set up by strings.js.
 */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const vm = require('node:vm');

const ROOT = path.join(__dirname, '..', '..');
const LANGS = ['fi', 'de'];

/* keys that word a choice (1 or 0), not a value: "good|bad", no {...} */
const CHOICES = ['rated'];

function read(file) {
    return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

function run(file, context) {
    vm.runInNewContext(read(file), context, { filename: file });
    return context;
}

/*
 * The loader's table is private to its closure and the loader needs a
 * page to run: its literal is taken out of the source and evaluated.
 */
function widgetEnglish() {
    const src = read('static/widget/loader.js');
    const m = /\n    var STRINGS = (\{\n[\s\S]*?\n    \});\n/.exec(src);

    assert.ok(m, 'loader.js has "var STRINGS = {...};"');
    return vm.runInNewContext(`(${m[1]})`, {},
                              { filename: 'loader.js STRINGS' });
}

function widgetLang(lang) {
    const tables = [];
    const window = { __liveHelp: { strings: (t) => tables.push(t) } };

    run(`static/widget/lang/${lang}.js`, { window });
    assert.equal(tables.length, 1, `lang/${lang}.js gives one table`);
    return tables[0];
}

/* strings.js as a browser preferring English runs it, then a language */
function panelTables(lang) {
    const g = {
        navigator: { languages: ['en-GB', 'en'] },
        document: { documentElement: {} },
    };
    const tables = [];
    let english;

    g.globalThis = g;
    run('static/agent/strings.js', g);
    english = Object.assign({}, g.LiveHelpPanelStrings);
    delete english.lang;                /* set at run time, not a text */
    g.LiveHelpPanelLang = (l, t) => tables.push([l, t]);
    run(`static/agent/lang/${lang}.js`, g);
    assert.equal(tables.length, 1, `agent lang/${lang}.js gives one table`);
    assert.equal(tables[0][0], lang, 'for its own language');
    return [english, tables[0][1]];
}

function params(f) {
    const m = /^function\s*\w*\s*\(([^)]*)\)/.exec(f.toString());

    return m[1].split(',').map((p) => p.trim()).filter(Boolean);
}

/* a value for each parameter, by its name */
function sample(name) {
    if (/^(n|shown|total|chats|max|count|minutes)$/.test(name)) {
        return 7;
    }
    if (/^(good|away)$/.test(name)) {
        return 1;
    }
    if (name === 'id') {
        return 'vQ1w2E3r4T5y6';
    }
    return `\u00ab${name}\u00bb`;       /* it shows if it is worded */
}

function compare(what, english, table) {
    const keys = Object.keys(english);
    const missing = keys.filter((k) => !(k in table));
    const extra = Object.keys(table).filter((k) => !(k in english));

    assert.deepEqual(missing, [], `${what}: keys missing`);
    assert.deepEqual(extra, [], `${what}: keys English does not have`);

    for (const k of keys) {
        const en = english[k];
        const t = table[k];

        assert.equal(typeof t, typeof en, `${what}.${k}: ${typeof en}`);
        if (typeof en !== 'function') {
            assert.ok(t.trim().length > 0, `${what}.${k}: not empty`);
            continue;
        }

        assert.equal(t.length, en.length,
                     `${what}.${k}: ${en.length} parameter(s)`);

        const args = params(en).map(sample);
        const enText = en(...args);
        const text = t(...args);

        assert.equal(typeof text, 'string', `${what}.${k}() is a string`);
        assert.ok(text.trim().length > 0, `${what}.${k}() is not empty`);
        for (const a of args) {
            if (String(enText).includes(String(a))) {
                assert.ok(text.includes(String(a)),
                          `${what}.${k}(${args.join(', ')}) words ${a}: ` +
                          text);
            }
        }
    }
    return keys.length;
}

test('widget: Finnish and German have every English key', (t) => {
    const english = widgetEnglish();

    for (const lang of LANGS) {
        const n = compare(`widget ${lang}`, english, widgetLang(lang));

        t.diagnostic(`widget ${lang}: ${n} keys`);
    }
});

test('widget: plural forms follow the number', () => {
    for (const lang of LANGS) {
        const table = widgetLang(lang);

        for (const k of ['unread', 'faqFound', 'newTitle']) {
            assert.notEqual(table[k](1).replace('1', '#'),
                            table[k](5).replace('5', '#'),
                            `widget ${lang}.${k}: 1 and 5 differ`);
        }
    }
});

test('panel: Finnish and German have every English key', (t) => {
    for (const lang of LANGS) {
        const [english, table] = panelTables(lang);
        const n = compare(`panel ${lang}`, english, table);

        t.diagnostic(`panel ${lang}: ${n} keys`);
    }
});

test('live_help_string knows every widget key and its placeholder', (t) => {
    const english = widgetEnglish();
    const src = read('ngx_live_help_module/ngx_http_live_help_look.c');
    const list = /ngx_http_live_help_keys\[\] = \{([\s\S]*?)\n\};/.exec(src);
    const c = {};

    assert.ok(list, 'the C file has ngx_http_live_help_keys[]');
    for (const m of list[1].matchAll(/\{ "(\w+)", (NULL|"[^"]*") \}/g)) {
        c[m[1]] = m[2] === 'NULL' ? null : m[2].slice(1, -1);
    }

    assert.deepEqual(Object.keys(english).filter((k) => !(k in c)), [],
                     'widget keys live_help_string refuses');
    assert.deepEqual(Object.keys(c).filter((k) => !(k in english)), [],
                     'live_help_string keys the widget does not have');

    for (const k of Object.keys(english)) {
        const f = english[k];
        const want = typeof f !== 'function' || CHOICES.includes(k)
            ? null : `{${params(f)[0]}}`;

        assert.equal(c[k], want, `${k}: placeholder`);
    }
    t.diagnostic(`${Object.keys(c).length} keys in the C list`);
});
