// The Socket.IO v5 codec (engine/protocol/siopacket): the examples of the
// protocol notes (socketio-protocol.md §9-§11 and the appendix frames), every
// packet the server must refuse, binary attachments through the stateful
// Decoder, and the exact bytes encode() and toJson() produce.
#include "protocol/siopacket.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using sio::Decoder;
using sio::Packet;
using sio::PacketType;
using Status = Decoder::Status;

namespace {

QJsonValue json(const char *text)
{
    const auto v = sio::parseJson(QByteArray(text));
    if (!v) qFatal("bad JSON in test table: %s", text);
    return *v;
}

QJsonObject placeholder(int n)
{
    return QJsonObject{{QStringLiteral("_placeholder"), true}, {QStringLiteral("num"), n}};
}

// Feeds one text packet and the binary ones after it, as a connection would.
Status decodeAll(Decoder &decoder, const QByteArray &text, const QList<QByteArray> &binaries,
                 Packet &out, QString &error)
{
    Status s = decoder.decodeText(text, out, error);
    for (const QByteArray &b : binaries) {
        if (s != Status::NeedAttachments) return s;
        s = decoder.addAttachment(b, out, error);
    }
    return s;
}

} // namespace

class TestSioPacket : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void decode_data();
    void decode();
    void decodeInvalid_data();
    void decodeInvalid();
    void binaryAttachments();
    void nestedPlaceholders();
    void textWhileAttachmentsPending();
    void unexpectedBinary();
    void decoderRecoversAfterCompletePacket();
    void encode_data();
    void encode();
    void roundTrip_data() { encode_data(); }
    void roundTrip();
    void encodeBinary();
    void toJson_data();
    void toJson();
    void preEncodedDataKeepsKeyOrderAndNumbers();
    void parseJson_data();
    void parseJson();
    void encodeEvent_data();
    void encodeEvent();
    void eventHelpers();
    void countPlaceholders();
};

void TestSioPacket::decode_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("nsp");
    QTest::addColumn<qint64>("ackId");    // -1: none
    QTest::addColumn<QByteArray>("data"); // compact JSON, empty: no payload

    // §9 examples
    QTest::newRow("event") << QByteArray("2[\"foo\"]") << 2 << "/" << -1ll
                           << QByteArray("[\"foo\"]");
    QTest::newRow("event in namespace")
        << QByteArray("2/admin,[\"bar\"]") << 2 << "/admin" << -1ll << QByteArray("[\"bar\"]");
    QTest::newRow("event with ack id")
        << QByteArray("212[\"foo\"]") << 2 << "/" << 12ll << QByteArray("[\"foo\"]");
    QTest::newRow("ack in namespace")
        << QByteArray("3/admin,13[\"bar\"]") << 3 << "/admin" << 13ll << QByteArray("[\"bar\"]");
    QTest::newRow("connect reply")
        << QByteArray("0/admin,{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}") << 0 << "/admin" << -1ll
        << QByteArray("{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}");
    QTest::newRow("connect error") << QByteArray("4{\"message\":\"Not authorized\"}") << 4 << "/"
                                   << -1ll << QByteArray("{\"message\":\"Not authorized\"}");
    QTest::newRow("connect error as string") << QByteArray("4\"Not authorized\"") << 4 << "/"
                                             << -1ll << QByteArray("\"Not authorized\"");
    QTest::newRow("disconnect in namespace")
        << QByteArray("1/admin,") << 1 << "/admin" << -1ll << QByteArray();
    // §11 / appendix client frames
    QTest::newRow("connect root") << QByteArray("0") << 0 << "/" << -1ll << QByteArray();
    QTest::newRow("connect with auth") << QByteArray("0{\"token\":\"123\"}") << 0 << "/" << -1ll
                                       << QByteArray("{\"token\":\"123\"}");
    QTest::newRow("connect custom with comma")
        << QByteArray("0/custom,") << 0 << "/custom" << -1ll << QByteArray();
    QTest::newRow("connect custom with auth")
        << QByteArray("0/custom,{\"token\":\"abc\"}") << 0 << "/custom" << -1ll
        << QByteArray("{\"token\":\"abc\"}");
    QTest::newRow("connect namespace without comma")
        << QByteArray("0/random") << 0 << "/random" << -1ll << QByteArray();
    QTest::newRow("disconnect root") << QByteArray("1") << 1 << "/" << -1ll << QByteArray();
    QTest::newRow("disconnect namespace without comma")
        << QByteArray("1/custom") << 1 << "/custom" << -1ll << QByteArray();
    QTest::newRow("appendix message")
        << QByteArray("2[\"message\",1,\"2\",{\"3\":[true]}]") << 2 << "/" << -1ll
        << QByteArray("[\"message\",1,\"2\",{\"3\":[true]}]");
    QTest::newRow("appendix message-with-ack")
        << QByteArray("2456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]") << 2 << "/" << 456ll
        << QByteArray("[\"message-with-ack\",1,\"2\",{\"3\":[false]}]");
    QTest::newRow("numeric event name")
        << QByteArray("2[42,\"x\"]") << 2 << "/" << -1ll << QByteArray("[42,\"x\"]");
    QTest::newRow("empty ack") << QByteArray("3/admin,7[]") << 3 << "/admin" << 7ll
                               << QByteArray("[]");
    QTest::newRow("comma inside the payload")
        << QByteArray("2/a,[\"x,y\",\",\"]") << 2 << "/a" << -1ll << QByteArray("[\"x,y\",\",\"]");
    QTest::newRow("ack id zero") << QByteArray("20[\"e\"]") << 2 << "/" << 0ll
                                 << QByteArray("[\"e\"]");
    QTest::newRow("unicode event")
        << QByteArray("2[\"\xc3\xa9v\xc3\xa9nement\",\"\xf0\x9f\x98\x80\"]") << 2 << "/" << -1ll
        << QByteArray("[\"\xc3\xa9v\xc3\xa9nement\",\"\xf0\x9f\x98\x80\"]");
    QTest::newRow("unicode namespace")
        << QByteArray("0/\xc3\xa9,") << 0 << "/\xc3\xa9" << -1ll << QByteArray();
    QTest::newRow("whitespace in JSON accepted")
        << QByteArray("2[ \"a\" , 1 ]") << 2 << "/" << -1ll << QByteArray("[\"a\",1]");
}

