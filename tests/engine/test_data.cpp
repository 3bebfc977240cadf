// The data layer: IDX (raw and gzipped), Fashion-MNIST, CSV, split and the
// synthetic generators. Files are written into a fresh temp folder per test.
#include <unistd.h>
#include <zlib.h>

#include <Eigen/Dense>
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "data_files.hpp"
#include "descent/data.hpp"
#include "descent/errors.hpp"
#include "descent/file_hash.hpp"

namespace fs = std::filesystem;
using descent::CsvHeader;
using descent::CsvOptions;
using descent::Dataset;

namespace {

using namespace data_files;

// 3 images of 2x3 whose pixels cover 0 and 255.
const Bytes kPixels = {0,  255, 1,  2,   3,   4,   10,  20, 30,
                       40, 50,  60, 128, 129, 200, 254, 7,  9};
Bytes three_images() { return idx_file({3, 2, 3}, kPixels); }

// Every feature of `data` as double, whatever format it is stored in.
std::vector<double> features_of(const Dataset& data) {
  std::vector<double> values(data.rows * data.n_features);
  data.copy_features<double>(0, data.rows, values.data());
  return values;
}

// The message of the InputError that `action` throws (another exception
// type escapes and fails the test).
std::string input_error_from(const std::function<void()>& action) {
  try {
    action();
  } catch (const descent::InputError& error) {
    return error.what();
  }
  return "(no InputError was thrown)";
}

// Every data error is one line naming the file and saying what went wrong.
class NamesFileAndSays : public Catch::MatcherBase<std::string> {
 public:
  NamesFileAndSays(const fs::path& file, std::string phrase)
      : file_(file.string()), phrase_(std::move(phrase)) {}
  bool match(const std::string& message) const override {
    return message.find(file_) != std::string::npos &&
           message.find(phrase_) != std::string::npos &&
           message.find('\n') == std::string::npos;
  }
  std::string describe() const override {
    return "is one line naming " + file_ + " and saying \"" + phrase_ + "\"";
  }

 private:
  std::string file_;
  std::string phrase_;
};

void check_idx_images_error(const Bytes& contents, const std::string& phrase) {
  TempDir dir;
  const fs::path file = write_file(dir / "bad-images-idx3-ubyte", contents);
  CHECK_THAT(input_error_from([&] { descent::read_idx_images(file); }),
             NamesFileAndSays(file, phrase));
}

}  // namespace

// ---- IDX --------------------------------------------------------------------

TEST_CASE("read_idx_images keeps the pixel bytes, read as pixel / 255",
          "[data][idx]") {
  TempDir dir;
  const fs::path file = write_file(dir / "images-idx3-ubyte", three_images());
  const Dataset images = descent::read_idx_images(file);
  CHECK(images.rows == 3);
  CHECK(images.n_features == 6);
  CHECK(images.n_targets == 0);
  CHECK(images.format() == descent::FeatureFormat::u8);
  CHECK(std::ranges::equal(images.features_u8, kPixels));
  const std::vector<double> values = features_of(images);
  REQUIRE(values.size() == kPixels.size());
  for (std::size_t i = 0; i < kPixels.size(); ++i) {
    CHECK(values[i] == static_cast<double>(kPixels[i]) / 255.0);
  }
  CHECK(values[1] == 1.0);  // byte 255 is exactly white
  REQUIRE(images.sources.size() == 1);
  CHECK(images.sources[0] == file);
}

TEST_CASE("read_idx_images keeps only the first max_images images",
          "[data][idx]") {
  TempDir dir;
  const fs::path file = write_file(dir / "images-idx3-ubyte", three_images());
  const Dataset first_two = descent::read_idx_images(file, 2);
  CHECK(first_two.rows == 2);
  const Dataset all = descent::read_idx_images(file);
  REQUIRE(first_two.features_u8.size() == 12);
  CHECK(std::equal(first_two.features_u8.begin(), first_two.features_u8.end(),
                   all.features_u8.begin()));
  CHECK(descent::read_idx_images(file, 99).rows == 3);  // a cap, not a pad
}

TEST_CASE("gzip is recognised by content, not by file name", "[data][idx]") {
  TempDir dir;
  const Dataset raw = descent::read_idx_images(
      write_file(dir / "raw-but-named.gz", three_images()));
  const Dataset gzipped = descent::read_idx_images(
      write_file(dir / "gzipped-but-named.idx", gzip(three_images())));
  CHECK(gzipped.rows == raw.rows);
  CHECK(gzipped.n_features == raw.n_features);
  CHECK(gzipped.features_u8 == raw.features_u8);
}

