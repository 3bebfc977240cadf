#include <descent/errors.hpp>
#include <descent/sdk/hparams.hpp>
#include <descent/settings.hpp>
#include <descent/text_file.hpp>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace descent {
namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace {

std::string read_whole_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw InputError(file.string() + ": experiment file does not exist");
  if (fs::is_directory(file, ec))
    throw InputError(file.string() +
                     ": is a folder, expected an INI experiment file");
  return read_text_file(file);
}

// Boost.Program_options quotes the offending line; keep messages one short
// printable line even for binary garbage.
std::string printable(std::string_view text, std::size_t limit = 60) {
  std::string out;
  for (char c : text.substr(0, limit)) out += (c >= 32 && c < 127) ? c : '?';
  if (text.size() > limit) out += "...";
  return out;
}

void check_is_text(const fs::path& file, const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw InputError(file.string() +
                     ": empty experiment file; expected INI sections such as "
                     "[model] name = softmax");
  if (text.find('\0') != std::string::npos)
    throw InputError(file.string() +
                     ": binary data; expected an INI experiment file");
}

bool parse_double(std::string_view text, double& out) {
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() &&
         std::isfinite(out);
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::string format_number(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("nan");
}

std::string describe_option_error(const po::error& e, std::string_view input) {
  if (input.find('%') == std::string_view::npos) return e.what();
  if (const auto* line =
          dynamic_cast<const po::invalid_config_file_syntax*>(&e))
    return "invalid line '" + printable(line->tokens(), 120) + "'";
  if (const auto* named = dynamic_cast<const po::error_with_option_name*>(&e))
    return "invalid option or value at '" +
           printable(named->get_option_name(), 120) + "'";
  return e.what();  // no placeholders outside error_with_option_name
}

Settings Settings::load(const fs::path& file,
                        const std::vector<std::string>& overrides) {
  Settings s;
  s.file_ = file;
  const std::string text = read_whole_file(file);
  check_is_text(file, text);
  std::istringstream stream(text);
  po::parsed_options parsed(nullptr);
  try {
    const po::options_description none;
    parsed = po::parse_config_file(stream, none, /*allow_unregistered=*/true);
  } catch (const po::error& e) {
    throw InputError(file.string() + ": not a valid INI file: " +
                     printable(describe_option_error(e, text), 120));
  }
  for (const po::option& option : parsed.options) {
    if (option.string_key.find('.') == std::string::npos)
      throw InputError(file.string() + ": key '" +
                       printable(option.string_key) +
                       "' is outside any [section]");
    const std::string value =
        option.value.empty() ? std::string() : trim(option.value.front());
    if (!s.entries_
             .emplace(option.string_key,
                      Entry{value, file.string(), false, s.entries_.size()})
             .second)
      throw InputError(file.string() + ": duplicated key '" +
                       option.string_key + "'");
  }
  for (const std::string& item : overrides) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 ||
        item.find('.') == std::string::npos)
      throw InputError("command line: '--" + printable(item) +
                       "': expected --section.key=value");
    const std::string key = item.substr(0, eq);
    const auto known = s.entries_.find(key);
    const std::size_t order =
        known != s.entries_.end() ? known->second.order : s.entries_.size();
    s.entries_[key] =
        Entry{trim(item.substr(eq + 1)), "command line", false, order};
  }
  return s;
}

Settings Settings::from_pairs(
    const std::vector<std::pair<std::string, std::string>>& pairs,
    std::string origin) {
  Settings s;
  for (const auto& [key, value] : pairs)
    s.entries_[key] = Entry{value, origin, false, s.entries_.size()};
  return s;
}

const Settings::Entry* Settings::find(std::string_view key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

Settings::Entry* Settings::find(std::string_view key) {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

bool Settings::has(std::string_view key) const { return find(key) != nullptr; }

std::string Settings::where(std::string_view key) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::string(key);
  return e->origin + ": " + std::string(key) + " = '" + printable(e->value) +
         "'";
}

std::string Settings::origin(std::string_view key) const {
  const Entry* e = find(key);
  return e != nullptr ? e->origin : file_.string();
}

void Settings::bad(std::string_view key, const std::string& expected) const {
  throw InputError(where(key) + ": expected " + expected);
}

void Settings::record(std::string_view key, std::string value) {
  for (auto& [k, v] : resolved_)
    if (k == key) {
      v = std::move(value);
      return;
    }
  resolved_.emplace_back(std::string(key), std::move(value));
}

std::vector<std::pair<std::string, std::string>> Settings::take_prefix(
    std::string_view prefix) {
  std::vector<std::pair<std::size_t, std::pair<std::string, std::string>>>
      found;
  for (auto& [key, entry] : entries_)
    if (key.rfind(prefix, 0) == 0) {
      entry.read = true;
      found.push_back({entry.order, {key, entry.value}});
    }
  std::sort(found.begin(), found.end());
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& item : found) out.push_back(std::move(item.second));
  return out;
}

