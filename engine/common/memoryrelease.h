// Gives freed heap memory back to the system after a burst that grew it.
// glibc keeps freed blocks in its arenas, and holes in the middle of a heap
// are not returned on free(): a server that cut off stalled readers would go
// on showing their peak RSS for its whole life. Any thread may call these.
#pragma once

namespace memoryrelease {

// Fixes glibc's mmap threshold (call once at start-up, before threads): by
// default it rises to the size of the largest block freed so far (up to 32
// MB), after which large buffers such as a stalled reader's output queue are
// carved out of the heap instead of mapped, and stay as fragmentation once
// freed. No effect on other C libraries.
void configureAllocator();

// Trims the heaps (malloc_trim) about a second from now, once for any number
// of calls in that second: the memory of a connection that is cut off is
// freed on a later event-loop pass. Needs a running event loop in the
// calling thread.
void releaseSoon();

// How often releaseSoon() trimmed so far (tests, metrics).
int trims();

} // namespace memoryrelease
