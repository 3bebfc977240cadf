# Fails if the live ABI headers (LIVE = framework/include/descent/abi) were
# edited in place after their version was frozen: when tests/abi/ holds a
# frozen copy vMAJOR.MINOR for the version the live version.h declares, every
# live header must equal it byte for byte, and the header set must be the
# same. A change to the ABI needs a new minor version (and, once released, a
# new frozen folder); a plugin built against "1.1" must mean one thing.
#
# A live version newer than every frozen copy is an unreleased version under
# development and passes; one older than the newest frozen copy fails (the
# version went backwards).
#   cmake -DLIVE=framework/include/descent/abi -DFROZEN_ROOT=tests/abi
#         -P check_live_headers.cmake
foreach(var LIVE FROZEN_ROOT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_live_headers.cmake: ${var} is not set")
  endif()
endforeach()

# "MAJOR.MINOR" declared by the version.h in `dir`.
function(abi_version_of dir out)
  file(READ ${dir}/version.h text)
  foreach(part MAJOR MINOR)
    if(NOT text MATCHES "#define DESCENT_ABI_VERSION_${part} ([0-9]+)")
      message(FATAL_ERROR "${dir}/version.h: no DESCENT_ABI_VERSION_${part}")
    endif()
    set(${part} ${CMAKE_MATCH_1})
  endforeach()
  set(${out} "${MAJOR}.${MINOR}" PARENT_SCOPE)
endfunction()

abi_version_of(${LIVE} live)

file(GLOB frozen_dirs LIST_DIRECTORIES true ${FROZEN_ROOT}/v*)
set(newest "")
set(match "")
foreach(dir ${frozen_dirs})
  if(NOT IS_DIRECTORY ${dir}/descent/abi)
    continue()
  endif()
  abi_version_of(${dir}/descent/abi version)
  if(newest STREQUAL "" OR version VERSION_GREATER newest)
    set(newest ${version})
  endif()
  if(version VERSION_EQUAL live)
    set(match ${dir})
  endif()
endforeach()
if(newest STREQUAL "")
  message(FATAL_ERROR "no frozen ABI headers under ${FROZEN_ROOT}/v*")
endif()

if(live VERSION_LESS newest)
  message(FATAL_ERROR "the live headers declare ABI ${live}, older than "
          "the newest frozen copy (${newest}): the version went backwards")
endif()
if(match STREQUAL "")
  message(STATUS "ABI ${live} is not frozen yet (newest frozen: ${newest}); "
          "nothing to compare")
  return()
endif()

file(GLOB live_headers RELATIVE ${LIVE} ${LIVE}/*.h)
file(GLOB frozen_headers RELATIVE ${match}/descent/abi
     ${match}/descent/abi/*.h)
list(SORT live_headers)
list(SORT frozen_headers)
if(NOT live_headers STREQUAL frozen_headers)
  message(FATAL_ERROR "ABI ${live} was released as ${match}, but the live "
          "header set differs: ${live_headers} vs ${frozen_headers}. Released "
          "headers never change: bump DESCENT_ABI_VERSION_MINOR instead")
endif()
foreach(header ${live_headers})
  file(SHA256 ${LIVE}/${header} have)
  file(SHA256 ${match}/descent/abi/${header} want)
  if(NOT have STREQUAL want)
    message(FATAL_ERROR "${LIVE}/${header} differs from the frozen ABI "
            "${live} copy in ${match}: a released ABI is never edited in "
            "place, not even a comment. Revert the edit, or bump "
            "DESCENT_ABI_VERSION_MINOR for the change (and freeze "
            "tests/abi/v<new> when that version is released)")
  endif()
endforeach()
list(LENGTH live_headers count)
message(STATUS "${count} live headers equal the frozen ABI ${live} copy")
