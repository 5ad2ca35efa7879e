// The Engine.IO v4 codec (engine/protocol/eiopacket): single text packets as
// they arrive in WebSocket text frames, and polling bodies (records joined by
// \x1e, binary as `b` + base64), both directions.
#include "protocol/eiopacket.h"

#include <QTest>

using eio::Packet;
using eio::PacketType;
using PacketList = QList<Packet>;

Q_DECLARE_METATYPE(Packet)

namespace QTest {
template<> char *toString(const Packet &p)
{
    const QByteArray s = p.binary ? "binary(" + p.data.toHex(' ') + ")"
                                  : "text(" + QByteArray(1, char(p.type)) + ", \"" + p.data + "\")";
    return qstrdup(s.constData());
}
} // namespace QTest

namespace {
Packet text(PacketType t, const char *data = "")
{
    return Packet::text(t, QByteArray(data));
}
Packet bytes(std::initializer_list<quint8> b)
{
    QByteArray out;
    for (quint8 c : b)
        out.append(char(c));
    return Packet::bytes(out);
}
} // namespace

class TestEioPacket : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void decodeText_data();
    void decodeText();
    void decodeTextInvalid_data();
    void decodeTextInvalid();
    void encodeText_data();
    void encodeText();
    void decodePayload_data();
    void decodePayload();
    void decodePayloadInvalid_data();
    void decodePayloadInvalid();
    void encodePayload_data();
    void encodePayload();
    void payloadRoundTrip_data() { encodePayload_data(); }
    void payloadRoundTrip();
};

void TestEioPacket::decodeText_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<Packet>("expected");

    QTest::newRow("open") << QByteArray("0{\"sid\":\"x\"}")
                          << text(PacketType::Open, "{\"sid\":\"x\"}");
    QTest::newRow("close") << QByteArray("1") << text(PacketType::Close);
    QTest::newRow("ping") << QByteArray("2") << text(PacketType::Ping);
    QTest::newRow("ping probe") << QByteArray("2probe") << text(PacketType::Ping, "probe");
    QTest::newRow("pong") << QByteArray("3") << text(PacketType::Pong);
    QTest::newRow("pong probe") << QByteArray("3probe") << text(PacketType::Pong, "probe");
    QTest::newRow("message") << QByteArray("4hello") << text(PacketType::Message, "hello");
    QTest::newRow("empty message") << QByteArray("4") << text(PacketType::Message);
    QTest::newRow("upgrade") << QByteArray("5") << text(PacketType::Upgrade);
    QTest::newRow("noop") << QByteArray("6") << text(PacketType::Noop);
    QTest::newRow("unicode kept as UTF-8")
        << QByteArray("4h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80")
        << text(PacketType::Message, "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80");
    QTest::newRow("separator inside a WebSocket frame is data") << QByteArray("4a\x1e"
                                                                              "b")
                                                                << text(PacketType::Message, "a\x1e"
                                                                                             "b");
}

void TestEioPacket::decodeText()
{
    QFETCH(QByteArray, frame);
    QFETCH(Packet, expected);
    const auto packet = eio::decodeText(frame);
    QVERIFY(packet.has_value());
    QCOMPARE(*packet, expected);
}

void TestEioPacket::decodeTextInvalid_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("letters") << QByteArray("abc");
    QTest::newRow("type 7") << QByteArray("7");
    QTest::newRow("type 9") << QByteArray("9x");
    QTest::newRow("b is a polling-only prefix") << QByteArray("bAQIDBA==");
    QTest::newRow("leading space") << QByteArray(" 4hello");
}

void TestEioPacket::decodeTextInvalid()
{
    QFETCH(QByteArray, frame);
    QVERIFY(!eio::decodeText(frame).has_value());
}

void TestEioPacket::encodeText_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("ping") << text(PacketType::Ping) << QByteArray("2");
    QTest::newRow("pong probe") << text(PacketType::Pong, "probe") << QByteArray("3probe");
    QTest::newRow("message") << text(PacketType::Message, "4hi") << QByteArray("44hi");
    QTest::newRow("noop") << text(PacketType::Noop) << QByteArray("6");
    QTest::newRow("close") << text(PacketType::Close) << QByteArray("1");
}

void TestEioPacket::encodeText()
{
    QFETCH(Packet, packet);
    QFETCH(QByteArray, expected);
    QCOMPARE(eio::encodeText(packet), expected);
    QCOMPARE(eio::decodeText(expected), packet);
}

