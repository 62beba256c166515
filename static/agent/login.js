/*
 * The sign-in page in the agent's language: each element naming a key
 * (data-s) gets its text from strings.js; the "too many attempts"
 * message keeps the minutes the server put in.
 */
(function () {
    'use strict';

    var S = globalThis.LiveHelpPanelStrings;
    var throttled = document.querySelector('[data-for=throttled]');
    var minutes = (throttled.textContent.match(/\d+/) || ['{minutes}'])[0];

    document.title = S.signInTitle;
    document.querySelectorAll('[data-s]').forEach(function (n) {
        n.textContent = S[n.getAttribute('data-s')];
    });
    throttled.textContent = S.throttled(minutes);
})();
