-- What an agent's panel lists: conversations (the queue, the open ones,
-- the agent's own and the last closed) and the agents online.  Reads only;
-- the keys are those of conversation.lua.
--
-- ARGV[1]  now, in ms
-- ARGV[2]  the agent asking (their own chats are always listed)
-- ARGV[3]  how many of the queue, of the open and of the closed at most
-- ARGV[4]  "agents": the agents only
--
-- Returns JSON: {"type":"conversations","items":[...],"agents":[...]}, or
-- {"type":"agents","agents":[...]}.  An item: conversation, state, n,
-- dept, owner, oname, since, opened, active (ms), offline, visitor (name),
-- last (its last event).  An agent: agent, name, status, chats, max.

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
                         'offline')
    if not s[1] then
        return
    end
    local last = redis.call('XREVRANGE', 'lh:c:' .. t .. ':log', '+', '-',
                            'COUNT', 1)[1]
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
        last = ok and ev or nil, seq = last and last[1] or nil }
end

for _, t in ipairs(redis.call('ZRANGE', 'lh:queue', 0, limit - 1)) do
    item(t)
end
for _, t in ipairs(redis.call('SMEMBERS', 'lh:mine:' .. me)) do
    item(t)
end
for _, t in ipairs(redis.call('ZREVRANGE', 'lh:open', 0, limit - 1)) do
    item(t)
end
for _, t in ipairs(redis.call('ZREVRANGE', 'lh:closed', 0, limit - 1)) do
    item(t)
end

return lists(cjson.encode({ type = 'conversations', items = items,
                            agents = agents(),
                            queued = redis.call('ZCARD', 'lh:queue') }))
