# midl_generate(<target> IDL <file.idl> [ACF <file.acf>] [IMPORT_DIRS <dir>...] [DEFINES <NAME[=V]>...]
#               [OUTPUT_DIR <dir>])
#
# Runs midlc on <file.idl> as a build step (writing <file>.h, <file>_c.cpp and <file>_s.cpp) and makes
# <target>, a static library of the client and server stubs to link: it carries the generated files' folder
# as an include directory and brings in the runtime (midlrt::midlrt). Editing the IDL, the ACF
# or any file the IDL imports regenerates (midlc writes a depfile); nothing else does.
#
# The ACF defaults, as in MIDL, to <file>.acf beside the IDL when that file exists.
# MIDLC_EXECUTABLE names the compiler; inside this project it is the midlc target.
function(midl_generate target)
  cmake_parse_arguments(MG "" "IDL;ACF;OUTPUT_DIR" "IMPORT_DIRS;DEFINES" ${ARGN})
  if(NOT MG_IDL)
    message(FATAL_ERROR "midl_generate(${target}): IDL <file> is required")
  endif()
  get_filename_component(idl "${MG_IDL}" ABSOLUTE)
  get_filename_component(stem "${idl}" NAME_WE)
  get_filename_component(idl_dir "${idl}" DIRECTORY)
  if(NOT MG_OUTPUT_DIR)
    set(MG_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  endif()
  if(NOT MIDLC_EXECUTABLE)
    set(MIDLC_EXECUTABLE "$<TARGET_FILE:midlc>")
    set(midlc_dependency midlc)
  endif()

  set(args --header --client --server -o "${MG_OUTPUT_DIR}" --depfile "${MG_OUTPUT_DIR}/${stem}.d" -Werror)
  set(depends "${idl}")
  if(MG_ACF)
    get_filename_component(acf "${MG_ACF}" ABSOLUTE)
    list(APPEND args --acf "${acf}")
    list(APPEND depends "${acf}")
  elseif(EXISTS "${idl_dir}/${stem}.acf")
    list(APPEND depends "${idl_dir}/${stem}.acf")
  endif()
  foreach(dir IN LISTS MG_IMPORT_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE)
    list(APPEND args -I "${dir}")
  endforeach()
  foreach(define IN LISTS MG_DEFINES)
    list(APPEND args -D "${define}")
  endforeach()

  set(header "${MG_OUTPUT_DIR}/${stem}.h")
  set(sources "${MG_OUTPUT_DIR}/${stem}_c.cpp" "${MG_OUTPUT_DIR}/${stem}_s.cpp")
  add_custom_command(
    OUTPUT "${header}" ${sources}
    COMMAND ${MIDLC_EXECUTABLE} ${args} "${idl}"
    DEPENDS ${depends} ${midlc_dependency}
    DEPFILE "${MG_OUTPUT_DIR}/${stem}.d"
    COMMENT "midlc ${stem}.idl"
    VERBATIM)
  # The client and server stubs, compiled once; a program uses the half it calls.
  add_library(${target} STATIC ${sources} "${header}")
  target_include_directories(${target} PUBLIC "${MG_OUTPUT_DIR}")
  target_link_libraries(${target} PUBLIC midlrt::midlrt)
  if(COMMAND midlc_warnings)
    midlc_warnings(${target})  # inside this project, generated code is held to the project's warnings
  endif()
endfunction()
