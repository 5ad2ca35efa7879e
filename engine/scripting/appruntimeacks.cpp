// AppRuntime's acknowledged broadcasts (issue 15): kept apart from
// appruntime.cpp, which is at its size limit.
#include "scripting/appruntime.h"

#include "protocol/siopacket.h"
#include "scripting/apphandlers.h"
#include "socketio/ackbroadcast.h"
#include "socketio/sioadapter.h"
#include "socketio/sionamespace.h"

#include <QPointer>
#include <QTimer>

void AppRuntime::broadcastWithAck(const QString &nsp, const QStringList &rooms,
                                  const QStringList &exceptRooms, const QString &exceptId,
                                  const QString &event, const QString &json,
                                  const QJSValue &attachments, double timeoutMs,
                                  const QJSValue &done)
{
    if (sio::isReservedEventName(event)) {
        m_engine.throwError(QStringLiteral("\"%1\" is a reserved event name").arg(event));
        return;
    }
    const quint64 token = keep(done);
    QPointer<AppRuntime> self(this);
    auto answer = [self, token](const QString &error, const QList<AckAnswer> &answers) {
        if (!self) return;
        QJsonArray values;
        QJSValue perAnswer = self->m_engine.newArray(quint32(answers.size()));
        for (qsizetype i = 0; i < answers.size(); ++i) {
            values.append(answers.at(i).value);
            perAnswer.setProperty(quint32(i), self->attachmentsToJs(answers.at(i).attachments));
        }
        self->callKept(token,
                       {error.isEmpty() ? QJSValue(QJSValue::NullValue) : QJSValue(error),
                        QString::fromUtf8(sio::toJson(values)), perAnswer},
                       QStringLiteral("broadcast ack callback"));
    };
    SioNamespace *ns = m_owner->namespaceByName(nsp);
    const auto parsed = sio::parseJson(sio::eventDataJson(event, argsText(json)));
    if (!ns || !parsed || !parsed->isArray()) {
        // No socket of this namespace here: nobody to ask on this node. A
        // cluster would still have others, but without the namespace this
        // node is not subscribed to its answers; socket.io's in-memory
        // answer is the empty list.
        QTimer::singleShot(0, this, [answer] { answer(QString(), {}); });
        return;
    }
    BroadcastOptions opts{rooms, exceptRooms, {}};
    if (!exceptId.isEmpty()) opts.except.append(exceptId);
    broadcastWithAcks(ns->adapter(), parsed->toArray(), attachmentsFromJs(attachments), opts,
                      qint64(timeoutMs), answer);
}

void AppRuntime::serverSideEmitWithAck(const QString &nsp, const QString &json,
                                       const QJSValue &done)
{
    const quint64 token = keep(done);
    QPointer<AppRuntime> self(this);
    auto answer = [self, token](const QJsonArray &answers, const QString &error) {
        if (!self) return;
        self->callKept(token,
                       {error.isEmpty() ? QJSValue(QJSValue::NullValue) : QJSValue(error),
                        QString::fromUtf8(sio::toJson(answers))},
                       QStringLiteral("serverSideEmitWithAck callback"));
    };
    SioNamespace *ns = m_owner->namespaceByName(nsp);
    const auto data = sio::parseJson(json.toUtf8());
    if (!ns || !data || !data->isArray() || data->toArray().isEmpty()) {
        QTimer::singleShot(0, this, [answer] { answer({}, QString()); });
        return;
    }
    ns->adapter()->serverSideEmitWithAck(data->toArray(), [self, answer](QJsonArray answers,
                                                                         QString error) {
        if (!self) return;
        // Answers may come before the call returns; JS expects them later.
        QTimer::singleShot(0, self.data(), [answer, answers, error] { answer(answers, error); });
    });
}
