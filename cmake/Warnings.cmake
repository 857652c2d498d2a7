# The warning set for the project's own code (not for third-party headers, which are included as SYSTEM).
function(midlc_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor)
  if(MIDLC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
