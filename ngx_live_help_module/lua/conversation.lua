-- The conversation model.  Everything that changes a visitor's log or who
-- answers them runs in this one script, so that it is atomic across the
-- workers of every host, and every change is an event in the visitor's log
-- exactly when it happens.
--
-- A visitor's log, lh:c:<t>:log, holds their conversations one after the
-- other: "opened" starts conversation n, "closed" ends it; about its
-- newest ARGV[13] events are kept (XADD MAXLEN ~).  The current
-- one's state is the hash lh:c:<t>:state:
--   state    waiting | open | closed     n        its number, from 1
--   dept     its department ("" if none)   owner    agent id (open)
--   oname    the owner's display name     since    ms the state began
--   opened   ms it was opened             offline  "1": left while nobody
--                                                  could answer
--   vread    the visitor's read mark      aread    the owning agent's (ids
--            of the log, only forward: op read)
--   rating   good | bad                   rn       the conversation rated
--   rated    ms it was rated              tag      feedback | complaint
--                                                  (of conversation rn)
-- and these keys hold the rest:
--   lh:c:<t>:cid:<cid>  the id a client id got (ARGV[5] seconds)
--   lh:convs            zset  logs by last activity (ms)
--   lh:queue            zset  waiting conversations, oldest first
--   lh:open             zset  open conversations by last activity
--   lh:closed           zset  closed ones by when (the newest 10000)
--   lh:mine:<agent>     set   the conversations an agent owns
--   lh:owners           set   agents who own one at least
--   lh:ag:<agent>       hash  name, status (online | away), depts (spaces;
--                             "" for all), max, last (ms of the last
--                             chat given), gone (ms first seen offline);
--                             30 days after the agent was last seen
--   lh:agents           zset  agent sockets "<agent>|<socket>" by the ms
--                             they lapse (ngx_http_live_help_presence.c)
--   lh:away             set   agents who said they are away
--   lh:v:<t>            hash  the visitor: name ("Visitor 12")
--   lh:e:<email>        zset  the visitors who gave that e-mail (visitor.lua)
--   lh:vn               the last visitor number given
--   lh:ratings          hash  good, bad, feedback, complaint: counts of
--                             ratings and of tags, for a supervisor
-- Keys are made here from the arguments: the module runs on one Redis (or
-- a primary with replicas), not on Redis Cluster.
--
-- ARGV[1]  op: message | claim | close | transfer | note | read | rate |
--          tag | agent | sweep | migrate
-- ARGV[2]  now, in ms
-- message, claim, close, transfer (one visitor's log):
--   ARGV[3]  t, the visitor         ARGV[4]  cid, the client's id of it
--   ARGV[5]  seconds a cid is kept  ARGV[6]  actor: "visitor" or an agent id
--   ARGV[7]  the actor's display name
--   ARGV[8]  message, note: the event (JSON, stored as it is);
--            transfer: "a:<agent>" or "d:<department>"
--   ARGV[9]  message from a visitor: the department of a new conversation
--   ARGV[10] "1": give waiting conversations to agents automatically
--   ARGV[11] message from a visitor: "1" if left while nobody answers
--   ARGV[12] seconds a log is kept after its last event (its state, and
--            the visitor's record, as long)
--   ARGV[13] events a log keeps, about (0: all)
--   ARGV[14] message (or first note) from a visitor: "<address>|<burst>|
--            <ms each>", the
--            new conversations the visitor's address may open (lh:rl:<address>
--            holds when its allowance is whole again); "" for no limit
-- agent (an agent said hello or changed status):
--   ARGV[3]  agent id  ARGV[4] name  ARGV[5] online | away
--   ARGV[6]  departments ("" for all)  ARGV[7] max chats  ARGV[8] assign
--   ARGV[9]  seconds logs are kept  ARGV[10] events a log keeps
-- sweep (every few seconds, by every worker):
--   ARGV[3]  ms an owner may be offline before their chats go back to the
--            queue  ARGV[4] assign
--   ARGV[5]  seconds logs are kept: older entries leave the indexes
--   ARGV[6]  events a log keeps
-- migrate (logs of protocol 1, which had no state):
--   ARGV[3]  how many at most  ARGV[4] ms: older ones count as closed
--   ARGV[5]  seconds logs are kept after their last event
--
-- read (a read mark; no cid kept: ARGV[4] is the seq read up to):
--   ARGV[3]  t  ARGV[4] the seq  ARGV[6] "visitor" or the agent id
--   The mark moves to the newest event at or before the seq that is not a
--   read mark itself, only forward, and only the owner of an open
--   conversation moves the agent's: each side adds at most one "read"
--   event per other event, whatever a client sends.  Returns the event's
--   id or a refusal: "stale" (does not move the mark forward), "beyond"
--   (after the log's last event), "owned" (not the owner), "closed" (no
--   log).
-- rate (the visitor, once per conversation, after it closed), tag (an
-- agent tags the last rated one): ARGV[8] rate: {"good":b,"comment":s,
--   "n":n (optional: the conversation meant)}; tag: feedback | complaint
--   | "" (none).  Refusals: "open" (not closed yet), "rated" (rated
--   already), "gone" (n is not the current conversation), "unrated"
--   (nothing to tag), "same" (tagged so already).
--
-- A note is an event that only goes into the log: it opens no
-- conversation and changes no state (an FAQ answer shown, a read mark, a
-- rating); the log must exist already unless ARGV[9] is "new".  ARGV[9]
-- "invite" (an agent's invitation): refused "busy" while a conversation
-- is waiting or open, "offline" for a visitor not online.
--
-- Returns: message, claim, close, transfer, note: the id of the event stored
-- (a string; a cid seen before returns the id it got then, and nothing
-- changes), or a refusal {code, owner id, owner name}: "owned" (another
-- agent has it), "closed", "yours" (claim of one's own), "same" (transfer
-- to where it is), "offline" (transfer to an agent not online); or
-- {"rate_limited", ms to wait, ""}: a visitor's message that would open one
-- conversation too many for its address; nothing changed.
-- agent, sweep: how many conversations changed hands.  migrate: how many
-- logs are left to migrate.

local op, now = ARGV[1], tonumber(ARGV[2])
local assigned = 0

local function key(t, what)
    return 'lh:c:' .. t .. (what and (':' .. what) or '')
end

-- what is kept of a log, in seconds after its last event (0: for ever,
-- as the protocol 1 scripts did)
local keep = tonumber((op == 'sweep' or op == 'migrate') and ARGV[5]
                      or op == 'agent' and ARGV[9] or ARGV[12]) or 0
-- how many events a log keeps, about (0: all of them)
local cap = tonumber((op == 'sweep' or op == 'migrate') and ARGV[6]
                     or op == 'agent' and ARGV[10] or ARGV[13]) or 0
-- an agent's record outlives their last hello by this much
local AGENT_KEEP = 30 * 86400

-- a visitor's e-mail index (lua/visitor.lua) lives as long as their record
local function email_key(t)
    local email = redis.call('HGET', 'lh:v:' .. t, 'email')
    return email and email ~= '' and 'lh:e:' .. string.lower(email) or nil
end

-- appends an event (a table, or JSON as it is) and announces it; the log,
-- its state and the visitor's record then expire together
local function add(t, e)
    local json = type(e) == 'string' and e or cjson.encode(e)
    local id
    if cap > 0 then
        id = redis.call('XADD', key(t, 'log'), 'MAXLEN', '~', cap, '*',
                        'e', json)
    else
        id = redis.call('XADD', key(t, 'log'), '*', 'e', json)
    end
    redis.call('PUBLISH', key(t), id .. ' ' .. json)
    redis.call('ZADD', 'lh:convs', now, t)
    if keep > 0 then
        redis.call('EXPIRE', key(t, 'log'), keep)
        redis.call('EXPIRE', key(t, 'state'), keep)
        if redis.call('TTL', 'lh:v:' .. t) < keep then
            redis.call('EXPIRE', 'lh:v:' .. t, keep)
            local ek = email_key(t)
            if ek and redis.call('TTL', ek) < keep then
                redis.call('EXPIRE', ek, keep)
            end
        end
    end
    return id
end

local function get_state(t)
    local s = redis.call('HMGET', key(t, 'state'), 'state', 'n', 'dept',
                         'owner', 'oname', 'opened')
    return { state = s[1] or 'none', n = tonumber(s[2]) or 0,
             dept = s[3] or '', owner = s[4] or '', oname = s[5] or '',
             opened = tonumber(s[6]) or now }
end

-- a log of protocol 1: one conversation, waiting if it was recent
local function migrate_one(t, old)
    if redis.call('EXISTS', key(t, 'state')) == 1
       or redis.call('EXISTS', key(t, 'log')) == 0
    then
        return
    end
    local active = tonumber(redis.call('ZSCORE', 'lh:convs', t)) or now
    local state = active < old and 'closed' or 'waiting'
    redis.call('HSET', key(t, 'state'), 'state', state, 'n', 1, 'dept', '',
               'since', active, 'opened', active)
    if state == 'waiting' then
        redis.call('ZADD', 'lh:queue', active, t)
    else
        redis.call('ZADD', 'lh:closed', active, t)
    end
    if keep > 0 then
        local left = math.max(1, keep - math.floor((now - active) / 1000))
        redis.call('EXPIRE', key(t, 'log'), left)
        redis.call('EXPIRE', key(t, 'state'), left)
    end
end

local function disown(t, owner)
    if owner ~= '' then
        redis.call('SREM', 'lh:mine:' .. owner, t)
        if redis.call('SCARD', 'lh:mine:' .. owner) == 0 then
            redis.call('SREM', 'lh:owners', owner)
        end
    end
    redis.call('ZREM', 'lh:open', t)
end

local function own(t, s, id, name)
    redis.call('ZREM', 'lh:queue', t)
    redis.call('HSET', key(t, 'state'), 'state', 'open', 'owner', id,
               'oname', name, 'since', now)
    redis.call('SADD', 'lh:mine:' .. id, t)
    redis.call('SADD', 'lh:owners', id)
    redis.call('ZADD', 'lh:open', now, t)
    redis.call('HSET', 'lh:ag:' .. id, 'last', now)
    s.state, s.owner, s.oname = 'open', id, name
end

local function open_new(t, s, dept, offline)
    s.n = s.n + 1
    s.state, s.dept, s.owner, s.oname, s.opened = 'waiting', dept, '', '', now
    redis.call('HSET', key(t, 'state'), 'state', 'waiting', 'n', s.n,
               'dept', dept, 'owner', '', 'oname', '', 'since', now,
               'opened', now, 'offline', offline and '1' or '0')
    redis.call('ZADD', 'lh:queue', now, t)
    redis.call('ZREM', 'lh:closed', t)
    if redis.call('HEXISTS', 'lh:v:' .. t, 'name') == 0 then
        redis.call('HSET', 'lh:v:' .. t, 'name',
                   'Visitor ' .. redis.call('INCR', 'lh:vn'))
    end
    add(t, { kind = 'opened', n = s.n, dept = dept,
             offline = offline or nil })
end

-- agents with a socket now: a set of ids
local function live_agents()
    local live = {}
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', 'lh:agents', now,
                                  '+inf')) do
        local id = string.match(m, '^([^|]+)|')
        if id then
            live[id] = true
        end
    end
    return live
