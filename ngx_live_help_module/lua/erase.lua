-- Erases one visitor (a GDPR request): their log, its state and client
-- ids, their record, pages and e-mail index entry, and every index entry
-- naming them (lh:queue, lh:open, lh:closed, lh:convs, lh:seen,
-- lh:online, the owner's lh:mine:<agent>), in one step.  Then:
--   - lh:gen:<t> is incremented: the visitor's tokens stop working
--     (hello compares the generation a token was made with), and it
--     expires when the last token it could refuse would have;
--   - "! erased" is published on lh:c:<t>: every agent's panel drops the
--     conversation and the visitor ({"type":"erased"}).
-- The module does not run it: an operator does, with
--   redis-cli --eval erase.lua , visitor <id>
--   redis-cli --eval erase.lua , email <address>
-- or scripts/live-help-erase.  Finding the client ids (lh:c:<t>:cid:*)
-- takes a SCAN of the whole database inside the script: Redis does
-- nothing else meanwhile (0.1-0.2 s with a million keys).
--
-- ARGV[1]  visitor | email
-- ARGV[2]  the visitor's id, or an e-mail address (any case) they gave in
--          a profile or the offline form (lh:e:<email>, lua/visitor.lua)
--
-- Returns an array of lines: one per visitor, "<id> <keys deleted> keys
-- <entries removed> index entries", then "erased <n> visitors" (those of
-- whom something was found).

local by, what = ARGV[1], ARGV[2] or ''
-- as long as a visitor's token is valid (ngx_http_live_help_visitor.c)
local TOKEN_LIFE = 30 * 86400 + 3600

local function valid(t)
    return #t >= 1 and #t <= 32 and string.match(t, '^[%w_-]+$') ~= nil
end

local ids = {}
if by == 'visitor' then
    if not valid(what) then
        return redis.error_reply('live_help: not a visitor id: ' .. what)
    end
    ids[1] = what
elseif by == 'email' then
    if what == '' then
        return redis.error_reply('live_help: no e-mail address')
    end
    for _, t in ipairs(redis.call('ZRANGE', 'lh:e:' .. string.lower(what),
                                  0, -1)) do
        if valid(t) then
            ids[#ids + 1] = t
        end
    end
else
    return redis.error_reply('live_help: erase by "visitor" or "email"')
end

local out, found = {}, 0

local function erase(t)
    local c, v = 'lh:c:' .. t, 'lh:v:' .. t
    local keys, entries = 0, 0

    -- the e-mail indexes: the record's, and the one asked by
    local emails = {}
    local email = redis.call('HGET', v, 'email')
    if email and email ~= '' then
        emails['lh:e:' .. string.lower(email)] = true
    end
    if by == 'email' then
        emails['lh:e:' .. string.lower(what)] = true
    end
    for ek in pairs(emails) do
        entries = entries + redis.call('ZREM', ek, t)
    end

    for _, z in ipairs({ 'lh:queue', 'lh:open', 'lh:closed', 'lh:convs',
                         'lh:seen', 'lh:online' }) do
        entries = entries + redis.call('ZREM', z, t)
    end

    -- whoever owns it (the state may be gone, the set not yet swept)
    for _, a in ipairs(redis.call('SMEMBERS', 'lh:owners')) do
        local n = redis.call('SREM', 'lh:mine:' .. a, t)
        entries = entries + n
        if n > 0 and redis.call('SCARD', 'lh:mine:' .. a) == 0 then
            redis.call('SREM', 'lh:owners', a)
        end
    end

    keys = keys + redis.call('DEL', c .. ':log', c .. ':state', v,
                             v .. ':pages')

    local cursor = '0'
    repeat
        local r = redis.call('SCAN', cursor, 'MATCH', c .. ':cid:*',
                             'COUNT', 1000)
        cursor = r[1]
        for _, k in ipairs(r[2]) do
            keys = keys + redis.call('DEL', k)
        end
    until cursor == '0'

    redis.call('INCR', 'lh:gen:' .. t)
    redis.call('EXPIRE', 'lh:gen:' .. t, TOKEN_LIFE)
    redis.call('PUBLISH', c, '! erased')

    out[#out + 1] = t .. ' ' .. keys .. ' keys ' .. entries
                    .. ' index entries'
    if keys + entries > 0 then
        found = found + 1
    end
end

for _, t in ipairs(ids) do
    erase(t)
end

out[#out + 1] = 'erased ' .. found .. ' visitors'
return out
