// RFC 6455 framing (engine/protocol/wsframe): the handshake accept key, the
// server's frame encoder, and the incremental client-frame parser with
// reassembly, control frames and the close codes it must choose.
#include "protocol/wsframe.h"

#include <QTest>

using ws::Message;
using ws::Opcode;

namespace {

struct FrameSpec {
    Opcode opcode = Opcode::Text;
    QByteArray payload;
    bool fin = true;
    bool masked = true;
    quint8 rsv = 0; // bits 0x70
    QByteArray mask = QByteArray("\x37\xfa\x21\x3d", 4);
};

// Encodes one client frame the way a browser would (masked unless told not).
QByteArray clientFrame(const FrameSpec &f)
{
    QByteArray out;
    out.append(char((f.fin ? 0x80 : 0) | f.rsv | quint8(f.opcode)));
    const quint64 len = quint64(f.payload.size());
    const char maskBit = f.masked ? char(0x80) : char(0);
    if (len < 126) {
        out.append(char(maskBit | char(len)));
    } else if (len <= 0xFFFF) {
        out.append(char(maskBit | 126));
        out.append(char(len >> 8)).append(char(len & 0xFF));
    } else {
        out.append(char(maskBit | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(char((len >> shift) & 0xFF));
    }
    if (!f.masked) return out + f.payload;
    out.append(f.mask);
    for (qsizetype i = 0; i < f.payload.size(); ++i)
        out.append(char(f.payload.at(i) ^ f.mask.at(i & 3)));
    return out;
}

QByteArray frame(Opcode op, const QByteArray &payload, bool fin = true)
{
    FrameSpec f;
    f.opcode = op;
    f.payload = payload;
    f.fin = fin;
    return clientFrame(f);
}

struct FeedResult {
    bool ok = true;
    QList<Message> messages;
    quint16 closeCode = 0;
    QString error;
};

FeedResult feedAll(ws::FrameParser &parser, const QByteArray &bytes, bool byteByByte = false)
{
    FeedResult r;
    if (!byteByByte) {
        r.ok = parser.feed(bytes, r.messages, r.closeCode, r.error);
        return r;
    }
    for (char c : bytes) {
        r.ok = parser.feed(QByteArray(1, c), r.messages, r.closeCode, r.error);
        if (!r.ok) break;
    }
    return r;
}

QByteArray pattern(qsizetype n)
{
    QByteArray b(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i)
        b[i] = char('a' + i % 26);
    return b;
}

} // namespace

class TestWsFrame : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void acceptKey();
    void encodeLengths_data();
    void encodeLengths();
    void encodeClose();
    void parse_data();
    void parse();
    void parseByteByByte_data() { parse_data(); }
    void parseByteByByte();
    void violations_data();
    void violations();
    void partialFrameWaits();
    void maskKeyApplied();
    void sizeLimitIsInclusive();
};

void TestWsFrame::acceptKey()
{
    // RFC 6455 §1.3 example.
    QCOMPARE(ws::acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    // Header values may arrive with surrounding whitespace.
    QCOMPARE(ws::acceptKey(" dGhlIHNhbXBsZSBub25jZQ== "),
             QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

void TestWsFrame::encodeLengths_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<QByteArray>("header");
    QTest::newRow("empty") << 0 << QByteArray("\x81\x00", 2);
    QTest::newRow("7-bit max") << 125 << QByteArray("\x81\x7d");
    QTest::newRow("16-bit min") << 126 << QByteArray("\x81\x7e\x00\x7e", 4);
    QTest::newRow("16-bit max") << 65535 << QByteArray("\x81\x7e\xff\xff");
    QTest::newRow("64-bit min") << 65536
                                << QByteArray("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
}

void TestWsFrame::encodeLengths()
{
    QFETCH(int, length);
    QFETCH(QByteArray, header);
    const QByteArray payload = pattern(length);
    const QByteArray out = ws::encodeFrame(Opcode::Text, payload);
    QCOMPARE(out.left(header.size()).toHex(), header.toHex());
    QCOMPARE(out.size(), header.size() + length); // server frames carry no mask key
    QCOMPARE(out.mid(header.size()), payload);

    // Binary uses opcode 2, same length rules.
    QCOMPARE(quint8(ws::encodeFrame(Opcode::Binary, payload).at(0)), quint8(0x82));
}

void TestWsFrame::encodeClose()
{
    QCOMPARE(ws::encodeClose(1000).toHex(), QByteArray("880203e8"));
    QCOMPARE(ws::encodeClose(ws::CloseTooBig, "big"), QByteArray("\x88\x05\x03\xf1"
                                                                 "big"));
    // Control frames hold at most 125 bytes: long reasons are cut to fit.
    const QByteArray longClose = ws::encodeClose(1002, QByteArray(300, 'x'));
    QCOMPARE(quint8(longClose.at(1)), quint8(125));
    QCOMPARE(longClose.size(), 127);
}

void TestWsFrame::parse_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<QList<int>>("opcodes");
    QTest::addColumn<QList<QByteArray>>("payloads");

    QTest::newRow("text") << frame(Opcode::Text, "4hello") << QList<int>{1}
                          << QList<QByteArray>{"4hello"};
    QTest::newRow("empty text") << frame(Opcode::Text, "") << QList<int>{1}
                                << QList<QByteArray>{""};
    QTest::newRow("binary") << frame(Opcode::Binary, QByteArray("\x01\x02\x03\x04"))
                            << QList<int>{2} << QList<QByteArray>{"\x01\x02\x03\x04"};
    QTest::newRow("binary with NUL and 0xff")
        << frame(Opcode::Binary, QByteArray("\x00\xff\x00", 3)) << QList<int>{2}
        << QList<QByteArray>{QByteArray("\x00\xff\x00", 3)};
    QTest::newRow("utf-8 text") << frame(Opcode::Text, "\xc3\xa9\xf0\x9f\x98\x80") << QList<int>{1}
                                << QList<QByteArray>{"\xc3\xa9\xf0\x9f\x98\x80"};
    QTest::newRow("16-bit length")
        << frame(Opcode::Text, pattern(300)) << QList<int>{1} << QList<QByteArray>{pattern(300)};
    QTest::newRow("64-bit length") << frame(Opcode::Binary, pattern(70000)) << QList<int>{2}
                                   << QList<QByteArray>{pattern(70000)};
    QTest::newRow("two frames in one read")
        << frame(Opcode::Text, "2probe") + frame(Opcode::Text, "5") << QList<int>{1, 1}
        << QList<QByteArray>{"2probe", "5"};
    QTest::newRow("fragmented text")
        << frame(Opcode::Text, "4hel", false) + frame(Opcode::Continuation, "lo ", false) +
               frame(Opcode::Continuation, "world")
        << QList<int>{1} << QList<QByteArray>{"4hello world"};
    QTest::newRow("fragmented binary")
        << frame(Opcode::Binary, "\x01", false) + frame(Opcode::Continuation, "\x02")
        << QList<int>{2} << QList<QByteArray>{"\x01\x02"};
    QTest::newRow("UTF-8 sequence split across fragments")
        << frame(Opcode::Text, "\xc3", false) + frame(Opcode::Continuation, "\xa9") << QList<int>{1}
        << QList<QByteArray>{"\xc3\xa9"};
    QTest::newRow("empty final continuation")
        << frame(Opcode::Text, "abc", false) + frame(Opcode::Continuation, "") << QList<int>{1}
        << QList<QByteArray>{"abc"};
    QTest::newRow("ping interleaved in a fragmented message")
        << frame(Opcode::Text, "ab", false) + frame(Opcode::Ping, "p") +
               frame(Opcode::Continuation, "cd", false) + frame(Opcode::Pong, "q") +
               frame(Opcode::Continuation, "ef")
        << QList<int>{9, 10, 1} << QList<QByteArray>{"p", "q", "abcdef"};
    QTest::newRow("ping") << frame(Opcode::Ping, "hi") << QList<int>{9} << QList<QByteArray>{"hi"};
    QTest::newRow("ping 125 bytes")
        << frame(Opcode::Ping, pattern(125)) << QList<int>{9} << QList<QByteArray>{pattern(125)};
    QTest::newRow("close with code") << frame(Opcode::Close, QByteArray("\x03\xe8", 2))
                                     << QList<int>{8} << QList<QByteArray>{"\x03\xe8"};
    QTest::newRow("message after a fragmented one")
        << frame(Opcode::Text, "a", false) + frame(Opcode::Continuation, "b") +
               frame(Opcode::Binary, "c")
        << QList<int>{1, 2} << QList<QByteArray>{"ab", "c"};
}

void TestWsFrame::parse()
{
    QFETCH(QByteArray, wire);
    QFETCH(QList<int>, opcodes);
    QFETCH(QList<QByteArray>, payloads);
    ws::FrameParser parser(1000000);
    const FeedResult r = feedAll(parser, wire);
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.messages.size(), opcodes.size());
    for (qsizetype i = 0; i < opcodes.size(); ++i) {
        QCOMPARE(int(r.messages.at(i).opcode), opcodes.at(i));
        QCOMPARE(r.messages.at(i).payload, payloads.at(i));
    }
}

void TestWsFrame::parseByteByByte()
{
    QFETCH(QByteArray, wire);
    QFETCH(QList<int>, opcodes);
    QFETCH(QList<QByteArray>, payloads);
    ws::FrameParser parser(1000000);
    const FeedResult r = feedAll(parser, wire, true);
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.messages.size(), opcodes.size());
    for (qsizetype i = 0; i < opcodes.size(); ++i) {
        QCOMPARE(int(r.messages.at(i).opcode), opcodes.at(i));
        QCOMPARE(r.messages.at(i).payload, payloads.at(i));
    }
}

void TestWsFrame::violations_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<int>("closeCode");
    QTest::addColumn<int>("messagesBefore"); // complete messages delivered before the error

