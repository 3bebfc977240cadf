// ABI stability, as the host sees it: plugins built against the frozen v1.0
// headers, against a simulated later minor version (1.2, which this 1.1 host
// does not know), with the pre-C++11 libstdc++ string ABI and with clang++
// all load into the g++-built host's Registry and work through its Optimizer
// handles; their state blobs move between builds; each exports only its
// entry symbol; and a thousand load/unload cycles leave memory and file
// descriptors flat.
//
// The numeric agreement of whole reports (every built-in plugin, g++ host vs
// clang++ host) is checked by abi_probe and compare_probes.cmake; the
// `descent check-plugin` runs are CTest commands. See CMakeLists.txt.
#include <descent/abi/descent.h>
#include <descent/instances.hpp>
#include <descent/registry.hpp>

#include <catch2/catch.hpp>

#include <elf.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

// C against v1.0 headers: an optimizer and a model (test_abi_model.cpp).
const fs::path kFrozen = ABI_TEST_FROZEN_PLUGIN;
const fs::path kFrozenLinear = ABI_TEST_FROZEN_LINEAR_PLUGIN;
// C against the simulated 1.2 headers.
const fs::path kLaterMinor = ABI_TEST_LATER_MINOR_PLUGIN;
const fs::path kGcc = ABI_TEST_GCC_PLUGIN;         // SDK, g++
const fs::path kOldAbi = ABI_TEST_OLD_ABI_PLUGIN;  // SDK, g++, old std::string
#ifdef ABI_TEST_CLANG_PLUGIN
const fs::path kClang = ABI_TEST_CLANG_PLUGIN;  // SDK, clang++
#endif
const fs::path kPluginDir = DESCENT_TEST_PLUGIN_DIR;

// The size of descent_optimizer_api in ABI 1.0 (pinned by abi_layout).
constexpr std::uint32_t kOptimizerApiV1_0 = 88;

// A registry holding just `file`, which must load without a diagnostic.
std::unique_ptr<descent::Registry> load_alone(const fs::path& file) {
  auto registry = std::make_unique<descent::Registry>();
  const bool loaded = registry->load_file(file);
  std::string why;
  for (const auto& d : registry->diagnostics())
    why += d.file.string() + ": " + d.reason + "\n";
  INFO(file.string() << "\n" << why);
  REQUIRE(loaded);
  REQUIRE(registry->diagnostics().empty());
  return registry;
}

const descent::Component& only_optimizer(const descent::Registry& registry) {
  const auto optimizers = registry.of_kind(DESCENT_KIND_OPTIMIZER);
  REQUIRE(optimizers.size() == 1);
  return *optimizers.front();
}

// Heavy-ball momentum with the defaults of every test plugin (lr 0.01,
// beta 0.9), computed here: v <- 0.9 v + g; w <- w - 0.01 v.
std::vector<double> expected_momentum(std::vector<double> w,
                                      const std::vector<double>& g, int steps) {
  std::vector<double> v(w.size(), 0.0);
  for (int t = 0; t < steps; ++t)
    for (std::size_t i = 0; i < w.size(); ++i) {
      v[i] = 0.9 * v[i] + g[i];
      w[i] = w[i] - 0.01 * v[i];
    }
  return w;
}

// `steps` host-driven f64 steps with a constant gradient through the host's
// Optimizer handle; returns the parameters.
std::vector<double> run(const descent::Component& component, int steps,
                        std::vector<double> w, const std::vector<double>& g) {
  descent::Optimizer optimizer(component,
                               descent::default_hparams(*component.descriptor),
                               w.size(), DESCENT_DTYPE_F64);
  for (int t = 1; t <= steps; ++t)
    optimizer.step(std::span<double>(w), std::span<const double>(g), 0.01,
                   static_cast<std::uint64_t>(t));
  return w;
}

const std::vector<double> kW0 = {1.0, -2.0, 0.5, 3.0, -0.25};
const std::vector<double> kGrad = {0.5, -1.0, 2.0, 0.125, -3.0};

}  // namespace

// ---- frozen v1.0 headers and a simulated later minor ----------------------

TEST_CASE("a plugin built against the frozen v1.0 headers loads and works",
          "[abi][frozen]") {
  const auto registry = load_alone(kFrozen);
  const descent::Component& c = only_optimizer(*registry);
  CHECK(c.name() == "frozen_momentum");
  CHECK(c.abi_version.major == 1);
  CHECK(c.abi_version.minor == 0);
  CHECK(c.optimizer->struct_size == kOptimizerApiV1_0);
  CHECK(run(c, 4, kW0, kGrad) == expected_momentum(kW0, kGrad, 4));
}

