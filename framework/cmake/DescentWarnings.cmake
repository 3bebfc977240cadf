# Warnings are errors for our own code; third-party headers come in as
# SYSTEM includes through their imported targets.
function(descent_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wno-sign-conversion)
endfunction()
