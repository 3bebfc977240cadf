// descent SDK — the optimizer state blob (layout in abi/state.h).
//
// An optimizer exposes its state as a list of spans (moments, accumulators);
// save() writes a header plus their bytes, load() checks header and checksum
// before it touches anything.
#pragma once

#include <descent/abi/descriptor.h>
#include <descent/abi/state.h>
#include <descent/sdk/error.hpp>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>

namespace descent::sdk {

// 64-bit FNV-1a (Fowler–Noll–Vo), continuing from `hash`.
inline std::uint64_t fnv1a64(const void* data, std::size_t size,
                             std::uint64_t hash = 14695981039346656037ULL) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 1099511628211ULL;
  }
  return hash;
}

template <class Buffers>
std::uint64_t payload_bytes(const Buffers& buffers) {
  std::uint64_t total = 0;
  for (const auto& b : buffers) total += b.size_bytes();
  return total;
}

// What a blob must match to be loaded into an instance.
struct StateIdentity {
  const char* component;
  std::uint32_t payload_version;
  descent_dtype dtype;
  std::uint64_t n_params;
};

template <class Buffers>
std::uint64_t save_state(const StateIdentity& id, const Buffers& buffers,
                         void* out, std::uint64_t capacity) {
  const std::uint64_t payload = payload_bytes(buffers);
  const std::uint64_t total = sizeof(descent_state_header) + payload;
  if (out == nullptr || capacity < total)
    throw invalid_argument("state buffer too small: need " +
                           std::to_string(total) + " bytes");
  auto* bytes = static_cast<unsigned char*>(out);
  unsigned char* cursor = bytes + sizeof(descent_state_header);
  std::uint64_t hash = 14695981039346656037ULL;
  for (const auto& b : buffers) {
    if (b.size_bytes() == 0) continue;  // empty spans may hold a null data()
    std::memcpy(cursor, b.data(), b.size_bytes());
    hash = fnv1a64(cursor, b.size_bytes(), hash);
    cursor += b.size_bytes();
  }
  descent_state_header header{};
  std::memcpy(header.magic, DESCENT_STATE_MAGIC, sizeof header.magic);
  header.format_version = DESCENT_STATE_FORMAT_VERSION;
  header.header_size = sizeof(descent_state_header);
  std::strncpy(header.component, id.component, DESCENT_STATE_NAME_CAPACITY - 1);
  header.payload_version = id.payload_version;
  header.dtype = id.dtype;
  header.n_params = id.n_params;
  header.payload_size = payload;
  header.checksum = hash;
  std::memcpy(bytes, &header, sizeof header);
  return total;
}

inline Error bad_state(const std::string& why) {
  return Error(DESCENT_ERROR_BAD_STATE, "state blob rejected: " + why);
}

// Checks everything first, then copies: a rejected blob changes nothing.
template <class Buffers>
void load_state(const StateIdentity& id, const Buffers& buffers, const void* in,
                std::uint64_t size) {
  if (in == nullptr || size < sizeof(descent_state_header))
    throw bad_state("shorter than its header");
  descent_state_header header;
  std::memcpy(&header, in, sizeof header);
  if (std::memcmp(header.magic, DESCENT_STATE_MAGIC, sizeof header.magic) != 0)
    throw bad_state("wrong magic");
  if (header.format_version != DESCENT_STATE_FORMAT_VERSION ||
      header.header_size != sizeof(descent_state_header))
    throw bad_state("unknown format version");
  header.component[DESCENT_STATE_NAME_CAPACITY - 1] = '\0';
  if (std::strcmp(header.component, id.component) != 0)
    throw bad_state(std::string("made by '") + header.component + "', not '" +
                    id.component + "'");
  if (header.payload_version != id.payload_version)
    throw bad_state("payload version " +
                    std::to_string(header.payload_version) + ", expected " +
                    std::to_string(id.payload_version));
  if (header.dtype != id.dtype) throw bad_state("different dtype");
  if (header.n_params != id.n_params)
    throw bad_state("made for " + std::to_string(header.n_params) +
                    " parameters, instance has " + std::to_string(id.n_params));
  const std::uint64_t payload = payload_bytes(buffers);
  if (header.payload_size != payload ||
      size != sizeof(descent_state_header) + payload)
    throw bad_state("payload size mismatch (truncated or trailing bytes)");
  const auto* cursor =
      static_cast<const unsigned char*>(in) + sizeof(descent_state_header);
  if (fnv1a64(cursor, payload) != header.checksum)
    throw bad_state("checksum mismatch");
  for (const auto& b : buffers) {
    if (b.size_bytes() == 0) continue;
    std::memcpy(b.data(), cursor, b.size_bytes());
    cursor += b.size_bytes();
  }
}

}  // namespace descent::sdk