end

-- online agents with room for more chats, and what they serve
local function pool(except)
    local p = {}
    for id in pairs(live_agents()) do
        if id ~= except then
            local a = redis.call('HMGET', 'lh:ag:' .. id, 'status', 'depts',
                                 'max', 'last', 'name')
            local load = redis.call('SCARD', 'lh:mine:' .. id)
            local max = tonumber(a[3]) or 0
            if a[1] == 'online' and load < max then
                local depts = {}
                for d in string.gmatch(a[2] or '', '%S+') do
                    depts[d] = true
                end
                p[#p + 1] = { id = id, name = a[5] or '', load = load,
                              max = max, last = tonumber(a[4]) or 0,
                              all = next(depts) == nil, depts = depts }
            end
        end
    end
    return p
end

-- the least busy agent of the pool for dept; the longest idle on a tie
local function pick(p, dept)
    local best
    for _, a in ipairs(p) do
        if a.load < a.max and (a.all or dept == '' or a.depts[dept])
           and (best == nil or a.load < best.load
                or (a.load == best.load and a.last < best.last))
        then
            best = a
        end
    end
    return best
end

-- waiting conversations, oldest first, to the least busy agents
local function balance(except)
    local p = pool(except)
    if #p == 0 then
        return
    end
    for _, t in ipairs(redis.call('ZRANGE', 'lh:queue', 0, 199)) do
        local s = get_state(t)
        if s.state ~= 'waiting' then
            redis.call('ZREM', 'lh:queue', t)
        else
            local a = pick(p, s.dept)
            if a then
                own(t, s, a.id, a.name)
                add(t, { kind = 'joined', n = s.n, agent = a.id,
                         name = a.name, by = 'auto' })
                a.load, a.last = a.load + 1, now
                assigned = assigned + 1
            end
        end
    end