void TestSioPacket::decode()
{
    QFETCH(QByteArray, text);
    QFETCH(int, type);
    QFETCH(QString, nsp);
    QFETCH(qint64, ackId);
    QFETCH(QByteArray, data);

    Decoder decoder;
    Packet p;
    QString error;
    QCOMPARE(decoder.decodeText(text, p, error), Status::Complete);
    QVERIFY(error.isEmpty());
    QCOMPARE(int(p.type), type);
    QCOMPARE(p.nsp, nsp);
    QCOMPARE(p.ackId.has_value(), ackId >= 0);
    if (ackId >= 0) QCOMPARE(qint64(*p.ackId), ackId);
    if (data.isEmpty())
        QVERIFY(p.data.isUndefined());
    else
        QCOMPARE(sio::toJson(p.data), data);
    QVERIFY(p.attachments.isEmpty());
    QVERIFY(!decoder.awaitingAttachments());
}

void TestSioPacket::decodeInvalid_data()
{
    QTest::addColumn<QByteArray>("text");

    // Appendix: malformed packets that close the connection.
    QTest::newRow("abc: unknown type") << QByteArray("abc");
    QTest::newRow("4abc: connect error not JSON") << QByteArray("4abc");
    QTest::newRow("2{}: event not an array") << QByteArray("2{}");
    QTest::newRow("2abc[...]: junk for the ack id")
        << QByteArray("2abc[\"message\",1,\"2\",{\"3\":[true]}]");
    QTest::newRow("1{}: disconnect with payload") << QByteArray("1{}");
    QTest::newRow("0[]: connect with array") << QByteArray("0[]");
    QTest::newRow("connect with string") << QByteArray("0\"token\"");
    QTest::newRow("connect with number") << QByteArray("01x");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("type 7") << QByteArray("7[\"x\"]");
    QTest::newRow("type 9") << QByteArray("9");
    QTest::newRow("event without payload") << QByteArray("2");
    QTest::newRow("event empty array") << QByteArray("2[]");
    QTest::newRow("event name object") << QByteArray("2[{}]");
    QTest::newRow("event name null") << QByteArray("2[null]");
    QTest::newRow("event name bool") << QByteArray("2[true]");
    QTest::newRow("event payload string") << QByteArray("2\"x\"");
    QTest::newRow("ack object") << QByteArray("3{}");
    QTest::newRow("ack without payload") << QByteArray("31");
    QTest::newRow("connect error array") << QByteArray("4[]");
    QTest::newRow("connect error without payload") << QByteArray("4");
    QTest::newRow("truncated JSON") << QByteArray("2[\"a\"");
    QTest::newRow("two JSON values") << QByteArray("2[\"a\"][\"b\"]");
    QTest::newRow("trailing junk") << QByteArray("2[\"a\"]x");
    QTest::newRow("namespace then junk") << QByteArray("2/admin,x[\"a\"]");
    QTest::newRow("ack id too long") << QByteArray("21234567890123456[\"a\"]");
    // Reserved event names (socket.io refuses them from clients).
    for (const char *name : {"connect", "connect_error", "disconnect", "disconnecting",
                             "newListener", "removeListener"})
        QTest::addRow("reserved %s", name) << (QByteArray("2[\"") + name + "\"]");
    QTest::newRow("reserved name in binary event")
        << QByteArray("51-[\"disconnect\",{\"_placeholder\":true,\"num\":0}]");
    // Attachment counts.
    QTest::newRow("binary without count") << QByteArray("5[\"m\"]");
    QTest::newRow("binary count without dash") << QByteArray("51[\"m\"]");
    QTest::newRow("binary dash without count") << QByteArray("5-[\"m\"]");
    QTest::newRow("binary count letters") << QByteArray("5a-[\"m\"]");
    QTest::newRow("binary count negative") << QByteArray("5-1-[\"m\"]");
    QTest::newRow("binary count only") << QByteArray("51-");
    QTest::newRow("too many attachments")
        << QByteArray("511-[\"m\",{\"_placeholder\":true,\"num\":0}]");
    QTest::newRow("absurd attachment count") << QByteArray("59999999-[\"m\"]");
    QTest::newRow("binary ack count missing") << QByteArray("6/admin,1[]");
    // Placeholders that point nowhere.
    QTest::newRow("placeholder out of range")
        << QByteArray("51-[\"m\",{\"_placeholder\":true,\"num\":1}]");
    QTest::newRow("placeholder negative")
        << QByteArray("51-[\"m\",{\"_placeholder\":true,\"num\":-1}]");
    QTest::newRow("placeholder fractional")
        << QByteArray("52-[\"m\",{\"_placeholder\":true,\"num\":0.5}]");
    QTest::newRow("placeholder num string")
        << QByteArray("51-[\"m\",{\"_placeholder\":true,\"num\":\"0\"}]");
    QTest::newRow("placeholder without num") << QByteArray("51-[\"m\",{\"_placeholder\":true}]");
    QTest::newRow("placeholder nested out of range")
        << QByteArray("51-[\"m\",{\"a\":[{\"_placeholder\":true,\"num\":3}]}]");
}

