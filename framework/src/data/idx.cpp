// IDX files (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT") and
// the Fashion-MNIST loader built on them.
//
// Layout: magic 00 00 <type> <number of dimensions>, then each dimension as
// a big-endian uint32, then the data. Only type 0x08 (unsigned byte) is
// read: it is the only type MNIST-style data sets use.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "descent/data.hpp"
#include "descent/errors.hpp"
#include "file_bytes.hpp"

#include <tbb/parallel_invoke.h>
#include <tbb/task_arena.h>

namespace descent {
namespace fs = std::filesystem;
using data_detail::describe;

namespace {

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw InputError(describe(file, what));
}

constexpr unsigned char kUnsignedByteType = 0x08;
constexpr std::size_t kMagicSize = 4;

std::string hex_byte(unsigned value) {
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%02x", value & 0xffU);
  return text.data();
}

std::string type_name(unsigned char code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "16-bit integer";
    case 0x0C:
      return "32-bit integer";
    case 0x0D:
      return "32-bit float";
    case 0x0E:
      return "64-bit float";
    default:
      return "unknown";
  }
}

// What an IDX file of a given rank holds, for messages: "images", "labels".
struct IdxKind {
  unsigned char rank;
  const char* items;
  const char* layout;  // names the dimensions, for the rank message
};
constexpr IdxKind kImages{3, "images", "images x rows x columns"};
constexpr IdxKind kLabels{1, "labels", "labels"};

// A validated unsigned-byte IDX array: its dimensions and its data.
struct IdxArray {
  std::vector<std::size_t> dims;
  std::span<const unsigned char> data;
};

std::uint32_t read_big_endian_u32(const unsigned char* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 |
         std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

// "60000 images of 28x28": how the header describes the file's content.
std::string header_summary(const std::vector<std::size_t>& dims,
                           const IdxKind& kind) {
  std::string text = std::to_string(dims[0]) + " " + kind.items;
  for (std::size_t d = 1; d < dims.size(); ++d) {
    text += (d == 1 ? " of " : "x") + std::to_string(dims[d]);
  }
  return text;
}

void check_magic(std::span<const unsigned char> bytes, const fs::path& file,
                 const IdxKind& kind) {
  const std::string expected = "00 00 08 " + hex_byte(kind.rank);
  if (bytes.size() < kMagicSize) {
    fail(file, "truncated: an IDX file starts with the 4-byte magic " +
                   expected + " but the file holds " +
                   std::to_string(bytes.size()) + " bytes");
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    fail(file, "wrong magic: expected an IDX file starting " + expected +
                   ", got " + hex_byte(bytes[0]) + " " + hex_byte(bytes[1]) +
                   " " + hex_byte(bytes[2]) + " " + hex_byte(bytes[3]));
  }
  if (bytes[2] != kUnsignedByteType) {
    fail(file, "unsupported IDX type code 0x" + hex_byte(bytes[2]) + " (" +
                   type_name(bytes[2]) +
                   "): only 0x08 (unsigned byte) is supported");
  }
  if (bytes[3] != kind.rank) {
    fail(file, "wrong number of dimensions: expected " +
                   std::to_string(kind.rank) + " (" + kind.layout +
                   "), the header says " + std::to_string(bytes[3]));
  }
}

std::vector<std::size_t> read_dims(std::span<const unsigned char> bytes,
                                   const fs::path& file, const IdxKind& kind) {
  const std::size_t header_size = kMagicSize + 4 * std::size_t{kind.rank};
  if (bytes.size() < header_size) {
    fail(file, "truncated header: " + std::to_string(kind.rank) +
                   " dimensions need " + std::to_string(header_size) +
                   " bytes but the file holds " + std::to_string(bytes.size()));
  }
  std::vector<std::size_t> dims(kind.rank);
  for (std::size_t d = 0; d < dims.size(); ++d) {
    dims[d] = read_big_endian_u32(bytes.data() + kMagicSize + 4 * d);
  }
  return dims;
}

std::size_t checked_element_count(const std::vector<std::size_t>& dims,
                                  const fs::path& file, const IdxKind& kind) {
  std::size_t count = 1;
  for (std::size_t dim : dims) {
    if (__builtin_mul_overflow(count, dim, &count)) {
      fail(file, "dimension sizes overflow: the header says " +
                     header_summary(dims, kind) +
                     ", more bytes than memory can address");
    }
  }
  return count;
}

// Parses and validates everything about an IDX file except what its items
// mean: magic, type, rank, sizes, and that the data fills the file exactly.
IdxArray parse_idx(std::span<const unsigned char> bytes, const fs::path& file,
                   const IdxKind& kind) {
  check_magic(bytes, file, kind);
  std::vector<std::size_t> dims = read_dims(bytes, file, kind);
  const std::size_t expected = checked_element_count(dims, file, kind);
  const std::string summary = header_summary(dims, kind);
  if (expected == 0) fail(file, "empty: the header says " + summary);
  const auto data = bytes.subspan(kMagicSize + 4 * std::size_t{kind.rank});
  const std::string claim = "header says " + summary + " (" +
                            std::to_string(expected) + " bytes) but ";
  if (data.size() < expected) {
    fail(file, "truncated: " + claim + "only " + std::to_string(data.size()) +
                   " bytes follow the header");
  }
  if (data.size() > expected) {
    fail(file, "trailing bytes: " + claim +
                   std::to_string(data.size() - expected) +
                   " more bytes follow the data");
  }
  return {std::move(dims), data};
}

struct ImageFile {
  Dataset images;
  std::size_t images_in_file = 0;  // before `max_images` cut the rows
};

ImageFile read_images(const fs::path& file, std::size_t max_images) {
  const SharedBytes bytes = data_detail::read_data_file(file);
  const IdxArray array = parse_idx(bytes.span(), file, kImages);
  const std::size_t in_file = array.dims[0];
  Dataset images;
  images.rows = max_images == 0 ? in_file : std::min(max_images, in_file);
  images.n_features = array.dims[1] * array.dims[2];
  const std::size_t count = images.rows * images.n_features;
  const auto pixels =
      static_cast<std::size_t>(array.data.data() - bytes.data());
  if (2 * count < bytes.size())  // a few rows: a buffer of their own
    images.features_u8 = SharedBytes(std::vector<std::uint8_t>(
        array.data.begin(),
        array.data.begin() + static_cast<std::ptrdiff_t>(count)));
  else  // the pixels where they were read: no copy
    images.features_u8 = bytes.window(pixels, count);
  images.sources.push_back(file);
  return {std::move(images), in_file};
}

}  // namespace

