-- Appends one chat event to a conversation's log, once per client id, and
-- announces it to every worker that follows the conversation.  One script,
-- so that an event is announced if and only if it is stored.
--
-- KEYS[1]  lh:c:<conversation>:log        the stream of the events
-- KEYS[2]  lh:c:<conversation>:cid:<cid>  the id the client id got
-- KEYS[3]  lh:convs                       conversations by last activity
-- ARGV[1]  the event, JSON
-- ARGV[2]  lh:c:<conversation>            the channel to announce on
-- ARGV[3]  seconds the client id is remembered
-- ARGV[4]  now, in milliseconds (the score in lh:convs)
-- ARGV[5]  the conversation
--
-- Returns the stream id of the event.  A client id seen before returns the
-- id it got then, and nothing is stored or announced again.  Announces
-- "<id> <event>" on the channel.
local seen = redis.call('GET', KEYS[2])
if seen then
    return seen
end

local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])
redis.call('SET', KEYS[2], id, 'EX', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
redis.call('PUBLISH', ARGV[2], id .. ' ' .. ARGV[1])

return id