TEST_CASE("concatenated gzip members read as one stream", "[data][idx]") {
  TempDir dir;
  const Bytes whole = three_images();
  const Bytes head(whole.begin(), whole.begin() + 10);
  const Bytes tail(whole.begin() + 10, whole.end());
  const fs::path file =
      write_file(dir / "two-members.gz", concat(gzip(head), gzip(tail)));
  CHECK(descent::read_idx_images(file).features_u8 ==
        descent::read_idx_images(write_file(dir / "one", whole)).features_u8);
}

TEST_CASE("a large gzip data file is hashed while inflated, once per content",
          "[data][idx][hash]") {
  const ScopedEnv no_cache("DESCENT_CACHE_DIR", "off");  // the inflating path
  TempDir dir;
  // Over the 1 MiB from which the reader hashes while it inflates.
  const Bytes compressed = gzip(noise_images(1100));
  REQUIRE(compressed.size() > (std::size_t{1} << 20));
  const fs::path file = write_file(dir / "images.gz", compressed);
  const fs::path copy = write_file(dir / "copy.gz", compressed);
  CHECK(descent::read_idx_images(file).rows == 1100);

  // Other bytes of the same size under the same modification time: the
  // hash the read noted still answers, which shows the read noted it.
  const auto modified = fs::last_write_time(file);
  Bytes changed = compressed;
  changed[compressed.size() / 2] ^= 0xff;
  write_file(file, changed);
  fs::last_write_time(file, modified);
  CHECK(descent::sha256_file(file) == descent::sha256_file(copy));

  // A note replaces it; a new modification time makes it hash the file.
  const Bytes other = {1, 2, 3};
  descent::note_sha256(file, other);
  const fs::path other_file = write_file(dir / "other", other);
  CHECK(descent::sha256_file(file) == descent::sha256_file(other_file));
  fs::last_write_time(file, modified + std::chrono::seconds(5));
  const std::string rehashed = descent::sha256_file(file);
  CHECK(rehashed != descent::sha256_file(other_file));
  CHECK(rehashed != descent::sha256_file(copy));
}

TEST_CASE("read_idx_labels returns one byte per label", "[data][idx]") {
  TempDir dir;
  const Bytes labels = {9, 0, 3, 3, 7};
  const fs::path file =
      write_file(dir / "labels.gz", gzip(idx_file({5}, labels)));
  CHECK(descent::read_idx_labels(file) == std::vector<std::uint8_t>(labels));
}

TEST_CASE("a missing or unreadable IDX file is an InputError naming it",
          "[data][idx][errors]") {
  TempDir dir;
  const fs::path missing = dir / "no-such-file";
  CHECK_THAT(input_error_from([&] { descent::read_idx_images(missing); }),
             NamesFileAndSays(missing, "file not found"));
  CHECK_THAT(input_error_from([&] { descent::read_idx_labels(dir.path()); }),
             NamesFileAndSays(dir.path(), "is a directory"));
}

TEST_CASE("a damaged gzip stream is an InputError naming the file",
          "[data][idx][errors]") {
  const Bytes good = gzip(three_images());
  SECTION("cut short") {
    check_idx_images_error(Bytes(good.begin(), good.begin() + 20),
                           "truncated gzip stream");
  }
  SECTION("wrong checksum in the trailer") {
    Bytes bad = good;
    bad[bad.size() - 8] ^= 0xff;
    check_idx_images_error(bad, "corrupt gzip stream");
  }
  SECTION("unknown compression method in the header") {
    Bytes bad = good;
    bad[2] = 7;
    check_idx_images_error(bad, "corrupt gzip stream");
  }
  SECTION("junk after the stream") {
    check_idx_images_error(concat(good, {'j', 'u', 'n', 'k'}),
                           "trailing bytes after the gzip stream");
  }
}

