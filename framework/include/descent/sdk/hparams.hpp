// descent SDK — declaring hyperparameters and reading their values.
//
// A component declares its hyperparameters as a constexpr array:
//
//   static constexpr descent_hparam_desc hparams[] = {
//       descent::sdk::learning_rate(1e-3),
//       descent::sdk::real("beta1", 0.9, 0.0, 1.0, "decay of the mean"),
//   };
//
// and reads them in its constructor with HParams::real("beta1") etc.
#pragma once

#include <descent/abi/hparam.h>
#include <descent/sdk/error.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace descent::sdk {

// Bounds are inclusive; these stand for the open ends of [0, 1) and (0, x].
inline constexpr double kBelowOne = 0x1.fffffffffffffp-1;  // nextafter(1, 0)
inline constexpr double kAboveZero = 0x1p-1022;            // DBL_MIN

constexpr descent_hparam_desc real(const char* name, double default_value,
                                   double min_value, double max_value,
                                   const char* doc, std::uint32_t flags = 0) {
  return {name,      doc,           DESCENT_HPARAM_REAL,
          flags,     default_value, min_value,
          max_value, nullptr,       0,
          0,         nullptr};
}

constexpr descent_hparam_desc log_real(const char* name, double default_value,
                                       double min_value, double max_value,
                                       const char* doc) {
  return real(name, default_value, min_value, max_value, doc,
              DESCENT_HPARAM_LOG_SCALE);
}

// Every optimizer declares this first; the host sends the per-step value.
constexpr descent_hparam_desc learning_rate(double default_value,
                                            double max_value = 1e3) {
  return log_real("lr", default_value, 0.0, max_value,
                  "learning rate (step size); schedules scale it per step");
}

constexpr descent_hparam_desc integer(const char* name,
                                      std::int64_t default_value,
                                      std::int64_t min_value,
                                      std::int64_t max_value, const char* doc) {
  return {name,
          doc,
          DESCENT_HPARAM_INT,
          0,
          static_cast<double>(default_value),
          static_cast<double>(min_value),
          static_cast<double>(max_value),
          nullptr,
          0,
          0,
          nullptr};
}

constexpr descent_hparam_desc flag(const char* name, bool default_value,
                                   const char* doc) {
  return {name,
          doc,
          DESCENT_HPARAM_BOOL,
          0,
          default_value ? 1.0 : 0.0,
          0.0,
          1.0,
          nullptr,
          0,
          0,
          nullptr};
}

template <std::size_t N>
constexpr descent_hparam_desc choice(const char* name,
                                     const char* const (&choices)[N],
                                     std::uint32_t default_index,
                                     const char* doc) {
  return {name,
          doc,
          DESCENT_HPARAM_CHOICE,
          0,
          static_cast<double>(default_index),
          0.0,
          static_cast<double>(N - 1),
          choices,
          static_cast<std::uint32_t>(N),
          0,
          nullptr};
}

constexpr descent_hparam_desc text(const char* name, const char* default_text,
                                   const char* doc) {
  return {name, doc, DESCENT_HPARAM_TEXT, 0, 0.0, 0.0, 0.0, nullptr,
          0,    0,   default_text};
}

// The value a declaration defaults to, as the host would pass it.
inline descent_hparam_value default_value(const descent_hparam_desc& desc) {
  return {desc.default_value, desc.default_text};
}

