#include "telemetry/telemetry.h"

#include "socketio/sionamespace.h"
#include "socketio/siosocket.h"

#include <QDateTime>
#include <QMutexLocker>
#include <chrono>

namespace {
qint64 nowUs()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

QString traceKey(const QString &nsp, const QString &socketId)
{
    return nsp + QLatin1Char('\n') + socketId;
}

QString namespaceOf(const QString &site)
{
    return site.startsWith(QLatin1Char('/')) ? site : QLatin1Char('/') + site;
}

quint32 delta(quint64 now, quint64 before)
{
    return now >= before ? quint32(qMin<quint64>(now - before, 0xffffffffu)) : 0;
}
} // namespace

Telemetry::Telemetry(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<TraceEntry>();
    qRegisterMetaType<RateSample>();
    m_startedAtMs = QDateTime::currentMSecsSinceEpoch();
    connect(&m_sampler, &QTimer::timeout, this, &Telemetry::sampleNow);
}

Telemetry::~Telemetry()
{
    detach();
}

QString Telemetry::siteOf(const QString &nsp)
{
    if (nsp.size() > 1 && nsp.startsWith(QLatin1Char('/'))) return nsp.mid(1);
    return nsp;
}

void Telemetry::attach(SioServer *sio)
{
    m_sio = sio;
    m_sioCounters = sio ? &sio->counters() : nullptr;
    if (sio) sio->setObserver(this);
    m_startedAtMs = QDateTime::currentMSecsSinceEpoch();
    m_previous = {};
    m_previous.timeMs = m_startedAtMs;
    m_traced.clear();
}

void Telemetry::detach()
{
    stopSampling();
    if (m_sio) m_sio->setObserver(nullptr);
    m_sio = nullptr;
    m_sioCounters = nullptr;
}

void Telemetry::setListenAddress(const QString &address)
{
    QMutexLocker lock(&m_stateMutex);
    m_listenAddress = address;
}

void Telemetry::startSampling(int intervalMs)
{
    m_sampler.start(intervalMs);
}

void Telemetry::stopSampling()
{
    m_sampler.stop();
}

void Telemetry::redisEventRouted(const QString &site, const QString &room, const QString &event,
                                 int bytes, int recipients, const QByteArray &payloadJson,
                                 qint64 publishTsUs)
{
    ++m_redisIn;
    m_redisBytes += quint64(qMax(0, bytes));
    if (publishTsUs > 0) {
        const qint64 latency = qMax<qint64>(0, nowUs() - publishTsUs);
        QMutexLocker lock(&m_stateMutex);
        m_secondLatency.add(latency);
        m_totalLatency.add(latency);
    }
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::RedisIn;
    entry.site = site;
    entry.room = room;
    entry.event = event;
    entry.bytes = bytes;
    entry.recipients = recipients;
    entry.payload = payloadJson;
    if (recipients == 0) entry.detail = QStringLiteral("room has no members");
    m_trace.append(std::move(entry));
    if (!m_traced.isEmpty()) traceToTracedMembers(site, room, event, payloadJson);
}

void Telemetry::redisEventDropped(const QString &reason, const QByteArray &raw)
{
    ++m_redisIn;
    ++m_redisDropped;
    m_redisBytes += quint64(raw.size());
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::RedisDropped;
    entry.detail = reason;
    entry.bytes = int(raw.size());
    entry.recipients = 0;
    entry.payload = raw;
    m_trace.append(std::move(entry));
}

void Telemetry::authCompleted(const QString &site, bool ok, qint64 latencyMs, const QString &error)
{
    (ok ? m_authOk : m_authFailed)++;
    QMutexLocker lock(&m_stateMutex);
    m_authLatency.add(latencyMs * 1000);
    if (!ok) m_lastAuthError = site.isEmpty() ? error : site + QStringLiteral(": ") + error;
}

