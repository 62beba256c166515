-- What an agent's panel lists: conversations (the queue, the open ones,
-- the agent's own and the last closed) and the agents online.  Reads only;
-- the keys are those of conversation.lua.
--
-- ARGV[1]  now, in ms
-- ARGV[2]  the agent asking
-- ARGV[3]  a page: how many of each list at most
-- ARGV[4]  "all": the first page of every list (the agent's own, the
--          queue oldest first, the open and the closed the latest first);
--          "page": the page of list ARGV[5] (mine | queue | open |
--          closed) from offset ARGV[6]; "agents": the agents only
--
-- Returns JSON: {"type":"conversations","items":[...],"agents":[...],
-- "queued":n,"lists":{"<list>":{"total":n,"next":offset},...}} ("next":
-- where the next page starts, 0 at the end), {"type":"conversations",
-- "list":"queue","offset":n,"items":[...],"total":n,"next":offset}, or
-- {"type":"agents","agents":[...]}.  An item: conversation, state, n,
-- dept, owner, oname, since, opened, active (ms), offline, visitor (name),
-- last (its last event but read marks), rating (good | bad: of
-- conversation n, if rated), tag (feedback | complaint).  An agent: agent, name, status, chats, max.

local now, me, limit = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])

-- cjson writes an empty table as {}: these keys hold lists
local function lists(json)
    for _, k in ipairs({ 'items', 'agents' }) do
        json = string.gsub(json, '"' .. k .. '":{}', '"' .. k .. '":[]')
    end
    return json
end

local function agents()
    local out, seen = {}, {}
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', 'lh:agents', now,
                                  '+inf')) do
        local id = string.match(m, '^([^|]+)|')
        if id and not seen[id] then
            seen[id] = true
            local a = redis.call('HMGET', 'lh:ag:' .. id, 'name', 'status',
                                 'max')
            out[#out + 1] = { agent = id, name = a[1] or '',
                              status = a[2] or 'online',
                              max = tonumber(a[3]) or 0,
                              chats = redis.call('SCARD', 'lh:mine:' .. id) }
        end
    end
    return out
end

if ARGV[4] == 'agents' then
    return lists(cjson.encode({ type = 'agents', agents = agents() }))
end

local items, seen = {}, {}

local function item(t)
    if seen[t] then
        return
    end
    seen[t] = true
    local s = redis.call('HMGET', 'lh:c:' .. t .. ':state', 'state', 'n',
                         'dept', 'owner', 'oname', 'since', 'opened',
                         'offline', 'rn', 'rating', 'tag')
    if not s[1] then
        return
    end
    -- a read mark follows another event: at most one of each side
    local last
    for _, e in ipairs(redis.call('XREVRANGE', 'lh:c:' .. t .. ':log', '+',
                                  '-', 'COUNT', 3)) do
        last = e
        if not string.find(e[2][2], '"kind":"read"', 1, true) then
            break
        end
    end
    local rated = s[9] and s[9] == s[2]
    local ok, ev = false, nil
    if last then
        ok, ev = pcall(cjson.decode, last[2][2])
    end
    items[#items + 1] = {
        conversation = t, state = s[1], n = tonumber(s[2]) or 1,
        dept = s[3] or '', owner = s[4] or '', oname = s[5] or '',
        since = tonumber(s[6]) or 0, opened = tonumber(s[7]) or 0,
        offline = s[8] == '1',
        active = tonumber(redis.call('ZSCORE', 'lh:convs', t)) or 0,
        visitor = redis.call('HGET', 'lh:v:' .. t, 'name') or '',
        last = ok and ev or nil, seq = last and last[1] or nil,
        rating = rated and s[10] or nil,
        tag = rated and s[11] ~= '' and s[11] or nil }
end

-- a list's page from "from": its conversations and how many it has
local function page(list, from)
    local last = from + limit - 1
    if list == 'queue' then
        return redis.call('ZRANGE', 'lh:queue', from, last),
               redis.call('ZCARD', 'lh:queue')
    elseif list == 'open' or list == 'closed' then
        return redis.call('ZREVRANGE', 'lh:' .. list, from, last),
               redis.call('ZCARD', 'lh:' .. list)
    end
    -- an agent's own, in a stable order
    local all = redis.call('SMEMBERS', 'lh:mine:' .. me)
    table.sort(all)
    local out = {}
    for i = from + 1, math.min(#all, last + 1) do
        out[#out + 1] = all[i]
    end
    return out, #all
end

local function next_of(from, got, total)
    return from + got < total and from + got or 0
end

if ARGV[4] == 'page' then
    local from = tonumber(ARGV[6]) or 0
    local ts, total = page(ARGV[5], from)
    for _, t in ipairs(ts) do
        item(t)
    end
    return lists(cjson.encode({ type = 'conversations', list = ARGV[5],
                                offset = from, items = items, total = total,
                                next = next_of(from, #ts, total) }))
end

local pages = {}
for _, list in ipairs({ 'queue', 'mine', 'open', 'closed' }) do
    local ts, total = page(list, 0)
    for _, t in ipairs(ts) do
        item(t)
    end
    pages[list] = { total = total, next = next_of(0, #ts, total) }
end

return lists(cjson.encode({ type = 'conversations', items = items,
                            agents = agents(), lists = pages,
                            queued = pages.queue.total }))