Dataset read_idx_images(const fs::path& file, std::size_t max_images) {
  return read_images(file, max_images).images;
}

std::vector<std::uint8_t> read_idx_labels(const fs::path& file) {
  const SharedBytes bytes = data_detail::read_data_file(file);
  const IdxArray array = parse_idx(bytes.span(), file, kLabels);
  return {array.data.begin(), array.data.end()};
}

// ---- Fashion-MNIST ----------------------------------------------------------

namespace {

constexpr std::size_t kFashionClasses = 10;
constexpr const char* kInstallHint =
    "install it with `apt-get install dataset-fashion-mnist`";

// The canonical files are gzipped; an unpacked copy is accepted too.
fs::path find_part_file(const fs::path& dir, const std::string& stem) {
  const fs::path gzipped = dir / (stem + ".gz");
  const fs::path raw = dir / stem;
  if (fs::exists(gzipped)) return gzipped;
  if (fs::exists(raw)) return raw;
  fail(gzipped, std::string("Fashion-MNIST file not found (nor ") +
                    raw.filename().string() + "); " + kInstallHint);
}

void check_labels(const std::vector<std::uint8_t>& labels,
                  const fs::path& file) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= kFashionClasses) {
      fail(file, "label " + std::to_string(labels[i]) + " of item " +
                     std::to_string(i) +
                     " is out of range: Fashion-MNIST has classes 0..9");
    }
  }
}

// One part ("train" or "t10k"): images and labels that agree in count.
Dataset load_fashion_part(const fs::path& dir, const std::string& part,
                          std::size_t limit) {
  const fs::path images_file = find_part_file(dir, part + "-images-idx3-ubyte");
  const fs::path labels_file = find_part_file(dir, part + "-labels-idx1-ubyte");
  ImageFile image_file = read_images(images_file, limit);
  const std::vector<std::uint8_t> labels = read_idx_labels(labels_file);
  if (labels.size() != image_file.images_in_file) {
    fail(labels_file, "holds " + std::to_string(labels.size()) +
                          " labels but " + images_file.string() + " holds " +
                          std::to_string(image_file.images_in_file) +
                          " images; expected one label per image");
  }
  check_labels(labels, labels_file);

  Dataset data = std::move(image_file.images);
  data.n_targets = 1;
  data.n_classes = kFashionClasses;
  data.targets.assign(labels.begin(),
                      labels.begin() + static_cast<std::ptrdiff_t>(data.rows));
  data.sources.push_back(labels_file);
  return data;
}

}  // namespace

TrainTest load_fashion_mnist(const fs::path& dir, std::size_t train_limit,
                             std::size_t test_limit) {
  if (!fs::is_directory(dir)) {
    fail(dir,
         std::string("Fashion-MNIST directory not found; ") + kInstallHint);
  }
  // Both parts decompress at once. When both fail, the train part's error
  // is the one reported, whichever finished first. isolate: a sweep loads
  // its data inside a trial task under a lock, and this thread must not
  // pick up another trial (which would wait for that lock) while it waits.
  TrainTest data;
  std::exception_ptr train_error, test_error;
  auto load = [&dir](Dataset& part, const char* name, std::size_t limit,
                     std::exception_ptr& error) {
    try {
      part = load_fashion_part(dir, name, limit);
    } catch (...) {
      error = std::current_exception();
    }
  };
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_invoke(
        [&] { load(data.train, "train", train_limit, train_error); },
        [&] { load(data.test, "t10k", test_limit, test_error); });
  });
  if (train_error) std::rethrow_exception(train_error);
  if (test_error) std::rethrow_exception(test_error);
  return data;
}

}  // namespace descent
