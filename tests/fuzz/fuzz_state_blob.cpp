// libFuzzer target: the optimizer state-blob loader (sdk::load_state) as an
// optimizer with two moment buffers of 3 doubles would call it. When the
// first byte is odd the checksum is patched to match the payload, so the
// fuzzer also reaches the checks and copies behind it. sdk::Error is the
// expected answer to a bad blob.
#include <descent/sdk/state.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0) return 0;
  const bool patch_checksum = (data[0] & 1) != 0;
  std::vector<unsigned char> blob(data + 1, data + size);
  if (patch_checksum && blob.size() >= sizeof(descent_state_header)) {
    const std::uint64_t checksum =
        descent::sdk::fnv1a64(blob.data() + sizeof(descent_state_header),
                              blob.size() - sizeof(descent_state_header));
    std::memcpy(blob.data() + offsetof(descent_state_header, checksum),
                &checksum, sizeof checksum);
  }
  std::array<double, 3> m{}, v{};
  const std::array<std::span<double>, 2> buffers{std::span<double>(m),
                                                 std::span<double>(v)};
  const descent::sdk::StateIdentity id{"adam", 1, DESCENT_DTYPE_F64, 3};
  try {
    descent::sdk::load_state(id, buffers, blob.empty() ? nullptr : blob.data(),
                             blob.size());
  } catch (const descent::sdk::Error&) {
  }
  return 0;
}
