// jsonrelay: JSON text relayed as JSON.stringify(JSON.parse(text)) prints it.
// The table's expectations are what Node 18 prints for each input; the
// differential case feeds thousands of generated documents to a real `node`
// and compares byte for byte.
#include "json/jsonrelay.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTest>

using jsonrelay::Status;

class TestJsonRelay : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void relaysLikeNode_data();
    void relaysLikeNode();
    void refusesWhatJsonParseRefuses_data();
    void refusesWhatJsonParseRefuses();
    void declinesWhatItLeavesToTheSlowPath();
    void failureLeavesOutputUntouched();
    void splitObjectFindsMembers();
    void splitObjectRefusesNonObjects();
    void decodeString();
    void differentialAgainstNode();
};

void TestJsonRelay::relaysLikeNode_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");
    auto row = [](const char *name, const char *in, const char *out) {
        QTest::newRow(name) << QByteArray(in) << QByteArray(out);
    };
    row("insertion order kept", R"({"b": 1, "a": 2})", R"({"b":1,"a":2})");
    row("frappe.as_json indent",
        "{\n \"a\": 1.0,\n \"b\": [1, 2.50, -0, 1E5, 1e21, 1e-7, 0.000001]\n}",
        R"({"a":1,"b":[1,2.5,0,100000,1e+21,1e-7,0.000001]})");
    row("integer keys first, ascending",
        R"({"2": "x", "b": 1, "1": "y", "10": 0, "01": 1, "4294967295": 2, "4294967294": 3})",
        R"({"1":"y","2":"x","10":0,"4294967294":3,"b":1,"01":1,"4294967295":2})");
    row("nested reorder", R"({"a":{"c":1,"b":2,"1":3}})", R"({"a":{"1":3,"c":1,"b":2}})");
    row("duplicate: first place, last value", R"({"a": 1, "b": 2, "a": 3})", R"({"a":3,"b":2})");
    row("escapes normalised", R"("caf\u00e9 \/ \u0001 \u001f \ud83d\ude00 \ud800 x \udc00")",
        "\"caf\xc3\xa9 / \\u0001 \\u001f \xf0\x9f\x98\x80 \\ud800 x \\udc00\"");
    row("short escapes kept", R"("tab\there \"q\" back\\slash \b\f\n\r \u2028")",
        "\"tab\\there \\\"q\\\" back\\\\slash \\b\\f\\n\\r \xe2\x80\xa8\"");
    row("raw UTF-8 kept", "\"\xf0\x9f\x98\x80 \xc3\xa9\"", "\"\xf0\x9f\x98\x80 \xc3\xa9\"");
    row("empty containers", "[ { } , [ ] ]", "[{},[]]");
    row("literals", " true ", "true");
    row("null", "null", "null");
    row("fraction and exponent", "-12.5e-3", "-0.0125");
    row("overflow is null", "1e400", "null");
    row("negative overflow is null", "-1e400", "null");
    row("underflow is 0", "1e-400", "0");
    row("negative underflow is 0", "-1e-400", "0");
    row("15 digits verbatim", "123456789012345", "123456789012345");
    row("16 digits", "1234567890123456", "1234567890123456");
    row("beyond 2^53 rounds", "12345678901234567890", "12345678901234567000");
    row("in an array", "[123456789012345678]", "[123456789012345680]");
    row("0.1", "0.1", "0.1");
    row("smallest denormal", "5e-324", "5e-324");
    row("largest double", "1.7976931348623157e308", "1.7976931348623157e+308");
    row("__proto__ is a plain key", R"({"__proto__": 1, "constructor": 2})",
        R"({"__proto__":1,"constructor":2})");
}

void TestJsonRelay::relaysLikeNode()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    QByteArray out = "prefix:";
    QCOMPARE(jsonrelay::relay(input, &out), Status::Ok);
    QCOMPARE(out, "prefix:" + expected);
}

void TestJsonRelay::refusesWhatJsonParseRefuses_data()
{
    QTest::addColumn<QByteArray>("input");
    const char *bad[] = {
        "{'a':1}",        "[1,]",       "01",         "+1",    ".5", "1.", "NaN",
        "\"\t\"",         R"("\x")",    R"({"a" 1})", "[1 2]", "",   "  ", "tru",
        "\"abc",          "{\"a\":1}x", "1e",         "-",     "[",  "{",  R"({"a":1,})",
        "\xEF\xBB\xBF{}", R"("\u12")",  "Infinity"};
    for (const char *b : bad)
        QTest::newRow(b) << QByteArray(b);
}

void TestJsonRelay::refusesWhatJsonParseRefuses()
{
    QFETCH(QByteArray, input);
    QByteArray out;
    QCOMPARE(jsonrelay::relay(input, &out), Status::Invalid);
}

