'use strict';

/*
 * Starts the real stack the browser tests run against: a redis-server and
 * Debian's nginx with the built live_help module, each on a free loopback
 * port, configured in a fresh temporary directory. stop() ends both by
 * pid; errorLogProblems() lists the error log lines that must never
 * appear ([alert], [crit], [emerg]).
 *
 * /live-help/agent/ is behind auth_basic with two agents, AGENT (password
 * AGENT_PASSWORD) and AGENT2 (AGENT2_PASSWORD), as the README shows
 * operators; or, with { login: true }, the module's own login takes its
 * place, with the agents of LOGIN_AGENTS in a live_help_agents_file.
 *
 * Options of startStack: noStore (no live_help_redis), login, and the
 * queue's directives: assign ('auto' or 'manual'), maxChats, grace (e.g.
 * '2s') and departments (e.g. 'sales support=Customer_support').
 */

const { spawn, execFile } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..', '..', '..');
const NGINX = process.env.NGINX_BIN || '/usr/sbin/nginx';
const REDIS = process.env.REDIS_BIN || 'redis-server';
const REDIS_CLI = process.env.REDIS_CLI_BIN || 'redis-cli';
const MODULE = process.env.LIVE_HELP_MODULE
    || path.join(REPO, 'build', 'ngx_http_live_help_module.so');

/*
 * /csp/ serves the shop under a policy that allows only scripts carrying
 * this nonce, as sites with a strict CSP do.
 */
const CSP_NONCE = 'bGl2ZS1oZWxwLXRlc3Q';
const CSP = `default-src 'self'; script-src 'nonce-${CSP_NONCE}'; `
    + "img-src 'self' data:";

const AGENT = 'maria';
const AGENT_PASSWORD = 'secret';
const LOGIN_AGENTS = [
    { login: 'maria', password: 'maria-pw', name: 'Maria Virtanen' },
    { login: 'jonas', password: 'jonas-pw', name: 'Jonas Berg' },
];
const AGENT2 = 'jonas';
const AGENT2_PASSWORD = 'secret2';

const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 10000;
const POLL_MS = 25;

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();

        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();

            srv.close(() => resolve(port));
        });
    });
}

function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/*
 * Polls until check() resolves true, or throws what() after the deadline.
 * Used for things that announce readiness only by starting to answer.
 */
async function pollUntil(check, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;

    for (;;) {
        if (await check()) {
            return;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
        }
        await delay(POLL_MS);
    }
}

/* Opens a connection, optionally sends a line, resolves the first reply. */
function talk(port, line) {
    return new Promise((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port });
        let reply = '';

        sock.setTimeout(1000);
        sock.on('connect', () => {
            if (line === undefined) {
                sock.end();
                resolve('');
                return;
            }
            sock.write(line);
        });
        sock.on('data', (chunk) => {
            reply += chunk.toString('latin1');
            if (reply.includes('\r\n')) {
                sock.destroy();
                resolve(reply);
            }
        });
        sock.on('timeout', () => {
            sock.destroy();
            resolve(null);
        });
        sock.on('error', () => resolve(null));
    });
}

/*
 * One RESP reply parsed from buf at offset: [value, next offset], or null
 * while it is incomplete. Errors come back as Error objects, nil as null.
 */
function parseReply(buf, at) {
    const eol = buf.indexOf('\r\n', at);

    if (eol < 0) {
        return null;
    }

    const kind = String.fromCharCode(buf[at]);
    const line = buf.toString('utf8', at + 1, eol);
    let next = eol + 2;

    switch (kind) {
    case '+':
        return [line, next];
    case '-':
        return [new Error(line), next];
    case ':':
        return [Number(line), next];
    case '$': {
        const len = Number(line);

        if (len < 0) {
            return [null, next];
        }
        if (buf.length < next + len + 2) {
            return null;
        }
        return [buf.toString('utf8', next, next + len), next + len + 2];
    }
    case '*': {
        const n = Number(line);
        const items = [];

        if (n < 0) {
            return [null, next];
        }
        for (let i = 0; i < n; i++) {
            const item = parseReply(buf, next);

            if (item === null) {
                return null;
            }
            items.push(item[0]);
            next = item[1];
        }
        return [items, next];
    }
    default:
        throw new Error(`redis sent an unknown reply type ${kind}`);
    }
}

/*
 * Sends one command on a connection of its own and resolves its parsed
 * reply; a Redis error rejects. Quicker than redis-cli, for polling.
 */
