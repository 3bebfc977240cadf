// The optimizer state blob: save/load round trip, and every corruption
// rejected before anything is written.
#include <descent/sdk/state.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace sdk = descent::sdk;

namespace {

using Blob = std::vector<unsigned char>;

const sdk::StateIdentity kIdentity{"adam", 2, DESCENT_DTYPE_F64, 3};

// An optimizer's state: two moment vectors of n_params = 3 doubles.
struct Moments {
  std::vector<double> m;
  std::vector<double> v;
  std::array<std::span<double>, 2> spans() { return {m, v}; }
};

Moments sample() { return {{1.5, -2.0, 3.25}, {0.5, 0.125, 8.0}}; }
Moments sentinel() { return {{-7, -7, -7}, {-9, -9, -9}}; }

Blob saved(Moments state, const sdk::StateIdentity& id = kIdentity) {
  const auto spans = state.spans();
  Blob blob(sizeof(descent_state_header) + sdk::payload_bytes(spans));
  const std::uint64_t written =
      sdk::save_state(id, spans, blob.data(), blob.size());
  REQUIRE(written == blob.size());
  return blob;
}

descent_state_header header_of(const Blob& blob) {
  descent_state_header h;
  std::memcpy(&h, blob.data(), sizeof h);
  return h;
}

Blob with_header(Blob blob,
                 const std::function<void(descent_state_header&)>& edit) {
  descent_state_header h = header_of(blob);
  edit(h);
  std::memcpy(blob.data(), &h, sizeof h);
  return blob;
}

// Loads `size` bytes of `blob` into a sentinel state and returns the status.
// The state must be unchanged whenever the load fails.
descent_status load_status(const Blob& blob, std::size_t size) {
  Moments target = sentinel();
  try {
    sdk::load_state(kIdentity, target.spans(), blob.data(), size);
  } catch (const sdk::Error& e) {
    INFO("rejected: " << e.what());
    CHECK(target.m == sentinel().m);
    CHECK(target.v == sentinel().v);
    return e.status();
  }
  return DESCENT_OK;
}
descent_status load_status(const Blob& blob) {
  return load_status(blob, blob.size());
}

}  // namespace