TEST_CASE("a malformed IDX header is an InputError saying what was expected",
          "[data][idx][errors]") {
  SECTION("shorter than the magic") {
    check_idx_images_error({0, 0}, "truncated");
  }
  SECTION("wrong magic") {
    Bytes bad = three_images();
    bad[0] = 0x12;
    check_idx_images_error(bad,
                           "wrong magic: expected an IDX file starting "
                           "00 00 08 03");
  }
  SECTION("unsupported type code") {
    check_idx_images_error(idx_file({3, 2, 3}, kPixels, 0x0D),
                           "unsupported IDX type code 0x0d (32-bit float)");
  }
  SECTION("a labels file where images are expected") {
    check_idx_images_error(idx_file({3}, {1, 2, 3}),
                           "wrong number of dimensions: expected 3");
  }
  SECTION("dimensions cut off") {
    check_idx_images_error({0, 0, 8, 3, 0, 0, 0, 1}, "truncated header");
  }
  SECTION("dimension sizes whose product overflows") {
    check_idx_images_error(
        idx_file({0xffffffffU, 0xffffffffU, 0xffffffffU}, {}), "overflow");
  }
}

TEST_CASE("IDX data that disagrees with its header is an InputError",
          "[data][idx][errors]") {
  SECTION("fewer bytes than the header promises") {
    const Bytes short_data(kPixels.begin(), kPixels.end() - 1);
    check_idx_images_error(idx_file({3, 2, 3}, short_data),
                           "truncated: header says 3 images of 2x3 (18 "
                           "bytes) but only 17 bytes follow the header");
  }
  SECTION("more bytes than the header promises") {
    check_idx_images_error(concat(three_images(), {1}), "trailing bytes");
  }
  SECTION("no images at all") {
    check_idx_images_error(idx_file({0, 28, 28}, {}), "empty");
  }
  SECTION("no labels at all") {
    TempDir dir;
    const fs::path file = write_file(dir / "labels", idx_file({0}, {}));
    CHECK_THAT(input_error_from([&] { descent::read_idx_labels(file); }),
               NamesFileAndSays(file, "empty"));
  }
  SECTION("the same check runs on the decompressed bytes of a gzip file") {
    check_idx_images_error(gzip(concat(three_images(), {1})), "trailing bytes");
  }
}

// ---- Fashion-MNIST layout on small fake files -------------------------------

namespace {

Bytes cycling_labels(std::size_t count) {
  Bytes labels(count);
  for (std::size_t i = 0; i < count; ++i) {
    labels[i] = static_cast<unsigned char>(i % 10);
  }
  return labels;
}

Bytes blank_images(std::uint32_t count) {
  return idx_file({count, 2, 2}, Bytes(std::size_t{count} * 4, 51));
}

// train: 20 gzipped images and labels; t10k: 10 uncompressed ones.
void write_fake_fashion(const TempDir& dir, const Bytes& train_labels) {
  write_file(dir / "train-images-idx3-ubyte.gz", gzip(blank_images(20)));
  write_file(dir / "train-labels-idx1-ubyte.gz",
             gzip(idx_file({static_cast<std::uint32_t>(train_labels.size())},
                           train_labels)));
  write_file(dir / "t10k-images-idx3-ubyte", blank_images(10));
  write_file(dir / "t10k-labels-idx1-ubyte",
             idx_file({10}, cycling_labels(10)));
}

}  // namespace

TEST_CASE("load_fashion_mnist pairs images with labels", "[data][fashion]") {
  TempDir dir;
  write_fake_fashion(dir, cycling_labels(20));
  const descent::TrainTest data = descent::load_fashion_mnist(dir.path());
  CHECK(data.train.rows == 20);
  CHECK(data.test.rows == 10);
  for (const Dataset* part : {&data.train, &data.test}) {
    CHECK(part->n_features == 4);
    CHECK(part->n_targets == 1);
    CHECK(part->n_classes == 10);
    CHECK(features_of(*part).front() == 51.0 / 255.0);
    REQUIRE(part->targets.size() == part->rows);
    for (std::size_t i = 0; i < part->rows; ++i) {
      CHECK(part->targets[i] == static_cast<double>(i % 10));
    }
  }
  CHECK(data.train.sources ==
        std::vector<fs::path>{dir / "train-images-idx3-ubyte.gz",
                              dir / "train-labels-idx1-ubyte.gz"});
  CHECK(data.test.sources ==
        std::vector<fs::path>{dir / "t10k-images-idx3-ubyte",
                              dir / "t10k-labels-idx1-ubyte"});
}

