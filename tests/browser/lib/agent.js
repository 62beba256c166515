'use strict';

/*
 * An agent's chat socket from Node, the way the agent page speaks it
 * (docs/PROTOCOL.md): a plain RFC 6455 client over node:http's upgrade,
 * behind the stack's auth_basic. It keeps every message the server sent,
 * so a test waits for one (waitFor) whether it came before or after the
 * wait began; mark() makes later waits look only at what comes next.
 *
 *   const a = await connectAgent(stack.baseUrl, 'maria', 'secret');
 *   a.send({ type: 'claim', cid: 'c1', conversation: id });
 *   await a.waitFor((m) => m.type === 'ack' && m.cid === 'c1');
 */

const crypto = require('node:crypto');
const http = require('node:http');

const WAIT_MS = 10000;

function frame(opcode, payload) {
    const mask = crypto.randomBytes(4);
    const len = payload.length;
    const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
        : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126,
                                     len >> 8, len & 255])
        : null;

    if (!head) {
        throw new Error('test frames stay under 64k');
    }
    const body = Buffer.from(payload);

    for (let i = 0; i < body.length; i++) {
        body[i] ^= mask[i & 3];
    }
    return Buffer.concat([head, mask, body]);
}

class AgentSocket {
    constructor(sock, head) {
        this.sock = sock;
        this.buf = head;
        this.messages = [];
        this.from = 0;
        this.waiters = [];
        this.closed = false;

        sock.on('data', (chunk) => {
            this.buf = Buffer.concat([this.buf, chunk]);
            this.parse();
        });
        sock.on('close', () => {
            this.closed = true;
            this.wake();
        });
        sock.on('error', () => {});
        this.parse();
    }

    parse() {
        for (;;) {
            const b = this.buf;

            if (b.length < 2) {
                return;
            }
            let len = b[1] & 127;
            let at = 2;

            if (len === 126) {
                if (b.length < 4) {
                    return;
                }
                len = b.readUInt16BE(2);
                at = 4;
            } else if (len === 127) {
                if (b.length < 10) {
                    return;
                }
                len = Number(b.readBigUInt64BE(2));
                at = 10;
            }
            if (b.length < at + len) {
                return;
            }

            const opcode = b[0] & 15;
            const payload = b.subarray(at, at + len);

            this.buf = b.subarray(at + len);
            if (opcode === 1) {
                this.messages.push(JSON.parse(payload.toString('utf8')));
                this.wake();
            } else if (opcode === 9) {
                this.sock.write(frame(10, payload));
            } else if (opcode === 8) {
                this.sock.end();
            }
        }
    }

    wake() {
        this.waiters = this.waiters.filter((w) => !w());
    }

    send(obj) {
        this.sock.write(frame(1, JSON.stringify(obj)));
    }

    /* later waits see only what arrives from now on */
    mark() {
        this.from = this.messages.length;
    }

    /* the first message since the mark that pred accepts */
    waitFor(pred, what = String(pred), timeout = WAIT_MS) {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                reject(new Error(`agent socket: no message ${what} in `
                                 + `${timeout} ms; got `
                                 + JSON.stringify(this.messages
                                     .slice(this.from))));
            }, timeout);
            const check = () => {
                const m = this.messages.slice(this.from).find(pred);

                if (m) {
                    clearTimeout(timer);
                    resolve(m);
                    return true;
                }
                if (this.closed) {
                    clearTimeout(timer);
                    reject(new Error(`agent socket closed: no ${what}`));
                    return true;
                }
                return false;
            };

            if (!check()) {
                this.waiters.push(check);
            }
        });
    }

    /* the stored event of a conversation whose kind is kind */
    event(conversation, kind, more = () => true) {
        return this.waitFor((m) => m.type === 'event'
                            && m.conversation === conversation
                            && m.event && m.event.kind === kind
                            && more(m.event),
                            `event ${kind} of ${conversation}`);
    }

    close() {
        if (!this.closed) {
            this.sock.write(frame(8, Buffer.from([3, 232])));
            this.sock.end();
        }
        return new Promise((resolve) => {
            if (this.closed) {
                resolve();
            } else {
                this.sock.once('close', resolve);
            }
        });
    }
}

/* resolves once the server has listed the conversations: it is live */
function connectAgent(baseUrl, user, password) {
    const url = new URL('/live-help/agent/ws', baseUrl);

    return new Promise((resolve, reject) => {
        const req = http.request(url, {
            headers: {
                Connection: 'Upgrade',
                Upgrade: 'websocket',
                'Sec-WebSocket-Version': '13',
                'Sec-WebSocket-Key': crypto.randomBytes(16)
                    .toString('base64'),
                Authorization: 'Basic '
                    + Buffer.from(`${user}:${password}`).toString('base64'),
            },
        });

        req.on('upgrade', (res, sock, head) => {
            const a = new AgentSocket(sock, head);

            a.waitFor((m) => m.type === 'welcome', 'welcome')
                .then(() => {
                    a.send({ type: 'hello' });
                    return a.waitFor((m) => m.type === 'conversations',
                                     'conversations');
                })
                .then(() => resolve(a), reject);
        });
        req.on('response', (res) => {
            reject(new Error(`agent socket refused: ${res.statusCode}`));
            res.resume();
        });
        req.on('error', reject);
        req.end();
    });
}

/*
 * An agent who stays online for a whole test file: when nginx reloads
 * (sockets close with 1001) or restarts, the socket is opened again, as
 * the agent page would. stop() ends it.
 */
function stayOnline(baseUrl, user, password) {
    let socket = null;
    let stopped = false;

    const open = () => connectAgent(baseUrl, user, password).then((a) => {
        socket = a;
        a.sock.once('close', () => {
            if (!stopped) {
                retry();
            }
        });
    });
    const retry = () => open().catch(() => {
        if (!stopped) {
            setTimeout(retry, 200).unref();
        }
    });

    return open().then(() => ({
        /* the socket open now */
        get socket() {
            return socket;
        },

        async stop() {
            stopped = true;
            await socket.close();
        },
    }));
}

module.exports = { connectAgent, stayOnline };
