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
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace descent::sdk {

constexpr descent_hparam_desc real(const char* name, double default_value,
                                   double min_value, double max_value,
                                   const char* doc, std::uint32_t flags = 0) {
  return {name, doc, DESCENT_HPARAM_REAL, flags, default_value, min_value,
          max_value, nullptr, 0, 0, nullptr};
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
                                      std::int64_t max_value,
                                      const char* doc) {
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
  return {name, doc, DESCENT_HPARAM_BOOL, 0, default_value ? 1.0 : 0.0,
          0.0,  1.0, nullptr,             0, 0, nullptr};
}

template <std::size_t N>
constexpr descent_hparam_desc choice(const char* name,
                                     const char* const (&choices)[N],
                                     std::uint32_t default_index,
                                     const char* doc) {
  return {name, doc,     DESCENT_HPARAM_CHOICE,           0,
          static_cast<double>(default_index), 0.0,
          static_cast<double>(N - 1),         choices,
          static_cast<std::uint32_t>(N),      0, nullptr};
}

constexpr descent_hparam_desc text(const char* name, const char* default_text,
                                   const char* doc) {
  return {name,    doc, DESCENT_HPARAM_TEXT, 0, 0.0, 0.0, 0.0,
          nullptr, 0,   0,                   default_text};
}

// The value a declaration defaults to, as the host would pass it.
inline descent_hparam_value default_value(const descent_hparam_desc& desc) {
  return {desc.default_value, desc.default_text};
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
        return "expected a value in [" + std::to_string(desc.min_value) +
               ", " + std::to_string(desc.max_value) + "]";
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
      : declared_(declared), values_(values, count) {
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

// "128,64" -> {128, 64}; "" -> {}. Throws on anything else.
inline std::vector<std::int64_t> parse_int_list(std::string_view text,
                                                std::string_view what) {
  std::vector<std::int64_t> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item(text.substr(pos, comma - pos));
    std::size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || value <= 0)
      throw invalid_argument(std::string(what) +
                             ": expected comma-separated positive integers, "
                             "got '" + std::string(text) + "'");
    out.push_back(value);
    pos = comma + 1;
  }
  return out;
}

}  // namespace descent::sdk