function sendCommand(port, args) {
    return new Promise((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port });
        let buf = Buffer.alloc(0);

        sock.setTimeout(START_TIMEOUT_MS);
        sock.on('connect', () => {
            sock.write(`*${args.length}\r\n` + args.map((a) => {
                const s = String(a);

                return `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
            }).join(''));
        });
        sock.on('data', (chunk) => {
            let reply;

            buf = Buffer.concat([buf, chunk]);
            try {
                reply = parseReply(buf, 0);
            } catch (e) {
                sock.destroy();
                reject(e);
                return;
            }
            if (reply === null) {
                return;
            }
            sock.destroy();
            if (reply[0] instanceof Error) {
                reject(new Error(`redis ${args.join(' ')}: `
                                 + reply[0].message));
            } else {
                resolve(reply[0]);
            }
        });
        sock.on('timeout', () => {
            sock.destroy();
            reject(new Error(`redis ${args.join(' ')}: no reply`));
        });
        sock.on('error', reject);
    });
}

function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;

    } catch (e) {
        return e.code === 'EPERM';
    }
}

function readIfExists(file) {
    try {
        return fs.readFileSync(file, 'utf8');

    } catch (e) {
        return '';
    }
}

/* the queue's and agents' directives the options ask for, at http level */
function queueConf({ assign, maxChats, grace, departments,
                     agentLifetime, http } = {}) {
    return [
        http,
        assign && `live_help_assign ${assign};`,
        agentLifetime && `live_help_agent_socket_lifetime ${agentLifetime};`,
        maxChats && `live_help_max_chats ${maxChats};`,
        grace && `live_help_agent_grace ${grace};`,
        departments && `live_help_departments ${departments};`,
    ].filter(Boolean).join('\n    ');
}

/*
 * noStore: no live_help_redis, as an operator who forgot it; login: the
 * module's own login instead of auth_basic; departments ("sales
 * support=Customer_support"), assign ("manual"), prechat (true),
 * agentLifetime ("3s", live_help_agent_socket_lifetime): the directives
 * of those names; http: more directives for the http block; server: more
 * for the server block (locations).
 */
function nginxConf(dir, port, redisPort, opts = {}) {
    const { noStore = false, login = false, prechat = false } = opts;
    const agents = login ? `live_help_agents_file ${dir}/login-agents;` : `
        location /live-help/agent/ {
            live_help_endpoint;
            auth_basic "Agents";
            auth_basic_user_file ${dir}/agents;
            live_help_agent_user $remote_user;
        }`;

    return `load_module ${MODULE};
worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp;
    fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp;
    scgi_temp_path ${dir}/tmp;
    ${noStore ? '' : `live_help_redis 127.0.0.1:${redisPort};`}
    live_help_secret_file ${dir}/secret;
    ${login ? agents : ''}
    ${queueConf(opts)}
    ${prechat ? 'live_help_prechat on;' : ''}
    server {
        listen 127.0.0.1:${port};
        root ${REPO}/demo/shop;
        location / { live_help on; live_help_title "Live Help"; }
        location /live-help/ { live_help_endpoint; }
        ${login ? '' : agents}
        ${opts.server || ''}
        location /csp/ {
            alias ${REPO}/demo/shop/;
            live_help on;
            add_header Content-Security-Policy "${CSP}" always;
        }
    }
}
`;
}

/* on port, when given: a restart takes the place of the one stopped */
async function startRedis(dir, port) {
    port = port || await freePort();
    const log = fs.openSync(path.join(dir, 'redis.log'), 'a');
    const child = spawn(REDIS, [
        '--port', String(port), '--bind', '127.0.0.1',
        '--save', '', '--appendonly', 'no', '--dir', dir,
    ], { stdio: ['ignore', log, log] });
    let exited = null;

    fs.closeSync(log);
    child.on('exit', (code, signal) => {
        exited = { code, signal };
    });
    await new Promise((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
    });

    await pollUntil(async () => {
        if (exited) {
            throw new Error(`redis-server exited (${JSON.stringify(exited)}):\n`
                            + readIfExists(path.join(dir, 'redis.log')));
        }
        const reply = await talk(port, 'PING\r\n');

        return reply !== null && reply.startsWith('+PONG');
    }, START_TIMEOUT_MS, () => `redis-server on port ${port}`);

    return {
        port,
        pid: child.pid,

        /* save: write the data to DIR/dump.rdb first, for a restart */
        async stop({ save } = {}) {
            if (exited) {
                return;
            }
            const gone = new Promise((resolve) => child.once('exit', resolve));

            if (save) {
                await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port),
                                      'SHUTDOWN', 'SAVE']);
            } else {
                process.kill(child.pid, 'SIGTERM');
            }
            /* a timer left pending would hold node for its 10 s */
            let timer;

            await Promise.race([gone, new Promise((resolve) => {
                timer = setTimeout(resolve, STOP_TIMEOUT_MS);
            })]);
            clearTimeout(timer);
            if (!exited) {
                process.kill(child.pid, 'SIGKILL');
                await gone;
                throw new Error('redis-server ignored SIGTERM');
            }
        },
    };
}

function run(file, args) {
    return new Promise((resolve) => {
        execFile(file, args, (err, stdout, stderr) => {
            resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr });
        });
    });
}

/* SHA-512-crypt hashes, as "mkpasswd -m sha-512" makes them */
async function loginAgentsFile() {
    const lines = [];

    for (const a of LOGIN_AGENTS) {
        const res = await new Promise((resolve, reject) => {
            const child = execFile('openssl', ['passwd', '-6', '-stdin'],
                                   (err, stdout) => (err ? reject(err)
                                                     : resolve(stdout)));

            child.stdin.end(a.password);
        });

        lines.push(`${a.login}:${res.trim()}:${a.name}`);
    }
    return `${lines.join('\n')}\n`;
}

async function startNginx(dir, redisPort, opts) {
    const port = await freePort();
    const conf = path.join(dir, 'nginx.conf');
    const errorLog = path.join(dir, 'error.log');
    const pidFile = path.join(dir, 'nginx.pid');

    if (!fs.existsSync(MODULE)) {
        throw new Error(`module not found: ${MODULE} (run make, or set `
                        + 'LIVE_HELP_MODULE)');
    }

    fs.mkdirSync(path.join(dir, 'tmp'));
    /* the master reads the secret; workers (nobody, when we are root)
     * read the agents file on every request */
    fs.writeFileSync(path.join(dir, 'secret'), crypto.randomBytes(32),
                     { mode: 0o600 });
    /* opts.agents: more logins, each with AGENT_PASSWORD */
    fs.writeFileSync(path.join(dir, 'agents'),
                     `${AGENT}:{PLAIN}${AGENT_PASSWORD}\n`
                     + `${AGENT2}:{PLAIN}${AGENT2_PASSWORD}\n`
                     + (opts.agents || []).map((a) =>
                         `${a}:{PLAIN}${AGENT_PASSWORD}\n`).join(''),
                     { mode: 0o644 });
    if (opts.login) {
        fs.writeFileSync(path.join(dir, 'login-agents'),
                         await loginAgentsFile(), { mode: 0o644 });
    }
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(conf, nginxConf(dir, port, redisPort, opts));

    const res = await run(NGINX, ['-p', dir, '-c', conf, '-e', errorLog,
                                  '-g', 'daemon on;']);

    if (res.code !== 0) {
        throw new Error(`nginx failed to start (exit ${res.code}):\n`
                        + res.stderr + readIfExists(errorLog));
    }

    await pollUntil(async () => (await talk(port)) !== null,
                    START_TIMEOUT_MS,
                    () => `nginx on port ${port}:\n${readIfExists(errorLog)}`);

    const pid = Number(readIfExists(pidFile).trim());

    if (!pid) {
        throw new Error(`nginx wrote no pid to ${pidFile}`);
    }

    return {
        port,
        pid,
        errorLog,

        /*
         * nginx -s reload: new workers start, the old ones close their
         * sockets with 1001 and exit.
         */
        async reload() {
            const res = await run(NGINX, ['-p', dir, '-c', conf, '-e',
                                          errorLog, '-s', 'reload']);

            if (res.code !== 0) {
                throw new Error(`nginx -s reload failed: ${res.stderr}`);
            }
        },

        async stop() {
            if (!alive(pid)) {
                return;
            }
            /* graceful: workers must close their sockets and exit */
            process.kill(pid, 'SIGQUIT');
            try {
                await pollUntil(async () => !alive(pid), STOP_TIMEOUT_MS,
                                () => `nginx master ${pid} to exit`);
            } catch (e) {
                process.kill(pid, 'SIGKILL');
                throw e;
            }
        },
    };
}

async function startStack(opts = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-help-browser-'));
    let redis = await startRedis(dir);
    let nginx;

    try {
        nginx = await startNginx(dir, redis.port, opts);

    } catch (e) {
        await redis.stop();
        throw e;
    }

    return {
        dir,
        nginx,

        get redis() {
            return redis;
        },
        baseUrl: `http://127.0.0.1:${nginx.port}`,

        async stop() {
            const errors = [];

            for (const part of [nginx, redis]) {
                try {
                    await part.stop();
                } catch (e) {
                    errors.push(e);
                }
            }
            if (errors.length) {
                throw errors[0];
            }
        },

        /* Lines that mean nginx or the module hit something it must not. */
        errorLogProblems() {
            return readIfExists(nginx.errorLog)
                .split('\n')
                .filter((line) => /\[(alert|crit|emerg)\]/.test(line));
        },

        errorLog() {
            return readIfExists(nginx.errorLog);
        },

        reload() {
            return nginx.reload();
        },

        /*
         * Redis goes away (its data saved) and comes back on the same
         * port, as after a crash or a restart of the store.
         */
        async redisDown() {
            await redis.stop({ save: true });
        },

        async redisUp() {
            redis = await startRedis(dir, redis.port);
        },

        /* one redis-cli command against our redis; resolves its stdout */
        async redisCli(...args) {
            const res = await run(REDIS_CLI, ['-h', '127.0.0.1', '-p',
                                              String(redis.port), '--raw',
                                              ...args]);

            if (res.code !== 0) {
                throw new Error(`redis-cli ${args.join(' ')}: ${res.stderr}`);
            }
            return res.stdout;
        },

        /*
         * One command against our redis, on a connection of its own;
         * resolves the parsed reply (strings, numbers, arrays, null).
         */
        redisCommand(...args) {
            return sendCommand(redis.port, args);
        },

        /* after a clean run; a failed one keeps its logs for reading */
        remove() {
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

module.exports = {
    startStack, REPO, CSP_NONCE, AGENT, AGENT_PASSWORD, AGENT2,
    AGENT2_PASSWORD, LOGIN_AGENTS,
};
