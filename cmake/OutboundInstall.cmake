# Installs outbound::sdk and outbound::core with an export set, a package config and a
# SameMajorVersion version file, so applications and plugin authors can write
# find_package(outbound 0.1 CONFIG REQUIRED).
include(CMakePackageConfigHelpers)

# outbound_net has no installed headers. It is exported because outbound_core_http, a static
# library, links it and an application that links outbound::core needs its archive too.
install(TARGETS outbound_sdk ${OUTBOUND_CORE_TARGETS} outbound_net
  EXPORT outboundTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY sdk/include/ core/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES cmake/OutboundPlugin.cmake cmake/OutboundWarnings.cmake cmake/outbound_plugin.map
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/outbound)
install(EXPORT outboundTargets NAMESPACE outbound::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/outbound)

configure_package_config_file(cmake/outboundConfig.cmake.in
  "${PROJECT_BINARY_DIR}/outboundConfig.cmake"
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/outbound)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/outboundConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/outboundConfig.cmake"
  "${PROJECT_BINARY_DIR}/outboundConfigVersion.cmake"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/outbound)

# The plugins the project ships, into a folder an installed configuration names in plugin_dirs.
# They are installed unstripped: the loader reads their symbol table before it runs any code.
foreach(plugin jwt_auth stripe smtp file_mail)
  if(TARGET ${plugin})
    install(TARGETS ${plugin} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/outbound/plugins)
  endif()
endforeach()
