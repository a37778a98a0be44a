# One INTERFACE target that every CrewDeck target links: language level, warnings and the
# Qt defines that keep string and signal/slot handling honest (cf. qBittorrent's CommonConfig).
add_library(crewdeck_settings INTERFACE)
target_compile_features(crewdeck_settings INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)
target_compile_options(crewdeck_settings INTERFACE
    $<$<CXX_COMPILER_ID:GNU,Clang,AppleClang>:-Wall -Wextra -Wpedantic -Wno-missing-field-initializers>
    $<$<CXX_COMPILER_ID:MSVC>:/W4 /permissive- /utf-8>)
if(CREWDECK_FATAL_WARNINGS)
    target_compile_options(crewdeck_settings INTERFACE
        $<$<CXX_COMPILER_ID:GNU,Clang,AppleClang>:-Werror>
        $<$<CXX_COMPILER_ID:MSVC>:/WX>)
endif()
target_compile_definitions(crewdeck_settings INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CONTEXTLESS_CONNECT
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_USE_QSTRINGBUILDER
    QT_DISABLE_DEPRECATED_UP_TO=0x060400
    CREWDECK_VERSION="${PROJECT_VERSION}")
