// descent host — what this binary was built from, for run manifests.
#pragma once

namespace descent {

extern const char* const kGitCommit;     // "unknown" outside a git checkout
extern const bool kGitDirty;             // uncommitted changes at build time
extern const char* const kCompileFlags;  // CMAKE_CXX_FLAGS + build type's

}  // namespace descent