    FrameSpec unmasked;
    unmasked.payload = "4hello";
    unmasked.masked = false;
    QTest::newRow("unmasked client frame") << clientFrame(unmasked) << 1002 << 0;
    for (quint8 rsv : {0x40, 0x20, 0x10}) {
        FrameSpec f;
        f.payload = "x";
        f.rsv = rsv;
        QTest::addRow("reserved bit 0x%x", rsv) << clientFrame(f) << 1002 << 0;
    }
    for (quint8 op : {0x3, 0x7, 0xB, 0xF}) {
        FrameSpec f;
        f.opcode = Opcode(op);
        QTest::addRow("unknown opcode %d", op) << clientFrame(f) << 1002 << 0;
    }
    QTest::newRow("continuation without start") << frame(Opcode::Continuation, "x") << 1002 << 0;
    QTest::newRow("new text inside fragmented message")
        << frame(Opcode::Text, "a", false) + frame(Opcode::Text, "b") << 1002 << 0;
    QTest::newRow("fragmented ping") << frame(Opcode::Ping, "p", false) << 1002 << 0;
    QTest::newRow("ping over 125 bytes") << frame(Opcode::Ping, pattern(126)) << 1002 << 0;
    QTest::newRow("invalid UTF-8 text") << frame(Opcode::Text, "\xc3\x28") << 1007 << 0;
    QTest::newRow("overlong UTF-8") << frame(Opcode::Text, "\xc0\xaf") << 1007 << 0;
    QTest::newRow("UTF-16 surrogate in UTF-8") << frame(Opcode::Text, "\xed\xa0\x80") << 1007 << 0;
    QTest::newRow("truncated UTF-8 at message end")
        << frame(Opcode::Text, "ok\xe2\x82", false) + frame(Opcode::Continuation, "") << 1007 << 0;
    QTest::newRow("binary is not checked for UTF-8, then bad text")
        << frame(Opcode::Binary, "\xc3\x28") + frame(Opcode::Text, "\xff") << 1007 << 1;
    QTest::newRow("oversized single frame") << frame(Opcode::Text, pattern(1001)) << 1009 << 0;
    QTest::newRow("oversized across fragments")
        << frame(Opcode::Binary, pattern(600), false) + frame(Opcode::Continuation, pattern(600))
        << 1009 << 0;
    // A 64-bit length with the top bit set is invalid (and must not be trusted).
    QByteArray huge("\x81\xff\x80\x00\x00\x00\x00\x00\x00\x00\x37\xfa\x21\x3d", 14);
    QTest::newRow("64-bit length with top bit") << huge << 1002 << 0;
    // Announcing 4 GiB is refused from the header alone, before any payload.
    QByteArray big("\x82\xff\x00\x00\x00\x01\x00\x00\x00\x00\x37\xfa\x21\x3d", 14);
    QTest::newRow("announced 4 GiB") << big << 1009 << 0;
    QTest::newRow("good message then unmasked")
        << frame(Opcode::Text, "4a") + clientFrame(unmasked) << 1002 << 1;
}