TEST_CASE(
    "a plugin from a later minor ABI with a grown api struct loads and "
    "is used through its v1.0 prefix",
    "[abi][frozen][minor]") {
  const auto registry = load_alone(kLaterMinor);
  const descent::Component& c = only_optimizer(*registry);
  CHECK(c.name() == "frozen_momentum");
  CHECK(c.abi_version.major == 1);
  // Simulated 1.2: newer than this host, so the test covers a minor version
  // the host cannot know about.
  CHECK(c.abi_version.minor == 2);
  CHECK(c.abi_version.minor > DESCENT_ABI_VERSION_MINOR);
  // The struct really grew by one function pointer, which this host does
  // not know about and never calls; the plugin did fill it in.
  REQUIRE(c.optimizer->struct_size == kOptimizerApiV1_0 + sizeof(void*));
  using Extra = std::uint64_t (*)(const descent_optimizer*);
  Extra extra = nullptr;
  std::memcpy(
      &extra,
      reinterpret_cast<const unsigned char*>(c.optimizer) + kOptimizerApiV1_0,
      sizeof extra);
  REQUIRE(extra != nullptr);
  CHECK(extra(nullptr) == sizeof(double));

  CHECK(run(c, 4, kW0, kGrad) == expected_momentum(kW0, kGrad, 4));
  // Same source, other headers: the same numbers as the v1.0 build.
  const auto frozen = load_alone(kFrozen);
  CHECK(run(c, 7, kW0, kGrad) == run(only_optimizer(*frozen), 7, kW0, kGrad));
}

// ---- state blobs move between builds ---------------------------------------

namespace {

// Steps 1..3 in `from`, saves; loads the blob into a fresh instance of `to`;
// steps 4..6 in both must then give the same parameters.
void check_blob_moves(const fs::path& from, const fs::path& to) {
  INFO(from.string() << " -> " << to.string());
  const auto reg_from = load_alone(from);
  const auto reg_to = load_alone(to);
  const descent::Component& a = only_optimizer(*reg_from);
  const descent::Component& b = only_optimizer(*reg_to);
  REQUIRE(a.name() == b.name());
  const auto hp = [](const descent::Component& c) {
    return descent::default_hparams(*c.descriptor);
  };
  descent::Optimizer x(a, hp(a), kW0.size(), DESCENT_DTYPE_F64);
  descent::Optimizer y(b, hp(b), kW0.size(), DESCENT_DTYPE_F64);
  std::vector<double> wx = kW0;
  for (std::uint64_t t = 1; t <= 3; ++t)
    x.step(std::span<double>(wx), std::span<const double>(kGrad), 0.01, t);
  y.load_state(x.save_state());
  CHECK(y.save_state() == x.save_state());
  std::vector<double> wy = wx;
  for (std::uint64_t t = 4; t <= 6; ++t) {
    x.step(std::span<double>(wx), std::span<const double>(kGrad), 0.01, t);
    y.step(std::span<double>(wy), std::span<const double>(kGrad), 0.01, t);
  }
  CHECK(wx == wy);
  CHECK(wx == expected_momentum(kW0, kGrad, 6));
}

}  // namespace

TEST_CASE("state blobs move between the v1.0 and the later-minor build",
          "[abi][frozen][state]") {
  check_blob_moves(kFrozen, kLaterMinor);
  check_blob_moves(kLaterMinor, kFrozen);
}

TEST_CASE("state blobs move between the new and the old libstdc++ ABI builds",
          "[abi][cxx11abi][state]") {
  check_blob_moves(kGcc, kOldAbi);
  check_blob_moves(kOldAbi, kGcc);
}

#ifdef ABI_TEST_CLANG_PLUGIN
TEST_CASE("state blobs move between the g++ and the clang++ builds",
          "[abi][clang][state]") {
  check_blob_moves(kGcc, kClang);
  check_blob_moves(kClang, kGcc);
}
#endif

// ---- the old libstdc++ string ABI
// --------------------------------------------

namespace {

// Every symbol name in the library's full symbol table (.symtab, local ones
// included), read with nm.
std::vector<std::string> all_symbols(const fs::path& library) {
  const std::string command =
      std::string(DESCENT_TEST_NM) + " '" + library.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  INFO(command << "\n" << output);
  REQUIRE(status == 0);
  std::vector<std::string> names;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    const auto space = line.rfind(' ');
    if (space != std::string::npos) names.push_back(line.substr(space + 1));
  }
  return names;
}

