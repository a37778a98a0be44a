# install() rules, in two components that CPack turns into two Debian packages:
#   app     bin/crewdeck, the .desktop file, hicolor icons, AppStream metainfo, man page
#   server  bin/crewdeck-server, the systemd unit, man page
# `cmake --install build --prefix /tmp/x` lays out both; `--component app|server` one of them.
#
# Translations: the app's own German catalogue is compiled into the binary (qt_add_translations
# embeds it as :/i18n/crewdeck_de.qm, where AppController loads it), so it is found wherever the
# binary is installed; Qt's own catalogues (qtbase_de) come from Qt's translations directory
# (Debian: qt6-translations-l10n, a Recommends of the crewdeck package; windeployqt and
# macdeployqt copy them into the Windows folder and the macOS bundle).

set(CREWDECK_APP_ID "org.crewdeck.CrewDeck" CACHE STRING "Desktop file, icon and AppStream ID")
# Relative to the prefix: /usr/lib/systemd/system for the .deb, /usr/local/lib/systemd/system
# for a default `cmake --install` (systemd reads both).
set(CREWDECK_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit goes (relative to the prefix unless absolute)")

set(_res ${PROJECT_SOURCE_DIR}/resources)
set(_gen ${PROJECT_BINARY_DIR}/resources)

if(TARGET crewdeck)
    install(TARGETS crewdeck
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT app
        BUNDLE DESTINATION . COMPONENT app)
    if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
        install(FILES ${_res}/${CREWDECK_APP_ID}.desktop
                DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT app)
        install(FILES ${_res}/${CREWDECK_APP_ID}.metainfo.xml
                DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT app)
        install(FILES ${_res}/icons/crewdeck.svg RENAME ${CREWDECK_APP_ID}.svg
                DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps COMPONENT app)
        # PNG sizes are rendered from the SVG at build time (tools/rendericon: QtSvg, no
        # rsvg-convert or inkscape needed).
        qt_add_executable(crewdeck-rendericon ${PROJECT_SOURCE_DIR}/tools/rendericon.cpp)
        target_link_libraries(crewdeck-rendericon PRIVATE crewdeck_settings Qt6::Gui Qt6::Svg)
        set_target_properties(crewdeck-rendericon PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${_gen})
        set(_pngs "")
        foreach(size 48 128 256)
            set(_png ${_gen}/icons/${size}x${size}/${CREWDECK_APP_ID}.png)
            add_custom_command(OUTPUT ${_png}
                COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
                        $<TARGET_FILE:crewdeck-rendericon> ${_res}/icons/crewdeck.svg ${size} ${_png}
                DEPENDS crewdeck-rendericon ${_res}/icons/crewdeck.svg
                COMMENT "Rendering the ${size}x${size} app icon"
                VERBATIM)
            list(APPEND _pngs ${_png})
            install(FILES ${_png}
                    DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps COMPONENT app)
        endforeach()
        add_custom_target(crewdeck_icons_png ALL DEPENDS ${_pngs})
    endif()
endif()

if(TARGET crewdeck-server)
    install(TARGETS crewdeck-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
    if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
        # The unit names the installed binary under the prefix of the install itself (known
        # only then: `cmake --install --prefix X`, or /usr when CPack stages a .deb), so it is
        # written at install time.
        install(CODE "
            set(_unit_dir \"${CREWDECK_SYSTEMD_UNIT_DIR}\")
            if(NOT IS_ABSOLUTE \"\${_unit_dir}\")
                set(_unit_dir \"\${CMAKE_INSTALL_PREFIX}/\${_unit_dir}\")
            endif()
            set(_unit \"\$ENV{DESTDIR}\${_unit_dir}/crewdeck-server.service\")
            file(READ \"${_res}/crewdeck-server.service.in\" _text)
            string(REPLACE \"@CREWDECK_SERVER_PATH@\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/crewdeck-server\"
                   _text \"\${_text}\")
            message(STATUS \"Installing: \${_unit}\")
            file(WRITE \"\${_unit}\" \"\${_text}\")
            list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${_unit_dir}/crewdeck-server.service\")
        " COMPONENT server)
    endif()
endif()

# Man pages (hand-written troff in docs/man/), gzipped -n as Debian wants them.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    find_program(CREWDECK_GZIP gzip REQUIRED)
    foreach(page crewdeck crewdeck-server)
        set(_comp app)
        if(page STREQUAL "crewdeck-server")
            set(_comp server)
        endif()
        if(NOT TARGET ${page})
            continue()
        endif()
        set(_man ${_gen}/man/${page}.1)
        add_custom_command(OUTPUT ${_man}.gz
            COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/docs/man/${page}.1 ${_man}
            COMMAND ${CREWDECK_GZIP} -9nf ${_man}
            DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/${page}.1
            VERBATIM)
        add_custom_target(crewdeck_man_${page} ALL DEPENDS ${_man}.gz)
        install(FILES ${_man}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT ${_comp})
    endforeach()
endif()

# Debian's per-package documentation: copyright and a changelog (lintian wants both), and
# lintian overrides for what does not apply to a package built outside the Debian archive.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    # string(TIMESTAMP) honours SOURCE_DATE_EPOCH for reproducible packages.
    string(TIMESTAMP CREWDECK_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
    foreach(pair "crewdeck;app" "crewdeck-server;server")
        list(GET pair 0 CREWDECK_DEB_PACKAGE)
        list(GET pair 1 _comp)
        if(NOT TARGET ${CREWDECK_DEB_PACKAGE})
            continue()
        endif()
        set(_doc ${_gen}/doc/${CREWDECK_DEB_PACKAGE})
        configure_file(${_res}/debian/changelog.in ${_doc}/changelog.Debian @ONLY)
        add_custom_command(OUTPUT ${_doc}/changelog.Debian.gz
            COMMAND ${CREWDECK_GZIP} -9nkf ${_doc}/changelog.Debian
            DEPENDS ${_doc}/changelog.Debian
            VERBATIM)
        add_custom_target(crewdeck_changelog_${CREWDECK_DEB_PACKAGE} ALL DEPENDS ${_doc}/changelog.Debian.gz)
        install(FILES ${_res}/debian/copyright ${_doc}/changelog.Debian.gz
                DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${CREWDECK_DEB_PACKAGE} COMPONENT ${_comp})
        install(FILES ${_res}/debian/lintian-overrides RENAME ${CREWDECK_DEB_PACKAGE}
                DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides COMPONENT ${_comp})
    endforeach()
endif()
