// libFuzzer target: the IDX readers (raw or gzipped bytes, recognised by
// content), as images and as labels.
#include <descent/data.hpp>
#include <descent/errors.hpp>

#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const auto& file = descent_fuzz::write_input("data.idx", data, size);
  try {
    (void)descent::read_idx_images(file);
  } catch (const descent::InputError&) {
  }
  try {
    (void)descent::read_idx_images(file, 1);
  } catch (const descent::InputError&) {
  }
  try {
    (void)descent::read_idx_labels(file);
  } catch (const descent::InputError&) {
  }
  return 0;
}