void Settings::set(const std::string& key, std::string value,
                   std::string origin) {
  const auto known = entries_.find(key);
  const std::size_t order =
      known != entries_.end() ? known->second.order : entries_.size();
  entries_[key] = Entry{std::move(value), std::move(origin), false, order};
}

std::optional<std::string> Settings::take(std::string_view key) {
  Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  e->read = true;
  return e->value;
}

std::string Settings::text(std::string_view key, std::string_view fallback) {
  std::string value = take(key).value_or(std::string(fallback));
  record(key, value);
  return value;
}

std::string Settings::required_text(std::string_view key) {
  auto value = take(key);
  if (!value || value->empty()) {
    const std::string origin = file_.empty() ? "settings" : file_.string();
    throw InputError(origin + ": missing key '" + std::string(key) + "'");
  }
  record(key, *value);
  return *value;
}

double Settings::real(std::string_view key, double fallback, double min,
                      double max) {
  double value = fallback;
  if (auto text = take(key); text && !parse_double(*text, value))
    bad(key, "a finite number");
  if (value < min || value > max)
    bad(key, "a number in " + sdk::interval_text(min, max));
  record(key, format_number(value));
  return value;
}

std::int64_t Settings::integer(std::string_view key, std::int64_t fallback,
                               std::int64_t min, std::int64_t max) {
  std::int64_t value = fallback;
  if (auto text = take(key)) {
    const auto [end, ec] =
        std::from_chars(text->data(), text->data() + text->size(), value);
    if (text->empty() || ec != std::errc() ||
        end != text->data() + text->size())
      bad(key, "an integer");
  }
  if (value < min || value > max)
    bad(key, "an integer in [" + std::to_string(min) + ", " +
                 std::to_string(max) + "]");
  record(key, std::to_string(value));
  return value;
}

std::uint64_t Settings::seed(std::string_view key, std::uint64_t fallback) {
  std::uint64_t value = fallback;
  if (auto text = take(key)) {
    const auto [end, ec] =
        std::from_chars(text->data(), text->data() + text->size(), value);
    if (text->empty() || ec != std::errc() ||
        end != text->data() + text->size())
      bad(key, "a non-negative integer seed");
  }
  record(key, std::to_string(value));
  return value;
}

std::filesystem::path Settings::path(std::string_view key,
                                     std::string_view fallback) {
  const Entry* e = find(key);
  fs::path value(take(key).value_or(std::string(fallback)));
  // A relative path in a file means "next to that file"; on the command
  // line it means "from here". Recorded absolute, so the run's config.ini
  // works from anywhere.
  if (value.is_relative() && !value.empty()) {
    const bool from_file = e != nullptr && e->origin == file_.string();
    value =
        (from_file ? fs::absolute(file_).parent_path() : fs::current_path()) /
        value;
  }
  value = value.lexically_normal();
  record(key, value.string());
  return value;
}

bool Settings::flag(std::string_view key, bool fallback) {
  bool value = fallback;
  if (auto text = take(key)) {
    if (*text == "true" || *text == "1" || *text == "yes" || *text == "on")
      value = true;
    else if (*text == "false" || *text == "0" || *text == "no" ||
             *text == "off")
      value = false;
    else
      bad(key, "true or false");
  }
  record(key, value ? "true" : "false");
  return value;
}

std::string Settings::choice(std::string_view key, std::string_view fallback,
                             std::span<const std::string_view> allowed) {
  const std::string value = take(key).value_or(std::string(fallback));
  for (std::string_view a : allowed)
    if (value == a) {
      record(key, value);
      return value;
    }
  std::string list;
  for (std::string_view a : allowed)
    list += (list.empty() ? "" : ", ") + std::string(a);
  bad(key, "one of: " + list);
}

void Settings::reject_unread(std::span<const std::string> hints) const {
  for (const auto& [key, entry] : entries_) {
    if (entry.read) continue;
    const std::string section = key.substr(0, key.find('.'));
    std::string valid;
    for (const std::string& h : hints)
      if (h.rfind(section + ".", 0) == 0)
        valid += (valid.empty() ? "" : ", ") + h;
    throw InputError(entry.origin + ": unknown key '" + printable(key) + "'" +
                     (valid.empty()
                          ? " (unknown section '" + printable(section) + "')"
                          : " (valid here: " + valid + ")"));
  }
}

std::string to_ini(const std::vector<std::pair<std::string, std::string>>& kv,
                   std::string_view header_comment) {
  std::ostringstream out;
  out << header_comment;
  std::vector<std::string> sections;
  for (const auto& [key, value] : kv) {
    const std::string section = key.substr(0, key.find('.'));
    if (std::find(sections.begin(), sections.end(), section) == sections.end())
      sections.push_back(section);
  }
  for (const std::string& section : sections) {
    out << "\n[" << section << "]\n";
    for (const auto& [key, value] : kv)
      if (key.substr(0, key.find('.')) == section)
        out << key.substr(section.size() + 1) << " = " << value << "\n";
  }
  return out.str();
}

}  // namespace descent
