// ABI v1, frozen. The numbers below are the layout of every struct of the C
// ABI on x86_64 Linux (LP64, System V), and the values of every constant.
// Plugins built against ABI v1 rely on exactly these: a change to any
// number here is an ABI break, which needs DESCENT_ABI_VERSION_MAJOR + 1 —
// never an edit of this file to make it pass. Growing a struct that starts
// with `struct_size` (a minor version) only adds a field at the end: the
// offsets here stay, the size check is updated.
#include <descent/abi/descent.h>

#include <catch2/catch.hpp>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

// Defined in abi_headers_c11.c, compiled as C11.
extern "C" {
extern const descent_plugin_entry descent_entry;
extern const std::size_t descent_test_c_sizes[9];
bool descent_test_c_accepts(std::uint32_t major, std::uint32_t minor);
}

static_assert(sizeof(void*) == 8 && CHAR_BIT == 8,
              "the literals in this file are for LP64 (x86_64 Linux)");

#define CHECK_OFFSET(type, field, offset) \
  CHECK(offsetof(type, field) == std::size_t{offset})
#define CHECK_SIZE(type, size) CHECK(sizeof(type) == std::size_t{size})

TEST_CASE("descent_version layout", "[abi][layout]") {
  CHECK_SIZE(descent_version, 12);
  CHECK_OFFSET(descent_version, major, 0);
  CHECK_OFFSET(descent_version, minor, 4);
  CHECK_OFFSET(descent_version, patch, 8);
}

TEST_CASE("descent_hparam_desc layout", "[abi][layout]") {
  CHECK_SIZE(descent_hparam_desc, 72);
  CHECK_OFFSET(descent_hparam_desc, name, 0);
  CHECK_OFFSET(descent_hparam_desc, doc, 8);
  CHECK_OFFSET(descent_hparam_desc, type, 16);
  CHECK_OFFSET(descent_hparam_desc, flags, 20);
  CHECK_OFFSET(descent_hparam_desc, default_value, 24);
  CHECK_OFFSET(descent_hparam_desc, min_value, 32);
  CHECK_OFFSET(descent_hparam_desc, max_value, 40);
  CHECK_OFFSET(descent_hparam_desc, choices, 48);
  CHECK_OFFSET(descent_hparam_desc, choice_count, 56);
  CHECK_OFFSET(descent_hparam_desc, reserved, 60);
  CHECK_OFFSET(descent_hparam_desc, default_text, 64);
}

TEST_CASE("descent_hparam_value layout", "[abi][layout]") {
  CHECK_SIZE(descent_hparam_value, 16);
  CHECK_OFFSET(descent_hparam_value, number, 0);
  CHECK_OFFSET(descent_hparam_value, text, 8);
}

TEST_CASE("descent_descriptor layout", "[abi][layout]") {
  CHECK_SIZE(descent_descriptor, 56);
  CHECK_OFFSET(descent_descriptor, struct_size, 0);
  CHECK_OFFSET(descent_descriptor, kind, 4);
  CHECK_OFFSET(descent_descriptor, name, 8);
  CHECK_OFFSET(descent_descriptor, version, 16);
  CHECK_OFFSET(descent_descriptor, doc, 24);
  CHECK_OFFSET(descent_descriptor, reference, 32);
  CHECK_OFFSET(descent_descriptor, hparams, 40);
  CHECK_OFFSET(descent_descriptor, hparam_count, 48);
  CHECK_OFFSET(descent_descriptor, reserved, 52);
}

TEST_CASE("descent_optimizer_api layout", "[abi][layout]") {
  CHECK_SIZE(descent_optimizer_api, 88);
  CHECK_OFFSET(descent_optimizer_api, struct_size, 0);
  CHECK_OFFSET(descent_optimizer_api, reserved, 4);
  CHECK_OFFSET(descent_optimizer_api, descriptor, 8);
  CHECK_OFFSET(descent_optimizer_api, create, 16);
  CHECK_OFFSET(descent_optimizer_api, destroy, 24);
  CHECK_OFFSET(descent_optimizer_api, step_f32, 32);
  CHECK_OFFSET(descent_optimizer_api, step_f64, 40);
  CHECK_OFFSET(descent_optimizer_api, reset, 48);
  CHECK_OFFSET(descent_optimizer_api, state_size, 56);
  CHECK_OFFSET(descent_optimizer_api, state_save, 64);
  CHECK_OFFSET(descent_optimizer_api, state_load, 72);
  CHECK_OFFSET(descent_optimizer_api, last_error, 80);
}

