#!/usr/bin/env bash
# find_package(descent X.Y) against the installed package: this release's
# major.minor is found, with descent::sdk and descent_add_plugin(); another
# minor or major is refused (0.x: minors may change the SDK).
#
# usage: package_version.sh BUILD_DIR VERSION
source "$(dirname "$0")/support.sh"
build_dir=$1
version=$2
prefix="$scratch/prefix"
install_into "$build_dir" "$prefix"

# configure_with VERSION: a project asking for that version; returns cmake's
# exit code.
configure_with() {
  local project="$scratch/project-$1"
  mkdir -p "$project"
  cat >"$project/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.17)
project(probe LANGUAGES NONE)
find_package(descent $1 REQUIRED)
if(NOT TARGET descent::sdk OR NOT TARGET descent::abi)
  message(FATAL_ERROR "descent::sdk or descent::abi missing")
endif()
if(NOT COMMAND descent_add_plugin)
  message(FATAL_ERROR "descent_add_plugin missing")
endif()
if(NOT IS_DIRECTORY "\${descent_PLUGIN_INSTALL_DIR}")
  message(FATAL_ERROR "descent_PLUGIN_INSTALL_DIR: \${descent_PLUGIN_INSTALL_DIR}")
endif()
CMAKE
  cmake -S "$project" -B "$project/build" -DCMAKE_PREFIX_PATH="$prefix" \
    >"$project/log" 2>&1
}

major_minor=$(echo "$version" | cut -d. -f1,2)
configure_with "$major_minor" || { cat "$scratch/project-$major_minor/log"; fail "find_package(descent $major_minor)"; }
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
next_minor="$major.$((minor + 1))"
next_major="$((major + 1)).0"
configure_with "$next_minor" && fail "find_package(descent $next_minor) accepted $version"
configure_with "$next_major" && fail "find_package(descent $next_major) accepted $version"
finish