void TestSioPacket::decodeInvalid()
{
    QFETCH(QByteArray, text);
    Decoder decoder;
    Packet p;
    QString error;
    QCOMPARE(decoder.decodeText(text, p, error), Status::Error);
    QVERIFY(!error.isEmpty());
    QVERIFY(!decoder.awaitingAttachments());
}

void TestSioPacket::binaryAttachments()
{
    // Appendix: 452-["message",<p0>,<p1>] + <01 02 03> + <04 05 06>
    Decoder decoder;
    Packet p;
    QString error;
    const QByteArray header = "52-[\"message\",{\"_placeholder\":true,\"num\":0},"
                              "{\"_placeholder\":true,\"num\":1}]";
    QCOMPARE(decoder.decodeText(header, p, error), Status::NeedAttachments);
    QVERIFY(decoder.awaitingAttachments());
    QCOMPARE(decoder.addAttachment(QByteArray("\x01\x02\x03"), p, error), Status::NeedAttachments);
    QCOMPARE(decoder.addAttachment(QByteArray("\x04\x05\x06"), p, error), Status::Complete);
    QVERIFY(!decoder.awaitingAttachments());
    QCOMPARE(p.type, PacketType::BinaryEvent);
    QCOMPARE(p.nsp, QStringLiteral("/"));
    QVERIFY(!p.ackId);
    QCOMPARE(p.eventName(), QStringLiteral("message"));
    QCOMPARE(p.eventArgs(), (QJsonArray{placeholder(0), placeholder(1)}));
    QCOMPARE(p.attachments, (QList<QByteArray>{"\x01\x02\x03", "\x04\x05\x06"}));

    // With namespace and ack id: 52-/admin,789[...] and a binary ack 62-789[...].
    QCOMPARE(decodeAll(decoder,
                       "52-/admin,789[\"message-with-ack\",{\"_placeholder\":true,\"num\":0},"
                       "{\"_placeholder\":true,\"num\":1}]",
                       {"a", "b"}, p, error),
             Status::Complete);
    QCOMPARE(p.nsp, QStringLiteral("/admin"));
    QCOMPARE(*p.ackId, 789u);
    QCOMPARE(p.attachments, (QList<QByteArray>{"a", "b"}));

    QCOMPARE(
        decodeAll(decoder,
                  "62-789[{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]",
                  {"x", "y"}, p, error),
        Status::Complete);
    QCOMPARE(p.type, PacketType::BinaryAck);
    QCOMPARE(*p.ackId, 789u);
    QCOMPARE(p.data, QJsonValue(QJsonArray{placeholder(1), placeholder(0)}));

    // An empty attachment is still an attachment.
    QCOMPARE(decodeAll(decoder, "51-[\"m\",{\"_placeholder\":true,\"num\":0}]", {QByteArray()}, p,
                       error),
             Status::Complete);
    QCOMPARE(p.attachments.size(), 1);

    // The limit is inclusive: 10 attachments are fine.
    QByteArray ten = "510-[\"m\"";
    QList<QByteArray> bins;
    for (int i = 0; i < 10; ++i) {
        ten += ",{\"_placeholder\":true,\"num\":" + QByteArray::number(i) + "}";
        bins.append(QByteArray(1, char(i)));
    }
    ten += "]";
    QCOMPARE(decodeAll(decoder, ten, bins, p, error), Status::Complete);
    QCOMPARE(p.attachments, bins);

    // A lower limit is honoured.
    Decoder strict(sio::DecodeLimits{2});
    QCOMPARE(strict.decodeText("53-[\"m\"]", p, error), Status::Error);
}