end

if op == 'agent' then
    local id = ARGV[3]
    redis.call('HSET', 'lh:ag:' .. id, 'name', ARGV[4], 'status', ARGV[5],
               'depts', ARGV[6], 'max', ARGV[7])
    redis.call('HDEL', 'lh:ag:' .. id, 'gone')
    redis.call('EXPIRE', 'lh:ag:' .. id, AGENT_KEEP)
    if ARGV[5] == 'away' then
        redis.call('SADD', 'lh:away', id)
    else
        redis.call('SREM', 'lh:away', id)
    end
    redis.call('PUBLISH', 'lh:presence', 'changed')
    if ARGV[8] == '1' then
        balance()
    end
    return assigned
end

if op == 'sweep' then
    local grace, live = tonumber(ARGV[3]), live_agents()
    for _, id in ipairs(redis.call('SMEMBERS', 'lh:owners')) do
        local ag = 'lh:ag:' .. id
        if live[id] then
            redis.call('HDEL', ag, 'gone')
        else
            local gone = tonumber(redis.call('HGET', ag, 'gone'))
            if gone == nil then
                redis.call('HSET', ag, 'gone', now)
            elseif now - gone >= grace then
                -- back to the queue, in the order they were opened
                for _, t in ipairs(redis.call('SMEMBERS', 'lh:mine:' .. id))
                do
                    local s = get_state(t)
                    if s.state == 'open' and s.owner == id then
                        redis.call('HSET', key(t, 'state'), 'state',
                                   'waiting', 'owner', '', 'oname', '',
                                   'since', now)
                        redis.call('ZREM', 'lh:open', t)
                        redis.call('ZADD', 'lh:queue', s.opened, t)
                        add(t, { kind = 'released', n = s.n, agent = id,
                                 name = s.oname })
                        assigned = assigned + 1
                    end
                end
                redis.call('DEL', 'lh:mine:' .. id)
                redis.call('SREM', 'lh:owners', id)
                redis.call('HDEL', ag, 'gone')
            end
        end
    end
    -- agents here keep their record; those gone for good leave "away"
    for id in pairs(live) do
        redis.call('EXPIRE', 'lh:ag:' .. id, AGENT_KEEP)
    end
    for _, id in ipairs(redis.call('SMEMBERS', 'lh:away')) do
        if redis.call('EXISTS', 'lh:ag:' .. id) == 0 then
            redis.call('SREM', 'lh:away', id)
        end
    end
    -- visitors of a worker that died lapsed: out of "online" and "seen",
    -- a bounded number each time
    for _, t in ipairs(redis.call('ZRANGEBYSCORE', 'lh:online', '-inf', now,
                                  'LIMIT', 0, 1000)) do
        redis.call('ZREM', 'lh:online', t)
        redis.call('ZREM', 'lh:seen', t)
    end
    -- the oldest of the queue whose log expired (oldest first: they lead)
    for _, t in ipairs(redis.call('ZRANGE', 'lh:queue', 0, 999)) do
        if redis.call('HGET', key(t, 'state'), 'state') == 'waiting' then
            break
        end
        redis.call('ZREM', 'lh:queue', t)
    end
    -- logs expired: out of the indexes
    if keep > 0 then
        local old = now - keep * 1000
        redis.call('ZREMRANGEBYSCORE', 'lh:convs', '-inf', old)
        redis.call('ZREMRANGEBYSCORE', 'lh:closed', '-inf', old)
        redis.call('ZREMRANGEBYSCORE', 'lh:open', '-inf', old)
        -- an open conversation that expired no longer counts as a chat
        for _, id in ipairs(redis.call('SMEMBERS', 'lh:owners')) do
            for _, t in ipairs(redis.call('SMEMBERS', 'lh:mine:' .. id)) do
                if redis.call('EXISTS', key(t, 'state')) == 0 then
                    redis.call('SREM', 'lh:mine:' .. id, t)
                end
            end
            if redis.call('SCARD', 'lh:mine:' .. id) == 0 then
                redis.call('SREM', 'lh:owners', id)
            end
        end
    end
    if ARGV[4] == '1' then
        balance()
    end
    return assigned