void Telemetry::redisStateChanged(const QString &state, const QString &detail)
{
    QMutexLocker lock(&m_stateMutex);
    m_redisState = state;
    m_redisDetail = detail;
}

void Telemetry::setTraced(const QString &nsp, const QString &socketId, bool traced)
{
    if (traced)
        m_traced.insert(traceKey(nsp, socketId));
    else
        m_traced.remove(traceKey(nsp, socketId));
}

bool Telemetry::isTraced(const QString &nsp, const QString &socketId) const
{
    return m_traced.contains(traceKey(nsp, socketId));
}

void Telemetry::consolePublished(const QString &site, const QString &room, const QString &event,
                                 const QByteArray &payloadJson, int recipients,
                                 const QString &detail, const QString &socketId)
{
    ++m_consolePublishes;
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::ConsolePublish;
    entry.site = site;
    entry.room = room;
    entry.event = event;
    entry.bytes = int(payloadJson.size());
    entry.recipients = recipients;
    entry.payload = payloadJson;
    entry.detail = detail;
    entry.socketId = socketId;
    if (!socketId.isEmpty()) {
        // Sent to one socket: that line is its trace already.
        entry.fromTracedSocket = m_traced.contains(traceKey(namespaceOf(site), socketId));
        m_trace.append(std::move(entry));
        return;
    }
    m_trace.append(std::move(entry));
    if (!m_traced.isEmpty() && recipients > 0) traceToTracedMembers(site, room, event, payloadJson);
}

// A routed message reached the traced sockets that are members of its room:
// give each its own line, so "trace one connection" shows what it was sent.
void Telemetry::traceToTracedMembers(const QString &site, const QString &room, const QString &event,
                                     const QByteArray &payloadJson)
{
    if (!m_sio) return;
    for (const QString &key : std::as_const(m_traced)) {
        const qsizetype cut = key.indexOf(QLatin1Char('\n'));
        const QString nsp = key.left(cut);
        if (siteOf(nsp) != site && !site.isEmpty()) continue;
        SioNamespace *ns = m_sio->findNamespace(nsp);
        SioSocket *socket = ns ? ns->socket(key.mid(cut + 1)) : nullptr;
        if (!socket) continue;
        if (!room.isEmpty() && !socket->rooms().contains(room)) continue;
        TraceEntry entry;
        entry.timeMs = QDateTime::currentMSecsSinceEpoch();
        entry.kind = TraceEntry::Kind::ServerPacket;
        entry.site = siteOf(nsp);
        entry.room = room;
        entry.event = event;
        entry.socketId = socket->id();
        entry.bytes = int(payloadJson.size());
        entry.payload = payloadJson;
        entry.fromTracedSocket = true;
        m_trace.append(std::move(entry));
    }
}

void Telemetry::socketConnected(SioSocket *socket)
{
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::Connect;
    entry.site = siteOf(socket->nspName());
    entry.socketId = socket->id();
    entry.detail = socket->user.isEmpty()
                       ? socket->handshake().peer
                       : socket->user + QStringLiteral(" from ") + socket->handshake().peer;
    m_trace.append(std::move(entry));
}

void Telemetry::socketDisconnected(SioSocket *socket, const QString &reason)
{
    const bool traced = m_traced.remove(traceKey(socket->nspName(), socket->id()));
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::Disconnect;
    entry.site = siteOf(socket->nspName());
    entry.socketId = socket->id();
    entry.detail = reason;
    entry.fromTracedSocket = traced;
    m_trace.append(std::move(entry));
}

void Telemetry::connectRefused(const QString &nsp, const HttpRequest &handshake,
                               const QString &error)
{
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::Refused;
    entry.site = siteOf(nsp);
    entry.detail = error + QStringLiteral(" (") + handshake.peer + QLatin1Char(')');
    m_trace.append(std::move(entry));
}

