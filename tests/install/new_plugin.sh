#!/usr/bin/env bash
# `descent new-plugin`: refuses bad names and non-empty folders (exit 2, one
# line), and each kind's scaffold builds as-is with g++ against the
# installed package, exports only descent_entry, passes check-plugin, and is
# listed by `descent plugins` with the folder it came from.
#
# usage: new_plugin.sh BUILD_DIR
source "$(dirname "$0")/support.sh"
build_dir=$1
prefix="$scratch/prefix"
install_into "$build_dir" "$prefix"
export PATH="$prefix/bin:$PATH"
cd "$scratch"

# expect_refused WHY ARGS...: exit 2, exactly one line on stderr, no folder.
expect_refused() {
  local why=$1
  shift
  local code=0
  descent new-plugin "$@" >out.txt 2>err.txt || code=$?
  [ "$code" -eq 2 ] || fail "$why: exit $code, expected 2"
  [ "$(wc -l <err.txt)" -eq 1 ] || fail "$why: stderr is not one line: $(cat err.txt)"
}

for bad in Foo 1abc my-opt _x "" "a b" "$(printf 'a%.0s' {1..64})"; do
  expect_refused "name '$bad'" optimizer "$bad"
  [ -z "$bad" ] || [ ! -e "$bad" ] || fail "name '$bad': a folder was created"
done
expect_refused "kind scheduler" scheduler myopt
expect_refused "no name" optimizer

mkdir taken && echo keep >taken/notes.txt
expect_refused "non-empty --dir" optimizer myopt --dir taken
[ "$(ls taken)" = notes.txt ] && [ "$(cat taken/notes.txt)" = keep ] ||
  fail "the non-empty folder was changed"
mkdir empty
descent new-plugin optimizer in_empty --dir empty >/dev/null ||
  fail "an existing empty --dir was refused"
[ -f empty/in_empty.cpp ] || fail "nothing written into the empty --dir"

# check_scaffold KIND NAME: default folder ./NAME, builds with g++, passes.
check_scaffold() {
  local kind=$1 name=$2
  local so="descent-$kind-$name.so"
  descent new-plugin "$kind" "$name" >/dev/null || { fail "new-plugin $kind $name"; return; }
  for file in "$name.cpp" CMakeLists.txt check.sh README.md; do
    [ -f "$name/$file" ] || fail "$kind: $name/$file missing"
  done
  [ -x "$name/check.sh" ] || fail "$kind: check.sh is not executable"
  if ! CXX=g++ "$name/check.sh" >"$name.log" 2>&1; then
    cat "$name.log"
    fail "$kind: check.sh failed"
    return
  fi
  grep -qE '^[0-9]+ checks: [0-9]+ pass, [0-9]+ warn, 0 fail$' "$name.log" ||
    fail "$kind: no check summary with 0 fail"
  [ "$(nm -D --defined-only "$name/build/$so" | awk '{print $3}')" = descent_entry ] ||
    fail "$kind: exports more than descent_entry"
  local listing
  listing=$(descent plugins --plugin-dir "$name/build")
  echo "$listing" | grep -qE "^  $name +" || fail "$kind: $name not listed"
  echo "$listing" | grep -A1 -x "  $name/build" | grep -qE "^    $so +$kind $name$" ||
    fail "$kind: not shown under $name/build: $listing"
}
check_scaffold optimizer my_sgd
check_scaffold model my_linear
check_scaffold loss my_mse

# DESCENT_PLUGIN_OUTPUT_DIR moves the library; the default stays the build top.
cmake -S my_mse -B elsewhere -DCMAKE_PREFIX_PATH="$prefix" \
  -DDESCENT_PLUGIN_OUTPUT_DIR="$scratch/plugins" >/dev/null &&
  cmake --build elsewhere >/dev/null || fail "build with DESCENT_PLUGIN_OUTPUT_DIR"
[ -f plugins/descent-loss-my_mse.so ] || fail "DESCENT_PLUGIN_OUTPUT_DIR ignored"
[ ! -e elsewhere/descent-loss-my_mse.so ] || fail "also built into the build top"
finish
