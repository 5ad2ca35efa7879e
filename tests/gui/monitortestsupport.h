// Helpers for the monitor's GUI tests: a minimal in-process Socket.IO client
// over a real WebSocket (Engine.IO v4 handshake, ping/pong, one namespace),
// so tests can connect "users" to a real Engine and see what reaches them.
// Test thread only. Header-only: each tst_*.cpp is its own executable.
#pragma once

#include <QNetworkRequest>
#include <QObject>
#include <QStringList>
#include <QWebSocket>

class RawSioClient : public QObject {
public:
    explicit RawSioClient(QString nsp = QStringLiteral("/"), QObject *parent = nullptr)
        : QObject(parent), m_nsp(std::move(nsp))
    {
        connect(&m_ws, &QWebSocket::textMessageReceived, this, &RawSioClient::onMessage);
        connect(&m_ws, &QWebSocket::disconnected, this, [this] { closed = true; });
    }

    void open(quint16 port, const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest request(QUrl(
            QStringLiteral("ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket").arg(port)));
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        m_ws.open(request);
    }

    void emitEvent(const QByteArray &jsonArray)
    {
        m_ws.sendTextMessage(QString::fromUtf8("42" + prefix() + jsonArray));
    }
    // An EVENT that asks for an acknowledgement with this id.
    void emitWithAck(int ackId, const QByteArray &jsonArray)
    {
        m_ws.sendTextMessage(
            QString::fromUtf8("42" + prefix() + QByteArray::number(ackId) + jsonArray));
    }

    // "" for the root namespace, "/custom," otherwise (the packet prefix).
    QByteArray prefix() const
    {
        return m_nsp == QLatin1String("/") ? QByteArray() : m_nsp.toUtf8() + ',';
    }
    bool received(const QString &message) const { return messages.contains(message); }
    bool receivedStartingWith(const QString &start) const
    {
        for (const QString &m : messages)
            if (m.startsWith(start)) return true;
        return false;
    }

    void close() { m_ws.close(); }

    QStringList messages;   // every Engine.IO text message, as received
    QString socketId;       // from the namespace CONNECT answer
    QString pid;            // likewise, when the server offers connection-state recovery
    QByteArray connectAuth; // JSON object sent with the namespace CONNECT (e.g. a pid)
    bool closed = false;

private:
    void onMessage(const QString &message)
    {
        messages.append(message);
        if (message.startsWith(QLatin1Char('0'))) {
            m_ws.sendTextMessage(QStringLiteral("40") + QString::fromUtf8(prefix() + connectAuth));
        } else if (message == QLatin1String("2")) {
            m_ws.sendTextMessage(QStringLiteral("3"));
        } else if (message.startsWith(QStringLiteral("40") + QString::fromUtf8(prefix()))) {
            const int at = message.indexOf(QStringLiteral("\"sid\":\""));
            if (at >= 0) socketId = message.mid(at + 7, message.indexOf('"', at + 7) - at - 7);
            const int p = message.indexOf(QStringLiteral("\"pid\":\""));
            if (p >= 0) pid = message.mid(p + 7, message.indexOf('"', p + 7) - p - 7);
        }
    }

    QString m_nsp;
    QWebSocket m_ws;
};

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

// A throwaway redis-server and the Node Frappe web stub (tests/support), for
// tests that run the engine in Frappe mode. start() returns false (and the
// caller skips) when node or redis-server is missing.
class FrappeBackends {
public:
    ~FrappeBackends()
    {
        for (QProcess *p : {&stub, &redis})
            if (p->state() != QProcess::NotRunning) {
                p->terminate();
                p->waitForFinished(3000);
            }
    }

    // stubArgs: more options for the stub, e.g. {"--apps", "frappe,deskhelp"}.
    bool start(const QString &stubScript, const QStringList &stubArgs = {})
    {
        const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
        QString redisBin = qEnvironmentVariable("RT_REDIS_SERVER");
        if (redisBin.isEmpty())
            redisBin = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
        if (node.isEmpty() || redisBin.isEmpty() || stubScript.isEmpty()) return false;
        {
            QTcpServer probe;
            probe.listen(QHostAddress::LocalHost, 0);
            redisPort = probe.serverPort();
        }
        redis.start(redisBin,
                    {QStringLiteral("--port"), QString::number(redisPort), QStringLiteral("--bind"),
                     QStringLiteral("127.0.0.1"), QStringLiteral("--save"), QString(),
                     QStringLiteral("--appendonly"), QStringLiteral("no")});
        stub.start(node, QStringList{stubScript, QStringLiteral("--port"), QStringLiteral("0")} +
                             stubArgs);
        if (!redis.waitForStarted() || !stub.waitForStarted()) return false;
        QByteArray line;
        QElapsedTimer clock;
        clock.start();
        while (!line.contains('\n') && clock.elapsed() < 10000) {
            stub.waitForReadyRead(100);
            line += stub.readAllStandardOutput();
        }
        const qsizetype at = line.indexOf("listening on ");
        if (at < 0) return false;
        stubUrl = QStringLiteral("http://") + QString::fromLatin1(line.mid(at + 13).trimmed());
        while (clock.elapsed() < 10000) {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, redisPort);
            if (s.waitForConnected(100)) return true;
            QTest::qWait(50);
        }
        return false;
    }

    QString redisUrl() const { return QStringLiteral("redis://127.0.0.1:%1").arg(redisPort); }

    QProcess redis;
    QProcess stub;
    quint16 redisPort = 0;
    QString stubUrl;
};

// Copies a folder tree (fixture apps into a temporary bench).
inline bool copyTree(const QString &from, const QString &to)
{
    QDir().mkpath(to);
    for (const QFileInfo &info :
         QDir(from).entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
        const QString target = to + QLatin1Char('/') + info.fileName();
        if (info.isDir() ? !copyTree(info.filePath(), target)
                         : !QFile::copy(info.filePath(), target))
            return false;
    }
    return true;
}

// Connects as a desk browser behind nginx would: cookie sid, same-origin
// Origin, X-Frappe-Site-Name.
inline RawSioClient *connectDeskClient(quint16 port, const QByteArray &sid, const QString &site,
                                       QObject *parent)
{
    auto *client = new RawSioClient(QLatin1Char('/') + site, parent);
    client->open(port, {{"Cookie", "sid=" + sid + "; system_user=yes; full_name=Jane"},
                        {"Origin", QByteArray("http://127.0.0.1:") + QByteArray::number(port)},
                        {"X-Frappe-Site-Name", site.toUtf8()},
                        {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}});
    return client;
}
