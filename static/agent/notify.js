/*
 * Telling the agent something needs them: a short beep (WebAudio, no
 * file), a desktop notification, and the count in the tab's title.
 *
 * Browsers let a page make sound and ask for notifications only after the
 * user did something on it, so both wait for the first click or key: the
 * permission is asked then, never on load.
 */
(function () {
    'use strict';

    var S = globalThis.LiveHelpPanelStrings;

    var BEEP_HZ = 880;
    var BEEP_S = 0.15;
    var QUIET_MS = 1500;            /* one beep for a burst of news */

    function create() {
        var audio = null;
        var asked = false;
        var lastBeep = 0;

        function wake() {
            var Ctx = window.AudioContext || window.webkitAudioContext;

            if (!audio && Ctx) {
                try {
                    audio = new Ctx();

                } catch (e) {
                    audio = null;
                }
            }
            if (!asked && 'Notification' in window
                && Notification.permission === 'default')
            {
                asked = true;
                Notification.requestPermission().catch(function () {});
            }
        }

        document.addEventListener('click', wake, true);
        document.addEventListener('keydown', wake, true);

        function beep() {
            var osc;
            var gain;
            var t;

            if (!audio || Date.now() - lastBeep < QUIET_MS) {
                return;
            }
            lastBeep = Date.now();
            try {
                t = audio.currentTime;
                osc = audio.createOscillator();
                gain = audio.createGain();
                osc.frequency.value = BEEP_HZ;
                gain.gain.setValueAtTime(0.0001, t);
                gain.gain.exponentialRampToValueAtTime(0.2, t + 0.01);
                gain.gain.exponentialRampToValueAtTime(0.0001, t + BEEP_S);
                osc.connect(gain);
                gain.connect(audio.destination);
                osc.start(t);
                osc.stop(t + BEEP_S);

            } catch (e) {
                /* no sound: the title still says it */
            }
        }

        /* text: what happened; tag: one notification per conversation */
        function tell(text, tag, onclick) {
            var n;

            beep();
            if (!document.hidden || !('Notification' in window)
                || Notification.permission !== 'granted')
            {
                return;
            }
            try {
                n = new Notification(S.title, { body: text, tag: tag });
                n.onclick = function () {
                    window.focus();
                    onclick();
                    n.close();
                };

            } catch (e) {
                /* some browsers allow them only from a service worker */
            }
        }

        function title(n) {
            var text = S.titleCount(n, S.title);

            if (document.title !== text) {
                document.title = text;
            }
        }

        return { tell: tell, title: title };
    }

    globalThis.LiveHelpNotify = { create: create };
})();