std::size_t count_containing(const std::vector<std::string>& names,
                             const std::string& part) {
  std::size_t n = 0;
  for (const auto& name : names) n += name.find(part) != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE(
    "the -D_GLIBCXX_USE_CXX11_ABI=0 build really uses the old "
    "std::string, and works",
    "[abi][cxx11abi]") {
  // The mangled names of the C++11 std::string live in std::__cxx11; the
  // copy-on-write string of the old ABI is std::basic_string ("Ss").
  const auto normal = all_symbols(kGcc);
  const auto old = all_symbols(kOldAbi);
  CHECK(count_containing(normal, "St7__cxx11") > 0);
  CHECK(count_containing(old, "St7__cxx11") == 0);
  CHECK(count_containing(old, "_ZNSs") > 0);

  // Its error messages are old-ABI std::strings inside the plugin and reach
  // the host as const char*: a bad step becomes the host's RunError text.
  const auto registry = load_alone(kOldAbi);
  const descent::Component& c = only_optimizer(*registry);
  descent::Optimizer optimizer(c, descent::default_hparams(*c.descriptor), 5,
                               DESCENT_DTYPE_F64);
  std::vector<double> w(4, 1.0);
  const std::vector<double> g(4, 1.0);
  CHECK_THROWS_WITH(
      optimizer.step(std::span<double>(w), std::span<const double>(g), 0.01, 1),
      Catch::Contains("n = 4, instance was created for 5"));
  CHECK(run(c, 5, kW0, kGrad) == expected_momentum(kW0, kGrad, 5));
}

// ---- exports: the entry and nothing else
// --------------------------------------

namespace {

// Names of the symbols a shared library defines in its ELF dynamic symbol
// table (.dynsym), read from the file itself: global, weak and unique
// bindings with a section (not undefined). x86_64: ELF64, little-endian.
std::set<std::string> dynamic_exports(const fs::path& library) {
  std::ifstream in(library, std::ios::binary);
  REQUIRE(in);
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() >= sizeof(Elf64_Ehdr));
  Elf64_Ehdr header;
  std::memcpy(&header, bytes.data(), sizeof header);
  REQUIRE(std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0);
  REQUIRE(header.e_ident[EI_CLASS] == ELFCLASS64);
  REQUIRE(header.e_shentsize == sizeof(Elf64_Shdr));
  REQUIRE(header.e_shoff + header.e_shnum * sizeof(Elf64_Shdr) <= bytes.size());
  const auto section = [&](std::size_t i) {
    Elf64_Shdr s;
    std::memcpy(&s, bytes.data() + header.e_shoff + i * sizeof s, sizeof s);
    return s;
  };
  std::set<std::string> names;
  bool found = false;
  for (std::size_t i = 0; i < header.e_shnum; ++i) {
    const Elf64_Shdr dynsym = section(i);
    if (dynsym.sh_type != SHT_DYNSYM) continue;
    found = true;
    REQUIRE(dynsym.sh_entsize == sizeof(Elf64_Sym));
    REQUIRE(dynsym.sh_link < header.e_shnum);
    const Elf64_Shdr strtab = section(dynsym.sh_link);
    REQUIRE(dynsym.sh_offset + dynsym.sh_size <= bytes.size());
    REQUIRE(strtab.sh_offset + strtab.sh_size <= bytes.size());
    for (std::size_t k = 0; k < dynsym.sh_size / sizeof(Elf64_Sym); ++k) {
      Elf64_Sym sym;
      std::memcpy(&sym, bytes.data() + dynsym.sh_offset + k * sizeof sym,
                  sizeof sym);
      if (sym.st_shndx == SHN_UNDEF || ELF64_ST_BIND(sym.st_info) == STB_LOCAL)
        continue;
      REQUIRE(sym.st_name < strtab.sh_size);
      names.insert(bytes.data() + strtab.sh_offset + sym.st_name);
    }
  }
  REQUIRE(found);
  return names;
}

}  // namespace

TEST_CASE("every ABI test plugin exports only descent_entry",
          "[abi][visibility]") {
  // The built-in plugins are covered by sdk_optimizer_adapter (with nm);
  // these are the ones built here, by other compilers and headers.
  std::vector<fs::path> libraries = {kFrozen, kFrozenLinear, kLaterMinor, kGcc,
                                     kOldAbi};
#ifdef ABI_TEST_CLANG_PLUGIN
  libraries.push_back(kClang);
#endif
  for (const auto& library : libraries) {
    INFO(library.string());
    CHECK(dynamic_exports(library) ==
          std::set<std::string>{DESCENT_ENTRY_SYMBOL});
  }
}

TEST_CASE("the ELF export reader sees what a library defines",
          "[abi][visibility]") {
  // A control for the reader itself: the libstdc++ this test runs with
  // defines thousands of dynamic symbols, among them operator new.
  std::string libstdcxx;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    if (const auto at = line.find('/');
        at != std::string::npos &&
        line.find("libstdc++.so", at) != std::string::npos)
      libstdcxx = line.substr(at);
  REQUIRE(!libstdcxx.empty());
  const auto names = dynamic_exports(libstdcxx);
  CHECK(names.size() > 1000);
  CHECK(names.count("_Znwm") == 1);
}

