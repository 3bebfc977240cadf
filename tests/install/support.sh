# Shared by the install tests (sourced): a scratch folder removed on exit,
# failing with a message, and installing this build into a fresh prefix.
set -euo pipefail

scratch=$(mktemp -d "${TMPDIR:-/tmp}/descent-install-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
unset DESCENT_PLUGIN_PATH

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "ok"
}

# install_into BUILD_DIR PREFIX: what `cmake --install` does for a user.
install_into() {
  cmake --install "$1" --prefix "$2" >"$scratch/install.log" ||
    { cat "$scratch/install.log"; exit 1; }
}

# The names of the files directly in a folder, sorted, one per line.
names_in() { (cd "$1" && ls -1 | LC_ALL=C sort); }