TEST_CASE("load_fashion_mnist limits each part separately", "[data][fashion]") {
  TempDir dir;
  write_fake_fashion(dir, cycling_labels(20));
  const descent::TrainTest data = descent::load_fashion_mnist(dir.path(), 7, 3);
  CHECK(data.train.rows == 7);
  CHECK(data.train.features_u8.size() == 7 * 4);
  CHECK(data.train.targets.size() == 7);
  CHECK(data.test.rows == 3);
  CHECK(data.test.targets.size() == 3);
}

TEST_CASE(
    "byte features widen to pixel / 255, correctly rounded in both "
    "precisions",
    "[data][f32]") {
  // Every byte value, one per row, in an order that is not the rows' own.
  Dataset bytes;
  bytes.rows = 256;
  bytes.n_features = 1;
  std::vector<std::uint8_t> every_byte(256);
  for (unsigned v = 0; v < 256; ++v)
    every_byte[v] = static_cast<std::uint8_t>(v);
  bytes.features_u8 = descent::SharedBytes(std::move(every_byte));
  CHECK(bytes.format() == descent::FeatureFormat::u8);
  CHECK(bytes.feature_data<float>() == nullptr);
  CHECK(bytes.feature_data<double>() == nullptr);
  std::vector<std::size_t> rows(256);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = (i * 97) % 256;
  std::vector<double> wide(256);
  std::vector<float> narrow(256);
  bytes.copy_features<double>(rows, wide.data());
  bytes.copy_features<float>(rows, narrow.data());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double exact = static_cast<double>(rows[i]) / 255.0;
    CHECK(wide[i] == exact);
    CHECK(narrow[i] == static_cast<float>(exact));  // rounded once
  }
  // A range spanning several vector widths, from an odd first row.
  std::vector<float> range(200);
  bytes.copy_features<float>(37, 200, range.data());
  for (std::size_t i = 0; i < range.size(); ++i)
    CHECK(range[i] == static_cast<float>(static_cast<double>(37 + i) / 255.0));
  CHECK(bytes.feature_row_bytes() == 1);
  CHECK(bytes.feature_row(5) == bytes.features_u8.data() + 5);
}

TEST_CASE("store_features_as_f32 rounds float64 features once", "[data][f32]") {
  Dataset data = descent::make_blobs(30, 3, 2, 1.0, 4);
  const std::vector<double> doubles = data.features;
  CHECK(data.format() == descent::FeatureFormat::f64);
  descent::store_features_as_f32(data);
  CHECK(data.format() == descent::FeatureFormat::f32);
  CHECK(data.features.capacity() == 0);  // the doubles are freed
  REQUIRE(data.features_f32.size() == doubles.size());
  for (std::size_t i = 0; i < doubles.size(); ++i)
    CHECK(data.features_f32[i] == static_cast<float>(doubles[i]));
  CHECK(data.feature_data<float>() == data.features_f32.data());
  CHECK(data.feature_data<double>() == nullptr);
  std::vector<double> widened(3);
  data.copy_features<double>(2, 1, widened.data());
  for (std::size_t j = 0; j < 3; ++j)
    CHECK(widened[j] == static_cast<double>(data.features_f32[6 + j]));
  descent::store_features_as_f32(data);  // a no-op now
  CHECK(data.features_f32.size() == doubles.size());
}

TEST_CASE("load_fashion_mnist rejects inconsistent or missing files",
          "[data][fashion][errors]") {
  TempDir dir;
  const fs::path train_labels = dir / "train-labels-idx1-ubyte.gz";
  SECTION("one label fewer than images") {
    write_fake_fashion(dir, cycling_labels(19));
    const std::string message =
        input_error_from([&] { descent::load_fashion_mnist(dir.path()); });
    CHECK_THAT(message, NamesFileAndSays(train_labels, "holds 19 labels"));
    CHECK_THAT(message, Catch::Contains("20 images"));
  }
  SECTION("a label outside 0..9") {
    Bytes labels = cycling_labels(20);
    labels[13] = 10;
    write_fake_fashion(dir, labels);
    CHECK_THAT(
        input_error_from([&] { descent::load_fashion_mnist(dir.path()); }),
        NamesFileAndSays(train_labels, "label 10 of item 13 is out of range"));
  }
  SECTION("a missing file in the folder") {
    write_fake_fashion(dir, cycling_labels(20));
    fs::remove(dir / "t10k-images-idx3-ubyte");
    CHECK_THAT(
        input_error_from([&] { descent::load_fashion_mnist(dir.path()); }),
        NamesFileAndSays(dir / "t10k-images-idx3-ubyte.gz", "not found"));
  }
  SECTION("a missing folder") {
    const fs::path absent = dir / "fashion-mnist";
    CHECK_THAT(
        input_error_from([&] { descent::load_fashion_mnist(absent); }),
        NamesFileAndSays(absent, "apt-get install dataset-fashion-mnist"));
  }
}