void TestSioPacket::nestedPlaceholders()
{
    // Placeholders deep inside objects and arrays are valid and counted.
    Decoder decoder;
    Packet p;
    QString error;
    const QByteArray text = "52-[\"m\",{\"a\":[1,{\"b\":{\"_placeholder\":true,\"num\":1}}]},"
                            "[[{\"_placeholder\":true,\"num\":0}]]]";
    QCOMPARE(decodeAll(decoder, text, {"zero", "one"}, p, error), Status::Complete);
    QCOMPARE(sio::countPlaceholders(p.data), 2);
    QCOMPARE(p.attachments, (QList<QByteArray>{"zero", "one"}));
}

void TestSioPacket::textWhileAttachmentsPending()
{
    Decoder decoder;
    Packet p;
    QString error;
    QCOMPARE(decoder.decodeText("52-[\"m\",{\"_placeholder\":true,\"num\":0},"
                                "{\"_placeholder\":true,\"num\":1}]",
                                p, error),
             Status::NeedAttachments);
    QCOMPARE(decoder.addAttachment("first", p, error), Status::NeedAttachments);
    QCOMPARE(decoder.decodeText("2[\"m\"]", p, error), Status::Error);
    QVERIFY(!error.isEmpty());
}

void TestSioPacket::unexpectedBinary()
{
    Decoder decoder;
    Packet p;
    QString error;
    QCOMPARE(decoder.addAttachment("\x01", p, error), Status::Error);
    QVERIFY(!error.isEmpty());
    // Also after a complete binary packet: one attachment too many.
    error.clear();
    QCOMPARE(decodeAll(decoder, "51-[\"m\",{\"_placeholder\":true,\"num\":0}]", {"a"}, p, error),
             Status::Complete);
    QCOMPARE(decoder.addAttachment("b", p, error), Status::Error);
}