// ---- load/unload cycles
// -------------------------------------------------------

namespace {

struct Usage {
  long rss_kib = 0;          // resident set, /proc/self/statm
  std::size_t heap = 0;      // bytes in use by malloc (mallinfo2)
  std::size_t fds = 0;       // entries of /proc/self/fd
  std::size_t mappings = 0;  // lines of /proc/self/maps
};

Usage measure() {
  Usage u;
  std::ifstream statm("/proc/self/statm");
  long size = 0;
  long resident = 0;
  statm >> size >> resident;
  u.rss_kib = resident * (sysconf(_SC_PAGESIZE) / 1024);
  const struct mallinfo2 info = mallinfo2();
  u.heap = info.uordblks + info.hblkhd;
  for ([[maybe_unused]] const auto& fd :
       fs::directory_iterator("/proc/self/fd"))
    ++u.fds;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) ++u.mappings;
  return u;
}

bool is_mapped(const fs::path& library) {
  const std::string path = fs::canonical(library).string();
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.size() >= path.size() &&
        line.compare(line.size() - path.size(), path.size(), path) == 0)
      return true;
  return false;
}

// One cycle: a fresh registry loads the library (dlopen), an instance is
// created, stepped, saved and restored, then destroyed; the registry goes
// and with it the library (dlclose). Returns false if anything failed.
bool cycle(const fs::path& library) {
  descent::Registry registry;
  if (!registry.load_file(library)) return false;
  const auto optimizers = registry.of_kind(DESCENT_KIND_OPTIMIZER);
  if (optimizers.empty()) return false;
  const descent::Component& c = *optimizers.front();
  descent::Optimizer optimizer(c, descent::default_hparams(*c.descriptor), 512,
                               DESCENT_DTYPE_F64);
  std::vector<double> w(512, 1.0);
  const std::vector<double> g(512, 0.5);
  optimizer.step(std::span<double>(w), std::span<const double>(g), 0.01, 1);
  optimizer.load_state(optimizer.save_state());
  return w[0] < 1.0;
}

void check_flat_over_cycles(const fs::path& library) {
  constexpr int kWarmUp = 50;
  constexpr int kCycles = 1000;
  // Allowed growth from after the warm-up to the end: far below what one
  // leaked instance, library handle or descriptor per cycle would add
  // (950 cycles x the 4 KiB of parameters an instance holds, or 950 fds).
  constexpr std::size_t kHeapSlack = 64 * 1024;
  constexpr long kRssSlackKib = 512;
  constexpr std::size_t kFdSlack = 2;
  constexpr std::size_t kMappingSlack = 8;

  INFO(library.string());
  REQUIRE(!is_mapped(library));
  int failed = 0;
  Usage warm;
  for (int i = 0; i < kCycles; ++i) {
    if (i == kWarmUp) warm = measure();
    failed += !cycle(library);
  }
  const Usage end = measure();
  INFO("after " << kWarmUp << " cycles: rss " << warm.rss_kib << " KiB, heap "
                << warm.heap << " B, fds " << warm.fds << ", mappings "
                << warm.mappings);
  INFO("after " << kCycles << " cycles: rss " << end.rss_kib << " KiB, heap "
                << end.heap << " B, fds " << end.fds << ", mappings "
                << end.mappings);
  CHECK(failed == 0);
  // The numbers are live, and dlclose really unmapped the library: a
  // library that could not be unloaded would make the cycles meaningless.
  CHECK(warm.rss_kib > 0);
  CHECK(warm.heap > 0);
  CHECK(warm.fds >= 3);
  CHECK(!is_mapped(library));
  {
    descent::Registry registry;
    REQUIRE(registry.load_file(library));
    CHECK(is_mapped(library));
  }
  CHECK(end.heap <= warm.heap + kHeapSlack);
  CHECK(end.rss_kib <= warm.rss_kib + kRssSlackKib);
  CHECK(end.fds <= warm.fds + kFdSlack);
  CHECK(end.mappings <= warm.mappings + kMappingSlack);
}

}  // namespace

TEST_CASE("1000 load/unload cycles of an SDK plugin leave memory and fds flat",
          "[abi][cycles]") {
  check_flat_over_cycles(kPluginDir / "descent-optimizer-adam.so");
}

TEST_CASE("1000 load/unload cycles of a C plugin leave memory and fds flat",
          "[abi][cycles]") {
  check_flat_over_cycles(kFrozen);
}

TEST_CASE(
    "1000 load/unload cycles of the old-ABI plugin leave memory and "
    "fds flat",
    "[abi][cycles][cxx11abi]") {
  check_flat_over_cycles(kOldAbi);
}