void TestWsFrame::violations()
{
    QFETCH(QByteArray, wire);
    QFETCH(int, closeCode);
    QFETCH(int, messagesBefore);
    for (bool byteByByte : {false, true}) {
        ws::FrameParser parser(1000);
        const FeedResult r = feedAll(parser, wire, byteByByte);
        QVERIFY(!r.ok);
        QCOMPARE(int(r.closeCode), closeCode);
        QVERIFY(!r.error.isEmpty());
        QCOMPARE(r.messages.size(), messagesBefore);
    }
}

void TestWsFrame::partialFrameWaits()
{
    ws::FrameParser parser(1000);
    const QByteArray wire = frame(Opcode::Text, "4hello");
    QList<Message> out;
    quint16 code = 0;
    QString error;
    QVERIFY(parser.feed(wire.left(5), out, code, error));
    QVERIFY(out.isEmpty());
    QVERIFY(parser.feed(wire.mid(5), out, code, error));
    QCOMPARE(out.size(), 1);
    QCOMPARE(out.first().payload, QByteArray("4hello"));
    // A second message split mid-header after the first one completes.
    const QByteArray second = frame(Opcode::Text, pattern(200));
    QVERIFY(parser.feed(second.left(3), out, code, error));
    QCOMPARE(out.size(), 1);
    QVERIFY(parser.feed(second.mid(3), out, code, error));
    QCOMPARE(out.size(), 2);
    QCOMPARE(out.last().payload, pattern(200));
}

