#include "socketio/ackbroadcast.h"

#include "socketio/sioadapter.h"

#include <QTimer>
#include <memory>

namespace {

struct Collect {
    int expectedServers = -1; // unknown until serverCount() answers
    int reportedServers = 0;
    int expectedClients = 0;
    QList<AckAnswer> answers;
    AckBroadcastDone done;
    bool finished = false;

    void finish(const QString &error)
    {
        if (finished) return;
        finished = true;
        AckBroadcastDone call = std::move(done);
        call(error, answers);
    }
    void check()
    {
        if (expectedServers == reportedServers && answers.size() == expectedClients)
            finish(QString());
    }
};

} // namespace

void broadcastWithAcks(SioAdapter *adapter, const QJsonArray &data,
                       const QList<QByteArray> &attachments, BroadcastOptions opts,
                       qint64 timeoutMs, AckBroadcastDone done)
{
    auto state = std::make_shared<Collect>();
    state->done = std::move(done);
    opts.flags.timeoutMs = timeoutMs; // published with the request, as socket.io does
    // Holds the state until the deadline; a complete broadcast makes it a no-op.
    QTimer::singleShot(int(qBound<qint64>(0, timeoutMs, 24LL * 3600 * 1000)),
                       [state] { state->finish(QStringLiteral("operation has timed out")); });
    adapter->broadcastWithAck(
        data, attachments, opts,
        [state](int clientCount) {
            state->expectedClients += clientCount;
            ++state->reportedServers;
            // Completion is checked from the event loop: the local count comes
            // before the call returns.
            QTimer::singleShot(0, [state] { state->check(); });
        },
        [state](const QJsonValue &value, const QList<QByteArray> &atts) {
            if (state->finished) return;
            state->answers.append({value, atts});
            state->check();
        });
    adapter->serverCount([state](int count) {
        QTimer::singleShot(0, [state, count] {
            state->expectedServers = count;
            state->check();
        });
    });
}
