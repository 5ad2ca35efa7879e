#include "headless.h"

#include "common/logging.h"
#include "engine.h"
#include "statsprinter.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace {
int g_signalPipe[2] = {-1, -1};

void onSignal(int sig)
{
    const char c = char(sig);
    (void)::write(g_signalPipe[1], &c, 1);
}

// Signals arrive on any thread at any time; a socket pair turns them into an
// ordinary event on the main loop.
void installSignalHandlers(QObject *context, std::function<void(int)> handler)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) != 0) return;
    auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, context);
    QObject::connect(notifier, &QSocketNotifier::activated, context, [handler] {
        char c = 0;
        if (::read(g_signalPipe[0], &c, 1) == 1) handler(int(c));
    });
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
}
} // namespace

int runHeadless(const AppOptions &options)
{
    Engine engine(options.engine);
    const StartResult started = engine.start();
    if (!started.ok) {
        qCCritical(lcEngine).noquote() << started.error;
        return 1;
    }
    // Node prints this exact line; tools (and our tests) wait for it.
    if (started.unixPath.isEmpty())
        qCInfo(lcEngine).noquote() << "Realtime service listening on:" << started.port;
    else
        qCInfo(lcEngine).noquote() << "Realtime service listening on:" << started.unixPath;

    // One summary line every --stats-interval seconds (0 turns it off).
    StatsPrinter stats(&engine, options.statsIntervalSec);

    installSignalHandlers(qApp, [&engine](int sig) {
        qCInfo(lcEngine).noquote()
            << "received" << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << "- closing all sockets";
        engine.stop();
        QCoreApplication::exit(0);
    });
    return QCoreApplication::exec();
}