TEST_CASE("descent_model_api layout", "[abi][layout]") {
  CHECK_SIZE(descent_model_api, 88);  // 72 in ABI 1.0
  CHECK_OFFSET(descent_model_api, struct_size, 0);
  CHECK_OFFSET(descent_model_api, flags, 4);
  CHECK_OFFSET(descent_model_api, descriptor, 8);
  CHECK_OFFSET(descent_model_api, create, 16);
  CHECK_OFFSET(descent_model_api, destroy, 24);
  CHECK_OFFSET(descent_model_api, param_count, 32);
  CHECK_OFFSET(descent_model_api, init, 40);
  CHECK_OFFSET(descent_model_api, forward, 48);
  CHECK_OFFSET(descent_model_api, backward, 56);
  CHECK_OFFSET(descent_model_api, last_error, 64);
  // ABI 1.1
  CHECK_OFFSET(descent_model_api, forward_f32, 72);
  CHECK_OFFSET(descent_model_api, backward_f32, 80);
  CHECK(DESCENT_MODEL_API_V1_0_SIZE == 72);
}

TEST_CASE("descent_loss_api layout", "[abi][layout]") {
  CHECK_SIZE(descent_loss_api, 48);
  CHECK_OFFSET(descent_loss_api, struct_size, 0);
  CHECK_OFFSET(descent_loss_api, flags, 4);
  CHECK_OFFSET(descent_loss_api, descriptor, 8);
  CHECK_OFFSET(descent_loss_api, create, 16);
  CHECK_OFFSET(descent_loss_api, destroy, 24);
  CHECK_OFFSET(descent_loss_api, value_and_grad, 32);
  CHECK_OFFSET(descent_loss_api, last_error, 40);
}

TEST_CASE("descent_state_header layout", "[abi][layout]") {
  CHECK_SIZE(descent_state_header, 112);
  CHECK_OFFSET(descent_state_header, magic, 0);
  CHECK_OFFSET(descent_state_header, format_version, 8);
  CHECK_OFFSET(descent_state_header, header_size, 12);
  CHECK_OFFSET(descent_state_header, component, 16);
  CHECK_OFFSET(descent_state_header, payload_version, 80);
  CHECK_OFFSET(descent_state_header, dtype, 84);
  CHECK_OFFSET(descent_state_header, n_params, 88);
  CHECK_OFFSET(descent_state_header, payload_size, 96);
  CHECK_OFFSET(descent_state_header, checksum, 104);
  CHECK(sizeof(descent_state_header::magic) == 8);
  CHECK(sizeof(descent_state_header::component) == 64);
}

TEST_CASE("descent_plugin_entry layout", "[abi][layout]") {
  CHECK_SIZE(descent_plugin_entry, 40);
  CHECK_OFFSET(descent_plugin_entry, abi_version, 0);
  CHECK_OFFSET(descent_plugin_entry, struct_size, 12);
  CHECK_OFFSET(descent_plugin_entry, optimizer, 16);
  CHECK_OFFSET(descent_plugin_entry, model, 24);
  CHECK_OFFSET(descent_plugin_entry, loss, 32);
}

TEST_CASE("C and C++ compilers agree on every struct size", "[abi][layout]") {
  CHECK(descent_test_c_sizes[0] == sizeof(descent_version));
  CHECK(descent_test_c_sizes[1] == sizeof(descent_hparam_desc));
  CHECK(descent_test_c_sizes[2] == sizeof(descent_hparam_value));
  CHECK(descent_test_c_sizes[3] == sizeof(descent_descriptor));
  CHECK(descent_test_c_sizes[4] == sizeof(descent_optimizer_api));
  CHECK(descent_test_c_sizes[5] == sizeof(descent_model_api));
  CHECK(descent_test_c_sizes[6] == sizeof(descent_loss_api));
  CHECK(descent_test_c_sizes[7] == sizeof(descent_state_header));
  CHECK(descent_test_c_sizes[8] == sizeof(descent_plugin_entry));
}