TEST_CASE("FNV-1a 64 matches the published test vectors", "[sdk][state]") {
  CHECK(sdk::fnv1a64("", 0) == 14695981039346656037ULL);
  CHECK(sdk::fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
  CHECK(sdk::fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);
  // Hashing in pieces equals hashing the whole (save_state relies on it).
  CHECK(sdk::fnv1a64("bar", 3, sdk::fnv1a64("foo", 3)) ==
        sdk::fnv1a64("foobar", 6));
}

TEST_CASE("save_state writes the documented header", "[sdk][state]") {
  const Blob blob = saved(sample());
  REQUIRE(blob.size() == sizeof(descent_state_header) + 6 * sizeof(double));
  const descent_state_header h = header_of(blob);
  CHECK(std::memcmp(h.magic, DESCENT_STATE_MAGIC, sizeof h.magic) == 0);
  CHECK(h.format_version == DESCENT_STATE_FORMAT_VERSION);
  CHECK(h.header_size == sizeof(descent_state_header));
  CHECK(std::string(h.component) == "adam");
  CHECK(h.payload_version == 2);
  CHECK(h.dtype == DESCENT_DTYPE_F64);
  CHECK(h.n_params == 3);
  CHECK(h.payload_size == 6 * sizeof(double));
  const unsigned char* payload = blob.data() + sizeof(descent_state_header);
  CHECK(h.checksum == sdk::fnv1a64(payload, 6 * sizeof(double)));
  // The payload is the spans' bytes, in order.
  const Moments original = sample();
  CHECK(std::memcmp(payload, original.m.data(), 3 * sizeof(double)) == 0);
  CHECK(std::memcmp(payload + 3 * sizeof(double), original.v.data(),
                    3 * sizeof(double)) == 0);
}

TEST_CASE("save then load restores every span", "[sdk][state]") {
  const Blob blob = saved(sample());
  Moments target = sentinel();
  sdk::load_state(kIdentity, target.spans(), blob.data(), blob.size());
  CHECK(target.m == sample().m);
  CHECK(target.v == sample().v);
}

TEST_CASE("a stateless optimizer saves and loads a bare header",
          "[sdk][state]") {
  const std::array<std::span<float>, 0> none{};
  const sdk::StateIdentity id{"sgd", 1, DESCENT_DTYPE_F32, 10};
  Blob blob(sizeof(descent_state_header));
  CHECK(sdk::save_state(id, none, blob.data(), blob.size()) == blob.size());
  CHECK(header_of(blob).payload_size == 0);
  CHECK_NOTHROW(sdk::load_state(id, none, blob.data(), blob.size()));
}

TEST_CASE("save_state refuses a buffer that is too small", "[sdk][state]") {
  Moments state = sample();
  const auto spans = state.spans();
  Blob blob(sizeof(descent_state_header) + sdk::payload_bytes(spans));
  Blob copy = blob;
  try {
    sdk::save_state(kIdentity, spans, blob.data(), blob.size() - 1);
    FAIL("a short buffer was accepted");
  } catch (const sdk::Error& e) {
    CHECK(e.status() == DESCENT_ERROR_INVALID_ARGUMENT);
  }
  CHECK(blob == copy);  // nothing written
  CHECK_THROWS_AS(sdk::save_state(kIdentity, spans, nullptr, 1000), sdk::Error);
}

TEST_CASE("every corrupt or mismatched blob is rejected as BAD_STATE",
          "[sdk][state]") {
  const Blob good = saved(sample());
  REQUIRE(load_status(good) == DESCENT_OK);
  const std::size_t header = sizeof(descent_state_header);

  SECTION("shorter than the header") {
    CHECK(load_status(good, header - 1) == DESCENT_ERROR_BAD_STATE);
    CHECK(load_status(good, 0) == DESCENT_ERROR_BAD_STATE);
    Moments target = sentinel();
    CHECK_THROWS_AS(sdk::load_state(kIdentity, target.spans(), nullptr, 0),
                    sdk::Error);
  }
  SECTION("wrong magic") {
    Blob bad = good;
    bad[0] ^= 0x20;
    CHECK(load_status(bad) == DESCENT_ERROR_BAD_STATE);
  }
  SECTION("other format version") {
    CHECK(load_status(with_header(good, [](auto& h) {
            h.format_version = DESCENT_STATE_FORMAT_VERSION + 1;
          })) == DESCENT_ERROR_BAD_STATE);
  }
  SECTION("other header size") {
    CHECK(load_status(with_header(good, [](auto& h) { h.header_size += 8; })) ==
          DESCENT_ERROR_BAD_STATE);
  }
  SECTION("other component name") {
    CHECK(load_status(with_header(good, [](auto& h) {
            std::strcpy(h.component, "adamw");
          })) == DESCENT_ERROR_BAD_STATE);
    // The blob of another component, valid in itself.
    CHECK(load_status(saved(sample(), {"nadam", 2, DESCENT_DTYPE_F64, 3})) ==
          DESCENT_ERROR_BAD_STATE);
  }
  SECTION("other payload version") {
    CHECK(load_status(saved(sample(), {"adam", 1, DESCENT_DTYPE_F64, 3})) ==
          DESCENT_ERROR_BAD_STATE);
  }
  SECTION("other dtype") {
    CHECK(load_status(saved(sample(), {"adam", 2, DESCENT_DTYPE_F32, 3})) ==
          DESCENT_ERROR_BAD_STATE);
  }
  SECTION("other n_params") {
    CHECK(load_status(saved(sample(), {"adam", 2, DESCENT_DTYPE_F64, 4})) ==
          DESCENT_ERROR_BAD_STATE);
  }
  SECTION("payload size in the header disagrees") {
    CHECK(load_status(with_header(good, [](auto& h) {
            h.payload_size -= 8;
          })) == DESCENT_ERROR_BAD_STATE);
  }
  SECTION("truncated") {
    CHECK(load_status(good, good.size() - 1) == DESCENT_ERROR_BAD_STATE);
    CHECK(load_status(good, header) == DESCENT_ERROR_BAD_STATE);
  }
  SECTION("one trailing byte") {
    Blob longer = good;
    longer.push_back(0);
    CHECK(load_status(longer) == DESCENT_ERROR_BAD_STATE);
  }
  SECTION("a flipped payload byte fails the checksum") {
    for (std::size_t at : {header, header + 13, good.size() - 1}) {
      INFO("byte " << at);
      Blob bad = good;
      bad[at] ^= 0x01;
      CHECK(load_status(bad) == DESCENT_ERROR_BAD_STATE);
    }
  }
  SECTION("a wrong checksum") {
    CHECK(load_status(with_header(good, [](auto& h) { h.checksum ^= 1; })) ==
          DESCENT_ERROR_BAD_STATE);
  }
}