void TestSioPacket::decoderRecoversAfterCompletePacket()
{
    // The decoder is per connection: after a binary packet completes, text
    // packets decode normally again.
    Decoder decoder;
    Packet p;
    QString error;
    QCOMPARE(decodeAll(decoder, "51-[\"m\",{\"_placeholder\":true,\"num\":0}]", {"a"}, p, error),
             Status::Complete);
    QCOMPARE(decoder.decodeText("2[\"next\"]", p, error), Status::Complete);
    QCOMPARE(p.eventName(), QStringLiteral("next"));
    QVERIFY(p.attachments.isEmpty());
}

void TestSioPacket::encode_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("nsp");
    QTest::addColumn<qint64>("ackId");
    QTest::addColumn<QByteArray>("data"); // JSON; empty: no payload
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("event") << 2 << "/" << -1ll << QByteArray("[\"foo\"]")
                           << QByteArray("2[\"foo\"]");
    QTest::newRow("event in namespace")
        << 2 << "/admin" << -1ll << QByteArray("[\"bar\"]") << QByteArray("2/admin,[\"bar\"]");
    QTest::newRow("event with ack id")
        << 2 << "/" << 12ll << QByteArray("[\"foo\"]") << QByteArray("212[\"foo\"]");
    QTest::newRow("ack in namespace")
        << 3 << "/admin" << 13ll << QByteArray("[\"bar\"]") << QByteArray("3/admin,13[\"bar\"]");
    QTest::newRow("connect reply")
        << 0 << "/admin" << -1ll << QByteArray("{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}")
        << QByteArray("0/admin,{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}");
    QTest::newRow("connect reply root")
        << 0 << "/" << -1ll << QByteArray("{\"sid\":\"abc\"}") << QByteArray("0{\"sid\":\"abc\"}");
    QTest::newRow("connect error")
        << 4 << "/" << -1ll << QByteArray("{\"message\":\"Not authorized\"}")
        << QByteArray("4{\"message\":\"Not authorized\"}");
    QTest::newRow("invalid namespace")
        << 4 << "/random" << -1ll << QByteArray("{\"message\":\"Invalid namespace\"}")
        << QByteArray("4/random,{\"message\":\"Invalid namespace\"}");
    QTest::newRow("disconnect in namespace")
        << 1 << "/admin" << -1ll << QByteArray() << QByteArray("1/admin,");
    QTest::newRow("disconnect root") << 1 << "/" << -1ll << QByteArray() << QByteArray("1");
    QTest::newRow("appendix ack") << 3 << "/" << 456ll << QByteArray("[1,\"2\",{\"3\":[false]}]")
                                  << QByteArray("3456[1,\"2\",{\"3\":[false]}]");
    QTest::newRow("auth event custom")
        << 2 << "/custom" << -1ll << QByteArray("[\"auth\",{\"token\":\"abc\"}]")
        << QByteArray("2/custom,[\"auth\",{\"token\":\"abc\"}]");
    QTest::newRow("empty ack") << 3 << "/" << 0ll << QByteArray("[]") << QByteArray("30[]");
    QTest::newRow("numbers") << 2 << "/" << -1ll << QByteArray("[\"n\",1,-2,0,1.5,123456789012]")
                             << QByteArray("2[\"n\",1,-2,0,1.5,123456789012]");
}

void TestSioPacket::encode()
{
    QFETCH(int, type);
    QFETCH(QString, nsp);
    QFETCH(qint64, ackId);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, expected);
    Packet p;
    p.type = PacketType(type);
    p.nsp = nsp;
    if (ackId >= 0) p.ackId = quint64(ackId);
    if (!data.isEmpty()) p.data = json(data.constData());
    QCOMPARE(sio::encode(p), expected);
}

void TestSioPacket::roundTrip()
{
    QFETCH(QByteArray, expected);
    Decoder decoder;
    Packet p;
    QString error;
    QCOMPARE(decoder.decodeText(expected, p, error), Status::Complete);
    QCOMPARE(sio::encode(p), expected);
}