void TestJsonRelay::declinesWhatItLeavesToTheSlowPath()
{
    QByteArray out;
    QCOMPARE(jsonrelay::relay("\"\xff\"", &out), Status::Unsupported);         // invalid UTF-8
    QCOMPARE(jsonrelay::relay("\"\xed\xa0\x80\"", &out), Status::Unsupported); // UTF-8 surrogate
    const QByteArray deep =
        QByteArray(jsonrelay::MaxDepth + 1, '[') + QByteArray(jsonrelay::MaxDepth + 1, ']');
    QCOMPARE(jsonrelay::relay(deep, &out), Status::Unsupported);
    const QByteArray ok =
        QByteArray(jsonrelay::MaxDepth, '[') + QByteArray(jsonrelay::MaxDepth, ']');
    QCOMPARE(jsonrelay::relay(ok, &out), Status::Ok);
}

void TestJsonRelay::failureLeavesOutputUntouched()
{
    QByteArray out = "keep";
    QCOMPARE(jsonrelay::relay("{\"a\": [1, 2, {\"b\": oops}]}", &out), Status::Invalid);
    QCOMPARE(out, QByteArray("keep"));
}

void TestJsonRelay::splitObjectFindsMembers()
{
    const QByteArray text =
        "{\n \"event\": \"list_update\",\n \"message\": {\"b\": 1, \"a\": [1.0]},\n"
        " \"namespace\": \"site1\",\n \"room\": null,\n \"ev\\u0065nt\": \"again\"\n}\n";
    QVarLengthArray<jsonrelay::Member, 8> members;
    QCOMPARE(jsonrelay::splitObject(text, &members), Status::Ok);
    QCOMPARE(members.size(), 4); // the escaped duplicate "event" replaced the first
    QCOMPARE(members[0].key, QByteArray("event"));
    QCOMPARE(members[0].value.toByteArray(), QByteArray("\"again\""));
    QCOMPARE(members[1].key, QByteArray("message"));
    QCOMPARE(members[1].value.toByteArray(), QByteArray("{\"b\": 1, \"a\": [1.0]}"));
    QCOMPARE(members[3].key, QByteArray("room"));
    QCOMPARE(members[3].value.toByteArray(), QByteArray("null"));
}

void TestJsonRelay::splitObjectRefusesNonObjects()
{
    QVarLengthArray<jsonrelay::Member, 8> members;
    QCOMPARE(jsonrelay::splitObject("[1]", &members), Status::Invalid);
    QCOMPARE(jsonrelay::splitObject("\"text\"", &members), Status::Invalid);
    QCOMPARE(jsonrelay::splitObject("{\"a\": 1} {\"b\": 2}", &members), Status::Invalid);
    QCOMPARE(jsonrelay::splitObject("{\"a\": NaN}", &members), Status::Invalid);
    QCOMPARE(jsonrelay::splitObject("{ }", &members), Status::Ok);
    QVERIFY(members.isEmpty());
}

void TestJsonRelay::decodeString()
{
    QByteArray out;
    const QByteArray escaped = "\"doc:ToDo/\\u0031 \\\"x\\\"\"";
    QCOMPARE(jsonrelay::decodeString(escaped, &out), Status::Ok);
    QCOMPARE(out, QByteArray("doc:ToDo/1 \"x\""));
    QCOMPARE(jsonrelay::decodeString("\"\\ud800\"", &out), Status::Unsupported);
    QCOMPARE(jsonrelay::decodeString("42", &out), Status::Unsupported);
}

namespace {

// A random JSON-ish text: mostly valid, sometimes broken on purpose, with the
// shapes that matter here (whitespace, escapes, integer keys, duplicates, all
// number forms).
class Generator {
public:
    explicit Generator(quint32 seed) : m_rng(seed) {}

    QByteArray document()
    {
        QByteArray s;
        value(s, 0);
        if (chance(3)) mutate(s);
        return s;
    }

private:
    bool chance(int percent) { return int(m_rng.bounded(100)) < percent; }
    int pick(int n) { return int(m_rng.bounded(n)); }

    void ws(QByteArray &s)
    {
        static const char spaces[] = {' ', '\n', '\t', '\r'};
        while (chance(20))
            s.append(spaces[pick(4)]);
    }

    void number(QByteArray &s)
    {
        static const char *const samples[] = {"0",
                                              "-0",
                                              "1",
                                              "42",
                                              "-7",
                                              "1.0",
                                              "2.50",
                                              "1e5",
                                              "1E+5",
                                              "1e-7",
                                              "1e21",
                                              "1e400",
                                              "-1e-400",
                                              "0.1",
                                              "5e-324",
                                              "123456789012345678",
                                              "9007199254740993",
                                              "3.14159",
                                              "-0.0",
                                              "1.7976931348623157e308",
                                              "100",
                                              "0.000001",
                                              "0.0000001",
                                              "1e-6"};
        s.append(samples[pick(int(std::size(samples)))]);
    }