// ---- The installed Fashion-MNIST --------------------------------------------

namespace {

const fs::path kInstalledFashion = "/usr/share/datasets/fashion-mnist";

void check_fashion_part(const Dataset& part, std::size_t rows) {
  CHECK(part.rows == rows);
  CHECK(part.n_features == 784);
  CHECK(part.n_classes == 10);
  REQUIRE(part.features_u8.size() == rows * 784);
  REQUIRE(part.targets.size() == rows);
  const auto [lowest, highest] =
      std::minmax_element(part.features_u8.begin(), part.features_u8.end());
  CHECK(*lowest == 0);     // background pixels
  CHECK(*highest == 255);  // some pixel is saturated
  std::vector<std::size_t> per_class(10, 0);
  std::size_t not_a_class = 0;
  for (double label : part.targets) {
    if (label >= 0.0 && label <= 9.0 && label == std::floor(label)) {
      ++per_class[static_cast<std::size_t>(label)];
    } else {
      ++not_a_class;
    }
  }
  CHECK(not_a_class == 0);
  for (std::size_t count : per_class) CHECK(count > 0);
}

}  // namespace

TEST_CASE("the installed Fashion-MNIST loads with a limit",
          "[data][fashion][installed]") {
  if (!fs::is_directory(kInstalledFashion)) {
    WARN("skipped: " << kInstalledFashion << " is not installed");
    return;
  }
  const auto data = descent::load_fashion_mnist(kInstalledFashion, 2000, 500);
  check_fashion_part(data.train, 2000);
  check_fashion_part(data.test, 500);
}

TEST_CASE("the installed Fashion-MNIST loads in full, 6000/1000 per class",
          "[data][fashion][installed]") {
  if (!fs::is_directory(kInstalledFashion)) {
    WARN("skipped: " << kInstalledFashion << " is not installed");
    return;
  }
  const auto data = descent::load_fashion_mnist(kInstalledFashion);
  check_fashion_part(data.train, 60000);
  check_fashion_part(data.test, 10000);
  // The data set is balanced by construction (Xiao et al., 2017).
  CHECK(std::count(data.train.targets.begin(), data.train.targets.end(), 3.0) ==
        6000);
  CHECK(std::count(data.test.targets.begin(), data.test.targets.end(), 3.0) ==
        1000);
}

// ---- CSV --------------------------------------------------------------------

namespace {

Dataset csv_from(const std::string& text, const CsvOptions& options = {}) {
  TempDir dir;
  return descent::read_csv(write_text(dir / "table.csv", text), options);
}

void check_csv_error(const std::string& text, const std::string& phrase,
                     const CsvOptions& options = {}) {
  TempDir dir;
  const fs::path file = write_text(dir / "bad.csv", text);
  CHECK_THAT(input_error_from([&] { descent::read_csv(file, options); }),
             NamesFileAndSays(file, phrase));
}

const std::string kTable = "a,b,y\n1,2,3\n4,5,6\n";

}  // namespace

TEST_CASE("read_csv: a header, the last column as target", "[data][csv]") {
  TempDir dir;
  const fs::path file = write_text(dir / "table.csv", kTable);
  const Dataset data = descent::read_csv(file);
  CHECK(data.rows == 2);
  CHECK(data.n_features == 2);
  CHECK(data.n_targets == 1);
  CHECK(data.n_classes == 0);
  CHECK(data.features == std::vector<double>{1, 2, 4, 5});
  CHECK(data.targets == std::vector<double>{3, 6});
  CHECK(data.sources == std::vector<fs::path>{file});
}

TEST_CASE("read_csv: CRLF, a BOM, blank lines and gzip read the same",
          "[data][csv]") {
  const Dataset plain = csv_from(kTable);
  const Dataset windows = csv_from(
      "\xEF\xBB\xBF"
      "a,b,y\r\n1,2,3\r\n4,5,6\r\n");
  const Dataset airy = csv_from("\na, b ,y\n\n 1 ,2,3\n   \n4,5,+6");
  TempDir dir;
  const Dataset gzipped = descent::read_csv(
      write_file(dir / "t.csv", gzip(Bytes(kTable.begin(), kTable.end()))));
  for (const Dataset* other : {&windows, &airy, &gzipped}) {
    CHECK(other->rows == plain.rows);
    CHECK(other->features == plain.features);
    CHECK(other->targets == plain.targets);
  }
}