void TestWsFrame::maskKeyApplied()
{
    // RFC 6455 §5.7: a masked "Hello" with key 37 fa 21 3d.
    const QByteArray wire = QByteArray::fromHex("818537fa213d7f9f4d5158");
    ws::FrameParser parser(1000);
    const FeedResult r = feedAll(parser, wire);
    QVERIFY(r.ok);
    QCOMPARE(r.messages.size(), 1);
    QCOMPARE(r.messages.first().payload, QByteArray("Hello"));
    // Same payload with another key gives the same message.
    FrameSpec f;
    f.payload = "Hello";
    f.mask = QByteArray("\x00\xff\x10\x80", 4);
    ws::FrameParser other(1000);
    QCOMPARE(feedAll(other, clientFrame(f)).messages.first().payload, QByteArray("Hello"));
}

void TestWsFrame::sizeLimitIsInclusive()
{
    ws::FrameParser parser(1000);
    FeedResult r = feedAll(parser, frame(Opcode::Binary, pattern(1000)));
    QVERIFY(r.ok);
    QCOMPARE(r.messages.size(), 1);
    // Fragments adding up to exactly the limit are fine too.
    r = feedAll(parser, frame(Opcode::Text, pattern(500), false) +
                            frame(Opcode::Continuation, pattern(500)));
    QVERIFY(r.ok);
    QCOMPARE(r.messages.first().payload.size(), 1000);
    // Control frames do not count toward the data message limit.
    r = feedAll(parser, frame(Opcode::Text, pattern(999), false) + frame(Opcode::Ping, "x") +
                            frame(Opcode::Continuation, "y"));
    QVERIFY(r.ok);
    QCOMPARE(r.messages.size(), 2);
}

QTEST_APPLESS_MAIN(TestWsFrame)
#include "tst_wsframe.moc"
