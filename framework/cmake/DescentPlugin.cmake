# descent_add_plugin(KIND NAME SOURCES src... [LIBRARIES lib...]
#                    [OUTPUT_DIRECTORY dir])
#
# Builds one plugin as a MODULE library named descent-<kind>-<name>.so.
# Symbols are hidden and a linker version script keeps `descent_entry` as
# the only export, so two plugins never clash over an inline function or
# template they both use. The plugin sees only the ABI and SDK headers.
#
# One definition serves descent's own build and plugin projects: this file
# is installed with the CMake package and included by descentConfig.cmake.
#
# Output folder: OUTPUT_DIRECTORY if given, else DESCENT_PLUGIN_OUTPUT_DIR
# if set (descent's own build points it at lib/descent/plugins), else the
# top of the project's build tree — so `--plugin-dir build` finds every
# plugin a project builds, whatever subfolder declared it.
# Needs CMake 3.17 (CMAKE_CURRENT_FUNCTION_LIST_DIR).

function(descent_add_plugin kind name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT kind MATCHES "^(optimizer|model|loss)$")
    message(FATAL_ERROR
      "descent_add_plugin: kind '${kind}' must be optimizer, model or loss")
  endif()
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR
      "descent_add_plugin: name '${name}' must match [a-z][a-z0-9_]*")
  endif()
  _descent_plugin_output_dir(output_dir "${ARG_OUTPUT_DIRECTORY}")
  # Found next to this file both in the source tree and when installed.
  set(map ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/descent_plugin.map)

  set(target descent-${kind}-${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE descent::sdk ${ARG_LIBRARIES})
  # The SDK can step large elementwise optimizers in parallel with TBB;
  # linked when available, never required of plugin authors.
  if(TARGET TBB::tbb)
    target_link_libraries(${target} PRIVATE TBB::tbb)
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${target}
    LIBRARY_OUTPUT_DIRECTORY ${output_dir}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # sqrt without errno is one instruction, so kernels vectorize; the
  # results are the same (errno is the only difference).
  target_compile_options(${target} PRIVATE -fno-math-errno -ffp-contract=off)
  target_link_options(${target} PRIVATE -Wl,--version-script=${map})
  # Every symbol resolved when the plugin links, not when it loads. Not with
  # clang's sanitizers: their runtime is linked into executables only, and
  # a plugin finds it in the process that loads it.
  if(NOT (DESCENT_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang"))
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${map})
  # Warnings are errors in descent's own build only: DescentWarnings.cmake
  # is not installed, so plugin authors keep their own warning policy.
  if(COMMAND descent_warnings)
    descent_warnings(${target})
  endif()
  set_property(GLOBAL APPEND PROPERTY DESCENT_PLUGIN_TARGETS ${target})
endfunction()

function(_descent_plugin_output_dir out requested)
  if(requested)
    set(dir ${requested})
  elseif(DESCENT_PLUGIN_OUTPUT_DIR)
    set(dir ${DESCENT_PLUGIN_OUTPUT_DIR})
  else()
    set(dir ${CMAKE_BINARY_DIR})
  endif()
  set(${out} ${dir} PARENT_SCOPE)
endfunction()
