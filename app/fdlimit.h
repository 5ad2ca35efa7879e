// Raises the process's open-file limit (RLIMIT_NOFILE) from the soft to the
// hard value at start-up: every client connection holds one descriptor, and the
// usual soft default of 1024 would cap the server near a thousand sockets.
// Called once from main(), before the engine starts; main thread.
#pragma once

// `expectedConnections`: how many sockets the server should be able to hold
// (the max-connections setting, or a nominal figure when that is unlimited);
// a hard limit below it gets a warning naming the fix. Returns the soft limit
// now in force, or -1 when unlimited or unknown.
long long raiseOpenFileLimit(int expectedConnections);

// The max-connections default (-1, "auto"): the open-file limit minus the
// descriptors kept for Redis, the callback pool, listeners and logs, so that
// client sockets alone can never exhaust them (logins and the Redis bridge
// would fail for everyone). 0 (unlimited) when the limit is unknown,
// unlimited, or too small to keep that reserve (accepting then pauses on
// EMFILE instead, with a log line).
int autoMaxConnections(long long openFileLimit);
