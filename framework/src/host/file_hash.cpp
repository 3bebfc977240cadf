#include <descent/errors.hpp>
#include <descent/file_hash.hpp>

#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <vector>

namespace descent {
namespace fs = std::filesystem;
namespace {

using Context = std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)>;

Context sha256_context() {
  Context ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw RunError("SHA-256 is unavailable");
  return ctx;
}

std::string hex_digest(EVP_MD_CTX* ctx) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest.data(), &length);
  static const char* const kHex = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    text += kHex[digest[i] >> 4];
    text += kHex[digest[i] & 15];
  }
  return text;
}

// What identifies a file's content for the memo: its absolute path, size
// and modification time; nullopt when the file cannot be examined.
using FileKey = std::tuple<std::string, std::uintmax_t, std::int64_t>;

std::optional<FileKey> key_of(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return std::nullopt;
  const auto modified = fs::last_write_time(file, ec);
  if (ec) return std::nullopt;
  return FileKey{fs::absolute(file).string(), size,
                 modified.time_since_epoch().count()};
}

struct Memo {
  std::mutex mutex;
  std::map<FileKey, std::string> hashes;
};

Memo& memo() {
  static Memo m;
  return m;
}

void remember(const std::optional<FileKey>& key, const std::string& hash) {
  if (!key) return;
  const std::lock_guard<std::mutex> lock(memo().mutex);
  memo().hashes.insert_or_assign(*key, hash);
}

}  // namespace

std::string sha256_file(const fs::path& file) {
  const auto key = key_of(file);
  if (key) {
    const std::lock_guard<std::mutex> lock(memo().mutex);
    const auto it = memo().hashes.find(*key);
    if (it != memo().hashes.end()) return it->second;
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(
      std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!in) throw RunError(file.string() + ": cannot be read for hashing");
  const Context ctx = sha256_context();
  std::vector<unsigned char> buffer(1 << 20);
  std::size_t got = 0;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), in.get())) > 0)
    EVP_DigestUpdate(ctx.get(), buffer.data(), got);
  if (std::ferror(in.get())) throw RunError(file.string() + ": read error");
  const std::string hash = hex_digest(ctx.get());
  remember(key, hash);
  return hash;
}

std::string note_sha256(const fs::path& file,
                        std::span<const unsigned char> bytes) {
  const auto key = key_of(file);
  const Context ctx = sha256_context();
  EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  std::string hash = hex_digest(ctx.get());
  remember(key, hash);
  return hash;
}

}  // namespace descent