end

if op == 'migrate' then
    local old = tonumber(ARGV[4])
    local from = redis.call('GET', 'lh:migrated') or '-inf'
    local upto = redis.call('GET', 'lh:v2')
    if upto == nil or upto == false then
        upto = tostring(now)
        redis.call('SET', 'lh:v2', upto)
    end
    local batch = redis.call('ZRANGEBYSCORE', 'lh:convs', from, upto,
                             'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
    for i = 1, #batch, 2 do
        migrate_one(batch[i], old)
        from = batch[i + 1]
    end
    redis.call('SET', 'lh:migrated', from)
    if #batch < 2 * tonumber(ARGV[3]) then
        return 0
    end
    return redis.call('ZCOUNT', 'lh:convs', '(' .. from, upto)
end

-- one visitor's log

local t, cid, ttl, actor, name = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local auto = ARGV[10] == '1'

-- is stream id a after id b
local function later(a, b)
    local am, as = string.match(a, '^(%d+)-(%d+)$')
    local bm, bs = string.match(b or '', '^(%d+)-(%d+)$')
    if not bm then
        return true
    end
    am, bm = tonumber(am), tonumber(bm)
    return am > bm or (am == bm and tonumber(as) > tonumber(bs))
end

if op == 'read' then
    local by = actor == 'visitor' and 'visitor' or 'agent'
    local st = redis.call('HMGET', key(t, 'state'), 'state', 'owner',
                          by == 'visitor' and 'vread' or 'aread')
    if not st[1] then
        return { 'closed', '', '' }
    end
    if by == 'agent' and (st[1] ~= 'open' or st[2] ~= actor) then
        return { 'owned', st[2] or '', '' }
    end
    local last = redis.call('XREVRANGE', key(t, 'log'), '+', '-', 'COUNT', 1)
    if not last[1] or later(cid, last[1][1]) then
        return { 'beyond', '', '' }
    end
    -- read marks follow other events: at most one of each side after one
    local pos
    for _, e in ipairs(redis.call('XREVRANGE', key(t, 'log'), cid, '-',
                                  'COUNT', 3)) do
        if not string.find(e[2][2], '"kind":"read"', 1, true) then
            pos = e[1]
            break
        end
    end
    if not pos or not later(pos, st[3]) then
        return { 'stale', st[3] or '', '' }
    end
    redis.call('HSET', key(t, 'state'), by == 'visitor' and 'vread'
               or 'aread', pos)
    return add(t, { kind = 'read', by = by, seq = pos })
end

local seen = redis.call('GET', key(t, 'cid:' .. cid))
if seen then
    return seen
end

local id
local s = get_state(t)

if s.state == 'none' then
    migrate_one(t, 0)
    s = get_state(t)
end

local function refuse(code)
    return { code, s.owner, s.oname }
end

-- a new conversation of the address of ARGV[14]: 0 if allowed (and
-- counted), else the ms to wait ("generic cell rate", as the module's
-- other limits)
local function may_open()
    local addr, burst, every = string.match(ARGV[14] or '',
                                            '^([%w:]+)|(%d+)|(%d+)$')
    if not addr then
        return 0
    end
    burst, every = tonumber(burst), tonumber(every)
    local k = 'lh:rl:' .. addr
    local tat = math.max(tonumber(redis.call('GET', k)) or 0, now)
    if tat + every - now > burst * every then
        return tat + every - now - burst * every
    end
    redis.call('SET', k, tat + every, 'PX', tat + every - now)
    return 0
end

if op == 'message' then
    if actor == 'visitor' then
        local opened = false
        if s.state ~= 'waiting' and s.state ~= 'open' then
            -- a log that notes started was counted by its first note
            local wait = 0
            if s.state ~= 'none'
               or redis.call('EXISTS', key(t, 'state')) == 0
            then
                wait = may_open()
            end
            if wait > 0 then
                return { 'rate_limited', tostring(wait), '' }
            end
            open_new(t, s, ARGV[9], ARGV[11] == '1')
            opened = true
        end
        id = add(t, ARGV[8])
        if opened and auto then
            balance()
        end
    else
        if s.state == 'open' and s.owner ~= actor then
            return refuse('owned')
        end
        if s.state ~= 'waiting' and s.state ~= 'open' then
            open_new(t, s, s.dept, false)
        end
        if s.state == 'waiting' then
            own(t, s, actor, name)
            add(t, { kind = 'joined', n = s.n, agent = actor, name = name,
                     by = 'reply' })
        end
        id = add(t, ARGV[8])
    end
    if s.state == 'open' then
        redis.call('ZADD', 'lh:open', now, t)
    end

elseif op == 'claim' then
    if s.state == 'open' then
        return refuse(s.owner == actor and 'yours' or 'owned')
    end
    if s.state ~= 'waiting' then
        return refuse('closed')
    end
    own(t, s, actor, name)
    id = add(t, { kind = 'joined', n = s.n, agent = actor, name = name,
                  by = 'claim' })

elseif op == 'close' then
    if s.state ~= 'waiting' and s.state ~= 'open' then
        return refuse('closed')
    end
    if actor ~= 'visitor' and s.state == 'open' and s.owner ~= actor then
        return refuse('owned')
    end
    disown(t, s.owner)
    redis.call('ZREM', 'lh:queue', t)
    redis.call('HSET', key(t, 'state'), 'state', 'closed', 'owner', '',
               'oname', '', 'since', now)
    redis.call('ZADD', 'lh:closed', now, t)
    redis.call('ZREMRANGEBYRANK', 'lh:closed', 0, -10001)
    if actor == 'visitor' then
        id = add(t, { kind = 'closed', n = s.n, by = 'visitor' })
    else
        id = add(t, { kind = 'closed', n = s.n, by = 'agent', agent = actor,
                      name = name })
    end
    if auto and s.owner ~= '' then
        balance()
    end

elseif op == 'transfer' then
    local target = ARGV[8]
    if s.state ~= 'waiting' and s.state ~= 'open' then
        return refuse('closed')
    end
    if s.state == 'open' and s.owner ~= actor then
        return refuse('owned')
    end
    local to = string.match(target, '^a:(.+)$')
    if to then
        if to == s.owner then
            return refuse('same')
        end
        if not live_agents()[to] then
            return refuse('offline')
        end
        local tname = redis.call('HGET', 'lh:ag:' .. to, 'name') or ''
        disown(t, s.owner)
        own(t, s, to, tname)
        id = add(t, { kind = 'transferred', n = s.n, from = actor,
                      from_name = name, agent = to, name = tname })
    else
        local dept = string.match(target, '^d:(.*)$') or ''
        if s.state == 'waiting' and dept == s.dept then
            return refuse('same')
        end
        disown(t, s.owner)
        redis.call('HSET', key(t, 'state'), 'state', 'waiting', 'dept', dept,
                   'owner', '', 'oname', '', 'since', now)
        redis.call('ZADD', 'lh:queue', s.opened, t)
        id = add(t, { kind = 'transferred', n = s.n, from = actor,
                      from_name = name, dept = dept })
        if auto then
            balance(actor)
        end
    end

elseif op == 'rate' then
    local ok, a = pcall(cjson.decode, ARGV[8])
    if not ok or type(a) ~= 'table' then
        return redis.error_reply('live_help: bad rating')
    end
    if s.state ~= 'closed' then
        return refuse(s.state == 'none' and 'closed' or 'open')
    end
    if type(a.n) == 'number' and a.n ~= s.n then
        return refuse('gone')
    end
    if tonumber(redis.call('HGET', key(t, 'state'), 'rn')) == s.n then
        return refuse('rated')
    end
    local good = a.good == true
    local comment = type(a.comment) == 'string' and a.comment or ''
    redis.call('HSET', key(t, 'state'), 'rating', good and 'good' or 'bad',
               'rn', s.n, 'rated', now, 'tag', '')
    redis.call('HINCRBY', 'lh:ratings', good and 'good' or 'bad', 1)
    id = add(t, { kind = 'rated', n = s.n, good = good,
                  comment = comment ~= '' and comment or nil })

elseif op == 'tag' then
    local r = redis.call('HMGET', key(t, 'state'), 'rn', 'tag')
    local tag = ARGV[8] == 'feedback' and 'feedback'
                or ARGV[8] == 'complaint' and 'complaint' or ''
    if not r[1] then
        return refuse('unrated')
    end
    if (r[2] or '') == tag then
        return refuse('same')
    end
    if r[2] and r[2] ~= '' then
        redis.call('HINCRBY', 'lh:ratings', r[2], -1)
    end
    if tag ~= '' then
        redis.call('HINCRBY', 'lh:ratings', tag, 1)
    end
    redis.call('HSET', key(t, 'state'), 'tag', tag)
    id = add(t, { kind = 'tagged', n = tonumber(r[1]), tag = tag,
                  agent = actor, name = name })

elseif op == 'note' then
    if ARGV[9] == 'invite' then
        -- an agent's invitation: to a visitor on the site now, with no
        -- conversation going on
        if s.state == 'waiting' or s.state == 'open' then
            return refuse('busy')
        end
        if (tonumber(redis.call('ZSCORE', 'lh:online', t)) or 0) < now then
            return refuse('offline')
        end
    elseif s.state == 'none' and ARGV[9] ~= 'new' then
        return refuse('closed')
    end
    if s.state == 'none' then
        -- a visitor's first note starts a log: counted as a new
        -- conversation of the address, or a script opening sockets would
        -- fill Redis with logs of one FAQ answer each
        if actor == 'visitor'
           and redis.call('EXISTS', key(t, 'state')) == 0
        then
            local wait = may_open()
            if wait > 0 then
                return { 'rate_limited', tostring(wait), '' }
            end
        end
        -- a state, so that the log is not taken for one of protocol 1
        -- (migrate_one) when the visitor writes
        redis.call('HSET', key(t, 'state'), 'state', 'none', 'n', 0)
    end
    id = add(t, ARGV[8])
else
    return redis.error_reply('live_help: unknown op ' .. tostring(op))
end

redis.call('SET', key(t, 'cid:' .. cid), id, 'EX', ttl)

return id
