# Install layout and the Debian package (`cpack -G DEB` in the build folder).
# Included at the end of the root CMakeLists.txt, after the frappe-realtime target.
# The binary's own install() rule is in app/CMakeLists.txt.

set(RT_PKG_DIR ${CMAKE_CURRENT_LIST_DIR})
set(RT_ENV_FILE_DIR "/etc/default" CACHE PATH
    "Where the systemd units' environment file goes (absolute: Debian reads it there)")

# Man page from --help at build time, so it always lists the real options.
set(RT_MANPAGE ${CMAKE_BINARY_DIR}/packaging/frappe-realtime.1)
add_custom_command(
    OUTPUT ${RT_MANPAGE}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
    # A sanitizer build's leak report at exit must not fail the build.
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0 LSAN_OPTIONS=detect_leaks=0 sh
            ${RT_PKG_DIR}/help2roff.sh $<TARGET_FILE:frappe-realtime> ${PROJECT_VERSION} ${RT_MANPAGE}
    COMMAND gzip -9nf ${RT_MANPAGE}
    DEPENDS frappe-realtime ${RT_PKG_DIR}/help2roff.sh
    COMMENT "Generating the frappe-realtime(1) man page from --help"
    VERBATIM)
add_custom_target(rt_manpage ALL DEPENDS ${RT_MANPAGE}.gz)

set(RT_DOC_DIR share/doc/frappe-realtime)
install(FILES ${RT_MANPAGE}.gz DESTINATION share/man/man1)
install(FILES ${CMAKE_SOURCE_DIR}/resources/frappe-realtime.desktop
        DESTINATION share/applications)
install(FILES ${CMAKE_SOURCE_DIR}/resources/frappe-realtime.svg
        DESTINATION share/icons/hicolor/scalable/apps)
install(FILES ${RT_PKG_DIR}/frappe-realtime@.service DESTINATION lib/systemd/system)
install(FILES ${RT_PKG_DIR}/default-frappe-realtime DESTINATION ${RT_ENV_FILE_DIR}
        RENAME frappe-realtime)
install(FILES ${RT_PKG_DIR}/copyright ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${RT_DOC_DIR})
install(FILES ${RT_PKG_DIR}/examples/Procfile ${RT_PKG_DIR}/examples/supervisor.conf
        DESTINATION ${RT_DOC_DIR}/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME frappe-realtime)
set(CPACK_PACKAGE_VENDOR "frappe-realtime")
set(CPACK_PACKAGE_CONTACT "frappe-realtime maintainers <maintainers@frappe-realtime.invalid>"
    CACHE STRING "Maintainer field of the package")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Native realtime (socket.io) server for Frappe sites")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_STRIP_FILES ON)
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The embedded default (no bench) starts a private redis-server; a bench brings its own.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS redis-server)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${RT_PKG_DIR}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The synopsis comes from CPACK_PACKAGE_DESCRIPTION_SUMMARY; CPack indents these lines.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "A drop-in replacement for Frappe's Node socketio service (apps/frappe/socketio.js):
Engine.IO v4 / Socket.IO v5, per-site namespaces, Frappe authentication, rooms
and the Redis `events` bridge, with /health, Prometheus /metrics and a desktop
monitor. Run it from a bench folder, or with no bench for a local demo setup.")
include(CPack)
