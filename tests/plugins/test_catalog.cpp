// plugins/README.md must be the catalog the built plugins describe.
#include <descent/catalog.hpp>
#include <descent/registry.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

TEST_CASE("plugins/README.md matches the built plugins' descriptors",
          "[plugins][catalog]") {
  descent::Registry registry;
  registry.scan({DESCENT_TEST_PLUGIN_DIR});
  REQUIRE(registry.diagnostics().empty());
  std::ifstream file(std::string(DESCENT_TEST_SOURCE_DIR) +
                     "/plugins/README.md");
  REQUIRE(file.good());
  std::stringstream committed;
  committed << file.rdbuf();
  INFO(
      "regenerate with: build/bin/descent plugins --markdown > "
      "plugins/README.md");
  CHECK(committed.str() == descent::plugins_markdown(registry));
}

TEST_CASE("every built-in plugin cites its source", "[plugins][catalog]") {
  descent::Registry registry;
  registry.scan({DESCENT_TEST_PLUGIN_DIR});
  for (descent_kind kind :
       {DESCENT_KIND_OPTIMIZER, DESCENT_KIND_MODEL, DESCENT_KIND_LOSS})
    for (const descent::Component* c : registry.of_kind(kind)) {
      INFO(c->name());
      CHECK(std::string(c->descriptor->reference).size() > 4);
    }
}