TEST_CASE("read_csv: the header is detected or set explicitly", "[data][csv]") {
  const std::string numbers = "1,2,3\n4,5,6\n";
  SECTION("all-numeric first line: no header") {
    const Dataset data = csv_from(numbers);
    CHECK(data.rows == 2);
    CHECK(data.features == std::vector<double>{1, 2, 4, 5});
  }
  SECTION("explicit header: the first line is names even if numeric") {
    CsvOptions options;
    options.header = CsvHeader::present;
    options.target_name = "2";
    const Dataset data = csv_from(numbers, options);
    CHECK(data.rows == 1);
    CHECK(data.features == std::vector<double>{4, 6});
    CHECK(data.targets == std::vector<double>{5});
  }
  SECTION("explicit no header: a text first line is a bad cell") {
    CsvOptions options;
    options.header = CsvHeader::absent;
    check_csv_error(kTable, "line 1, column 1: 'a' is not a number", options);
  }
}

TEST_CASE("read_csv: the target column by name or by index", "[data][csv]") {
  CsvOptions by_name;
  by_name.target_name = "b";
  CsvOptions by_index;
  by_index.target_index = 1;
  for (const CsvOptions& options : {by_name, by_index}) {
    const Dataset data = csv_from(kTable, options);
    CHECK(data.features == std::vector<double>{1, 3, 4, 6});
    CHECK(data.targets == std::vector<double>{2, 5});
  }
  CsvOptions first;
  first.target_index = 0;
  CHECK(csv_from("1,2,3\n", first).targets == std::vector<double>{1});
}

TEST_CASE("read_csv: classification counts classes as max label + 1",
          "[data][csv]") {
  CsvOptions options;
  options.classification = true;
  const Dataset data = csv_from("x,label\n0.5,2\n-1.5,0\n2e1,2\n", options);
  CHECK(data.n_classes == 3);
  CHECK(data.targets == std::vector<double>{2, 0, 2});
  CHECK(data.features == std::vector<double>{0.5, -1.5, 20.0});
}

TEST_CASE("read_csv rejects malformed tables with the line and column",
          "[data][csv][errors]") {
  SECTION("ragged row") {
    check_csv_error("a,b,c\n1,2,3\n4,5\n",
                    "line 3: expected 3 columns (as in line 1), found 2");
  }
  SECTION("non-numeric cell") {
    check_csv_error(kTable + "7,x8,9\n",
                    "line 4, column 2: 'x8' is not a number");
  }
  SECTION("NaN cell") {
    check_csv_error("1,2\n3,nan\n", "line 2, column 2: 'nan' is not a finite");
  }
  SECTION("infinite cell") {
    check_csv_error("a,b\n-inf,1\n",
                    "line 2, column 1: '-inf' is not a finite");
  }
  SECTION("empty file") { check_csv_error("", "empty"); }
  SECTION("only blank lines and a BOM") {
    check_csv_error("\xEF\xBB\xBF\r\n\n", "empty");
  }
  SECTION("header only") { check_csv_error("a,b\n", "no data rows"); }
  SECTION("a single column") {
    check_csv_error("1\n2\n", "expected at least 2 columns");
  }
}

TEST_CASE("read_csv rejects bad options and labels", "[data][csv][errors]") {
  CsvOptions options;
  SECTION("fractional class label") {
    options.classification = true;
    check_csv_error("x,y\n1,0\n2,1.5\n", "line 3, column 2: class label",
                    options);
  }
  SECTION("negative class label") {
    options.classification = true;
    check_csv_error("1,-1\n", "line 1, column 2: class label", options);
  }
  SECTION("unknown target name") {
    options.target_name = "price";
    check_csv_error(kTable, "no column named 'price'; the header has: a, b, y",
                    options);
  }
  SECTION("target name without a header") {
    options.target_name = "price";
    check_csv_error("1,2\n", "no header row", options);
  }
  SECTION("target index out of range") {
    options.target_index = 3;
    check_csv_error(kTable, "target column index 3 is out of range", options);
  }
  SECTION("target given twice") {
    options.target_name = "y";
    options.target_index = 2;
    check_csv_error(kTable, "both by name", options);
  }
  SECTION("missing file") {
    TempDir dir;
    const fs::path missing = dir / "missing.csv";
    CHECK_THAT(input_error_from([&] { descent::read_csv(missing); }),
               NamesFileAndSays(missing, "file not found"));
  }
}

