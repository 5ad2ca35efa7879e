// The Admin UI's SerializedSocket and timestamps, built from our sockets,
// with every credential the handshake carried masked (Node sends cookies and
// Authorization in full). Pure functions over engine-thread objects: call on
// the engine thread.
#pragma once

#include <QJsonObject>
#include <QString>

class SioSocket;

namespace admin {

// {id, clientId, transport, nsp, data, handshake, rooms}, spec §5.4.
QJsonObject serializeSocket(const SioSocket *socket);
// {user, user_type, site} of a Frappe socket; {} for others.
QJsonObject socketData(const SioSocket *socket);
// "2026-12-08T00:59:49.198Z", how a JS Date goes into JSON.
QString isoNow();
QString isoTime(qint64 msSinceEpoch);

} // namespace admin
