// descent plot — reading what run, sweep and lr-find folders hold.
#include "plot_internal.hpp"

#include <descent/errors.hpp>
#include <descent/text_file.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>

namespace descent::plot::detail {

namespace {

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> cells;
  std::string cell;
  for (char c : line) {
    if (c == separator) {
      cells.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  cells.push_back(cell);
  return cells;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

double parse_cell(const std::string& cell) {
  char* end = nullptr;
  const double value = std::strtod(cell.c_str(), &end);
  const bool whole = !cell.empty() && end != nullptr && *end == '\0';
  return whole ? value : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

std::optional<std::size_t> Table::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return std::nullopt;
}

std::vector<double> Table::values(std::string_view name) const {
  const auto c = column(name);
  std::vector<double> out;
  for (const auto& r : rows)
    out.push_back(
        c && *c < r.size() ? r[*c] : std::numeric_limits<double>::quiet_NaN());
  return out;
}

Table read_table(const fs::path& file) {
  std::istringstream in(read_text_file(file));
  Table table;
  std::string line;
  if (!std::getline(in, line)) throw InputError(file.string() + ": empty");
  table.header = split(line, ',');
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<double> row;
    for (const std::string& cell : split(line, ','))
      row.push_back(parse_cell(cell));
    table.rows.push_back(std::move(row));
  }
  return table;
}

Ini read_ini(const fs::path& file) {
  std::istringstream in(read_text_file(file));
  Ini ini;
  std::string section, line;
  while (std::getline(in, line)) {
    const std::string text = trim(line.substr(0, line.find_first_of(";#")));
    if (text.empty()) continue;
    if (text.front() == '[' && text.back() == ']') {
      section = trim(std::string_view(text).substr(1, text.size() - 2));
      continue;
    }
    const auto eq = text.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = trim(std::string_view(text).substr(0, eq));
    ini.emplace_back(section.empty() ? key : section + "." + key,
                     trim(std::string_view(text).substr(eq + 1)));
  }
  return ini;
}

std::string ini_value(const Ini& ini, std::string_view key,
                      std::string_view fallback) {
  for (const auto& [k, v] : ini)
    if (k == key) return v;
  return std::string(fallback);
}

nlohmann::json read_json(const fs::path& file) {
  try {
    return nlohmann::json::parse(read_text_file(file));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.string() + ": not JSON (" + e.what() + ")");
  }
}

std::vector<nlohmann::json> read_jsonl(const fs::path& file) {
  std::istringstream in(read_text_file(file));
  std::vector<nlohmann::json> records;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: a torn write
    try {
      records.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
      break;
    }
  }
  return records;
}

namespace {

// Keys every config has and whose values are not all equal, in the first
// config's order. The seed is left out unless it is all that differs: it
// labels nothing a reader cares about.
std::vector<std::string> differing_keys(const std::vector<Ini>& configs) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : configs.front()) {
    bool everywhere = true, differs = false;
    for (const Ini& c : configs) {
      // Init-capture: clang 14 cannot capture a structured binding.
      const auto it =
          std::find_if(c.begin(), c.end(),
                       [&k = key](const auto& kv) { return kv.first == k; });
      if (it == c.end())
        everywhere = false;
      else if (it->second != value)
        differs = true;
    }
    if (everywhere && differs) keys.push_back(key);
  }
  if (keys.size() > 1) std::erase(keys, std::string("experiment.seed"));
  return keys;
}

// "optimizer.name" shows as its value ("adam"); others as "lr=0.01".
std::string label_part(const std::string& key, const std::string& value) {
  const auto dot = key.rfind('.');
  const std::string short_key =
      dot == std::string::npos ? key : key.substr(dot + 1);
  return short_key == "name" ? value : short_key + "=" + value;
}

}  // namespace

std::vector<std::string> distinguishing_labels(
    const std::vector<Ini>& configs, const std::vector<fs::path>& dirs) {
  const std::vector<std::string> keys =
      configs.size() > 1 ? differing_keys(configs) : std::vector<std::string>{};
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    std::string label;
    for (const std::string& key : keys)
      label += (label.empty() ? "" : ", ") +
               label_part(key, ini_value(configs[i], key));
    labels.push_back(label.empty() ? dirs[i].filename().string() : label);
  }
  return labels;
}

std::string experiment_names(const std::vector<Ini>& configs) {
  std::vector<std::string> names;
  for (const Ini& c : configs) {
    const std::string name = ini_value(c, "experiment.name", "experiment");
    if (std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(name);
  }
  std::string text;
  for (const std::string& name : names)
    text += (text.empty() ? "" : " vs ") + name;
  return text;
}

}  // namespace descent::plot::detail
