// AppRuntime's CommonJS module loading: require() resolution within the
// app's confinement, reading a module and compiling it (after lowering syntax
// QJSEngine lacks) into the wrapper function the prelude calls.
#include "scripting/appruntime.h"

#include "scripting/apphandlers.h"
#include "scripting/lowering/asynclowering.h"
#include "scripting/modulepath.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

QString AppRuntime::resolveModule(const QString &specifier, const QString &fromDir)
{
    const ModuleResolution r = ::resolveModule(specifier, fromDir, m_appRoot, m_owner->appsDir());
    QJsonObject out;
    if (r.kind == ModuleResolution::File)
        out.insert(QStringLiteral("path"), r.path);
    else if (r.kind == ModuleResolution::Builtin)
        out.insert(QStringLiteral("builtin"), r.path);
    else
        out.insert(QStringLiteral("error"), r.error);
    return QString::fromUtf8(QJsonDocument(out).toJson(QJsonDocument::Compact));
}

QString AppRuntime::readModule(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_engine.throwError(QJSValue::URIError,
                            QStringLiteral("Cannot read %1: %2").arg(path, file.errorString()));
        return {};
    }
    if (!m_files.contains(path)) m_files.append(path);
    return QString::fromUtf8(file.readAll());
}

QJSValue AppRuntime::compileModule(const QString &path)
{
    QString source = readModule(path);
    if (source.isNull() && m_engine.hasError()) return {};
    if (source.startsWith(QLatin1String("#!"))) source.prepend(QLatin1String("//"));
    QString lowerError;
    const QString lowered = lowerModernSyntax(source, &lowerError);
    if (!lowerError.isEmpty()) {
        // Located in the app's file, like V4's own syntax errors (thrown from
        // here it would otherwise point into the prelude).
        QJSValue syntaxError = m_engine.newErrorObject(QJSValue::SyntaxError, lowerError);
        syntaxError.setProperty(QStringLiteral("fileName"), path);
        const QRegularExpressionMatch line =
            QRegularExpression(QStringLiteral("at line (\\d+)$")).match(lowerError);
        if (line.hasMatch())
            syntaxError.setProperty(QStringLiteral("lineNumber"), line.captured(1).toInt());
        m_engine.throwError(syntaxError);
        return {};
    }
    // The wrapper stays on the first line, so reported line numbers match the file.
    const QJSValue fn = m_engine.evaluate(
        QStringLiteral("(function (exports, require, module, __filename, __dirname) {") + lowered +
            QStringLiteral("\n})"),
        path, 1);
    if (fn.isError()) {
        m_engine.throwError(fn);
        return {};
    }
    return fn;
}
