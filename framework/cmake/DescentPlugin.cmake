set(DESCENT_PLUGIN_MAP ${CMAKE_CURRENT_LIST_DIR}/descent_plugin.map)

# descent_add_plugin(KIND NAME SOURCES src...)
#
# Builds one plugin as a MODULE library named descent-<kind>-<name>.so in the
# build's plugin folder. Symbols are hidden by default so that the entry
# `descent_entry` is the only export; the plugin sees only the ABI and SDK
# headers.
function(descent_add_plugin kind name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target descent-${kind}-${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE descent::sdk ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${target}
    LIBRARY_OUTPUT_DIRECTORY ${DESCENT_PLUGIN_DIR}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--no-undefined
    -Wl,--version-script=${DESCENT_PLUGIN_MAP})
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${DESCENT_PLUGIN_MAP})
  descent_warnings(${target})
  set_property(GLOBAL APPEND PROPERTY DESCENT_PLUGIN_TARGETS ${target})
endfunction()
