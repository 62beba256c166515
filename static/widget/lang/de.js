/*
 * German strings of the widget: the keys of STRINGS in ../loader.js (a
 * key missing here stays English). Loaded only for German pages.
 */
window.__liveHelp.strings({
    title: 'Fragen Sie uns',
    unread: function (n) {
        return n === 1 ? '1 ungelesene Nachricht'
                       : n + ' ungelesene Nachrichten';
    },
    newMessage: function (name) {
        return 'Neue Nachricht von ' + name;
    },
    close: 'Chat schließen',
    menu: 'Weitere Optionen',
    endChat: 'Chat beenden',
    endConfirm: 'Diesen Chat beenden?',
    cancel: 'Abbrechen',
    greeting: 'Noch keine Nachrichten – wir antworten Ihnen hier.',
    intro: 'Wie können wir helfen?',
    inputLabel: 'Nachricht',
    inputPlaceholder: 'Ihre Nachricht…',
    newChat: 'Neuen Chat beginnen',
    send: 'Senden',
    loading: 'Chat wird geladen…',
    loadError: 'Der Chat konnte nicht geladen werden. Bitte versuchen ' +
               'Sie es noch einmal.',
    you: 'Sie',
    agent: 'Kundenservice',
    talkingTo: function (name) {
        return 'Sie chatten mit ' + name;
    },
    waiting: 'Wir sind gleich für Sie da',
    joined: function (name) {
        return name + ' ist dem Chat beigetreten';
    },
    transferred: function (dept) {
        return 'Weitergeleitet an: ' + dept;
    },
    released: 'Die nächste freie Ansprechperson ist gleich für Sie da',
    ended: 'Chat beendet',
    typing: function (name) {
        return name + ' schreibt…';
    },
    sending: 'Wird gesendet…',
    notSent: 'Nicht gesendet',
    connecting: 'Verbindung wird hergestellt…',
    reconnecting: 'Verbindung wird wiederhergestellt…',
    unavailable: 'Der Chat ist gerade nicht verfügbar.',
    tooLong: 'Diese Nachricht ist zu lang.',
    limited: 'Zu schnell gesendet: Die Nachricht geht gleich raus.',
    away: 'Wir sind gerade nicht erreichbar',
    offlineIntro: 'Gerade ist niemand da. Hinterlassen Sie uns eine ' +
                  'Nachricht, wir melden uns bei Ihnen.',
    prechatIntro: 'Sagen Sie uns kurz, wer Sie sind – dann kann es ' +
                  'losgehen.',
    name: 'Name',
    email: 'E-Mail',
    optional: ' (optional)',
    department: 'Abteilung',
    anyDepartment: 'Beliebig',
    question: 'Ihre Frage',
    yourMessage: 'Ihre Nachricht',
    startChat: 'Chat starten',
    leaveMessage: 'Nachricht senden',
    badName: 'Bitte geben Sie Ihren Namen ein (höchstens 64 Zeichen).',
    badEmail: 'Bitte geben Sie eine gültige E-Mail-Adresse ein.',
    badText: 'Bitte schreiben Sie eine Nachricht.',
    thanks: 'Danke! Wir antworten per E-Mail oder hier, wenn Sie ' +
            'wiederkommen.',
    faqTitle: 'Antwortvorschläge',
    faqFound: function (n) {
        return n === 1 ? '1 Antwortvorschlag' : n + ' Antwortvorschläge';
    },
    faqCard: 'Antwort aus unseren FAQ',
    delivered: 'Zugestellt',
    read: 'Gelesen',
    rateQuestion: 'Wie war der Chat?',
    rateGood: 'Gut',
    rateBad: 'Schlecht',
    rateComment: 'Ihr Kommentar (optional)',
    rateSend: 'Feedback senden',
    rateThanks: 'Danke für Ihr Feedback!',
    rated: function (good) {
        return 'Sie haben den Chat als ' + (good ? 'gut' : 'schlecht') +
               ' bewertet';
    },
    transcript: 'Chatverlauf herunterladen',
    transcriptTitle: function (shop) {
        return 'Chatverlauf – ' + shop;
    },
    invitation: 'Einladung zum Chat',
    chatNow: 'Jetzt chatten',
    noThanks: 'Nein danke',
    newTitle: function (n) {
        return n === 1 ? '(1) Neue Nachricht' : '(' + n + ') Neue Nachrichten';
    },
    soundOn: 'Ton an',
    soundOff: 'Ton aus',
    leaveEmail: 'E-Mail-Adresse hinterlassen',
    emailIntro: 'Wir antworten Ihnen per E-Mail.',
    note: 'Anmerkung',
    sendEmail: 'Senden',
    emailSent: function (email) {
        return 'Wir antworten an ' + email;
    },
    bookCall: 'Termin vereinbaren',
    booked: 'Sie haben die Terminbuchung geöffnet'
});
