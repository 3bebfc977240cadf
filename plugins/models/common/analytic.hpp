// Plugin-local helper (header-only) for analytic objectives (quadratic,
// rosenbrock): models without data. abi/model.h fixes their shape —
// n_inputs = 0, n_outputs = 1, rows = 1, X = NULL — and these checks turn a
// host that forgets it into a clear invalid_argument instead of a misread.
#pragma once

#include <descent/sdk/error.hpp>

#include <cstdint>
#include <string>

namespace descent::models {

inline void check_analytic_shape(std::uint64_t n_inputs,
                                 std::uint64_t n_outputs) {
  if (n_inputs != 0 || n_outputs != 1)
    throw sdk::invalid_argument(
        "an analytic objective takes n_inputs = 0 and n_outputs = 1, got " +
        std::to_string(n_inputs) + " and " + std::to_string(n_outputs));
}

inline void check_analytic_call(std::uint64_t rows, const double* buffer,
                                const char* what) {
  if (rows != 1)
    throw sdk::invalid_argument(
        "an analytic objective is evaluated with rows = 1, got " +
        std::to_string(rows));
  if (buffer == nullptr)
    throw sdk::invalid_argument(std::string(what) + " is NULL");
}

}  // namespace descent::models
