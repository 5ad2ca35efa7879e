// Telemetry: what the monitor and the headless stats line read about a running
// engine. Counters, a per-second rate history (one hour), a latency histogram
// (message received from Redis or the console -> its bytes written to the
// sockets) and the bounded event trace behind the inspector. It observes the Socket.IO server
// (SioObserver) and is fed by the Frappe layer through the hooks below.
//
// Thread affinity: a child of EngineCore, so it lives in the engine thread;
// every writer (the hooks, the observer callbacks, the 1 s sampler, the
// tracing flags) runs there. The reader methods (totals(), ratesSince(),
// traceSince(), ...) may be called from any thread: they touch only atomics
// and mutex-protected rings, never the Socket.IO objects. The GUI pulls from
// them at a few Hz; nothing here emits a signal per delivery.
#pragma once

#include "socketio/sioserver.h"
#include "telemetry/latencyhistogram.h"
#include "telemetry/ratehistory.h"
#include "telemetry/recoverystats.h"
#include "telemetry/tracering.h"

#include <QMutex>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <atomic>
#include <functional>

struct TelemetryTotals {
    quint64 redisIn = 0;
    quint64 redisDropped = 0;
    quint64 redisBytes = 0;
    quint64 authOk = 0;
    quint64 authFailed = 0;
    quint64 deliveries = 0;
    quint64 clientEvents = 0;
    quint64 connects = 0;
    quint64 disconnects = 0;
    quint64 refused = 0;
    quint64 consolePublishes = 0;
    int connections = 0; // at the last sample
    int sessions = 0;
    double latencyP50Ms = 0; // since start
    double latencyP99Ms = 0;
    double authP50Ms = 0;
    QString redisState = QStringLiteral("not configured");
    QString redisDetail;
    QString lastAuthError;
    QString listenAddress;
    qint64 startedAtMs = 0;
    // Sockets held by each I/O thread (the engine thread first), at the last sample.
    QList<int> ioThreadConnections;
};

class Telemetry : public QObject, public SioObserver {
    Q_OBJECT
public:
    explicit Telemetry(QObject *parent = nullptr);
    ~Telemetry() override;

    // --- hooks for the Frappe layer (engine thread)
    // A message from Redis `events` went to `recipients` sockets of `room` in
    // `site` (room empty: every site). receivedAtNs: steadyNowNs() when the
    // engine read it (0: unknown, no latency sample).
    void redisEventRouted(const QString &site, const QString &room, const QString &event, int bytes,
                          int recipients, const QByteArray &payloadJson, qint64 receivedAtNs);
    void redisEventDropped(const QString &reason, const QByteArray &raw);
    void authCompleted(const QString &site, bool ok, qint64 latencyMs, const QString &error);
    // state: "connected", "connecting", "disconnected", "not configured", ...
    void redisStateChanged(const QString &state, const QString &detail);

    // --- wiring and monitor actions (engine thread)
    void attach(SioServer *sio); // also installs itself as the observer
    void detach();               // before the server goes away
    void setListenAddress(const QString &address);
    // Engine thread, before sampling starts: how to count each I/O thread's
    // sockets (the Listener knows); read once per sample.
    void setIoThreadCounter(std::function<QList<int>()> counter)
    {
        m_ioThreadCounter = std::move(counter);
    }
    void startSampling(int intervalMs = 1000);
    void stopSampling();
    // Records every packet to and from this socket (nsp + socket id) into the trace.
    void setTraced(const QString &nsp, const QString &socketId, bool traced);
    bool isTraced(const QString &nsp, const QString &socketId) const;
    // Something the monitor itself sent (publish console, emit to socket).
    void consolePublished(const QString &site, const QString &room, const QString &event,
                          const QByteArray &payloadJson, int recipients, const QString &detail,
                          const QString &socketId = {});
    // One sample now (tests; the timer calls it every second).
    void sampleNow();
    // A broadcast received at `receivedAtNs` (steadyNowNs()) was queued for
    // its sockets: its latency is taken when the output flush pass that writes
    // it ends. Frappe publishes no timestamp, so this is the part we own.
    void broadcastQueued(qint64 receivedAtNs);
    static qint64 steadyNowNs();

    // --- readers (any thread)
    TelemetryTotals totals() const;
    QList<RateSample> ratesSince(quint64 afterSeq) const { return m_rates.since(afterSeq); }
    RateSample latestRate() const { return m_rates.latest(); }
    QList<TraceEntry> traceSince(quint64 afterSeq, int max = 2000) const
    {
        return m_trace.since(afterSeq, max);
    }
    quint64 lastTraceSeq() const { return m_trace.lastSeq(); }
    // Connection-state recovery outcomes per site since start.
    QMap<QString, RecoveryStats> recoveriesBySite() const;

    // SioObserver (engine thread)
    void socketConnected(SioSocket *socket) override;
    void socketDisconnected(SioSocket *socket, const QString &reason) override;
    void connectRefused(const QString &nsp, const HttpRequest &handshake,
                        const QString &error) override;
    void clientEvent(SioSocket *socket, const sio::Packet &packet) override;
    void tracedClientPacket(SioSocket *socket, const sio::Packet &packet) override;
    void tracedServerPacket(SioSocket *socket, const QByteArray &eioText) override;
    void recoveryAttempted(const QString &nsp, SioSocket *socket, bool recovered,
                           const QString &failure, int replayed) override;

    static QString siteOf(const QString &nsp);

private:
    void recordFlushed();

    TraceRing m_trace;
    RateHistory m_rates;

    std::atomic<quint64> m_redisIn{0};
    std::atomic<quint64> m_redisDropped{0};
    std::atomic<quint64> m_redisBytes{0};
    std::atomic<quint64> m_authOk{0};
    std::atomic<quint64> m_authFailed{0};
    std::atomic<quint64> m_consolePublishes{0};
    std::atomic<int> m_connections{0};
    std::atomic<int> m_sessions{0};
    std::atomic<const SioCounters *> m_sioCounters{nullptr};
    std::atomic<qint64> m_startedAtMs{0};

    mutable QMutex m_stateMutex; // strings and histograms
    std::function<QList<int>()> m_ioThreadCounter;
    QList<int> m_ioThreadConnections; // under m_stateMutex
    QString m_redisState = QStringLiteral("not configured");
    QString m_redisDetail;
    QString m_lastAuthError;
    QString m_listenAddress;
    LatencyHistogram m_secondLatency; // reset by every sample
    LatencyHistogram m_totalLatency;
    LatencyHistogram m_authLatency;
    QMap<QString, RecoveryStats> m_recoveries; // by site

    // engine thread only
    SioServer *m_sio = nullptr;
    QTimer m_sampler{this}; // parented, so it moves to the engine thread with us
    QSet<QString> m_traced; // nsp + '\n' + socket id
    // What recoveryAttempted() said about the socket socketConnected() is
    // told about next (the Connect line of the trace carries it).
    QString m_recoveryNoteFor;
    QString m_recoveryNote;
    QList<qint64> m_unflushed; // receive times of broadcasts not yet written
    struct Previous {
        quint64 redisIn = 0, redisDropped = 0, deliveries = 0, clientEvents = 0, connects = 0,
                disconnects = 0, refused = 0;
        qint64 timeMs = 0;
    } m_previous;
};
