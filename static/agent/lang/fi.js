/*
 * Finnish strings of the agent panel: the keys of ../strings.js (a key
 * missing here stays English). Used when the agent's browser prefers
 * Finnish.
 */
globalThis.LiveHelpPanelLang('fi', {
    title: 'Live Help',
    product: 'Live Help',
    logout: 'Kirjaudu ulos',
    skip: 'Siirry keskusteluun',

    me: 'Kirjautuneena',
    online: 'Paikalla',
    away: 'Poissa',
    presenceLabel: 'Vastaanotan uusia keskusteluja',
    chatsFrom: 'Osasto',
    allDepartments: 'Kaikki osastot',
    load: function (n, max) {
        return n + '/' + max + ' keskustelua';
    },
    connecting: 'Yhdistetään…',
    reconnecting: 'Yhdistetään uudelleen… Vastaukset odottavat ja ' +
                  'lähtevät, kun yhteys palaa.',
    unavailable: 'Chat ei ole käytettävissä: palvelimelta puuttuu ' +
                 'live_help_redis.',
    signedOut: 'Kirjautumisesi päättyi: vastaukset odottavat, kunnes ' +
               'palaat.',
    signInAgain: 'Kirjaudu uudelleen',

    conversations: 'Keskustelut',
    tabs: 'Listat',
    tabMine: 'Omat',
    tabQueue: 'Jono',
    tabOpen: 'Kaikki avoimet',
    tabClosed: 'Suljetut',
    tabVisitors: 'Kävijät',
    emptyMine: 'Sinulla ei ole keskusteluja. Uudet tulevat jonosta.',
    emptyQueue: 'Kukaan ei odota.',
    emptyOpen: 'Ei avoimia keskusteluja.',
    emptyClosed: 'Ei vielä suljettuja keskusteluja.',
    emptyVisitors: 'Sivustolla ei ole nyt kävijöitä.',
    loadMore: function (shown, total) {
        return 'Näytä lisää (' + shown + '/' + total + ')';
    },
    waiting: 'Odottaa',
    open: 'Avoin',
    closed: 'Suljettu',
    none: 'Ei keskustelua',
    unread: function (n) {
        return n === 1 ? '1 lukematon viesti' : n + ' lukematonta viestiä';
    },
    typingShort: 'kirjoittaa…',
    visitorFallback: function (id) {
        return 'Kävijä ' + id.slice(1, 7);
    },
    youOwn: 'Sinä',
    ownedBy: function (name) {
        return name;
    },
    visitorsTotal: function (shown, total) {
        return total > shown ? shown + '/' + total + ' kävijää'
                             : total + (total === 1 ? ' kävijä'
                                                    : ' kävijää');
    },
    onSite: function (time) {
        return 'sivustolla ' + time;
    },
    pagesCount: function (n) {
        return n === 1 ? '1 sivu' : n + ' sivua';
    },
    newVisitor: 'Uusi',
    returning: 'Palaava',

    choose: 'Valitse keskustelu',
    shortcuts: 'Näppäimet: 1–5 valitsee listan, j ja k (tai nuolet) ' +
               'liikkuvat siinä, Enter avaa, r tai / vastaa, c ottaa ' +
               'keskustelun, e sulkee, Esc poistuu vastauskentästä.',
    back: 'Takaisin',
    claim: 'Ota itselle',
    transfer: 'Siirrä',
    close: 'Sulje',
    info: 'Kävijän tiedot',
    transferAgents: 'Paikalla olevat',
    transferDepts: 'Osastot',
    transferNobody: 'Muita asiakaspalvelijoita ei ole paikalla',
    agentLoad: function (name, chats, max, away) {
        return name + ' – ' + chats + '/' + max + ' keskustelua'
               + (away ? ' (poissa)' : '');
    },
    youAnswer: 'Sinä vastaat',
    answering: function (name) {
        return 'Vastaajana ' + name;
    },
    waitingFor: function (time, dept) {
        return 'Odottanut ' + time + (dept ? ' · ' + dept : '');
    },
    closedNote: 'Tämä keskustelu on suljettu. Jos kävijä kirjoittaa ' +
                'uudelleen, alkaa uusi keskustelu.',
    notWritten: 'Tämä kävijä ei ole vielä kirjoittanut.',
    refusedOwned: function (name) {
        return name ? name + ' ehti ensin.'
                    : 'Toinen asiakaspalvelija ehti ensin.';
    },
    refusedClosed: 'Tämä keskustelu on jo suljettu.',
    refusedYours: 'Keskustelu on jo sinun.',
    refusedSame: 'Keskustelu on jo siellä.',
    refusedOffline: 'Asiakaspalvelija ei ole enää paikalla.',
    refusedOther: 'Se ei onnistunut.',
    reply: 'Vastaus',
    replyPlaceholder: 'Kirjoita vastaus',
    replyHint: 'Enter lähettää, Vaihto+Enter aloittaa uuden rivin.',
    send: 'Lähetä',
    noMessages: 'Ei vielä viestejä.',
    loading: 'Ladataan…',
    sending: 'Lähetetään…',
    sent: 'Lähetetty',
    notSent: 'Ei lähetetty',
    tooLong: 'Vastaus on liian pitkä.',
    visitor: 'Kävijä',
    agent: 'Asiakaspalvelija',
    replyByEmail: 'Vastaa sähköpostilla',
    mailSubject: 'Viestisi verkkokaupallemme',
    you: 'Sinä',
    typing: 'Kävijä kirjoittaa…',
    agentTyping: function (name) {
        return name + ' kirjoittaa…';
    },

    started: function (n, dept) {
        return 'Keskustelu ' + n + ' alkoi' + (dept ? ' · ' + dept : '');
    },
    startedOffline: function (n) {
        return 'Keskustelu ' + n + ' alkoi jätettynä viestinä';
    },
    joined: function (name) {
        return name + ' liittyi';
    },
    transferredTo: function (to, by) {
        return 'Siirretty: ' + to + ' (siirtäjä ' + by + ')';
    },
    released: function (name) {
        return name + ' poistui: takaisin jonossa';
    },
    closedByVisitor: 'Kävijä sulki keskustelun',
    closedBy: function (name) {
        return 'Sulkija: ' + name;
    },
    faqShown: function (q) {
        return 'Näytetty UKK-vastaus: ' + q;
    },

    delivered: 'Toimitettu',
    read: 'Luettu',
    transcript: 'Lataa keskustelu',
    transcriptTitle: function (shop, visitor) {
        return 'Keskustelu – ' + shop + ' – ' + visitor;
    },
    agentName: 'Asiakaspalvelija',
    rated: function (good, comment) {
        return 'Kävijä arvioi keskustelun ' +
               (good ? 'hyväksi' : 'huonoksi') +
               (comment ? ': ' + comment : '');
    },
    ratedShort: function (good) {
        return good ? 'Arvio: hyvä' : 'Arvio: huono';
    },
    tag_feedback: 'Palaute',
    tag_complaint: 'Valitus',
    tagged: function (tag, name) {
        return name + ' lisäsi tunnisteen ' + tag;
    },
    untagged: function (name) {
        return name + ' poisti tunnisteen';
    },
    invitedBy: function (name, text) {
        return name + ' kutsui kävijän keskusteluun: ”' + text + '”';
    },
    handoffEmail: function (email, note) {
        return 'Haluaa vastauksen sähköpostilla: ' + email
               + (note ? ' (”' + note + '”)' : '');
    },
    handoffBooking: 'Avasi ajanvaraussivun varatakseen puhelun',

    invite: 'Kutsu keskusteluun',
    inviteText: 'Kutsu',
    inviteDefault: 'Hei! Voinko auttaa jossakin?',
    inviteSend: 'Lähetä kutsu',
    inviteCancel: 'Peruuta',
    inviteSending: 'Lähetetään…',
    inviteSent: 'Kutsu lähetetty',
    inviteBusy: 'Kävijä on jo keskustelussa.',
    inviteOffline: 'Kävijä poistui sivustolta.',
    inviteFailed: 'Kutsua ei voitu lähettää.',

    confirmClose: 'Suljetaanko keskustelu?',
    confirmCloseText: 'Kävijä näkee, että keskustelu päättyi. Jos hän ' +
                      'kirjoittaa uudelleen, alkaa uusi keskustelu.',
    confirmYes: 'Sulje keskustelu',
    confirmNo: 'Peruuta',

    visitorCard: 'Kävijä',
    noVisitor: 'Avaa keskustelu nähdäksesi, kenen kanssa puhut.',
    email: 'Sähköposti',
    nowOn: 'Nyt sivulla',
    leftSite: 'Poistui sivustolta',
    onlineNow: 'Sivustolla nyt',
    pagesVisit: 'Tämän käynnin sivut',
    referrer: 'Tuli sivulta',
    browser: 'Selain',
    visits: 'Käynnit',
    firstVisit: 'Ensimmäinen käynti',
    nthVisit: function (n, first) {
        return n + '. käynti, ensimmäinen ' + first;
    },
    pastConversations: 'Keskustelut',
    pastItem: function (n, date, count) {
        return 'Keskustelu ' + n + ' · ' + date + ' · '
               + (count === 1 ? '1 viesti' : count + ' viestiä');
    },
    direct: 'Kirjoitti osoitteen tai käytti kirjanmerkkiä',

    now: '<1 min',
    minutes: function (n) {
        return n + ' min';
    },
    hours: function (n) {
        return n + ' t';
    },
    days: function (n) {
        return n + ' pv';
    },

    newChat: function (name) {
        return 'Uusi keskustelu: ' + name;
    },
    newMessage: function (name) {
        return name + ' kirjoitti';
    },
    titleCount: function (n, title) {
        return n ? '(' + n + ') ' + title : title;
    },

    signIn: 'Kirjaudu sisään',
    signInTitle: 'Kirjaudu - Live Help',
    welcome: 'Tervetuloa takaisin. Kävijät odottavat.',
    userName: 'Käyttäjätunnus',
    password: 'Salasana',
    badLogin: 'Väärä tunnus tai salasana. Yritä uudelleen.',
    throttled: function (minutes) {
        return 'Liian monta yritystä. Yritä uudelleen ' + minutes +
               ' minuutin kuluttua.';
    },
    busy: 'Juuri nyt kirjautuu moni. Yritä hetken päästä uudelleen.',
    loginFoot: 'Keskusteluihin vastaavalle tiimille. Pyydä tunnus ' +
               'ylläpitäjältä.'
});