void TestEioPacket::decodePayload_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<PacketList>("expected");

    QTest::newRow("single") << QByteArray("4hello")
                            << PacketList{text(PacketType::Message, "hello")};
    QTest::newRow("three messages")
        << QByteArray("4test1\x1e"
                      "4test2\x1e"
                      "4test3")
        << PacketList{text(PacketType::Message, "test1"), text(PacketType::Message, "test2"),
                      text(PacketType::Message, "test3")};
    QTest::newRow("text then binary")
        << QByteArray("4hello\x1e"
                      "bAQIDBA==")
        << PacketList{text(PacketType::Message, "hello"), bytes({1, 2, 3, 4})};
    QTest::newRow("binary alone") << QByteArray("bAQIDBA==") << PacketList{bytes({1, 2, 3, 4})};
    QTest::newRow("binary all byte values")
        << QByteArray("bAP6Afw==") << PacketList{bytes({0x00, 0xfe, 0x80, 0x7f})};
    QTest::newRow("empty binary") << QByteArray("b") << PacketList{Packet::bytes({})};
    QTest::newRow("pong and close") << QByteArray("3\x1e"
                                                  "1")
                                    << PacketList{text(PacketType::Pong), text(PacketType::Close)};
    QTest::newRow("empty message record")
        << QByteArray("4\x1e"
                      "4x")
        << PacketList{text(PacketType::Message), text(PacketType::Message, "x")};
    QTest::newRow("unicode") << QByteArray("4\xc3\xa9\xe2\x82\xac\x1e"
                                           "4\xf0\x9f\x98\x80")
                             << PacketList{text(PacketType::Message, "\xc3\xa9\xe2\x82\xac"),
                                           text(PacketType::Message, "\xf0\x9f\x98\x80")};
    QTest::newRow("socket.io event with commas")
        << QByteArray("42[\"a,b\",{\"c\":1}]")
        << PacketList{text(PacketType::Message, "2[\"a,b\",{\"c\":1}]")};
}

void TestEioPacket::decodePayload()
{
    QFETCH(QByteArray, body);
    QFETCH(PacketList, expected);
    QString error;
    const auto packets = eio::decodePayload(body, &error);
    QVERIFY2(packets.has_value(), qPrintable(error));
    QCOMPARE(*packets, expected);
}

void TestEioPacket::decodePayloadInvalid_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("empty body") << QByteArray();
    QTest::newRow("unknown type") << QByteArray("abc");
    QTest::newRow("bad second record") << QByteArray("4ok\x1e"
                                                     "x");
    QTest::newRow("trailing separator") << QByteArray("4hello\x1e");
    QTest::newRow("leading separator") << QByteArray("\x1e"
                                                     "4hello");
    QTest::newRow("double separator") << QByteArray("4a\x1e\x1e"
                                                    "4b");
    QTest::newRow("separator only") << QByteArray("\x1e");
    QTest::newRow("bad base64 characters") << QByteArray("b!!!!");
    QTest::newRow("bad base64 in second record") << QByteArray("4a\x1e"
                                                               "bA*QI");
}

void TestEioPacket::decodePayloadInvalid()
{
    QFETCH(QByteArray, body);
    QString error;
    QVERIFY(!eio::decodePayload(body, &error).has_value());
    QVERIFY(!error.isEmpty());
    // The error pointer is optional.
    QVERIFY(!eio::decodePayload(body).has_value());
}

void TestEioPacket::encodePayload_data()
{
    QTest::addColumn<PacketList>("packets");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("one") << PacketList{text(PacketType::Ping)} << QByteArray("2");
    QTest::newRow("batch") << PacketList{text(PacketType::Message, "hello"), text(PacketType::Ping),
                                         bytes({1, 2, 3, 4})}
                           << QByteArray("4hello\x1e"
                                         "2\x1e"
                                         "bAQIDBA==");
    QTest::newRow("binary uses standard base64 with padding")
        << PacketList{bytes({0xfb, 0xff})} << QByteArray("b+/8=");
    QTest::newRow("unicode untouched")
        << PacketList{text(PacketType::Message, "\xe2\x9c\x93")} << QByteArray("4\xe2\x9c\x93");
}

void TestEioPacket::encodePayload()
{
    QFETCH(PacketList, packets);
    QFETCH(QByteArray, expected);
    QCOMPARE(eio::encodePayload(packets), expected);
    QList<QByteArray> records;
    for (const Packet &p : packets)
        records.append(eio::recordOf(p));
    QCOMPARE(eio::joinRecords(records), expected);
}

void TestEioPacket::payloadRoundTrip()
{
    QFETCH(PacketList, packets);
    const auto decoded = eio::decodePayload(eio::encodePayload(packets));
    QVERIFY(decoded.has_value());
    QCOMPARE(*decoded, packets);
}

QTEST_APPLESS_MAIN(TestEioPacket)
#include "tst_eiopacket.moc"