TEST_CASE("scalar typedefs have fixed widths", "[abi][types]") {
  STATIC_REQUIRE(std::is_same_v<descent_status, std::int32_t>);
  STATIC_REQUIRE(std::is_same_v<descent_kind, std::uint32_t>);
  STATIC_REQUIRE(std::is_same_v<descent_dtype, std::uint32_t>);
  STATIC_REQUIRE(std::is_same_v<descent_hparam_type, std::uint32_t>);
}

TEST_CASE("status codes", "[abi][enums]") {
  CHECK(DESCENT_OK == 0);
  CHECK(DESCENT_ERROR_INVALID_ARGUMENT == 1);
  CHECK(DESCENT_ERROR_OUT_OF_MEMORY == 2);
  CHECK(DESCENT_ERROR_UNSUPPORTED == 3);
  CHECK(DESCENT_ERROR_BAD_STATE == 4);
  CHECK(DESCENT_ERROR_INTERNAL == 5);
  CHECK(DESCENT_ERROR_NON_FINITE == 6);
  CHECK(DESCENT_ERROR_CAPACITY == 512);
}

TEST_CASE("kinds, dtypes, hyperparameter types and flags", "[abi][enums]") {
  CHECK(DESCENT_KIND_OPTIMIZER == 0);
  CHECK(DESCENT_KIND_MODEL == 1);
  CHECK(DESCENT_KIND_LOSS == 2);

  CHECK(DESCENT_DTYPE_F32 == 0);
  CHECK(DESCENT_DTYPE_F64 == 1);

  CHECK(DESCENT_HPARAM_REAL == 0);
  CHECK(DESCENT_HPARAM_INT == 1);
  CHECK(DESCENT_HPARAM_BOOL == 2);
  CHECK(DESCENT_HPARAM_CHOICE == 3);
  CHECK(DESCENT_HPARAM_TEXT == 4);

  CHECK(DESCENT_HPARAM_LOG_SCALE == 1u);
  CHECK(DESCENT_MODEL_ANALYTIC == 1u);
  CHECK(DESCENT_LOSS_CLASS_TARGETS == 1u);
}

TEST_CASE("state blob and entry constants", "[abi][enums]") {
  CHECK(sizeof(DESCENT_STATE_MAGIC) == 8);
  CHECK(std::memcmp(DESCENT_STATE_MAGIC, "DSCNTST", 8) == 0);
  CHECK(DESCENT_STATE_FORMAT_VERSION == 1u);
  CHECK(DESCENT_STATE_NAME_CAPACITY == 64u);
  CHECK(std::strcmp(DESCENT_ENTRY_SYMBOL, "descent_entry") == 0);
}

TEST_CASE("ABI version is 1.x and only the major decides", "[abi][version]") {
  CHECK(DESCENT_ABI_VERSION_MAJOR == 1);
  const descent_version current = DESCENT_ABI_VERSION_INIT;
  CHECK(current.major == 1);
  CHECK(descent_version_is_compatible(current));

  // Same major, any minor and patch: accepted.
  CHECK(descent_version_is_compatible({1, 0, 0}));
  CHECK(descent_version_is_compatible({1, 7, 3}));
  CHECK(descent_version_is_compatible({1, UINT32_MAX, UINT32_MAX}));
  // Any other major: refused.
  CHECK_FALSE(descent_version_is_compatible({0, 0, 0}));
  CHECK_FALSE(descent_version_is_compatible({0, 9, 0}));
  CHECK_FALSE(descent_version_is_compatible({2, 0, 0}));
  CHECK_FALSE(descent_version_is_compatible({UINT32_MAX, 0, 0}));

  // The same inline function compiled as C gives the same answers.
  CHECK(descent_test_c_accepts(1, 42));
  CHECK_FALSE(descent_test_c_accepts(2, 0));
}

TEST_CASE("a plugin entry written in plain C is usable", "[abi][c]") {
  const descent_plugin_entry& entry = descent_entry;  // from the C object
  CHECK(descent_version_is_compatible(entry.abi_version));
  CHECK(entry.abi_version.minor == DESCENT_ABI_VERSION_MINOR);
  CHECK(entry.struct_size == sizeof(descent_plugin_entry));
  REQUIRE(entry.optimizer != nullptr);
  REQUIRE(entry.model != nullptr);
  REQUIRE(entry.loss != nullptr);
  CHECK(entry.optimizer(0) == nullptr);
  CHECK(entry.model(0) == nullptr);
  CHECK(entry.loss(0) == nullptr);
}
