-- Who the visitors are and where they are on the site: ephemeral context
-- for agents, never in a log.  Every key expires: a visitor's record
-- ARGV[4] seconds after they were last seen.
--
--   lh:v:<t>         hash  name ("Visitor 12", or the pre-chat form's),
--                          email, url, title, referrer (of this visit),
--                          browser, first (ms first seen), visits, since
--                          (ms this visit began), views (pages this
--                          visit), last (ms of the last page), socks
--                          (sockets open; see below)
--   lh:v:<t>:pages   list  this visit's pages, newest first, JSON
--                          {"url","title","at"}, 20 at most
--   lh:online        zset  visitors with a socket open, by the ms they
--                          lapse (the workers push it forward every 30 s,
--                          so those of a worker that died lapse)
--   lh:seen          zset  the same visitors by the time (us) of their last
--                          page: the order agents see them in
--   lh:e:<email>     zset  the visitors who gave this e-mail (lower case),
--                          by when (ms), the newest 100: how an operator
--                          finds whom to erase (lua/erase.lua); expires
--                          with the record of the visitor it names last
--   lh:vn            the last visitor number given
--   channel lh:visitors  "<t>" when a visitor's context changed
--
-- A visit ends after 30 minutes without a page.
--
-- ARGV[1]  op: page | profile | left | list | get
-- ARGV[2]  now, in ms
-- page:    ARGV[3] t  ARGV[4] ttl (s)  ARGV[5] lapse (ms)  ARGV[6] url
--          ARGV[7] title  ARGV[8] referrer  ARGV[9] browser
--          ARGV[10] "1": the first page of this socket (counts it open)
-- profile: ARGV[3] t  ARGV[4] ttl (s)  ARGV[5] name ("": kept)
--          ARGV[6] email
-- left:    ARGV[3] t  (a socket of the visitor closed)
-- list:    ARGV[3] how many at most
-- get:     ARGV[3] t
--
-- Returns: page, profile, left: the visitor's name.  list: JSON
-- {"type":"visitors","items":[...],"total":n}; get: JSON
-- {"type":"visitor","visitor":{...}} with its pages (or null).

local op, now = ARGV[1], tonumber(ARGV[2])
local VISIT = 30 * 60 * 1000

-- cjson writes an empty table as {}: these keys hold lists
local function lists(json)
    for _, k in ipairs({ 'items', 'pages' }) do
        json = string.gsub(json, '"' .. k .. '":{}', '"' .. k .. '":[]')
    end
    return json
end

local function rec(t)
    return 'lh:v:' .. t
end

local function email_key(email)
    return 'lh:e:' .. string.lower(email)
end

-- a key lives ttl seconds more, never less than it had (a log's retention
-- may have given the record longer)
local function extend(k, ttl)
    if redis.call('TTL', k) < ttl then
        redis.call('EXPIRE', k, ttl)
    end
end

local function name_of(t)
    local name = redis.call('HGET', rec(t), 'name')
    if not name then
        name = 'Visitor ' .. redis.call('INCR', 'lh:vn')
        redis.call('HSET', rec(t), 'name', name)
    end
    return name
end

-- what agents see of a visitor
local function view(t, online)
    local f = redis.call('HMGET', rec(t), 'name', 'email', 'url', 'title',
                         'referrer', 'browser', 'first', 'visits', 'since',
                         'views', 'last')
    if not f[1] then
        return nil
    end
    local s = redis.call('HMGET', 'lh:c:' .. t .. ':state', 'state', 'owner',
                         'oname')
    if online == nil then
        online = (tonumber(redis.call('ZSCORE', 'lh:online', t)) or 0) > now
    end
    return { visitor = t, name = f[1], email = f[2] or '', url = f[3] or '',
             title = f[4] or '', referrer = f[5] or '',
             browser = f[6] or '', first = tonumber(f[7]) or 0,
             visits = tonumber(f[8]) or 0, since = tonumber(f[9]) or 0,
             views = tonumber(f[10]) or 0, last = tonumber(f[11]) or 0,
             online = online, state = s[1] or 'none', owner = s[2] or '',
             oname = s[3] or '' }
end

if op == 'page' then
    local t, ttl = ARGV[3], tonumber(ARGV[4])
    local r = rec(t)
    local last = tonumber(redis.call('HGET', r, 'last'))
    name_of(t)
    if not last then
        redis.call('HSET', r, 'first', now, 'visits', 1, 'since', now,
                   'views', 0, 'referrer', ARGV[8])
        redis.call('DEL', r .. ':pages')
    elseif now - last > VISIT then
        redis.call('HINCRBY', r, 'visits', 1)
        redis.call('HSET', r, 'since', now, 'views', 0, 'referrer', ARGV[8])
        redis.call('DEL', r .. ':pages')
    end
    redis.call('HINCRBY', r, 'views', 1)
    redis.call('HSET', r, 'last', now, 'url', ARGV[6], 'title', ARGV[7],
               'browser', ARGV[9])
    -- sockets open: counted again from 1 once the visitor had lapsed
    -- (a worker that died never said its sockets closed)
    if ARGV[10] == '1' then
        if (tonumber(redis.call('ZSCORE', 'lh:online', t)) or 0) <= now then
            redis.call('HSET', r, 'socks', 1)
        else
            redis.call('HINCRBY', r, 'socks', 1)
        end
    end
    redis.call('ZADD', 'lh:online', ARGV[5], t)
    -- Redis's own clock in microseconds: two pages in one millisecond
    -- keep their order
    local tm = redis.call('TIME')
    redis.call('ZADD', 'lh:seen', tonumber(tm[1]) * 1000000 + tonumber(tm[2]),
               t)
    redis.call('LPUSH', r .. ':pages',
               cjson.encode({ url = ARGV[6], title = ARGV[7], at = now }))
    redis.call('LTRIM', r .. ':pages', 0, 19)
    extend(r, ttl)
    extend(r .. ':pages', ttl)
    local email = redis.call('HGET', r, 'email')
    if email and email ~= '' then
        extend(email_key(email), ttl)
    end
    redis.call('PUBLISH', 'lh:visitors', t)
    return redis.call('HGET', r, 'name')
end

if op == 'profile' then
    local t, ttl = ARGV[3], tonumber(ARGV[4])
    local r = rec(t)
    local old = redis.call('HGET', r, 'email')
    if old and old ~= '' and email_key(old) ~= email_key(ARGV[6]) then
        redis.call('ZREM', email_key(old), t)
    end
    -- a hand-off gives an e-mail alone: the name stays
    if ARGV[5] ~= '' then
        redis.call('HSET', r, 'name', ARGV[5])
    end
    redis.call('HSET', r, 'email', ARGV[6])
    extend(r, ttl)
    if ARGV[6] ~= '' then
        local ek = email_key(ARGV[6])
        redis.call('ZADD', ek, now, t)
        redis.call('ZREMRANGEBYRANK', ek, 0, -101)
        extend(ek, math.max(ttl, redis.call('TTL', r)))
    end
    redis.call('PUBLISH', 'lh:visitors', t)
    return ARGV[5]
end

if op == 'left' then
    local t = ARGV[3]
    local r = rec(t)
    if redis.call('EXISTS', r) == 0 then
        return ''
    end
    if redis.call('HINCRBY', r, 'socks', -1) <= 0 then
        redis.call('HSET', r, 'socks', 0)
        redis.call('ZREM', 'lh:online', t)
        redis.call('ZREM', 'lh:seen', t)
        redis.call('PUBLISH', 'lh:visitors', t)
    end
    return redis.call('HGET', r, 'name')
end

if op == 'list' then
    local items = {}
    -- those of a worker that died lapsed: out of both sets, a bounded
    -- number each time
    local gone = redis.call('ZRANGEBYSCORE', 'lh:online', '-inf', now,
                            'LIMIT', 0, 1000)
    for _, t in ipairs(gone) do
        redis.call('ZREM', 'lh:online', t)
        redis.call('ZREM', 'lh:seen', t)
    end
    -- the last active first
    for _, t in ipairs(redis.call('ZREVRANGE', 'lh:seen', 0,
                                  tonumber(ARGV[3]) - 1)) do
        local v = view(t, true)
        if v then
            items[#items + 1] = v
        end
    end
    return lists(cjson.encode({ type = 'visitors', items = items,
                                total = redis.call('ZCOUNT', 'lh:online',
                                                   '(' .. now, '+inf') }))
end

if op == 'get' then
    local t = ARGV[3]
    local v = view(t)
    if v then
        v.pages = {}
        for _, p in ipairs(redis.call('LRANGE', rec(t) .. ':pages', 0, 19)) do
            v.pages[#v.pages + 1] = cjson.decode(p)
        end
    end
    return lists(cjson.encode({ type = 'visitor',
                                visitor = v or cjson.null }))
end

return redis.error_reply('live_help: unknown op ' .. tostring(op))
