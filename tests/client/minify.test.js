'use strict';

/*
 * gen_assets.pl strips comments and indentation from the JavaScript and
 * CSS it embeds. Code where that is easy to get wrong (strings and regular
 * expressions holding comment marks, a + +b, line breaks that end a
 * statement) must do the same after it as before.
 */

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { test } = require('node:test');

const GEN = path.resolve(__dirname, '..', '..', 'ngx_live_help_module',
                         'gen_assets.pl');

function embedded(name, source) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-minify-'));
    const file = path.join(dir, name);

    try {
        fs.writeFileSync(file, source);
        return execFileSync('perl', [GEN, '--print', file]).toString();
    } finally {
        fs.rmSync(dir, { recursive: true });
    }
}

const TRICKY = `
/* a comment with 'quote' and "dq" */
var a = 1, b = 2; // tail comment with /regex/
var s = 'a // not a comment', t = "b /* nor this */";
var r = /ab+c\\/[/]d/g.test('x/'), q = a / b / 2;
function f(x) {
    return /^\\d+$/.test(x)
        ? x + +b - -a
        : typeof /y/;
}
function g() {
    return
    42;
}
var u = \`tpl \${a + 1} // kept\`;
var i = a
++b
var arr = [1,
    2]
    .map(function (v) { return v * 2; });
result = [a, b, s, t, r, q, f('12'), f('x'), g(), u, i, arr];
`;

test('stripped_javascript_computes_the_same', () => {
    const small = embedded('t.js', TRICKY);
    const run = (code) => {
        const ctx = {};

        vm.runInNewContext(code, ctx);
        return JSON.stringify(ctx.result);
    };

    assert.ok(!/comment/.test(small.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, '')),
              'no comment is left');
    assert.ok(small.length < TRICKY.length * 0.8, small);
    assert.equal(run(small), run(TRICKY));
});

test('stripped_css_keeps_strings_and_drops_comments', () => {
    const css = embedded('t.css', '/* "x" */\n.a  >  .b ,\n.c {\n'
                         + '    content: "a  /* b */  ,  c";\n'
                         + '    width: calc(100% - 2px);\n}\n');

    assert.equal(css, '.a>.b,.c{content:"a  /* b */  ,  c";'
                 + 'width:calc(100% - 2px)}\n');
});
