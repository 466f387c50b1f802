# `cmake --install` and `cpack -G DEB` (docs/operations.md, "Install"): FHS paths.
#   /usr/bin/panoptes-*                      the programs (the Python framework is embedded in them)
#   /etc/panoptes/panoptes.ini, plugins/     the site config (kept on upgrade) and the plugin dirs
#   /usr/share/panoptes/plugins/, examples/  the shipped plugins and example plugin files
#   /usr/share/panoptes/prometheus/          alert rules for Prometheus
#   /usr/lib/systemd/system/panoptes-*.service
#   /usr/share/bash-completion/completions/  completion for the programs
#   /usr/share/doc/panoptes/                 the docs
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
include(GNUInstallDirs)

set(PANOPTES_PROGRAMS panoptes-scheduler panoptes-agent panoptes-ctl)
if(TARGET panoptes-consumer)
  list(APPEND PANOPTES_PROGRAMS panoptes-consumer)
endif()
install(TARGETS ${PANOPTES_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The site config: installed when absent, never over an operator's edited file (the .deb marks it a
# conffile, so dpkg asks instead).
# The config directory is decided at install time: /etc/panoptes for the /usr prefix (what the
# programs read by default), <prefix>/etc/panoptes otherwise.
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(confdir /etc/panoptes)
  else()
    set(confdir \"\${CMAKE_INSTALL_PREFIX}/etc/panoptes\")
  endif()
  # file(INSTALL) adds DESTDIR itself; the other calls need it added.
  if(EXISTS \"\$ENV{DESTDIR}\${confdir}/panoptes.ini\")
    message(STATUS \"Kept: \$ENV{DESTDIR}\${confdir}/panoptes.ini (the shipped one is in share/panoptes/)\")
  else()
    file(INSTALL \"${PROJECT_SOURCE_DIR}/config/panoptes.ini\" DESTINATION \"\${confdir}\"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()
  foreach(kind discovery enrichment polling)
    file(MAKE_DIRECTORY \"\$ENV{DESTDIR}\${confdir}/plugins/\${kind}\")
  endforeach()")
install(FILES config/panoptes.ini DESTINATION ${CMAKE_INSTALL_DATADIR}/panoptes)

install(DIRECTORY plugins DESTINATION ${CMAKE_INSTALL_DATADIR}/panoptes FILES_MATCHING PATTERN "*.py")
install(DIRECTORY examples DESTINATION ${CMAKE_INSTALL_DATADIR}/panoptes)
install(DIRECTORY config/prometheus DESTINATION ${CMAKE_INSTALL_DATADIR}/panoptes)
file(GLOB PANOPTES_UNITS ${PROJECT_SOURCE_DIR}/config/systemd/*.service)
install(FILES ${PANOPTES_UNITS} DESTINATION lib/systemd/system)
install(FILES completion/panoptes DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
foreach(program ${PANOPTES_PROGRAMS})
  install(CODE "file(CREATE_LINK panoptes
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions/${program}\" SYMBOLIC)")
endforeach()
file(GLOB PANOPTES_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PANOPTES_DOCS} README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/panoptes)

# cpack -G DEB
set(CPACK_PACKAGE_NAME panoptes)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Panoptes C++ maintainers <panoptes@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Network monitoring plugin system (scheduler, agents, consumer) on Redis")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The shared libraries' packages come from dpkg-shlibdeps; these are what the binaries cannot show:
# the embedded interpreter's standard library, the user creation, and what plugins import.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, python3 (>= 3.11), python3-cerberus")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "redis-server, python3-easysnmp")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-sentinel, influxdb, prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
