# What `cmake --install build --prefix P` puts in P:
#
#   bin/descent                       the CLI
#   lib/descent/plugins/*.so          the built-in plugins (not the tests')
#   include/descent/{abi,sdk}/        the C ABI and the plugin SDK
#   lib/cmake/descent/                the CMake package for plugin authors
#
# The CLI looks for its plugins at <exe>/../lib/descent/plugins, so these
# folders are fixed (no GNUInstallDirs multiarch libdir): the installed
# `descent` finds the installed plugins without any environment variable.
include(CMakePackageConfigHelpers)

set(DESCENT_INSTALL_BIN_DIR bin)
set(DESCENT_INSTALL_PLUGIN_DIR lib/descent/plugins)
set(DESCENT_INSTALL_INCLUDE_DIR include)
set(DESCENT_INSTALL_CMAKE_DIR lib/cmake/descent)

# descent_install(BUILTIN_PLUGINS target...): the install rules; called once
# the CLI and the built-in plugins exist, before any test adds plugins.
function(descent_install)
  cmake_parse_arguments(ARG "" "" "BUILTIN_PLUGINS" ${ARGN})
  install(TARGETS descent RUNTIME DESTINATION ${DESCENT_INSTALL_BIN_DIR})
  install(TARGETS ${ARG_BUILTIN_PLUGINS}
          LIBRARY DESTINATION ${DESCENT_INSTALL_PLUGIN_DIR})
  _descent_install_headers()
  _descent_install_package()
endfunction()

# Only the plugin-facing headers: the host API stays private to descent.
function(_descent_install_headers)
  set(headers ${PROJECT_SOURCE_DIR}/framework/include/descent)
  install(DIRECTORY ${headers}/abi ${headers}/sdk
          DESTINATION ${DESCENT_INSTALL_INCLUDE_DIR}/descent
          FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
endfunction()

function(_descent_install_package)
  set(build ${PROJECT_BINARY_DIR}/descent-package)
  install(TARGETS descent_abi descent_sdk EXPORT descentTargets)
  install(EXPORT descentTargets NAMESPACE descent::
          DESTINATION ${DESCENT_INSTALL_CMAKE_DIR})
  configure_package_config_file(
    ${PROJECT_SOURCE_DIR}/framework/cmake/descentConfig.cmake.in
    ${build}/descentConfig.cmake
    INSTALL_DESTINATION ${DESCENT_INSTALL_CMAKE_DIR}
    PATH_VARS DESCENT_INSTALL_PLUGIN_DIR)
  # 0.x: a minor release may change the SDK, so only the same minor matches
  # (the C ABI has its own version, checked when a plugin loads).
  write_basic_package_version_file(${build}/descentConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion
    ARCH_INDEPENDENT)
  install(FILES ${build}/descentConfig.cmake
                ${build}/descentConfigVersion.cmake
                ${PROJECT_SOURCE_DIR}/framework/cmake/DescentPlugin.cmake
                ${PROJECT_SOURCE_DIR}/framework/cmake/descent_plugin.map
          DESTINATION ${DESCENT_INSTALL_CMAKE_DIR})
endfunction()
