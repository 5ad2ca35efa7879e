#include "telemetry/telemetry.h"

#include "socketio/sionamespace.h"
#include "socketio/siosocket.h"
#include "transport/outputflusher.h"

#include <QDateTime>
#include <QJsonArray>
#include <QMutexLocker>
#include <QPointer>
#include <chrono>

namespace {
// What the inspector shows as an event's payload: the one argument Frappe
// events carry, or all of them when there are several.
QByteArray payloadOf(const QJsonArray &args)
{
    if (args.isEmpty()) return {};
    return args.size() == 1 ? sio::toJson(args.first()) : sio::toJson(args);
}

// The parts of a Socket.IO text packet the trace shows (the full decoder
// would wait for binary attachments; a trace line does not need them).
struct SentPacket {
    sio::PacketType type = sio::PacketType::Event;
    qint64 ackId = -1;
    int attachments = 0;
    QJsonValue data;
};

SentPacket parseSent(const QByteArray &eioText)
{
    SentPacket p;
    if (eioText.size() < 2) return p;
    p.type = sio::PacketType(eioText.at(1) - '0');
    qsizetype pos = 2;
    if (p.type == sio::PacketType::BinaryEvent || p.type == sio::PacketType::BinaryAck) {
        const qsizetype dash = eioText.indexOf('-', pos);
        if (dash < 0) return p;
        p.attachments = eioText.mid(pos, dash - pos).toInt();
        pos = dash + 1;
    }
    if (pos < eioText.size() && eioText.at(pos) == '/') {
        const qsizetype comma = eioText.indexOf(',', pos);
        pos = comma < 0 ? eioText.size() : comma + 1;
    }
    qsizetype digits = pos;
    while (digits < eioText.size() && eioText.at(digits) >= '0' && eioText.at(digits) <= '9')
        ++digits;
    if (digits > pos) p.ackId = eioText.mid(pos, digits - pos).toLongLong();
    if (digits < eioText.size())
        p.data = sio::parseJson(eioText.mid(digits)).value_or(QJsonValue());
    return p;
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
                                 qint64 receivedAtNs)
{
    ++m_redisIn;
    m_redisBytes += quint64(qMax(0, bytes));
    if (receivedAtNs > 0 && recipients > 0) broadcastQueued(receivedAtNs);
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
    // The flag on the socket is what SioServer checks per packet.
    SioNamespace *ns = m_sio ? m_sio->findNamespace(nsp) : nullptr;
    if (SioSocket *socket = ns ? ns->socket(socketId) : nullptr) socket->traced = traced;
}

qint64 Telemetry::steadyNowNs()
{
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

void Telemetry::broadcastQueued(qint64 receivedAtNs)
{
    if (m_unflushed.isEmpty()) {
        QPointer<Telemetry> self(this);
        OutputFlusher::forCurrentThread()->afterFlush([self] {
            if (self) self->recordFlushed();
        });
    }
    m_unflushed.append(receivedAtNs);
}

void Telemetry::recordFlushed()
{
    const qint64 now = steadyNowNs();
    QMutexLocker lock(&m_stateMutex);
    for (const qint64 receivedAt : std::as_const(m_unflushed)) {
        const qint64 micros = qMax<qint64>(0, (now - receivedAt) / 1000);
        m_secondLatency.add(micros);
        m_totalLatency.add(micros);
    }
    m_unflushed.clear();
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
    if (!m_recoveryNote.isEmpty() && m_recoveryNoteFor == socket->id())
        entry.detail += QStringLiteral(" - ") + m_recoveryNote;
    m_recoveryNote.clear();
    m_trace.append(std::move(entry));
}

void Telemetry::recoveryAttempted(const QString &nsp, SioSocket *socket, bool recovered,
                                  const QString &failure, int replayed)
{
    {
        QMutexLocker lock(&m_stateMutex);
        RecoveryStats &stats = m_recoveries[siteOf(nsp)];
        if (recovered) {
            ++stats.recovered;
            stats.replayed += quint64(replayed);
        } else {
            ++stats.failed;
            ++stats.failures[failure];
        }
    }
    m_recoveryNoteFor = socket ? socket->id() : QString();
    m_recoveryNote = recovered
                         ? QStringLiteral("recovered, %1 missed event(s) replayed").arg(replayed)
                         : QStringLiteral("not recovered (%1)").arg(failure);
}

QMap<QString, RecoveryStats> Telemetry::recoveriesBySite() const
{
    QMutexLocker lock(&m_stateMutex);
    return m_recoveries;
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

void Telemetry::clientEvent(SioSocket *socket, const sio::Packet &packet)
{
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::ClientEvent;
    entry.site = siteOf(socket->nspName());
    entry.event = packet.eventName();
    entry.socketId = socket->id();
    entry.payload = payloadOf(packet.eventArgs());
    entry.bytes = int(entry.payload.size());
    QStringList detail;
    if (packet.ackId) detail.append(QStringLiteral("asks ack %1").arg(*packet.ackId));
    if (!packet.attachments.isEmpty())
        detail.append(QStringLiteral("%1 binary attachment(s)").arg(packet.attachments.size()));
    entry.detail = detail.join(QStringLiteral(", "));
    entry.fromTracedSocket = socket->traced;
    m_trace.append(std::move(entry));
}

void Telemetry::tracedClientPacket(SioSocket *socket, const sio::Packet &packet)
{
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::ClientEvent;
    entry.site = siteOf(socket->nspName());
    entry.socketId = socket->id();
    entry.fromTracedSocket = true;
    if (packet.type == sio::PacketType::Disconnect) {
        entry.detail = QStringLiteral("disconnect");
    } else {
        entry.detail = QStringLiteral("ack %1").arg(packet.ackId.value_or(0));
        entry.payload = payloadOf(packet.data.toArray());
        entry.bytes = int(entry.payload.size());
    }
    m_trace.append(std::move(entry));
}

void Telemetry::tracedServerPacket(SioSocket *socket, const QByteArray &eioText)
{
    const SentPacket sent = parseSent(eioText);
    TraceEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.kind = TraceEntry::Kind::ServerPacket;
    entry.site = siteOf(socket->nspName());
    entry.socketId = socket->id();
    entry.bytes = int(eioText.size());
    entry.fromTracedSocket = true;
    QStringList detail;
    switch (sent.type) {
    case sio::PacketType::Event:
    case sio::PacketType::BinaryEvent: {
        QJsonArray args = sent.data.toArray();
        entry.event = args.isEmpty() ? QString() : args.first().toString();
        if (!args.isEmpty()) args.removeFirst();
        entry.payload = payloadOf(args);
        if (sent.ackId >= 0) detail.append(QStringLiteral("asks ack %1").arg(sent.ackId));
        break;
    }
    case sio::PacketType::Ack:
    case sio::PacketType::BinaryAck:
        detail.append(QStringLiteral("ack %1").arg(sent.ackId));
        entry.payload = payloadOf(sent.data.toArray());
        break;
    case sio::PacketType::Disconnect:
        detail.append(QStringLiteral("disconnect"));
        break;
    case sio::PacketType::Connect:
        detail.append(QStringLiteral("connect"));
        entry.payload = sio::toJson(sent.data);
        break;
    case sio::PacketType::ConnectError:
        detail.append(QStringLiteral("connect error"));
        entry.payload = sio::toJson(sent.data);
        break;
    }
    if (sent.attachments > 0)
        detail.append(QStringLiteral("%1 binary attachment(s)").arg(sent.attachments));
    entry.detail = detail.join(QStringLiteral(", "));
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
    if (m_ioThreadCounter) {
        QList<int> perThread = m_ioThreadCounter();
        QMutexLocker lock(&m_stateMutex);
        m_ioThreadConnections = std::move(perThread);
    }
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
    t.ioThreadConnections = m_ioThreadConnections;
    return t;
}
