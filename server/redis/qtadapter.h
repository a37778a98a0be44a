#pragma once
#include "server/redis/redisreply.h"

// Internal glue between hiredis and Qt; included only by this library's .cpp files so that
// hiredis headers never leak to callers.
struct redisAsyncContext;
struct redisReply;

namespace crewdeck::server::redisdetail {

// Drives a hiredis async context from the Qt event loop of the calling thread with two
// QSocketNotifiers (read/write), toggled by hiredis' ev.addRead/delRead/addWrite/delWrite
// hooks. The adapter owns itself: hiredis calls ev.cleanup when the context is freed, which
// disables the notifiers, schedules them for deletion (they may be mid-emission) and deletes
// the adapter. Returns false if the context already has an event adapter. Main thread.
bool attachQtAdapter(redisAsyncContext *ac);

// Deep copy of a hiredis reply (recursively for arrays).
RedisReply convertReply(const redisReply *reply);

} // namespace crewdeck::server::redisdetail
