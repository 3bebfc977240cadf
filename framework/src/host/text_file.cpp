#include <descent/errors.hpp>
#include <descent/text_file.hpp>

#include <fstream>
#include <sstream>

namespace descent {

std::string read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace descent
