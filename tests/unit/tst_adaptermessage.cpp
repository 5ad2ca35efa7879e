// The @socket.io/redis-adapter 8.x messages against bytes captured from the
// Node packages (spec redis-adapter-interop.md, lab/outputs/redis_capture.out):
// with the same uid and request ids, our encoder must write the same bytes,
// and our decoder must read what Node and the emitter send.
#include "cluster/adaptermessage.h"

#include <QJsonDocument>
#include <QtTest>

using namespace cluster;

namespace {

QByteArray hex(const char *h)
{
    return QByteArray::fromHex(h);
}

QJsonArray arr(const char *json)
{
    return QJsonDocument::fromJson(json).array();
}

QJsonObject placeholder(int n)
{
    return {{QStringLiteral("_placeholder"), true}, {QStringLiteral("num"), n}};
}

} // namespace

class TstAdapterMessage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void broadcastBytesMatchNode_data();
    void broadcastBytesMatchNode();
    void binaryBroadcastBytesMatchNode();
    void broadcastRequestBytesMatchNode();
    void broadcastAckBytesMatchNode();
    void decodesEmitterMessage();
    void decodesForeignEncoderMessage();
    void decodesBinaryIntoAttachments();
    void decodesEmitterNamespaceMessage();
    void roundTripsEdgeSizesAndNames();
    void decodesTimestampsAndSpecialNumbers();
    void rejectsMalformedInput();
    void decodesJsonRequests();
    void decodesMsgpackBroadcastRequestAndAck();
    void channelForRoomCount();
};

void TstAdapterMessage::broadcastBytesMatchNode_data()
{
    QTest::addColumn<QJsonArray>("data");
    QTest::addColumn<QStringList>("rooms");
    QTest::addColumn<QStringList>("except");
    QTest::addColumn<bool>("isVolatile");
    QTest::addColumn<int>("compress"); // -1 unset
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("io.emit(hello, world)")
        << arr(R"(["hello","world"])") << QStringList() << QStringList() << false << -1
        << hex("93a6674966744c3683a47479706502a46461746192a568656c6c6fa5776f726c64a36e7370a12f83a5"
               "726f6f6d7390a665786365707490a5666c61677380");
    QTest::newRow("io.to(room1).emit(ev, 1, {a:[true,null]})")
        << arr(R"(["ev",1,{"a":[true,null]}])") << QStringList{"room1"} << QStringList() << false
        << -1
        << hex("93a6674966744c3683a47479706502a46461746193a265760181a16192c3c0a36e7370a12f83a572"
               "6f6f6d7391a5726f6f6d31a665786365707490a5666c61677380");
    QTest::newRow("io.to([r1,r2]).except(r3).emit(multi,-1,1.5)")
        << arr(R"(["multi",-1,1.5])") << QStringList{"r1", "r2"} << QStringList{"r3"} << false << -1
        << hex("93a6674966744c3683a47479706502a46461746193a56d756c7469ffcb3ff8000000000000a36e73"
               "70a12f83a5726f6f6d7392a27231a27232a665786365707491a27233a5666c61677380");
    QTest::newRow("io.volatile.compress(false).emit(v,x)")
        << arr(R"(["v","x"])") << QStringList() << QStringList() << true << 0
        << hex("93a6674966744c3683a47479706502a46461746192a176a178a36e7370a12f83a5726f6f6d7390a6"
               "65786365707490a5666c61677382a8766f6c6174696c65c3a8636f6d7072657373c2");
}

void TstAdapterMessage::broadcastBytesMatchNode()
{
    QFETCH(QJsonArray, data);
    QFETCH(QStringList, rooms);
    QFETCH(QStringList, except);
    QFETCH(bool, isVolatile);
    QFETCH(int, compress);
    QFETCH(QByteArray, expected);
    BroadcastOpts opts{rooms, except, {}};
    opts.flags.isVolatile = isVolatile;
    if (compress >= 0) opts.flags.compress = compress == 1;
    const QByteArray bytes =
        encodeBroadcast(QStringLiteral("gIftL6"), QStringLiteral("/"), data, {}, opts);
    QCOMPARE(bytes.toHex(), expected.toHex());

    QString error;
    const auto decoded = decodeBroadcast(bytes, &error);
    QVERIFY2(decoded, qPrintable(error));
    QCOMPARE(decoded->uid, QStringLiteral("gIftL6"));
    QCOMPARE(decoded->packet.nsp, QStringLiteral("/"));
    QCOMPARE(QJsonDocument::fromJson(decoded->packet.dataJson).array(), data);
    QCOMPARE(decoded->opts.rooms, rooms);
    QCOMPARE(decoded->opts.except, except);
    QCOMPARE(decoded->opts.flags.isVolatile, isVolatile);
    QCOMPARE(decoded->opts.flags.compress.has_value(), compress >= 0);
}