// ---- split ------------------------------------------------------------------

namespace {

// Row i has feature i and target 10 i, so a row can be traced through.
Dataset numbered_rows(std::size_t rows) {
  Dataset data;
  data.rows = rows;
  data.n_features = 1;
  data.n_targets = 1;
  for (std::size_t i = 0; i < rows; ++i) {
    data.features.push_back(static_cast<double>(i));
    data.targets.push_back(10.0 * static_cast<double>(i));
  }
  return data;
}

}  // namespace

TEST_CASE("split is disjoint, covering and keeps rows whole", "[data][split]") {
  const Dataset data = numbered_rows(100);
  const descent::TrainTest parts = descent::split(data, 0.25, 42);
  CHECK(parts.test.rows == 25);
  CHECK(parts.train.rows == 75);
  std::multiset<double> seen;
  for (const Dataset* part : {&parts.train, &parts.test}) {
    REQUIRE(part->features.size() == part->rows);
    for (std::size_t i = 0; i < part->rows; ++i) {
      CHECK(part->targets[i] == 10.0 * part->features[i]);
      seen.insert(part->features[i]);
    }
  }
  CHECK(seen ==
        std::multiset<double>(data.features.begin(), data.features.end()));
  // Shuffled: the test part is not simply the first or last quarter.
  CHECK(std::any_of(parts.test.features.begin(), parts.test.features.end(),
                    [](double id) { return id >= 25.0 && id < 75.0; }));
}

TEST_CASE("split is a function of the seed", "[data][split]") {
  const Dataset data = numbered_rows(50);
  const auto once = descent::split(data, 0.2, 7);
  const auto again = descent::split(data, 0.2, 7);
  const auto other = descent::split(data, 0.2, 8);
  CHECK(once.test.features == again.test.features);
  CHECK(once.train.features == again.train.features);
  CHECK(once.test.features != other.test.features);
}

TEST_CASE("split keeps at least one row per part and rejects bad fractions",
          "[data][split][errors]") {
  CHECK(descent::split(numbered_rows(10), 0.01, 1).test.rows == 1);
  CHECK(descent::split(numbered_rows(10), 0.99, 1).train.rows == 1);
  CHECK_THROWS_AS(descent::split(numbered_rows(10), 0.0, 1),
                  descent::InputError);
  CHECK_THROWS_AS(descent::split(numbered_rows(10), 1.0, 1),
                  descent::InputError);
  CHECK_THROWS_AS(descent::split(numbered_rows(10), std::nan(""), 1),
                  descent::InputError);
  CHECK_THROWS_AS(descent::split(numbered_rows(1), 0.5, 1),
                  descent::InputError);
}

// ---- Synthetic data ---------------------------------------------------------

TEST_CASE("make_linear_regression is a function of the seed",
          "[data][synthetic]") {
  const Dataset once = descent::make_linear_regression(50, 3, 0.1, 5);
  const Dataset again = descent::make_linear_regression(50, 3, 0.1, 5);
  const Dataset other = descent::make_linear_regression(50, 3, 0.1, 6);
  CHECK(once.features == again.features);
  CHECK(once.targets == again.targets);
  CHECK(once.features != other.features);
  // The noise has its own stream: more noise moves y, not x.
  const Dataset noisier = descent::make_linear_regression(50, 3, 0.5, 5);
  CHECK(noisier.features == once.features);
  CHECK(noisier.targets != once.targets);
}

