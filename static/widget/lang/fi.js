/*
 * Finnish strings of the widget: the keys of STRINGS in ../loader.js (a
 * key missing here stays English). Loaded only for Finnish pages.
 */
window.__liveHelp.strings({
    title: 'Kysy meiltä',
    unread: function (n) {
        return n === 1 ? '1 lukematon viesti' : n + ' lukematonta viestiä';
    },
    newMessage: function (name) {
        return name + ' lähetti uuden viestin';
    },
    close: 'Sulje chat',
    menu: 'Lisää toimintoja',
    endChat: 'Lopeta keskustelu',
    endConfirm: 'Lopetetaanko keskustelu?',
    cancel: 'Peruuta',
    greeting: 'Ei vielä viestejä – asiakaspalvelijamme vastaa sinulle tässä.',
    intro: 'Kysy meiltä mitä vain',
    inputLabel: 'Viesti',
    inputPlaceholder: 'Kirjoita viestisi…',
    newChat: 'Aloita uusi keskustelu',
    send: 'Lähetä',
    loading: 'Chat latautuu…',
    loadError: 'Chatin lataaminen epäonnistui. Yritä uudelleen.',
    you: 'Sinä',
    agent: 'Asiakaspalvelija',
    talkingTo: function (name) {
        return 'Sinua palvelee ' + name;
    },
    waiting: 'Vastaamme sinulle pian',
    joined: function (name) {
        return name + ' liittyi keskusteluun';
    },
    transferred: function (dept) {
        return 'Keskustelusi siirrettiin: ' + dept;
    },
    released: 'Odotetaan seuraavaa vapaata asiakaspalvelijaa',
    ended: 'Keskustelu päättyi',
    typing: function (name) {
        return name + ' kirjoittaa…';
    },
    sending: 'Lähetetään…',
    notSent: 'Ei lähetetty',
    connecting: 'Yhdistetään…',
    reconnecting: 'Yhdistetään uudelleen…',
    unavailable: 'Chat ei ole juuri nyt käytettävissä.',
    tooLong: 'Viesti on liian pitkä.',
    limited: 'Lähetät liian nopeasti: viesti lähtee hetken päästä.',
    away: 'Emme ole juuri nyt paikalla',
    offlineIntro: 'Kukaan ei ole juuri nyt paikalla. Jätä viesti, niin ' +
                  'palaamme asiaan.',
    prechatIntro: 'Kerro ensin vähän itsestäsi, sitten voit kysyä.',
    name: 'Nimi',
    email: 'Sähköposti',
    optional: ' (vapaaehtoinen)',
    department: 'Osasto',
    anyDepartment: 'Mikä tahansa',
    question: 'Kysymyksesi',
    yourMessage: 'Viestisi',
    startChat: 'Aloita keskustelu',
    leaveMessage: 'Lähetä viesti',
    badName: 'Kirjoita nimesi (enintään 64 merkkiä).',
    badEmail: 'Kirjoita toimiva sähköpostiosoite.',
    badText: 'Kirjoita viesti.',
    thanks: 'Kiitos! Vastaamme sähköpostilla tai täällä, kun palaat.',
    faqTitle: 'Ehdotetut vastaukset',
    faqFound: function (n) {
        return n === 1 ? '1 ehdotettu vastaus'
                       : n + ' ehdotettua vastausta';
    },
    faqCard: 'Usein kysyttyä',
    delivered: 'Toimitettu',
    read: 'Luettu',
    rateQuestion: 'Miten keskustelu sujui?',
    rateGood: 'Hyvin',
    rateBad: 'Huonosti',
    rateComment: 'Kerro lisää (vapaaehtoinen)',
    rateSend: 'Lähetä palaute',
    rateThanks: 'Kiitos palautteestasi!',
    rated: function (good) {
        return 'Arvioit keskustelun ' + (good ? 'hyväksi' : 'huonoksi');
    },
    transcript: 'Lataa keskustelu',
    transcriptTitle: function (shop) {
        return 'Keskustelu – ' + shop;
    },
    invitation: 'Kutsu keskusteluun',
    chatNow: 'Keskustele nyt',
    noThanks: 'Ei kiitos',
    newTitle: function (n) {
        return n === 1 ? '(1) Uusi viesti' : '(' + n + ') Uutta viestiä';
    },
    soundOn: 'Äänet päälle',
    soundOff: 'Äänet pois',
    leaveEmail: 'Jätä sähköpostiosoitteesi',
    emailIntro: 'Vastaamme sinulle sähköpostilla.',
    note: 'Lisätietoja',
    sendEmail: 'Lähetä',
    emailSent: function (email) {
        return 'Vastaamme osoitteeseen ' + email;
    },
    bookCall: 'Varaa puhelu',
    booked: 'Avasit ajanvaraussivun'
});