void TstAdapterMessage::binaryBroadcastBytesMatchNode()
{
    // io.emit("bin", Buffer.from([1,2,3]), {nested: Buffer.from("hi")})
    QJsonArray data{QStringLiteral("bin"), placeholder(0),
                    QJsonObject{{QStringLiteral("nested"), placeholder(1)}}};
    const QByteArray bytes = encodeBroadcast(QStringLiteral("gIftL6"), QStringLiteral("/"), data,
                                             {QByteArray("\x01\x02\x03", 3), QByteArray("hi")}, {});
    QCOMPARE(bytes.toHex(),
             QByteArray("93a6674966744c3683a47479706502a46461746193a362696ec40301020381a66e657374"
                        "6564c4026869a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380"));
}

void TstAdapterMessage::broadcastRequestBytesMatchNode()
{
    BroadcastOpts opts{{QStringLiteral("room1")}, {}, {}};
    opts.flags.timeoutMs = 1000;
    const QByteArray bytes =
        encodeBroadcastRequest(QStringLiteral("gIftL6"), QStringLiteral("rrv3xK"),
                               QStringLiteral("/"), arr(R"(["withack","x"])"), {}, opts);
    QCOMPARE(bytes.toHex(),
             QByteArray("85a3756964a6674966744c36a9726571756573744964a672727633784ba47479706507a6"
                        "7061636b657483a47479706502a46461746192a77769746861636ba178a36e7370a12fa4"
                        "6f70747383a5726f6f6d7391a5726f6f6d31a665786365707490a5666c61677381a77469"
                        "6d656f7574cd03e8"));
}

void TstAdapterMessage::broadcastAckBytesMatchNode()
{
    const QByteArray bytes =
        encodeBroadcastAck(QStringLiteral("rrv3xK"), QJsonValue(QStringLiteral("ack-x")), {});
    QCOMPARE(bytes.toHex(),
             QByteArray("83a47479706509a9726571756573744964a672727633784ba67061636b6574a561636b2d"
                        "78"));
}

void TstAdapterMessage::decodesEmitterMessage()
{
    // @socket.io/redis-emitter to("room1").emit("from_emitter", {x:1}): flags before except.
    QString error;
    const auto m = decodeBroadcast(
        hex("93a7656d697474657283a47479706502a46461746192ac66726f6d5f656d697474657281a17801a36e73"
            "70a12f83a5726f6f6d7391a5726f6f6d31a5666c61677380a665786365707490"),
        &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->uid, QStringLiteral("emitter"));
    QCOMPARE(m->packet.dataJson, QByteArray(R"(["from_emitter",{"x":1}])"));
    QCOMPARE(m->opts.rooms, QStringList{"room1"});
    QVERIFY(m->opts.except.isEmpty());
}

void TstAdapterMessage::decodesForeignEncoderMessage()
{
    // The hand-written encoder of spec 4.1, which Node accepted: key order n, pi, bin kept.
    QString error;
    const auto m = decodeBroadcast(
        hex("93aa6370702d6e6f64652d3183a47479706502a46461746192ae68656c6c6f5f66726f6d5f63707083a1"
            "6e01a27069cb400a000000000000a362696ec40200ffa36e7370ac2f73697465312e6c6f63616c83a572"
            "6f6f6d7391aa757365723a61646d696ea665786365707490a5666c61677380"),
        &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->uid, QStringLiteral("cpp-node-1"));
    QCOMPARE(m->packet.nsp, QStringLiteral("/site1.local"));
    QCOMPARE(
        m->packet.dataJson,
        QByteArray(R"(["hello_from_cpp",{"n":1,"pi":3.25,"bin":{"_placeholder":true,"num":0}}])"));
    QCOMPARE(m->packet.attachments, QList<QByteArray>{QByteArray("\x00\xff", 2)});
    QCOMPARE(m->opts.rooms, QStringList{"user:admin"});
}

