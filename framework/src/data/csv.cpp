// Numeric CSV reader: one target column, the other columns features.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/data.hpp"
#include "descent/errors.hpp"
#include "file_bytes.hpp"

namespace descent {
namespace fs = std::filesystem;

namespace {

// A cell as it may appear in a one-line message: control bytes become '?'
// (a bad file must not clear the user's terminal), long cells are cut.
std::string quoted(std::string_view cell) {
  std::string out;
  for (char c : cell.substr(0, 40))
    out += (static_cast<unsigned char>(c) < 32 || c == 127) ? '?' : c;
  if (cell.size() > 40) out += "...";
  return "'" + out + "'";
}

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw InputError(data_detail::describe(file, what));
}

// A class index above this is surely a wrong target column (a price, an id),
// not a class: it would size an output layer with millions of units.
constexpr double kMaxClassIndex = 1'000'000;

struct Line {
  std::size_t number;  // 1-based, as an editor shows it
  std::string_view text;
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view strip_utf8_bom(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  return text;
}

// The non-blank lines, without their LF or CRLF ending.
std::vector<Line> content_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (!trim(line).empty()) lines.push_back({number, line});
  }
  return lines;
}

void split_cells(std::string_view line, char delimiter,
                 std::vector<std::string_view>& cells) {
  cells.clear();
  for (;;) {
    const std::size_t end = line.find(delimiter);
    cells.push_back(trim(line.substr(0, end)));
    if (end == std::string_view::npos) return;
    line.remove_prefix(end + 1);
  }
}

// The whole cell as a number (nan and inf included), or nothing.
std::optional<double> parse_number(std::string_view cell) {
  // from_chars rejects a leading '+', which spreadsheets do write.
  if (cell.starts_with('+') && cell.size() > 1 && cell[1] != '-' &&
      cell[1] != '+') {
    cell.remove_prefix(1);
  }
  double value = 0.0;
  const auto [end, error] =
      std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (error != std::errc() || end != cell.data() + cell.size()) {
    return std::nullopt;
  }
  return value;
}

bool looks_like_header(const std::vector<std::string_view>& cells) {
  for (std::string_view cell : cells) {
    if (!parse_number(cell)) return true;
  }
  return false;
}

std::string unquote(std::string_view name) {
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  return std::string(name);
}

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text;
}

std::size_t target_column(const fs::path& file, const CsvOptions& options,
                          const std::vector<std::string>& header,
                          std::size_t columns) {
  if (options.target_name) {
    if (header.empty()) {
      fail(file, "target column '" + *options.target_name +
                     "' is given by name but the file has no header row");
    }
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (header[c] == *options.target_name) return c;
    }
    fail(file, "no column named '" + *options.target_name +
                   "'; the header has: " + join_names(header));
  }
  if (options.target_index) {
    if (*options.target_index >= columns) {
      fail(file, "target column index " +
                     std::to_string(*options.target_index) +
                     " is out of range: the file has " +
                     std::to_string(columns) + " columns (0-based indices)");
    }
    return *options.target_index;
  }
  return columns - 1;
}

// Everything about the table that the first line decides.
struct Layout {
  std::size_t columns = 0;
  std::size_t target = 0;
  std::size_t first_line = 0;  // the line that set the column count
  bool has_header = false;
};

Layout read_layout(const fs::path& file, const CsvOptions& options,
                   const Line& first, std::vector<std::string_view>& cells) {
  split_cells(first.text, options.delimiter, cells);
  Layout layout;
  layout.columns = cells.size();
  layout.first_line = first.number;
  layout.has_header =
      options.header == CsvHeader::present ||
      (options.header == CsvHeader::autodetect && looks_like_header(cells));
  if (layout.columns < 2) {
    fail(file, "line " + std::to_string(first.number) +
                   ": expected at least 2 columns (features and a target), "
                   "found 1; is the delimiter '" +
                   std::string(1, options.delimiter) + "' right?");
  }
  std::vector<std::string> header;
  if (layout.has_header) {
    for (std::string_view cell : cells) header.push_back(unquote(cell));
  }
  layout.target = target_column(file, options, header, layout.columns);
  return layout;
}

std::string where(std::size_t line, std::size_t column) {
  return "line " + std::to_string(line) + ", column " +
         std::to_string(column + 1);
}

double parse_cell(const fs::path& file, std::string_view cell, std::size_t line,
                  std::size_t column) {
  const std::optional<double> value = parse_number(cell);
  if (!value) {
    fail(file, where(line, column) + ": " + quoted(cell) + " is not a number");
  }
  if (!std::isfinite(*value)) {
    fail(file,
         where(line, column) + ": " + quoted(cell) + " is not a finite number");
  }
  return *value;
}

void check_class_index(const fs::path& file, double value, std::size_t line,
                       std::size_t column) {
  if (value < 0 || value != std::floor(value) || value > kMaxClassIndex) {
    fail(file, where(line, column) + ": class label " + std::to_string(value) +
                   " is not a class index (expected an integer from 0 to " +
                   std::to_string(static_cast<long>(kMaxClassIndex)) + ")");
  }
}

void append_row(const fs::path& file, const CsvOptions& options,
                const Layout& layout, const Line& line,
                std::vector<std::string_view>& cells, Dataset& data) {
  split_cells(line.text, options.delimiter, cells);
  if (cells.size() != layout.columns) {
    fail(file, "line " + std::to_string(line.number) + ": expected " +
                   std::to_string(layout.columns) + " columns (as in line " +
                   std::to_string(layout.first_line) + "), found " +
                   std::to_string(cells.size()));
  }
  for (std::size_t c = 0; c < cells.size(); ++c) {
    const double value = parse_cell(file, cells[c], line.number, c);
    if (c != layout.target) {
      data.features.push_back(value);
    } else {
      if (options.classification) {
        check_class_index(file, value, line.number, c);
      }
      data.targets.push_back(value);
    }
  }
  ++data.rows;
}

std::size_t class_count(const std::vector<double>& targets) {
  double max_label = 0;
  for (double label : targets) max_label = std::max(max_label, label);
  return static_cast<std::size_t>(max_label) + 1;
}

}  // namespace

Dataset read_csv(const fs::path& file, const CsvOptions& options) {
  if (options.target_name && options.target_index) {
    fail(file, "the target column is given both by name ('" +
                   *options.target_name + "') and by index (" +
                   std::to_string(*options.target_index) + "); give one");
  }
  const SharedBytes bytes = data_detail::read_data_file(file);
  const std::string_view text = strip_utf8_bom(std::string_view(
      reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  const std::vector<Line> lines = content_lines(text);
  if (lines.empty()) fail(file, "empty: expected CSV rows of numbers");

  std::vector<std::string_view> cells;
  const Layout layout = read_layout(file, options, lines.front(), cells);
  const std::size_t first_row = layout.has_header ? 1 : 0;
  if (first_row == lines.size()) {
    fail(file, "has a header but no data rows");
  }

  Dataset data;
  data.n_features = layout.columns - 1;
  data.n_targets = 1;
  data.features.reserve((lines.size() - first_row) * data.n_features);
  data.targets.reserve(lines.size() - first_row);
  for (std::size_t i = first_row; i < lines.size(); ++i) {
    append_row(file, options, layout, lines[i], cells, data);
  }
  if (options.classification) data.n_classes = class_count(data.targets);
  data.sources.push_back(file);
  return data;
}

}  // namespace descent