void Telemetry::clientEvent(SioSocket *socket, const QString &event, int attachments)
{
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::ClientEvent;
    entry.site = siteOf(socket->nspName());
    entry.event = event;
    entry.socketId = socket->id();
    if (attachments > 0) entry.detail = QStringLiteral("%1 binary attachment(s)").arg(attachments);
    entry.fromTracedSocket = isTraced(socket->nspName(), socket->id());
    m_trace.append(std::move(entry));
}

void Telemetry::serverEvent(SioSocket *socket, const QByteArray &packet)
{
    if (!isTraced(socket->nspName(), socket->id())) return;
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::ServerPacket;
    entry.site = siteOf(socket->nspName());
    entry.socketId = socket->id();
    entry.bytes = int(packet.size());
    entry.payload = packet;
    entry.fromTracedSocket = true;
    m_trace.append(std::move(entry));
}

void Telemetry::sampleNow()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const SioCounters *c = m_sioCounters.load();
    Previous current;
    current.timeMs = now;
    current.redisIn = m_redisIn;
    current.redisDropped = m_redisDropped;
    if (c) {
        current.deliveries = c->deliveries;
        current.clientEvents = c->clientEvents;
        current.connects = c->connects;
        current.disconnects = c->disconnects;
        current.refused = c->connectErrors;
    }
    RateSample sample;
    sample.timeMs = now;
    sample.seconds = qMax<qint64>(1, now - m_previous.timeMs) / 1000.0;
    sample.redisIn = delta(current.redisIn, m_previous.redisIn);
    sample.redisDropped = delta(current.redisDropped, m_previous.redisDropped);
    sample.deliveries = delta(current.deliveries, m_previous.deliveries);
    sample.clientEvents = delta(current.clientEvents, m_previous.clientEvents);
    sample.connects = delta(current.connects, m_previous.connects);
    sample.disconnects = delta(current.disconnects, m_previous.disconnects);
    sample.authFailures = delta(current.refused, m_previous.refused);
    {
        QMutexLocker lock(&m_stateMutex);
        sample.latencySamples = quint32(m_secondLatency.count());
        sample.p50Ms = m_secondLatency.percentile(0.50) / 1000.0;
        sample.p99Ms = m_secondLatency.percentile(0.99) / 1000.0;
        m_secondLatency.clear();
    }
    if (m_sio) {
        int connections = 0;
        const auto namespaces = m_sio->namespaces();
        for (const SioNamespace *ns : namespaces)
            connections += ns->socketCount();
        sample.connections = connections;
        sample.sessions = m_sio->clientCount();
    }
    m_connections = sample.connections;
    m_sessions = sample.sessions;
    m_previous = current;
    m_rates.append(sample);
}

TelemetryTotals Telemetry::totals() const
{
    TelemetryTotals t;
    t.redisIn = m_redisIn;
    t.redisDropped = m_redisDropped;
    t.redisBytes = m_redisBytes;
    t.authOk = m_authOk;
    t.authFailed = m_authFailed;
    t.consolePublishes = m_consolePublishes;
    if (const SioCounters *c = m_sioCounters.load()) {
        t.deliveries = c->deliveries;
        t.clientEvents = c->clientEvents;
        t.connects = c->connects;
        t.disconnects = c->disconnects;
        t.refused = c->connectErrors;
    }
    t.connections = m_connections;
    t.sessions = m_sessions;
    t.startedAtMs = m_startedAtMs;
    QMutexLocker lock(&m_stateMutex);
    t.latencyP50Ms = m_totalLatency.percentile(0.50) / 1000.0;
    t.latencyP99Ms = m_totalLatency.percentile(0.99) / 1000.0;
    t.authP50Ms = m_authLatency.percentile(0.50) / 1000.0;
    t.redisState = m_redisState;
    t.redisDetail = m_redisDetail;
    t.lastAuthError = m_lastAuthError;
    t.listenAddress = m_listenAddress;
    return t;
}