// Shortest text that reads back as the same double: "1e-08", not
// "0.000000".
inline std::string number_text(double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

// "[0, 1)" for [0, kBelowOne], "(0, 10]" for [kAboveZero, 10], else "[a, b]".
inline std::string interval_text(double min_value, double max_value) {
  const bool open_low = min_value == kAboveZero;
  const bool open_high = max_value == kBelowOne;
  return std::string(open_low ? "(0" : "[" + number_text(min_value)) + ", " +
         (open_high ? "1)" : number_text(max_value) + "]");
}

// Why `value` is not acceptable for `desc`, or nothing when it is. Shared by
// the host (config validation) and the SDK (defence at create()).
inline std::optional<std::string> check_value(const descent_hparam_desc& desc,
                                              const descent_hparam_value& v) {
  const double x = v.number;
  switch (desc.type) {
    case DESCENT_HPARAM_REAL:
    case DESCENT_HPARAM_INT:
      if (!std::isfinite(x)) return "expected a finite number";
      if (desc.type == DESCENT_HPARAM_INT && x != std::floor(x))
        return "expected an integer";
      if (x < desc.min_value || x > desc.max_value)
        return "expected a value in " +
               interval_text(desc.min_value, desc.max_value);
      return std::nullopt;
    case DESCENT_HPARAM_BOOL:
      if (x != 0.0 && x != 1.0) return "expected true or false";
      return std::nullopt;
    case DESCENT_HPARAM_CHOICE:
      if (!(x >= 0.0 && x < desc.choice_count) || x != std::floor(x))
        return "expected one of the declared choices";
      return std::nullopt;
    case DESCENT_HPARAM_TEXT:
      if (v.text == nullptr) return "expected text";
      return std::nullopt;
    default:
      return "unknown hyperparameter type";
  }
}

// Read access to validated values, by name. Used at create(), not in loops.
class HParams {
 public:
  HParams(std::span<const descent_hparam_desc> declared,
          const descent_hparam_value* values, std::uint32_t count)
      : declared_(declared), values_(values, values ? count : 0) {
    if (count > 0 && values == nullptr)
      throw invalid_argument("hyperparameter values are NULL");
    if (count != declared.size())
      throw invalid_argument("expected " + std::to_string(declared.size()) +
                             " hyperparameter values, got " +
                             std::to_string(count));
    for (std::size_t i = 0; i < declared.size(); ++i)
      if (auto why = check_value(declared[i], values_[i]))
        throw invalid_argument(std::string(declared[i].name) + ": " + *why);
  }

  double real(std::string_view name) const { return at(name).number; }
  std::int64_t integer(std::string_view name) const {
    return static_cast<std::int64_t>(at(name).number);
  }
  bool flag(std::string_view name) const { return at(name).number != 0.0; }
  std::string_view choice(std::string_view name) const {
    const auto i = index_of(name);
    return declared_[i].choices[static_cast<std::size_t>(values_[i].number)];
  }
  std::string text(std::string_view name) const { return at(name).text; }

 private:
  std::size_t index_of(std::string_view name) const {
    for (std::size_t i = 0; i < declared_.size(); ++i)
      if (name == declared_[i].name) return i;
    throw std::logic_error("plugin reads undeclared hyperparameter '" +
                           std::string(name) + "'");
  }
  const descent_hparam_value& at(std::string_view name) const {
    return values_[index_of(name)];
  }

  std::span<const descent_hparam_desc> declared_;
  std::span<const descent_hparam_value> values_;
};

// "128,64" -> {128, 64}; "" -> {}. Anything else (spaces, signs, empty
// items, trailing commas, zero) throws, naming `what`.
inline std::vector<std::int64_t> parse_int_list(std::string_view text,
                                                std::string_view what) {
  std::vector<std::int64_t> out;
  if (text.empty()) return out;
  auto fail = [&]() {
    return invalid_argument(std::string(what) +
                            ": expected comma-separated positive integers, "
                            "got '" +
                            std::string(text) + "'");
  };
  const char* cursor = text.data();
  const char* const end = text.data() + text.size();
  while (true) {
    const char* item_end = std::find(cursor, end, ',');
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(cursor, item_end, value);
    if (ec != std::errc() || ptr != item_end || value <= 0) throw fail();
    out.push_back(value);
    if (item_end == end) return out;
    cursor = item_end + 1;  // past the comma: an empty tail item fails above
  }
}

}  // namespace descent::sdk