    void string(QByteArray &s)
    {
        static const char *const pieces[] = {"a",
                                             "doc",
                                             " ",
                                             "\\\"",
                                             "\\\\",
                                             "\\/",
                                             "\\n",
                                             "\\t",
                                             "\\b",
                                             "\\u0000",
                                             "\\u001f",
                                             "\\u00e9",
                                             "\\ud83d\\ude00",
                                             "\\ud800",
                                             "\\udc00",
                                             "\xc3\xa9",
                                             "\xf0\x9f\x98\x80",
                                             "\\u2028",
                                             "\x7f",
                                             "\\u0041",
                                             "1"};
        s.append('"');
        const int n = pick(6);
        for (int i = 0; i < n; ++i)
            s.append(pieces[pick(int(std::size(pieces)))]);
        s.append('"');
    }

    void key(QByteArray &s)
    {
        static const char *const keys[] = {
            "\"a\"",       "\"b\"",  "\"1\"",          "\"2\"",          "\"10\"",        "\"01\"",
            "\"\\u0031\"", "\"-1\"", "\"4294967295\"", "\"4294967294\"", "\"__proto__\"", "\"\""};
        if (chance(70))
            s.append(keys[pick(int(std::size(keys)))]);
        else
            string(s);
    }

    void value(QByteArray &s, int depth)
    {
        ws(s);
        const int kind = depth > 4 ? pick(4) : pick(6);
        switch (kind) {
        case 0:
            number(s);
            break;
        case 1:
            string(s);
            break;
        case 2:
            s.append(chance(50) ? "true" : (chance(50) ? "false" : "null"));
            break;
        case 3:
            number(s);
            break;
        case 4: {
            s.append('[');
            const int n = pick(4);
            for (int i = 0; i < n; ++i) {
                if (i) s.append(',');
                value(s, depth + 1);
            }
            ws(s);
            s.append(']');
            break;
        }
        default: {
            s.append('{');
            const int n = pick(5);
            for (int i = 0; i < n; ++i) {
                if (i) s.append(',');
                ws(s);
                key(s);
                ws(s);
                s.append(':');
                value(s, depth + 1);
            }
            ws(s);
            s.append('}');
            break;
        }
        }
        ws(s);
    }

    void mutate(QByteArray &s)
    {
        if (s.isEmpty()) return;
        const int at = pick(int(s.size()));
        static const char junk[] = {',', ']', '}', '"', '\\', 'x', '\t', '0', '.'};
        switch (pick(3)) {
        case 0:
            s.remove(at, 1);
            break;
        case 1:
            s.insert(at, junk[pick(int(sizeof junk))]);
            break;
        default:
            s[at] = junk[pick(int(sizeof junk))];
            break;
        }
    }

    QRandomGenerator m_rng;
};

} // namespace

void TestJsonRelay::differentialAgainstNode()
{
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    if (node.isEmpty()) QSKIP("node is not installed");
    // One base64 document per line in (after an 'x'), one base64 result (or "!" when
    // JSON.parse throws) per line out.
    const char *script = R"JS(
const lines = require('fs').readFileSync(0, 'latin1').split('\n').filter(Boolean);
const out = lines.map((l) => {
    try { return Buffer.from(JSON.stringify(JSON.parse(Buffer.from(l.slice(1), 'base64').toString('utf8')))).toString('base64'); }
    catch (e) { return '!'; }
});
process.stdout.write(out.join('\n') + '\n');
)JS";
    Generator gen(20261128);
    QList<QByteArray> docs;
    QByteArray input;
    for (int i = 0; i < 4000; ++i) {
        docs.append(gen.document());
        input += 'x' + docs.last().toBase64() + '\n'; // never an empty line
    }
    QProcess proc;
    proc.start(node, {QStringLiteral("-e"), QString::fromUtf8(script)});
    QVERIFY(proc.waitForStarted());
    proc.write(input);
    proc.closeWriteChannel();
    QVERIFY(proc.waitForFinished(60000));
    QCOMPARE(proc.exitCode(), 0);
    const QList<QByteArray> results = proc.readAllStandardOutput().split('\n');
    QVERIFY(results.size() >= docs.size());
    int compared = 0, invalid = 0;
    for (int i = 0; i < docs.size(); ++i) {
        QByteArray out;
        const Status status = jsonrelay::relay(docs[i], &out);
        if (status == Status::Unsupported) continue;
        const QByteArray &expected = results[i];
        const QByteArray context = "input: " + docs[i] + "\nours: " + out;
        if (expected == "!") {
            QVERIFY2(status == Status::Invalid, context.constData());
            ++invalid;
        } else {
            QVERIFY2(status == Status::Ok, context.constData());
            QVERIFY2(out == QByteArray::fromBase64(expected),
                     (context + "\nnode: " + QByteArray::fromBase64(expected)).constData());
        }
        ++compared;
    }
    qInfo("compared %d documents with node (%d invalid for both)", compared, invalid);
    QVERIFY(compared > 3500);
    QVERIFY(invalid > 50);
}

QTEST_GUILESS_MAIN(TestJsonRelay)
#include "tst_jsonrelay.moc"
