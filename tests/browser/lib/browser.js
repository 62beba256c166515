'use strict';

/*
 * Debian's Chromium driven by playwright-core, plus the per-page
 * bookkeeping every widget test wants: console errors collected, and a
 * screenshot in tests/browser/artifacts/ when a test fails.
 */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ACTION_TIMEOUT_MS = 10000;

function launchBrowser() {
    return chromium.launch({
        executablePath: CHROMIUM,
        args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-quic',
        ],
    });
}

function artifactPath(name) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    return path.join(ARTIFACTS, name.replace(/[^A-Za-z0-9_.-]+/g, '_'));
}

/*
 * Runs body(page, problems) in a fresh browser context (empty cache, no
 * cookies). problems collects console errors, uncaught exceptions and
 * failed requests, and must be empty once the body has run. On any
 * failure the page is photographed.
 */
async function withPage(browser, name, options, body) {
    if (typeof options === 'function') {
        body = options;
        options = {};
    }

    const context = await browser.newContext(options);
    const page = await context.newPage();
    const problems = [];

    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    page.on('console', (msg) => {
        if (msg.type() === 'error') {
            problems.push(`console: ${msg.text()}`);
        }
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('requestfailed', (req) => {
        problems.push(`requestfailed: ${req.url()} ${req.failure().errorText}`);
    });

    try {
        await body(page, problems);
        assert.deepEqual(problems, [], 'the page logged errors');

    } catch (e) {
        await page.screenshot({ path: artifactPath(`${name}-failure.png`),
                                fullPage: false })
            .catch(() => {});
        throw e;

    } finally {
        await context.close();
    }
}

module.exports = { launchBrowser, withPage, artifactPath };