void TstAdapterMessage::decodesBinaryIntoAttachments()
{
    QString error;
    const auto m = decodeBroadcast(
        hex("93a6674966744c3683a47479706502a46461746193a362696ec40301020381a66e6573746564c4026869"
            "a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380"),
        &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(
        m->packet.dataJson,
        QByteArray(
            R"(["bin",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}])"));
    QCOMPARE(m->packet.attachments,
             (QList<QByteArray>{QByteArray("\x01\x02\x03", 3), QByteArray("hi")}));
}

void TstAdapterMessage::decodesEmitterNamespaceMessage()
{
    // spec 8.1: what Frappe's Python side could publish for publish_realtime.
    QString error;
    const auto m = decodeBroadcast(
        hex("93a7656d697474657283a47479706502a46461746192ab6c6973745f75706461746583a7646f63747970"
            "65a4546f446fa46e616d65a754442d30303031a475736572b161646d696e406578616d706c652e636f6d"
            "a36e7370b02f6572702e6578616d706c652e636f6d83a5726f6f6d7391ac646f63747970653a546f446f"
            "a5666c61677380a665786365707490"),
        &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->packet.nsp, QStringLiteral("/erp.example.com"));
    QCOMPARE(
        m->packet.dataJson,
        QByteArray(
            R"(["list_update",{"doctype":"ToDo","name":"TD-0001","user":"admin@example.com"}])"));
    QCOMPARE(m->opts.rooms, QStringList{"doctype:ToDo"});
}

void TstAdapterMessage::roundTripsEdgeSizesAndNames()
{
    // str8/str16/str32 and bin32 boundaries, non-ASCII and '#' in room names.
    const QString big(70 * 1024, QLatin1Char('x'));
    const QString room = QStringLiteral("doc #1 / Grüße ✓");
    QJsonArray data{QStringLiteral("e"), QString(31, 'a'),
                    QString(32, 'b'),    QString(255, 'c'),
                    QString(256, 'd'),   big,
                    placeholder(0),      -129.0,
                    4294967296.0,        -2147483649.0};
    const QByteArray blob(70000, '\x7f');
    const BroadcastOpts opts{{room}, {QStringLiteral("#x#")}, {}};
    const QByteArray bytes =
        encodeBroadcast(QStringLiteral("u"), QStringLiteral("/s"), data, {blob}, opts);
    QVERIFY(bytes.contains(QByteArray::fromHex("d9") + char(32) + QByteArray(32, 'b')));
    QVERIFY(bytes.contains(QByteArray::fromHex("da0100") + QByteArray(256, 'd')));
    QVERIFY(bytes.contains(QByteArray::fromHex("db00011800")));                // str32 70 KiB
    QVERIFY(bytes.contains(QByteArray::fromHex("c600011170") + blob.left(4))); // bin32
    QVERIFY(bytes.contains(QByteArray::fromHex("d1ff7f")));                    // int16 -129
    QVERIFY(bytes.contains(QByteArray::fromHex("cf0000000100000000")));        // uint64 2^32
    QVERIFY(bytes.contains(QByteArray::fromHex("d3ffffffff7fffffff")));        // int64
    QString error;
    const auto m = decodeBroadcast(bytes, &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->opts.rooms, QStringList{room});
    QCOMPARE(m->opts.except, QStringList{"#x#"});
    QCOMPARE(m->packet.attachments, QList<QByteArray>{blob});
    QCOMPARE(QJsonDocument::fromJson(m->packet.dataJson).array(), data);
    QCOMPARE(broadcastChannel("socket.io", QStringLiteral("/s"), m->opts),
             QByteArray("socket.io#/s#") + room.toUtf8() + '#');
}

void TstAdapterMessage::decodesTimestampsAndSpecialNumbers()
{
    // notepack: new Date(0) -> d6ff00000000, new Date(1700000000123) -> d7ff1d5353006553f100,
    // NaN -> cb7ff8000000000000; a float32 and a quoted control character.
    QByteArray bytes = hex("93a17583a4747970650"
                           "2a46461746196a164d6ff00000000d7ff1d5353006553f100"
                           "cb7ff8000000000000ca3fc00000a20a22a36e7370a12f80");
    QString error;
    const auto m = decodeBroadcast(bytes, &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->packet.dataJson,
             QByteArray("[\"d\",\"1970-01-01T00:00:00.000Z\",\"2023-11-14T22:13:20.123Z\",null,1.5,"
                        "\"\\n\\\"\"]"));
}

void TstAdapterMessage::rejectsMalformedInput()
{
    const QByteArray good =
        hex("93a6674966744c3683a47479706502a46461746192a568656c6c6fa5776f726c64a36e7370a12f83a572"
            "6f6f6d7390a665786365707490a5666c61677380");
    QString error;
    QVERIFY(!decodeBroadcast(good + '\0', &error));
    QVERIFY2(error.contains(QLatin1String("trailing")), qPrintable(error));
    QVERIFY(!decodeBroadcast(good.left(good.size() - 3), &error));
    QVERIFY(!decodeBroadcast(hex("93a175c0c0"), &error)); // packet is not a map
    QVERIFY(!decodeBroadcast(hex("dd7fffffff"), &error)); // claims 2^31 entries
    // 1000 nested arrays: bounded depth, no stack overflow.
    QVERIFY(!decodeBroadcast(QByteArray(1000, '\x91') + '\xc0', &error));
    // packet.data must start with an event name.
    QVERIFY(!decodeBroadcast(hex("92a17582a4747970650"
                                 "2a46461746191"
                                 "01"),
                             &error));
    QVERIFY(!decodeControl("{not json", &error));
    QVERIFY(!decodeControl(hex("c1"), &error));
}

void TstAdapterMessage::decodesJsonRequests()
{
    QString error;
    // REMOTE_FETCH and REMOTE_JOIN as Node 8.3.0 sent them.
    auto fetch = decodeControl(
        R"({"uid":"gIftL6","requestId":"n97sBA","type":5,"opts":{"rooms":["room1"],"except":[]}})",
        &error);
    QVERIFY2(fetch, qPrintable(error));
    QCOMPARE(fetch->type, 5);
    QCOMPARE(fetch->uid, QStringLiteral("gIftL6"));
    QCOMPARE(fetch->requestId, QStringLiteral("n97sBA"));
    QCOMPARE(optsFromJson(fetch->fields.value("opts")).rooms, QStringList{"room1"});
    // The emitter's socketsLeave carries no uid.
    auto leave = decodeControl(
        R"({"type":3,"opts":{"rooms":["room1"],"except":[]},"rooms":["room2"]})", &error);
    QVERIFY2(leave, qPrintable(error));
    QCOMPARE(leave->type, 3);
    QVERIFY(leave->uid.isEmpty());
    // A response without a type.
    auto rooms = decodeControl(R"({"requestId":"mJtRTD","rooms":["a","room1"]})", &error);
    QVERIFY2(rooms, qPrintable(error));
    QVERIFY(!rooms->type);
    QCOMPARE(rooms->requestId, QStringLiteral("mJtRTD"));
}

void TstAdapterMessage::decodesMsgpackBroadcastRequestAndAck()
{
    QString error;
    auto request = decodeControl(
        hex("85a3756964a6674966744c36a9726571756573744964a672727633784ba47479706507a67061636b6574"
            "83a47479706502a46461746192a77769746861636ba178a36e7370a12fa46f70747383a5726f6f6d7391"
            "a5726f6f6d31a665786365707490a5666c61677381a774696d656f7574cd03e8"),
        &error);
    QVERIFY2(request, qPrintable(error));
    QCOMPARE(request->type, 7);
    QCOMPARE(request->requestId, QStringLiteral("rrv3xK"));
    QCOMPARE(request->packet.dataJson, QByteArray(R"(["withack","x"])"));
    const BroadcastOpts opts = optsFromJson(request->fields.value("opts"));
    QCOMPARE(opts.rooms, QStringList{"room1"});
    QCOMPARE(opts.flags.timeoutMs, std::optional<qint64>(1000));

    auto ack = decodeControl(
        hex("83a47479706509a9726571756573744964a672727633784ba67061636b6574a561636b2d78"), &error);
    QVERIFY2(ack, qPrintable(error));
    QCOMPARE(ack->type, 9);
    QCOMPARE(ack->fields.value("packet").toString(), QStringLiteral("ack-x"));
    // A binary ack argument survives as a placeholder plus its bytes.
    auto binAck = decodeControl(
        encodeBroadcastAck(QStringLiteral("r"), placeholder(0), {QByteArray("\x00\x01", 2)}),
        &error);
    QVERIFY2(binAck, qPrintable(error));
    QCOMPARE(binAck->fields.value("packet").toObject(), placeholder(0));
    QCOMPARE(binAck->attachments, QList<QByteArray>{QByteArray("\x00\x01", 2)});
}

void TstAdapterMessage::channelForRoomCount()
{
    const BroadcastOpts none;
    const BroadcastOpts one{{QStringLiteral("room1")}, {}, {}};
    const BroadcastOpts two{{QStringLiteral("r1"), QStringLiteral("r2")}, {}, {}};
    QCOMPARE(broadcastChannel("socket.io", QStringLiteral("/"), none), QByteArray("socket.io#/#"));
    QCOMPARE(broadcastChannel("socket.io", QStringLiteral("/"), one),
             QByteArray("socket.io#/#room1#"));
    QCOMPARE(broadcastChannel("p", QStringLiteral("/a"), two), QByteArray("p#/a#"));
}

QTEST_GUILESS_MAIN(TstAdapterMessage)
#include "tst_adaptermessage.moc"
