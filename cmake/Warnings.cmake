# The warning set for the project's own code (not for third-party headers, which are included as SYSTEM).
function(midlc_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor)
  # GCC 12 at -O3 reports -Wrestrict on plain std::string concatenation (GCC bug 105651).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(MIDLC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
