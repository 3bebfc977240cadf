#!/usr/bin/env bash
# `cmake --install` puts exactly the CLI, the built-in plugins (not the
# tests'), the ABI and SDK headers (not the host's) and the CMake package in
# the prefix, and the installed CLI finds its plugins with no environment.
#
# usage: install_layout.sh BUILD_DIR SOURCE_DIR
source "$(dirname "$0")/support.sh"
build_dir=$1
source_dir=$2
prefix="$scratch/prefix"
install_into "$build_dir" "$prefix"

[ -x "$prefix/bin/descent" ] || fail "bin/descent missing or not executable"

# Built-in plugins: one per descent_add_plugin() under plugins/.
expected_plugins=$(grep -rhoE 'descent_add_plugin\((optimizer|model|loss) [a-z0-9_]+' \
    "$source_dir/plugins" --include=CMakeLists.txt |
  sed -E 's/descent_add_plugin\(([a-z]+) ([a-z0-9_]+)/descent-\1-\2.so/' |
  LC_ALL=C sort)
[ "$(names_in "$prefix/lib/descent/plugins")" = "$expected_plugins" ] ||
  fail "lib/descent/plugins holds $(names_in "$prefix/lib/descent/plugins" | tr '\n' ' ')"

# Headers: the ABI and the SDK, nothing of the host.
headers="$source_dir/framework/include/descent"
[ "$(names_in "$prefix/include/descent")" = "$(printf 'abi\nsdk')" ] ||
  fail "include/descent holds $(names_in "$prefix/include/descent" | tr '\n' ' ')"
for layer in abi sdk; do
  diff -r "$headers/$layer" "$prefix/include/descent/$layer" >/dev/null ||
    fail "include/descent/$layer differs from the source tree"
done
# The SDK compiles with only the installed headers (no host header reachable).
printf '#include <descent/sdk/%s>\n' $(names_in "$prefix/include/descent/sdk") \
  >"$scratch/all_sdk.cpp"
${CXX:-c++} -std=c++20 -fsyntax-only -I "$prefix/include" "$scratch/all_sdk.cpp" ||
  fail "the installed SDK headers do not compile on their own"

# The CMake package.
package="$prefix/lib/cmake/descent"
for file in descentConfig.cmake descentConfigVersion.cmake descentTargets.cmake \
  DescentPlugin.cmake descent_plugin.map; do
  [ -f "$package/$file" ] || fail "lib/cmake/descent/$file missing"
done

# The installed CLI, run from elsewhere, finds exactly the installed plugins.
listing=$(cd "$scratch" && "$prefix/bin/descent" plugins) ||
  fail "installed descent plugins failed"
echo "$listing" | grep -qx "  $prefix/lib/descent/plugins" ||
  fail "the installed plugin folder is not searched: $listing"
echo "$listing" | grep -qx 'problems (0)' || fail "problems: $listing"
for so in $expected_plugins; do
  echo "$listing" | grep -qE "^    $so +[a-z]+ [a-z0-9_]+" ||
    fail "$so is not listed under its folder"
done
finish
