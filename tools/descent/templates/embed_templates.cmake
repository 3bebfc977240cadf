# Compiles the files `descent new-plugin` writes (this folder) into the CLI
# as string literals, so an installed `descent` needs no data files. Runs at
# configure time; editing a template re-runs it, and the generated source is
# rewritten only when its text changes (no needless relinks).
#
# Sets descent_templates_cpp to the generated source, which defines
# descent::cli::plugin_template(file) and descent_package_version().
set(templates_dir ${CMAKE_CURRENT_LIST_DIR})
set(template_files optimizer.cpp model.cpp loss.cpp CMakeLists.txt check.sh
    README.md)
set(descent_templates_cpp ${CMAKE_CURRENT_BINARY_DIR}/plugin_templates.cpp)

set(text "// Generated from tools/descent/templates/ by embed_templates.cmake:
// edit those files, not this one.
#include <stdexcept>
#include <string>
#include <string_view>

namespace descent::cli {
namespace {

struct Template {
  std::string_view file;
  std::string_view text;
};

constexpr Template kTemplates[] = {
")
foreach(file ${template_files})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${templates_dir}/${file})
  file(READ ${templates_dir}/${file} content)
  if(content MATCHES "\\)descent_template\"")
    message(FATAL_ERROR "${file} contains the raw-string delimiter")
  endif()
  string(APPEND text "    {\"${file}\", R\"descent_template(${content})descent_template\"},\n")
endforeach()
string(APPEND text "};

}  // namespace

std::string_view plugin_template(std::string_view file) {
  for (const Template& t : kTemplates)
    if (t.file == file) return t.text;
  throw std::logic_error(\"no plugin template \" + std::string(file));
}

// What a scaffold's find_package(descent X.Y) asks for: this release.
std::string_view descent_package_version() {
  return \"${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}\";
}

}  // namespace descent::cli
")
file(WRITE ${descent_templates_cpp}.tmp "${text}")
configure_file(${descent_templates_cpp}.tmp ${descent_templates_cpp} COPYONLY)
