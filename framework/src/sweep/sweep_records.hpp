// descent sweep (internal) — the files a sweep keeps: trials.jsonl
// (appended and fsync'd per trial, so a killed sweep loses nothing
// finished) and the ranking written into summary.json.
#pragma once

#include <descent/sweep.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <vector>

namespace descent::sweep {

class TrialsLog {
 public:
  // Opens `file` for appending. Reading first drops a torn last line (a
  // sweep killed mid-write), so the file holds whole records only.
  explicit TrialsLog(const std::filesystem::path& file);
  ~TrialsLog();
  TrialsLog(const TrialsLog&) = delete;
  TrialsLog& operator=(const TrialsLog&) = delete;

  // The whole records already in the file, in file order.
  const std::vector<nlohmann::json>& existing() const { return existing_; }
  std::set<std::uint64_t> finished_ids() const;
  // Appends one record as one line, then fsyncs. Thread-safe.
  void append(const nlohmann::json& record);

 private:
  std::FILE* out_ = nullptr;
  std::mutex mutex_;
  std::vector<nlohmann::json> existing_;
};

// The whole records of a trials.jsonl, in file order, without changing
// the file (a torn last line is left out); none if there is no file.
std::vector<nlohmann::json> read_records(const std::filesystem::path& file);

// summary.json's content from every trial record.
nlohmann::json summarize(const SweepSpec& spec,
                         std::vector<nlohmann::json> records);

// The search trial whose configuration ranks first, or nullptr.
const nlohmann::json* best_search_record(
    const SweepSpec& spec, const std::vector<nlohmann::json>& records);

}  // namespace descent::sweep
