// libFuzzer target: the CSV reader. The first input byte picks the options
// (header mode, classification, target column, delimiter); the rest is the
// file (raw or gzipped).
#include <descent/data.hpp>
#include <descent/errors.hpp>

#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const auto& file = descent_fuzz::write_input("data.csv", data + 1, size - 1);
  descent::CsvOptions options;
  options.header = static_cast<descent::CsvHeader>(mode % 3);
  options.classification = (mode & 0x04) != 0;
  switch ((mode >> 3) & 3) {
    case 1:
      options.target_index = (mode >> 5) & 3;
      break;
    case 2:
      options.target_name = "y";
      break;
    case 3:  // both: always an error
      options.target_index = 0;
      options.target_name = "y";
      break;
    default:
      break;
  }
  options.delimiter = (mode & 0x80) != 0 ? ';' : ',';
  try {
    (void)descent::read_csv(file, options);
  } catch (const descent::InputError&) {
  }
  return 0;
}
