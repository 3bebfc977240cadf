// libFuzzer target: an experiment file (INI, Boost.Program_options) and the
// typed getters. InputError is the expected answer to bad input; anything
// else escaping, a crash or a sanitizer report is a finding.
#include <descent/errors.hpp>
#include <descent/settings.hpp>

#include <array>
#include <string>
#include <string_view>

#include "fuzz_input_file.hpp"

namespace {

template <class F>
void expect_input_error_only(F&& f) {
  try {
    f();
  } catch (const descent::InputError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const auto& file = descent_fuzz::write_input("settings.ini", data, size);
  expect_input_error_only([&] {
    descent::Settings s = descent::Settings::load(file, {});
    const auto all = s.take_prefix("");
    static constexpr std::array<std::string_view, 3> allowed{"a", "sgd",
                                                             "adam"};
    for (const auto& entry : all) {
      const std::string& key = entry.first;
      expect_input_error_only([&] { s.real(key, 0.5, -1e300, 1e300); });
      expect_input_error_only([&] { s.integer(key, 1, -1000000, 1000000); });
      expect_input_error_only([&] { s.seed(key, 1); });
      expect_input_error_only([&] { s.flag(key, false); });
      expect_input_error_only([&] { s.choice(key, "a", allowed); });
      expect_input_error_only([&] { (void)s.text(key, ""); });
      (void)s.where(key);
    }
    (void)descent::to_ini(s.resolved(), "fuzz");
    s.reject_unread({});
  });
  return 0;
}
