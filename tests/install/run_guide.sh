#!/usr/bin/env bash
# Runs every ```sh block of docs/writing-a-plugin.md, in order, in one shell,
# as a reader would: HOME is a fresh temporary folder (so ~/descent is a
# temporary install prefix and ~/signsgd a project outside the source tree),
# and the working directory is a stand-in checkout whose `build` is this
# build tree. Then checks what the guide promises: a clang++-built plugin,
# with the edited update rule, and a 3-trial sweep whose trials all ended ok.
#
# usage: run_guide.sh BUILD_DIR GUIDE.md
set -euo pipefail
build_dir=$(cd "$1" && pwd)
guide=$2

work=$(mktemp -d "${TMPDIR:-/tmp}/descent-guide.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/checkout"
ln -s "$build_dir" "$work/checkout/build"

# The guide's commands, with tracing so a failure shows which one.
awk '/^```sh$/ { on = 1; next } /^```$/ { on = 0 } on' "$guide" \
  >"$work/commands.sh"
blocks=$(grep -c '^```sh$' "$guide")
echo "run_guide: $blocks sh blocks, $(wc -l <"$work/commands.sh") lines"
[ "$blocks" -ge 6 ] || { echo "FAIL: expected the guide's 6 sh blocks"; exit 1; }

(
  cd "$work/checkout"
  export HOME="$work/home"
  unset DESCENT_PLUGIN_PATH CXX CC
  bash -euxo pipefail "$work/commands.sh"
)

fail() { echo "FAIL: $*"; exit 1; }
project="$work/home/signsgd"
plugin="$project/build/descent-optimizer-signsgd.so"

[ -f "$plugin" ] || fail "no $plugin"
grep -rqs 'set(CMAKE_CXX_COMPILER_ID "Clang")' "$project/build/CMakeFiles" ||
  fail "the plugin was not built with clang++"
grep -aq 'sign-SGD, w -= lr \* sign(g)' "$plugin" ||
  fail "the rebuilt plugin does not hold the edited source"

# The edited rule is what ran: the same run with the built-in plain SGD
# must end elsewhere.
final_loss() { grep -o '"test_loss": *[-0-9.e+]*' "$1/summary.json" | head -n 1; }
"$work/home/descent/bin/descent" run "$project/runs/one/config.ini" \
  --optimizer.name=sgd --out "$work/plain" >/dev/null
[ -n "$(final_loss "$project/runs/one")" ] || fail "no test_loss in runs/one"
[ "$(final_loss "$project/runs/one")" != "$(final_loss "$work/plain")" ] ||
  fail "signsgd ended where plain SGD does: the update rule was not changed"

trials="$project/runs/sweep/trials.jsonl"
[ "$(wc -l <"$trials")" -eq 3 ] || fail "expected 3 trials in $trials"
[ "$(grep -c '"status": *"ok"' "$trials")" -eq 3 ] ||
  fail "not every trial ended ok: $(cat "$trials")"
echo "run_guide: ok"
