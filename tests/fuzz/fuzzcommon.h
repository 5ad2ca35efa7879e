// Shared set-up for the libFuzzer targets: a QCoreApplication (QObjects and
// QTemporaryDir expect one) and silenced Qt logging, because the parsers log
// every rejected input and printing dominates the run time otherwise.
#pragma once

#include <QByteArray>
#include <QCoreApplication>

#include <cstddef>
#include <cstdint>

namespace fuzz {

inline void quietQt(const char *argv0)
{
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &msg) {
        // Fatal messages still matter: they are crashes the fuzzer must see.
        if (type == QtFatalMsg) {
            fprintf(stderr, "qFatal: %s\n", qPrintable(msg));
            abort();
        }
    });
    static int argc = 1;
    static char *argv[] = {const_cast<char *>(argv0), nullptr};
    static QCoreApplication app(argc, argv);
}

// A QByteArray that owns a copy: fuzzer buffers must not outlive the call.
inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

// Fails loudly when an invariant of the code under test breaks.
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

} // namespace fuzz
