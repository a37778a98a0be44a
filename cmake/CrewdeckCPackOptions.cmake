# Read by cpack once per generator (CPACK_PROJECT_CONFIG_FILE). For DEB, each component's
# CPACK_DEBIAN_<COMPONENT>_DESCRIPTION starts with its own synopsis line; without this CPackDeb
# would prepend the project-wide summary to both packages.
if(CPACK_GENERATOR STREQUAL "DEB")
    unset(CPACK_PACKAGE_DESCRIPTION_SUMMARY)
endif()
