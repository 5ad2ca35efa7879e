// Raises the process's open-file limit (RLIMIT_NOFILE) from the soft to the
// hard value at start-up: every client connection holds one descriptor, and the
// usual soft default of 1024 would cap the server near a thousand sockets.
// Called once from main(), before the engine starts; main thread.
#pragma once

// `expectedConnections`: how many sockets the server should be able to hold
// (the max-connections setting, or a nominal figure when that is unlimited);
// a hard limit below it gets a warning naming the fix.
void raiseOpenFileLimit(int expectedConnections);
