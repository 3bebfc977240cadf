// The inflated-data cache: a large gzip data file is inflated once, kept
// under the SHA-256 of the gzip file and mapped by later reads; an entry
// that does not match the gzip trailer is never read.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "data_files.hpp"
#include "descent/data.hpp"
#include "descent/file_hash.hpp"

using namespace data_files;

namespace {

// A bool, not a comparison Catch would print: the files are a megabyte.
bool holds(const fs::path& file, const Bytes& bytes) {
  std::ifstream in(file, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {}) == bytes;
}

// True when `file` is mapped into this process (Linux: /proc/self/maps).
bool is_mapped(const fs::path& file) {
  std::ifstream maps("/proc/self/maps");
  const std::string wanted = fs::canonical(file).string();
  for (std::string line; std::getline(maps, line);)
    if (line.size() >= wanted.size() &&
        line.compare(line.size() - wanted.size(), wanted.size(), wanted) == 0)
      return true;
  return false;
}

std::size_t files_in(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return 0;
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(folder), fs::directory_iterator()));
}

// A gzipped IDX file of noise images, over the 1 MiB from which reads go
// through the cache, and a cache folder of its own.
struct LargeImages {
  TempDir dir;
  fs::path cache = dir / "cache";
  ScopedEnv env{"DESCENT_CACHE_DIR", cache.string()};
  Bytes raw = noise_images(1100);
  fs::path file = write_file(dir / "images.gz", gzip(raw));

  fs::path entry() const {
    return cache / "inflated" / descent::sha256_file(file);
  }
  // What the file holds after its 16-byte header: what a read must give.
  bool holds_the_pixels(const descent::Dataset& d) const {
    return std::equal(d.features_u8.begin(), d.features_u8.end(),
                      raw.begin() + 16, raw.end()) &&
           d.features_u8.size() == raw.size() - 16;
  }
};

}  // namespace

TEST_CASE("a large gzip data file is inflated once, then mapped from the cache",
          "[data][cache]") {
  LargeImages images;
  REQUIRE(fs::file_size(images.file) > (std::size_t{1} << 20));
  const descent::Dataset cold = descent::read_idx_images(images.file);
  CHECK(images.holds_the_pixels(cold));
  REQUIRE(fs::exists(images.entry()));
  CHECK(holds(images.entry(), images.raw));  // the plain file, whole
  CHECK_FALSE(is_mapped(images.entry()));

  const descent::Dataset warm = descent::read_idx_images(images.file);
  CHECK(images.holds_the_pixels(warm));
  CHECK(is_mapped(images.entry()));  // read from the entry, not inflated
  CHECK(files_in(images.cache / "inflated") == 1);  // no temporary left
}

TEST_CASE("a cache entry that does not match the gzip trailer is replaced",
          "[data][cache]") {
  LargeImages images;
  Bytes damaged = images.raw;
  damaged[damaged.size() / 2] ^= 0x01;  // same size, another CRC-32
  const Bytes truncated(images.raw.begin(), images.raw.end() - 1);
  for (const Bytes& entry : {damaged, truncated, Bytes{}}) {
    fs::create_directories(images.entry().parent_path());
    write_file(images.entry(), entry);
    const descent::Dataset d = descent::read_idx_images(images.file);
    CHECK(images.holds_the_pixels(d));
    CHECK_FALSE(is_mapped(images.entry()));
    CHECK(holds(images.entry(), images.raw));
  }
}

TEST_CASE("a large file reads without a cache when there is none to use",
          "[data][cache]") {
  LargeImages images;
  SECTION("DESCENT_CACHE_DIR=off") {
    const ScopedEnv off("DESCENT_CACHE_DIR", "off");
    CHECK(images.holds_the_pixels(descent::read_idx_images(images.file)));
    CHECK_FALSE(fs::exists(images.cache));
  }
  SECTION("a cache folder that cannot be made") {
    const fs::path blocked = write_file(images.dir / "a-file", {1});
    const ScopedEnv under_a_file("DESCENT_CACHE_DIR",
                                 (blocked / "cache").string());
    CHECK(images.holds_the_pixels(descent::read_idx_images(images.file)));
    CHECK(fs::is_regular_file(blocked));
  }
}

TEST_CASE("several gzip members and small files are not cached",
          "[data][cache]") {
  LargeImages images;
  const std::size_t half = images.raw.size() / 2;
  const Bytes head(images.raw.begin(), images.raw.begin() + half);
  const Bytes tail(images.raw.begin() + half, images.raw.end());
  const fs::path members =
      write_file(images.dir / "members.gz", concat(gzip(head), gzip(tail)));
  REQUIRE(fs::file_size(members) > (std::size_t{1} << 20));
  CHECK(images.holds_the_pixels(descent::read_idx_images(members)));
  const fs::path small =
      write_file(images.dir / "small.gz", gzip(noise_images(3)));
  CHECK(descent::read_idx_images(small).rows == 3);
  CHECK(files_in(images.cache / "inflated") == 0);
}

TEST_CASE(
    "the cache folder is DESCENT_CACHE_DIR, else XDG_CACHE_HOME/descent, "
    "else HOME/.cache/descent",
    "[data][cache]") {
  LargeImages images;
  const ScopedEnv unset("DESCENT_CACHE_DIR", std::nullopt);
  const std::string sha = descent::sha256_file(images.file);
  SECTION("XDG_CACHE_HOME") {
    const ScopedEnv xdg("XDG_CACHE_HOME", (images.dir / "xdg").string());
    descent::read_idx_images(images.file);
    CHECK(fs::exists(images.dir / "xdg" / "descent" / "inflated" / sha));
  }
  SECTION("HOME") {
    const ScopedEnv no_xdg("XDG_CACHE_HOME", std::nullopt);
    const ScopedEnv home("HOME", (images.dir / "home").string());
    descent::read_idx_images(images.file);
    CHECK(fs::exists(images.dir / "home" / ".cache" / "descent" / "inflated" /
                     sha));
  }
}