void TestSioPacket::encodeBinary()
{
    // EVENT/ACK with attachments go out as BINARY_EVENT/BINARY_ACK with N-.
    Packet p;
    p.type = PacketType::Event;
    p.data = QJsonArray{QStringLiteral("message-back"), placeholder(0), placeholder(1)};
    p.attachments = {"\x01\x02\x03", "\x04\x05\x06"};
    QCOMPARE(sio::encode(p), QByteArray("52-[\"message-back\",{\"_placeholder\":true,\"num\":0},"
                                        "{\"_placeholder\":true,\"num\":1}]"));

    p.type = PacketType::Ack;
    p.ackId = 789;
    p.data = QJsonArray{placeholder(0), placeholder(1)};
    QCOMPARE(sio::encode(p), QByteArray("62-789[{\"_placeholder\":true,\"num\":0},"
                                        "{\"_placeholder\":true,\"num\":1}]"));

    p.nsp = QStringLiteral("/admin");
    p.type = PacketType::Event;
    p.data = QJsonArray{QStringLiteral("m"), placeholder(0), placeholder(1)};
    QCOMPARE(sio::encode(p), QByteArray("52-/admin,789[\"m\",{\"_placeholder\":true,\"num\":0},"
                                        "{\"_placeholder\":true,\"num\":1}]"));

    // Round trip through the decoder gives the same packet back.
    Decoder decoder;
    Packet back;
    QString error;
    QCOMPARE(decodeAll(decoder, sio::encode(p), p.attachments, back, error), Status::Complete);
    QCOMPARE(back.nsp, p.nsp);
    QCOMPARE(back.ackId, p.ackId);
    QCOMPARE(back.data, p.data);
    QCOMPARE(back.attachments, p.attachments);
}

void TestSioPacket::toJson_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("integer") << QJsonValue(1) << QByteArray("1");
    QTest::newRow("integral double") << QJsonValue(3.0) << QByteArray("3");
    QTest::newRow("negative") << QJsonValue(-42) << QByteArray("-42");
    QTest::newRow("large integer")
        << QJsonValue(qint64(9007199254740991)) << QByteArray("9007199254740991");
    QTest::newRow("fraction") << QJsonValue(0.5) << QByteArray("0.5");
    QTest::newRow("true") << QJsonValue(true) << QByteArray("true");
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << QByteArray("null");
    QTest::newRow("string") << QJsonValue(QStringLiteral("x")) << QByteArray("\"x\"");
    QTest::newRow("unicode kept as UTF-8")
        << QJsonValue(QStringLiteral(u"h\u00e9llo \u2713 \U0001F600"))
        << QByteArray("\"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80\"");
    QTest::newRow("record separator escaped") << QJsonValue(QStringLiteral("a\x1e"
                                                                           "b"))
                                              << QByteArray("\"a\\u001eb\"");
    QTest::newRow("control characters escaped") << QJsonValue(QStringLiteral("\t\n\r\b\f\x01\"\\"))
                                                << QByteArray("\"\\t\\n\\r\\b\\f\\u0001\\\"\\\\\"");
    QTest::newRow("compact array")
        << json("[ 1 , [ ] , { } , \"a b\" ]") << QByteArray("[1,[],{},\"a b\"]");
    QTest::newRow("compact object")
        << json("{ \"a\" : [ true , null ] }") << QByteArray("{\"a\":[true,null]}");
    QTest::newRow("placeholder key order")
        << QJsonValue(placeholder(3)) << QByteArray("{\"_placeholder\":true,\"num\":3}");
}

void TestSioPacket::toJson()
{
    QFETCH(QJsonValue, value);
    QFETCH(QByteArray, expected);
    const QByteArray out = sio::toJson(value);
    QCOMPARE(out, expected);
    // Whatever we write must parse back to the same value.
    const auto back = sio::parseJson(out);
    QVERIFY(back.has_value());
    QCOMPARE(*back, value);
}

