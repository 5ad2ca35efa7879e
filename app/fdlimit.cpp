#include "fdlimit.h"

#include "common/logging.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/resource.h>

namespace {
// Descriptors the process needs besides client sockets: listeners, Redis,
// the web-server client, log files, Qt's own pipes and eventfds.
constexpr rlim_t kReservedDescriptors = 256;

QString limitText(rlim_t value)
{
    return value == RLIM_INFINITY ? QStringLiteral("unlimited") : QString::number(value);
}
} // namespace

long long raiseOpenFileLimit(int expectedConnections)
{
    rlimit limit = {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        qCWarning(lcEngine) << "cannot read the open-file limit:" << strerror(errno);
        return -1;
    }
    const rlim_t before = limit.rlim_cur;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            qCWarning(lcEngine) << "cannot raise the open-file limit to the hard limit"
                                << limitText(limit.rlim_max) << ":" << strerror(errno);
            limit.rlim_cur = before;
        }
    }
    if (limit.rlim_cur != before)
        qCInfo(lcEngine).noquote() << "open-file limit raised from" << limitText(before) << "to"
                                   << limitText(limit.rlim_cur);
    else
        qCInfo(lcEngine).noquote() << "open-file limit" << limitText(limit.rlim_cur);
    const rlim_t needed = rlim_t(expectedConnections) + kReservedDescriptors;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed)
        qCWarning(lcEngine).noquote().nospace()
            << "open-file limit " << limitText(limit.rlim_cur) << " allows only about "
            << (limit.rlim_cur > kReservedDescriptors ? limit.rlim_cur - kReservedDescriptors : 0)
            << " client connections (wanted " << expectedConnections
            << "); raise the hard limit (ulimit -Hn as root, LimitNOFILE= in a systemd unit, "
               "nofile in /etc/security/limits.conf)";
    return limit.rlim_cur == RLIM_INFINITY ? -1 : (long long)limit.rlim_cur;
}

int autoMaxConnections(long long openFileLimit)
{
    const long long reserve = (long long)kReservedDescriptors;
    if (openFileLimit < 0 || openFileLimit < 2 * reserve) return 0;
    return int(std::min<long long>(openFileLimit - reserve, 1000000));
}
