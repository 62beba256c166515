/*
 * Every text the agent panel shows, in one table, for translation: the
 * page's own (index.html and login.html name them with data-s,
 * data-s-label and data-s-title) and the scripts'. A function takes the
 * values it words. English here; lang/fi.js and lang/de.js have the same
 * keys (a key missing there stays English).
 */
(function () {
    'use strict';

    function nth(n) {
        var tens = n % 100;
        var suffix = 'th';

        if (tens < 11 || tens > 13) {
            suffix = ['th', 'st', 'nd', 'rd'][n % 10] || 'th';
        }
        return n + suffix;
    }

    globalThis.LiveHelpPanelStrings = {
        title: 'Live Help',
        product: 'Live Help',
        logout: 'Log out',
        skip: 'Skip to the conversation',

        /* header */
        me: 'Signed in as',
        online: 'Online',
        away: 'Away',
        presenceLabel: 'Available for new chats',
        chatsFrom: 'Chats from',
        allDepartments: 'All departments',
        load: function (n, max) {
            return n + ' of ' + max + ' chats';
        },
        connecting: 'Connecting\u2026',
        reconnecting: 'Reconnecting\u2026 Replies wait and go out once ' +
                      'the connection is back.',
        unavailable: 'Chat is not available: this server has no ' +
                     'live_help_redis.',
        signedOut: 'Your sign-in has ended: replies wait until you are ' +
                   'back.',
        signInAgain: 'Sign in again',

        /* column 1 */
        conversations: 'Conversations',
        tabs: 'Lists',
        tabMine: 'Mine',
        tabQueue: 'Queue',
        tabOpen: 'All open',
        tabClosed: 'Closed',
        tabVisitors: 'Visitors',
        emptyMine: 'No chats of yours. New ones come from the queue.',
        emptyQueue: 'Nobody is waiting.',
        emptyOpen: 'No open conversations.',
        emptyClosed: 'No closed conversations yet.',
        emptyVisitors: 'No visitors on the site now.',
        /* the list has more than the panel was sent: the next page */
        loadMore: function (shown, total) {
            return 'Load more (' + shown + ' of ' + total + ')';
        },
        waiting: 'Waiting',
        open: 'Open',
        closed: 'Closed',
        none: 'No chat',
        unread: function (n) {
            return n === 1 ? '1 unread message' : n + ' unread messages';
        },
        typingShort: 'typing\u2026',
        visitorFallback: function (id) {
            return 'Visitor ' + id.slice(1, 7);
        },
        ownedBy: function (name) {
            return name;
        },
        youOwn: 'You',
        visitorsTotal: function (shown, total) {
            return total > shown ? shown + ' of ' + total + ' visitors'
                                 : total + (total === 1 ? ' visitor'
                                                        : ' visitors');
        },
        onSite: function (time) {
            return 'on site ' + time;
        },
        pagesCount: function (n) {
            return n === 1 ? '1 page' : n + ' pages';
        },
        newVisitor: 'New',
        returning: 'Returning',

        /* column 2 */
        choose: 'Choose a conversation',
        shortcuts: 'Keys: 1 to 5 choose a list, j and k (or arrows) ' +
                   'move through it, Enter opens, r or / replies, ' +
                   'c claims, e closes, Escape leaves the reply box.',
        back: 'Back',
        claim: 'Claim',
        transfer: 'Transfer',
        close: 'Close',
        info: 'Visitor info',
        transferAgents: 'Agents online',
        transferDepts: 'Departments',
        transferNobody: 'No other agent is online',
        agentLoad: function (name, chats, max, away) {
            return name + ' \u2013 ' + chats + ' of ' + max + ' chats'
                   + (away ? ' (away)' : '');
        },
        youAnswer: 'You are answering',
        answering: function (name) {
            return name + ' is answering';
        },
        waitingFor: function (time, dept) {
            return 'Waiting ' + time + (dept ? ' \u00b7 ' + dept : '');
        },
        closedNote: 'This conversation is closed. If the visitor writes ' +
                    'again, a new one starts.',
        notWritten: 'This visitor has not written yet.',
        refusedOwned: function (name) {
            return name ? name + ' took it first.'
                        : 'Another agent took it first.';
        },
        refusedClosed: 'This conversation is already closed.',
        refusedYours: 'It is yours already.',
        refusedSame: 'It is there already.',
        refusedOffline: 'That agent is not online any more.',
        refusedOther: 'That did not work.',
        reply: 'Reply',
        replyPlaceholder: 'Write a reply',
        replyHint: 'Enter sends, Shift+Enter starts a new line.',
        send: 'Send',
        noMessages: 'No messages yet.',
        loading: 'Loading\u2026',
        sending: 'Sending\u2026',
        sent: 'Sent',
        notSent: 'Not sent',
        tooLong: 'This reply is too long.',
        visitor: 'Visitor',
        agent: 'Agent',
        replyByEmail: 'Reply by e-mail',
        mailSubject: 'Your message to our shop',
        you: 'You',
        typing: 'Visitor is typing\u2026',
        agentTyping: function (name) {
            return name + ' is typing\u2026';
        },

        /* system lines */
        started: function (n, dept) {
            return 'Conversation ' + n + ' started' + (dept ? ' \u00b7 '
                                                             + dept : '');
        },
        startedOffline: function (n) {
            return 'Conversation ' + n + ' started as an offline message';
        },
        joined: function (name) {
            return name + ' joined';
        },
        transferredTo: function (to, by) {
            return 'Transferred to ' + to + ' by ' + by;
        },
        released: function (name) {
            return name + ' left: back in the queue';
        },
        closedByVisitor: 'Closed by the visitor',
        faqShown: function (q) {
            return 'Shown FAQ answer: ' + q;
        },

        /* read marks, ratings, transcripts (marks.js) */
        delivered: 'Delivered',
        read: 'Read',
        transcript: 'Download transcript',
        transcriptTitle: function (shop, visitor) {
            return 'Chat transcript \u2014 ' + shop + ' \u2014 ' + visitor;
        },
        agentName: 'Agent',
        rated: function (good, comment) {
            return 'The visitor rated this chat ' + (good ? 'good' : 'bad')
                   + (comment ? ': ' + comment : '');
        },
        ratedShort: function (good) {
            return good ? 'Rated good' : 'Rated bad';
        },
        tag_feedback: 'Feedback',
        tag_complaint: 'Complaint',
        tagged: function (tag, name) {
            return 'Tagged ' + tag + ' by ' + name;
        },
        untagged: function (name) {
            return 'Tag removed by ' + name;
        },
        closedBy: function (name) {
            return 'Closed by ' + name;
        },
        invitedBy: function (name, text) {
            return name + ' invited them to chat: \u201c' + text + '\u201d';
        },
        handoffEmail: function (email, note) {
            return 'Wants a reply by e-mail: ' + email
                   + (note ? ' (\u201c' + note + '\u201d)' : '');
        },
        handoffBooking: 'Opened the booking page to book a call',

        /* invitations from the Visitors now list */
        invite: 'Invite to chat',
        inviteText: 'Invitation',
        inviteDefault: 'Hi! Can I help you with anything?',
        inviteSend: 'Send invitation',
        inviteCancel: 'Cancel',
        inviteSending: 'Sending\u2026',
        inviteSent: 'Invitation sent',
        inviteBusy: 'They are in a conversation already.',
        inviteOffline: 'They left the site.',
        inviteFailed: 'The invitation could not be sent.',

        /* confirm */
        confirmClose: 'Close this conversation?',
        confirmCloseText: 'The visitor sees that it ended. If they write ' +
                          'again, a new conversation starts.',
        confirmYes: 'Close conversation',
        confirmNo: 'Cancel',

        /* column 3 */
        visitorCard: 'Visitor',
        noVisitor: 'Open a conversation to see who you are talking to.',
        email: 'E-mail',
        nowOn: 'Now on',
        leftSite: 'Left the site',
        onlineNow: 'On the site now',
        pagesVisit: 'Pages this visit',
        referrer: 'Came from',
        browser: 'Browser',
        visits: 'Visits',
        firstVisit: 'First visit',
        nthVisit: function (n, first) {
            return nth(n) + ' visit, first seen ' + first;
        },
        pastConversations: 'Conversations',
        pastItem: function (n, date, count) {
            return 'Conversation ' + n + ' \u00b7 ' + date + ' \u00b7 '
                   + (count === 1 ? '1 message' : count + ' messages');
        },
        direct: 'Typed the address or a bookmark',

        /* times */
        now: '<1 min',
        minutes: function (n) {
            return n + ' min';
        },
        hours: function (n) {
            return n + ' h';
        },
        days: function (n) {
            return n + ' d';
        },

        /* notifications */
        newChat: function (name) {
            return 'New chat: ' + name;
        },
        newMessage: function (name) {
            return name + ' wrote';
        },
        titleCount: function (n, title) {
            return n ? '(' + n + ') ' + title : title;
        },

        /* the sign-in page (login.html) */
        signIn: 'Sign in',
        signInTitle: 'Sign in - Live Help',
        welcome: 'Welcome back. Your visitors are waiting.',
        userName: 'User name',
        password: 'Password',
        badLogin: 'Wrong name or password. Please try again.',
        throttled: function (minutes) {
            return 'Too many attempts, try again in ' + minutes +
                   ' minutes.';
        },
        busy: 'Many people are signing in right now. Please try again ' +
              'in a moment.',
        loginFoot: 'For the team answering chats. Ask your administrator ' +
                   'for an account.'
    };

    /*
     * The agent's language: the first of the browser's that the panel
     * has (lang/fi.js and lang/de.js, loaded after this file, replace
     * the keys they have when theirs is chosen); English otherwise.
     */
    var S = globalThis.LiveHelpPanelStrings;
    var have = ['en', 'fi', 'de'];

    S.lang = (navigator.languages || [navigator.language || 'en'])
        .map(function (l) {
            return String(l).split('-')[0].toLowerCase();
        })
        .filter(function (l) {
            return have.indexOf(l) >= 0;
        })[0] || 'en';
    document.documentElement.lang = S.lang;

    globalThis.LiveHelpPanelLang = function (lang, table) {
        if (lang === S.lang) {
            Object.keys(table).forEach(function (key) {
                S[key] = table[key];
            });
        }
    };
})();
