# Loaded by the `sanitize` preset (CMakePresets.json) through
# CMAKE_PROJECT_INCLUDE: gives rt_engine a precompiled header of the Qt
# headers nearly every engine file includes. Instrumented builds on a small
# shared machine spend most of their time re-parsing Qt; this cuts that
# without touching the project's own CMake files (normal builds are unchanged).
function(rt_sanitize_pch)
    if(TARGET rt_engine)
        target_precompile_headers(rt_engine PRIVATE
            <QByteArray> <QHash> <QJsonArray> <QJsonDocument> <QJsonObject> <QJsonValue>
            <QList> <QObject> <QPointer> <QString> <QStringList> <QTimer> <QDateTime>)
    endif()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL rt_sanitize_pch)