void TestSioPacket::preEncodedDataKeepsKeyOrderAndNumbers()
{
    // A payload that is JSON text already (an app handler's JSON.stringify)
    // goes out as it is: socket.io keeps the sender's key order and
    // JSON.stringify's number format (1e-7, not Qt's 1e-07). Values encoded
    // from a QJsonValue (toJson) are sorted by QJsonObject; only the server's
    // own packets take that path.
    const QByteArray args = R"([{"b":1,"a":2},1e-7])";
    sio::Packet event;
    event.nsp = QStringLiteral("/site");
    event.ackId = 4;
    event.dataJson = sio::eventDataJson(QStringLiteral("x"), args);
    QCOMPARE(sio::encode(event), QByteArray(R"(2/site,4["x",{"b":1,"a":2},1e-7])"));

    sio::Packet ack;
    ack.type = sio::PacketType::Ack;
    ack.nsp = QStringLiteral("/site");
    ack.ackId = 4;
    ack.dataJson = args;
    QCOMPARE(sio::encode(ack), QByteArray(R"(3/site,4[{"b":1,"a":2},1e-7])"));

    // No arguments: just the name.
    QCOMPARE(sio::eventDataJson(QStringLiteral("x"), "[]"), QByteArray(R"(["x"])"));
}

void TestSioPacket::parseJson_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::newRow("scalar number") << QByteArray("1") << true;
    QTest::newRow("scalar string") << QByteArray("\"x\"") << true;
    QTest::newRow("null") << QByteArray("null") << true;
    QTest::newRow("object") << QByteArray("{\"a\":1}") << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("two values") << QByteArray("1,2") << false;
    QTest::newRow("array smuggling") << QByteArray("1],[2") << false;
    QTest::newRow("bare word") << QByteArray("abc") << false;
    QTest::newRow("trailing comma") << QByteArray("[1,]") << false;
}

void TestSioPacket::parseJson()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QCOMPARE(sio::parseJson(text).has_value(), valid);
}

void TestSioPacket::encodeEvent_data()
{
    QTest::addColumn<QString>("nsp");
    QTest::addColumn<QString>("event");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("root") << "/"
                          << "msgprint" << QByteArray("{\"a\":1}")
                          << QByteArray("2[\"msgprint\",{\"a\":1}]");
    QTest::newRow("site namespace") << "/site1.localhost"
                                    << "list_update" << QByteArray("[1]")
                                    << QByteArray("2/site1.localhost,[\"list_update\",[1]]");
    QTest::newRow("no payload") << "/"
                                << "ping" << QByteArray() << QByteArray("2[\"ping\"]");
    QTest::newRow("name escaped") << "/"
                                  << "a\"b" << QByteArray("1") << QByteArray("2[\"a\\\"b\",1]");
}

void TestSioPacket::encodeEvent()
{
    QFETCH(QString, nsp);
    QFETCH(QString, event);
    QFETCH(QByteArray, payload);
    QFETCH(QByteArray, expected);
    const QByteArray out = sio::encodeEvent(nsp, event, payload);
    QCOMPARE(out, expected);
    // The fast path must produce what a client decoder accepts.
    Decoder decoder;
    Packet p;
    QString error;
    QCOMPARE(decoder.decodeText(out, p, error), Status::Complete);
    QCOMPARE(p.eventName(), event);
}

void TestSioPacket::eventHelpers()
{
    Packet p;
    p.data = json("[\"ev\",1,{\"a\":2}]");
    QCOMPARE(p.eventName(), QStringLiteral("ev"));
    QCOMPARE(p.eventArgs(), QJsonArray({1, QJsonObject{{QStringLiteral("a"), 2}}}));
    p.data = json("[7]");
    QCOMPARE(p.eventName(), QStringLiteral("7"));
    QVERIFY(p.eventArgs().isEmpty());
}

void TestSioPacket::countPlaceholders()
{
    QCOMPARE(sio::countPlaceholders(json("[1,\"a\",{\"b\":null}]")), 0);
    QCOMPARE(sio::countPlaceholders(json("{\"_placeholder\":false,\"num\":0}")), 0);
    QCOMPARE(
        sio::countPlaceholders(json(
            "[{\"_placeholder\":true,\"num\":0},{\"x\":[{\"_placeholder\":true,\"num\":1}]}]")),
        2);
}

QTEST_APPLESS_MAIN(TestSioPacket)
#include "tst_siopacket.moc"
