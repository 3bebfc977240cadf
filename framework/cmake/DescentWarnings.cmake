# Warnings are errors for our own code; third-party headers come in as
# SYSTEM includes through their imported targets.
function(descent_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wno-sign-conversion
    # GCC 12 reports a false -Wrestrict inside libstdc++'s string operator+
    # at -O2 (GCC bug 105329); it is not about our code.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()
