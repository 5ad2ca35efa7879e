// EioSession: the state of one Engine.IO v4 session (polling, WebSocket, or
// polling being upgraded). Owned by EioServer; engine thread only.
#pragma once

#include "common/fifotimerqueue.h"
#include "protocol/wsframe.h"
#include "transport/httprequest.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QPointer>

class Connection;

// One outgoing Engine.IO packet in wire-ready form: `text` is the text packet
// (type character included) or the raw bytes of a binary message. For WebSocket
// recipients `frame` may hold the encoded frame, built once per broadcast.
struct OutPacket {
    QByteArray text;
    QByteArray frame;
    bool binary = false;

    // An Engine.IO message packet ('4' + payload, here a Socket.IO packet's
    // text): the one place the message prefix is written.
    static OutPacket message(QByteArrayView payload)
    {
        OutPacket packet;
        packet.text.reserve(payload.size() + 1);
        packet.text.append('4').append(payload);
        return packet;
    }
    // The same with its WebSocket frame built now, for a packet many sockets
    // receive: server frames are unmasked, so one encoding serves them all.
    static OutPacket sharedMessage(QByteArrayView payload)
    {
        OutPacket packet = message(payload);
        packet.frame = packet.wsFrame();
        return packet;
    }

    // One record of a long-polling answer (binary as `b` + base64).
    QByteArray pollRecord() const { return binary ? QByteArray("b") + text.toBase64() : text; }
    // The WebSocket frame that carries it.
    QByteArray wsFrame() const
    {
        if (!frame.isEmpty()) return frame;
        return ws::encodeFrame(binary ? ws::Opcode::Binary : ws::Opcode::Text, text);
    }
};

class EioSession {
public:
    enum class Transport { Polling, WebSocket };
    enum class Heartbeat { WaitingToPing, WaitingForPong };

    QByteArray sid;
    Transport transport = Transport::Polling;
    HttpRequest handshake; // the first request (headers, query, peer); no body
    QElapsedTimer age;

    // polling
    QPointer<Connection> parkedGet;
    QList<OutPacket> queue;
    qint64 queueBytes = 0; // what the queued packets add to the next poll answer
    qint64 lastPollMs = 0; // age.elapsed() when a GET last arrived or was answered
    bool flushScheduled = false;
    bool closing = false; // server closed it; the next GET drains the queue
    bool cutOff = false;  // a slow consumer: dropped packets, closed on the next pass

    // WebSocket (active transport, or the probe while upgrading)
    QPointer<Connection> socket;
    QPointer<Connection> probe;
    bool upgrading = false; // 2probe answered, waiting for 5

    // heartbeat and other deadlines, in the EioServer's queues (one per duration)
    Heartbeat heartbeat = Heartbeat::WaitingToPing;
    FifoTimerLink heartbeatTimer; // ping interval, then pong timeout
    FifoTimerLink upgradeTimer;
    FifoTimerLink drainTimer;
    qint64 pongDeadline = 0; // age.elapsed() ms

    // upper layer (Socket.IO client) attached to this session
    void *userData = nullptr;

    quint64 packetsIn = 0;
    quint64 packetsOut = 0;
    bool upgraded = false; // began on polling, now on WebSocket

    bool isWebSocket() const { return transport == Transport::WebSocket; }
};