TEST_CASE("least squares on make_linear_regression recovers the truth",
          "[data][synthetic]") {
  const std::size_t rows = 4000;
  const std::size_t d = 4;
  const double noise = 0.1;
  const Dataset data = descent::make_linear_regression(rows, d, noise, 11);
  const descent::LinearTruth truth = descent::linear_regression_truth(d, 11);
  REQUIRE(data.features.size() == rows * d);
  REQUIRE(data.targets.size() == rows);

  Eigen::MatrixXd x(rows, d + 1);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t f = 0; f < d; ++f) {
      x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(f)) =
          data.features[r * d + f];
    }
    x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(d)) = 1.0;
  }
  const Eigen::Map<const Eigen::VectorXd> y(data.targets.data(),
                                            static_cast<Eigen::Index>(rows));
  const Eigen::VectorXd fit = x.colPivHouseholderQr().solve(y);
  // The standard error of each coefficient is about noise / sqrt(rows)
  // = 0.0016; 0.01 is six of them.
  for (std::size_t f = 0; f < d; ++f) {
    CHECK(fit(static_cast<Eigen::Index>(f)) ==
          Approx(truth.weights[f]).margin(0.01));
  }
  CHECK(fit(static_cast<Eigen::Index>(d)) == Approx(truth.bias).margin(0.01));
  const double residual_rms =
      (x * fit - y).norm() / std::sqrt(static_cast<double>(rows));
  CHECK(residual_rms == Approx(noise).epsilon(0.05));
  // x ~ N(0, 1): the sample variance of a column is close to 1.
  CHECK(x.col(0).squaredNorm() / static_cast<double>(rows) ==
        Approx(1.0).epsilon(0.1));
}

TEST_CASE("make_blobs: balanced labels, tight clusters around centers",
          "[data][synthetic]") {
  const std::size_t rows = 3000;
  const std::size_t d = 5;
  const std::size_t k = 3;
  const double spread = 0.05;
  const Dataset data = descent::make_blobs(rows, d, k, spread, 3);
  CHECK(data.n_classes == k);
  CHECK(data.n_targets == 1);
  REQUIRE(data.targets.size() == rows);
  REQUIRE(data.features.size() == rows * d);

  std::vector<std::size_t> count(k, 0);
  std::vector<double> sum(k * d, 0.0);
  std::vector<double> sum_sq(k * d, 0.0);
  for (std::size_t r = 0; r < rows; ++r) {
    const double label = data.targets[r];
    REQUIRE(label == std::floor(label));
    REQUIRE(label >= 0.0);
    REQUIRE(label < static_cast<double>(k));
    const auto c = static_cast<std::size_t>(label);
    ++count[c];
    for (std::size_t f = 0; f < d; ++f) {
      const double v = data.features[r * d + f];
      sum[c * d + f] += v;
      sum_sq[c * d + f] += v * v;
    }
  }
  for (std::size_t c = 0; c < k; ++c) {
    CHECK(count[c] == rows / k);
    const auto n = static_cast<double>(count[c]);
    for (std::size_t f = 0; f < d; ++f) {
      const double mean = sum[c * d + f] / n;
      CHECK(std::abs(mean) <= 10.0 + spread);  // centers lie in [-10, 10]
      const double sd = std::sqrt(sum_sq[c * d + f] / n - mean * mean);
      CHECK(sd == Approx(spread).epsilon(0.1));
    }
  }
  // Centers uniform in a 20-wide box sit far apart next to a 0.05 spread.
  for (std::size_t a = 0; a < k; ++a) {
    for (std::size_t b = a + 1; b < k; ++b) {
      double distance_sq = 0.0;
      for (std::size_t f = 0; f < d; ++f) {
        const double gap =
            (sum[a * d + f] - sum[b * d + f]) / static_cast<double>(rows / k);
        distance_sq += gap * gap;
      }
      CHECK(std::sqrt(distance_sq) > 20.0 * spread);
    }
  }
}

TEST_CASE("make_blobs is a function of the seed", "[data][synthetic]") {
  const Dataset once = descent::make_blobs(30, 2, 3, 1.0, 9);
  CHECK(descent::make_blobs(30, 2, 3, 1.0, 9).features == once.features);
  CHECK(descent::make_blobs(30, 2, 3, 1.0, 10).features != once.features);
}

TEST_CASE("the generators reject impossible shapes", "[data][synthetic]") {
  CHECK_THROWS_AS(descent::make_linear_regression(0, 3, 0.1, 1),
                  descent::InputError);
  CHECK_THROWS_AS(descent::make_linear_regression(10, 0, 0.1, 1),
                  descent::InputError);
  CHECK_THROWS_AS(descent::make_linear_regression(10, 3, -1.0, 1),
                  descent::InputError);
  CHECK_THROWS_AS(descent::make_blobs(10, 2, 0, 1.0, 1), descent::InputError);
  CHECK_THROWS_AS(descent::make_blobs(2, 2, 3, 1.0, 1), descent::InputError);
  CHECK_THROWS_AS(descent::make_blobs(10, 2, 3, INFINITY, 1),
                  descent::InputError);
}
