/*
 * German strings of the agent panel: the keys of ../strings.js (a key
 * missing here stays English). Used when the agent's browser prefers
 * German.
 */
globalThis.LiveHelpPanelLang('de', {
    title: 'Live Help',
    product: 'Live Help',
    logout: 'Abmelden',
    skip: 'Zum Gespräch springen',

    me: 'Angemeldet als',
    online: 'Online',
    away: 'Abwesend',
    presenceLabel: 'Für neue Chats verfügbar',
    chatsFrom: 'Abteilung',
    allDepartments: 'Alle Abteilungen',
    load: function (n, max) {
        return n + ' von ' + max + ' Chats';
    },
    connecting: 'Verbindung wird hergestellt…',
    reconnecting: 'Verbindung wird wiederhergestellt… Antworten warten ' +
                  'und gehen raus, sobald die Verbindung steht.',
    unavailable: 'Der Chat ist nicht verfügbar: Auf diesem Server fehlt ' +
                 'live_help_redis.',
    signedOut: 'Ihre Anmeldung ist abgelaufen: Antworten warten, bis ' +
               'Sie zurück sind.',
    signInAgain: 'Erneut anmelden',

    conversations: 'Gespräche',
    tabs: 'Listen',
    tabMine: 'Meine',
    tabQueue: 'Warteschlange',
    tabOpen: 'Alle offenen',
    tabClosed: 'Geschlossen',
    tabVisitors: 'Besucher',
    emptyMine: 'Sie haben keine Chats. Neue kommen aus der ' +
               'Warteschlange.',
    emptyQueue: 'Niemand wartet.',
    emptyOpen: 'Keine offenen Gespräche.',
    emptyClosed: 'Noch keine geschlossenen Gespräche.',
    emptyVisitors: 'Gerade sind keine Besucher auf der Website.',
    loadMore: function (shown, total) {
        return 'Mehr laden (' + shown + ' von ' + total + ')';
    },
    waiting: 'Wartet',
    open: 'Offen',
    closed: 'Geschlossen',
    none: 'Kein Chat',
    unread: function (n) {
        return n === 1 ? '1 ungelesene Nachricht'
                       : n + ' ungelesene Nachrichten';
    },
    typingShort: 'schreibt…',
    visitorFallback: function (id) {
        return 'Besucher ' + id.slice(1, 7);
    },
    youOwn: 'Sie',
    ownedBy: function (name) {
        return name;
    },
    visitorsTotal: function (shown, total) {
        return total > shown ? shown + ' von ' + total + ' Besuchern'
                             : total + ' Besucher';
    },
    onSite: function (time) {
        return 'seit ' + time + ' auf der Website';
    },
    pagesCount: function (n) {
        return n === 1 ? '1 Seite' : n + ' Seiten';
    },
    newVisitor: 'Neu',
    returning: 'Wiederkehrend',

    choose: 'Wählen Sie ein Gespräch',
    shortcuts: 'Tasten: 1 bis 5 wählen eine Liste, j und k (oder die ' +
               'Pfeile) bewegen sich darin, Enter öffnet, r oder / ' +
               'antwortet, c übernimmt, e schließt, Escape verlässt das ' +
               'Antwortfeld.',
    back: 'Zurück',
    claim: 'Übernehmen',
    transfer: 'Weiterleiten',
    close: 'Schließen',
    info: 'Besucherinfo',
    transferAgents: 'Online im Team',
    transferDepts: 'Abteilungen',
    transferNobody: 'Niemand sonst aus dem Team ist online',
    agentLoad: function (name, chats, max, away) {
        return name + ' – ' + chats + ' von ' + max + ' Chats'
               + (away ? ' (abwesend)' : '');
    },
    youAnswer: 'Sie antworten',
    answering: function (name) {
        return name + ' antwortet';
    },
    waitingFor: function (time, dept) {
        return 'Wartet seit ' + time + (dept ? ' · ' + dept : '');
    },
    closedNote: 'Dieses Gespräch ist geschlossen. Schreibt der Besucher ' +
                'erneut, beginnt ein neues.',
    notWritten: 'Dieser Besucher hat noch nicht geschrieben.',
    refusedOwned: function (name) {
        return name ? name + ' war schneller.'
                    : 'Jemand anderes war schneller.';
    },
    refusedClosed: 'Dieses Gespräch ist bereits geschlossen.',
    refusedYours: 'Es gehört Ihnen bereits.',
    refusedSame: 'Es ist bereits dort.',
    refusedOffline: 'Diese Person ist nicht mehr online.',
    refusedOther: 'Das hat nicht geklappt.',
    reply: 'Antwort',
    replyPlaceholder: 'Antwort schreiben',
    replyHint: 'Enter sendet, Umschalt+Enter beginnt eine neue Zeile.',
    send: 'Senden',
    noMessages: 'Noch keine Nachrichten.',
    loading: 'Wird geladen…',
    sending: 'Wird gesendet…',
    sent: 'Gesendet',
    notSent: 'Nicht gesendet',
    tooLong: 'Diese Antwort ist zu lang.',
    visitor: 'Besucher',
    agent: 'Kundenservice',
    replyByEmail: 'Per E-Mail antworten',
    mailSubject: 'Ihre Nachricht an unseren Shop',
    you: 'Sie',
    typing: 'Besucher schreibt…',
    agentTyping: function (name) {
        return name + ' schreibt…';
    },

    started: function (n, dept) {
        return 'Gespräch ' + n + ' begonnen' + (dept ? ' · ' + dept : '');
    },
    startedOffline: function (n) {
        return 'Gespräch ' + n + ' als Offline-Nachricht begonnen';
    },
    joined: function (name) {
        return name + ' ist beigetreten';
    },
    transferredTo: function (to, by) {
        return 'Von ' + by + ' weitergeleitet an ' + to;
    },
    released: function (name) {
        return name + ' ist gegangen: zurück in der Warteschlange';
    },
    closedByVisitor: 'Vom Besucher beendet',
    closedBy: function (name) {
        return 'Beendet von ' + name;
    },
    faqShown: function (q) {
        return 'FAQ-Antwort angezeigt: ' + q;
    },

    delivered: 'Zugestellt',
    read: 'Gelesen',
    transcript: 'Verlauf herunterladen',
    transcriptTitle: function (shop, visitor) {
        return 'Chatverlauf – ' + shop + ' – ' + visitor;
    },
    agentName: 'Kundenservice',
    rated: function (good, comment) {
        return 'Der Besucher hat das Gespräch als ' +
               (good ? 'gut' : 'schlecht') + ' bewertet' +
               (comment ? ': ' + comment : '');
    },
    ratedShort: function (good) {
        return good ? 'Bewertung: gut' : 'Bewertung: schlecht';
    },
    tag_feedback: 'Feedback',
    tag_complaint: 'Beschwerde',
    tagged: function (tag, name) {
        return name + ' hat das Gespräch als ' + tag + ' markiert';
    },
    untagged: function (name) {
        return name + ' hat die Markierung entfernt';
    },
    invitedBy: function (name, text) {
        return name + ' hat zum Chat eingeladen: „' + text + '“';
    },
    handoffEmail: function (email, note) {
        return 'Möchte eine Antwort per E-Mail: ' + email
               + (note ? ' („' + note + '“)' : '');
    },
    handoffBooking: 'Hat die Terminbuchung geöffnet',

    invite: 'Zum Chat einladen',
    inviteText: 'Einladung',
    inviteDefault: 'Hallo! Kann ich Ihnen weiterhelfen?',
    inviteSend: 'Einladung senden',
    inviteCancel: 'Abbrechen',
    inviteSending: 'Wird gesendet…',
    inviteSent: 'Einladung gesendet',
    inviteBusy: 'Der Besucher chattet bereits.',
    inviteOffline: 'Der Besucher hat die Website verlassen.',
    inviteFailed: 'Die Einladung konnte nicht gesendet werden.',

    confirmClose: 'Dieses Gespräch schließen?',
    confirmCloseText: 'Der Besucher sieht, dass es beendet ist. Schreibt ' +
                      'er erneut, beginnt ein neues Gespräch.',
    confirmYes: 'Gespräch schließen',
    confirmNo: 'Abbrechen',

    visitorCard: 'Besucher',
    noVisitor: 'Öffnen Sie ein Gespräch, um zu sehen, mit wem Sie ' +
               'sprechen.',
    email: 'E-Mail',
    nowOn: 'Gerade auf',
    leftSite: 'Hat die Website verlassen',
    onlineNow: 'Gerade auf der Website',
    pagesVisit: 'Seiten dieses Besuchs',
    referrer: 'Kam von',
    browser: 'Browser',
    visits: 'Besuche',
    firstVisit: 'Erster Besuch',
    nthVisit: function (n, first) {
        return n + '. Besuch, zuerst gesehen ' + first;
    },
    pastConversations: 'Gespräche',
    pastItem: function (n, date, count) {
        return 'Gespräch ' + n + ' · ' + date + ' · '
               + (count === 1 ? '1 Nachricht' : count + ' Nachrichten');
    },
    direct: 'Adresse eingegeben oder Lesezeichen',

    now: '<1 Min.',
    minutes: function (n) {
        return n + ' Min.';
    },
    hours: function (n) {
        return n + ' Std.';
    },
    days: function (n) {
        return n + ' T.';
    },

    newChat: function (name) {
        return 'Neuer Chat: ' + name;
    },
    newMessage: function (name) {
        return name + ' hat geschrieben';
    },
    titleCount: function (n, title) {
        return n ? '(' + n + ') ' + title : title;
    },

    signIn: 'Anmelden',
    signInTitle: 'Anmelden - Live Help',
    welcome: 'Willkommen zurück. Ihre Besucher warten.',
    userName: 'Benutzername',
    password: 'Passwort',
    badLogin: 'Name oder Passwort falsch. Bitte versuchen Sie es erneut.',
    throttled: function (minutes) {
        return 'Zu viele Versuche. Bitte versuchen Sie es in ' + minutes +
               ' Minuten erneut.';
    },
    busy: 'Gerade melden sich viele an. Bitte versuchen Sie es gleich ' +
          'noch einmal.',
    loginFoot: 'Für das Team, das die Chats beantwortet. Ein Konto ' +
               'erhalten Sie von Ihrer Administration.'
});
