// EioServer's long-polling transport: the parked GET that carries packets
// to the client and the POST that carries the client's packets in.
#include "transport/eioserver.h"

#include "common/logging.h"

void EioServer::answerParkedGet(EioSession *session, const QByteArray &body)
{
    Connection *parked = session->parkedGet;
    if (!parked) return;
    session->parkedGet = nullptr;
    parked->setClosedCallback(nullptr);
    HttpResponse r = baseResponse(session->handshake);
    r.body = body;
    parked->respond(r);
}

void EioServer::handleGet(Connection *connection, EioSession *session)
{
    if (session->parkedGet) {
        // Overlapping GETs: the parked one gets a close packet, the new one a 400.
        answerParkedGet(session, "1");
        HttpRequest fake = session->handshake;
        destroy(session, QStringLiteral("transport error"));
        return respondError(connection, fake, BadRequest);
    }
    session->parkedGet = connection;
    session->lastPollMs = session->age.elapsed();
    const QByteArray sid = session->sid;
    connection->setClosedCallback([this, sid](Connection *) {
        // The client went away while its GET was parked: the session is over.
        if (EioSession *s = m_sessions.value(sid)) {
            s->parkedGet = nullptr;
            destroy(s, QStringLiteral("transport close"));
        }
    });
    if (session->upgrading || !session->queue.isEmpty() || session->closing) respondPoll(session);
}

void EioServer::respondPoll(EioSession *session)
{
    Connection *connection = session->parkedGet;
    if (!connection) return;
    session->parkedGet = nullptr;
    connection->setClosedCallback(nullptr);
    HttpResponse r = baseResponse(session->handshake);
    if (session->queue.isEmpty()) {
        r.body = session->closing ? "1" : "6";
    } else {
        QList<QByteArray> records;
        records.reserve(session->queue.size() + 1);
        for (const auto &p : std::as_const(session->queue))
            records.append(p.pollRecord());
        session->packetsOut += session->queue.size();
        session->queue.clear();
        session->queueBytes = 0;
        if (session->closing) records.append("1");
        r.body = eio::joinRecords(records);
    }
    session->lastPollMs = session->age.elapsed();
    connection->respond(r);
    if (session->closing) destroy(session, QString(), false);
}

void EioServer::handlePost(Connection *connection, const HttpRequest &request, EioSession *session)
{
    if (request.header("content-type").startsWith("application/octet-stream")) {
        destroy(session, QStringLiteral("transport error"));
        return respondError(connection, request, BadRequest);
    }
    QString error;
    auto packets = eio::decodePayload(request.body, &error);
    HttpResponse ok = baseResponse(request);
    ok.contentType = "text/html";
    ok.body = "ok";
    if (!packets) {
        qCInfo(lcEio) << "closing session" << session->sid << "from" << request.peer
                      << ": parse error:" << error;
        destroy(session, QStringLiteral("parse error"));
        return respondError(connection, request, BadRequest);
    }
    const QByteArray sid = session->sid;
    for (const auto &packet : std::as_const(*packets)) {
        handleIncoming(session, packet);
        session = m_sessions.value(sid); // the packet may have closed the session
        if (!session) break;
    }
    connection->respond(ok);
}
