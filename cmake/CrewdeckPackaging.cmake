# CPack: `cpack -G DEB` in a configured build dir makes two Debian packages from the install
# components (cmake/CrewdeckInstall.cmake):
#   crewdeck         the desktop app
#   crewdeck-server  the server and its systemd unit
# Depends come from dpkg-shlibdeps (needs dpkg-dev and file) plus what the binaries load or run
# at run time, which shlibdeps cannot see. scripts/package.sh builds with Debian's hardening
# flags and runs lintian over the result.

set(CPACK_PACKAGE_NAME "crewdeck")
set(CPACK_PACKAGE_VENDOR "CrewDeck")
set(CPACK_PACKAGE_CONTACT "CrewDeck maintainers <maintainers@crewdeck.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
# CPackDeb would put that summary above each package's own description; each package's first
# description line is its synopsis instead (cmake/CrewdeckCPackOptions.cmake, at cpack time).
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/cmake/CrewdeckCPackOptions.cmake)
set(CPACK_PACKAGE_HOMEPAGE_URL "https://crewdeck.org/")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)

set(CPACK_COMPONENTS_ALL "")
if(TARGET crewdeck)
    list(APPEND CPACK_COMPONENTS_ALL app)
endif()
if(TARGET crewdeck-server)
    list(APPEND CPACK_COMPONENTS_ALL server)
endif()

# Debian
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${CPACK_PACKAGE_HOMEPAGE_URL}")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

set(CPACK_DEBIAN_APP_PACKAGE_NAME "crewdeck")
set(CPACK_DEBIAN_APP_PACKAGE_SECTION "devel")
# The xcb platform plugin is in libqt6gui6 (a shlibdeps result). The SVG icon engine and image
# plugins, which draw every icon of the app, are in libqt6svg6, loaded as plugins: shlibdeps
# cannot see them. Qt's German dialog texts come from qt6-translations-l10n; Wayland from
# qt6-wayland.
set(CPACK_DEBIAN_APP_PACKAGE_DEPENDS "libqt6svg6")
set(CPACK_DEBIAN_APP_PACKAGE_RECOMMENDS "qt6-translations-l10n, qt6-qpa-plugins, qt6-wayland")
set(CPACK_DEBIAN_APP_PACKAGE_SUGGESTS "crewdeck-server")
set(CPACK_DEBIAN_APP_DESCRIPTION "Watch and steer crews of AI agents: desktop dashboard
CrewDeck shows crews of AI agents at work on a CrewDeck server, live: the
dashboard of active crews, recent runs and token spend, the agent graph with
tool-call notifications, runs with their timeline and output, and analytics
with CSV and PDF export.

It connects to a CrewDeck server (package crewdeck-server).")

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME "crewdeck-server")
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION "net")
# Loaded or run at run time, invisible to shlibdeps: the SQLite driver plugin of QtSql, the
# bubblewrap sandbox every tool runs in, git for the git_clone tool.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "bubblewrap, libqt6sql6-sqlite, git")
# pytest tool; PostgreSQL driver for --db postgres://; Redis for several nodes.
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "python3, python3-pytest")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "libqt6sql6-psql, redis-server, postgresql, crewdeck")
set(CPACK_DEBIAN_SERVER_DESCRIPTION "Run crews of AI agents and stream every step live: server
The CrewDeck server keeps crews, runs and their event log in SQLite or
PostgreSQL, runs the crews' tools (git clone, pytest, scripts) as real child
processes, each in a bubblewrap sandbox that sees only its own workspace, and
streams every step over one port for HTTP and WebSockets.

The package ships a hardened systemd unit, crewdeck-server.service, which is
not enabled on installation: systemctl enable --now crewdeck-server.")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/resources/debian/server/postinst
    ${PROJECT_SOURCE_DIR}/resources/debian/server/prerm
    ${PROJECT_SOURCE_DIR}/resources/debian/server/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
if(TARGET crewdeck)
    cpack_add_component(app DISPLAY_NAME "CrewDeck desktop app")
endif()
if(TARGET crewdeck-server)
    cpack_add_component(server DISPLAY_NAME "CrewDeck server")
endif()
