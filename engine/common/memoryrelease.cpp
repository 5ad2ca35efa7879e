#include "common/memoryrelease.h"

#include <QTimer>
#include <atomic>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace memoryrelease {
namespace {
std::atomic<bool> g_scheduled{false};
std::atomic<int> g_trims{0};
constexpr int kDelayMs = 1000;
} // namespace

void configureAllocator()
{
#if defined(__GLIBC__)
    // 256 KB: a block this large is mapped and unmapped on its own. Setting
    // it at all also stops the dynamic adjustment described in the header.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    // Trim the top of the main heap once 4 MB are free there (the default
    // would be 2 * the threshold, adjusted the same way).
    mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
#endif
}

void releaseSoon()
{
    if (g_scheduled.exchange(true)) return;
    QTimer::singleShot(kDelayMs, [] {
        g_scheduled = false;
#if defined(__GLIBC__)
        malloc_trim(0);
#endif
        ++g_trims;
    });
}

int trims()
{
    return g_trims.load();
}

} // namespace memoryrelease
