# midl_generate(<name> IDL <file.idl> [options...])            makes <name>, a library of the generated code
# midl_generate(TARGET <target> IDL <file.idl> [options...])   adds the generated code to an existing target
#
# Options:
#   ACF <file.acf>              the ACF; as in MIDL it defaults to <file>.acf beside the IDL when that exists
#   IMPORT_DIRS <dir>...        -I folders, for the preprocessor and for import
#   DEFINES <NAME[=V]>...       -D macros
#   OUTPUT_DIR <dir>            where the files go (default: <build dir>/<name>, or <build dir>/<target>_midl)
#   OPTIONS <arg>...            more arguments for midlc (e.g. -Wno-<name>); not ones that rename its outputs
#   CLIENT | SERVER | HEADER_ONLY   what to generate besides <file>.h: the client stubs (<file>_c.cpp), the
#                               server stubs (<file>_s.cpp), or neither; default both. MIDL's spelling works
#                               too: CLIENT_STUB none|stub, SERVER_STUB none|stub
#   CACHE_DIR <dir> | NO_CACHE  the folder midlc keeps preprocessed and parsed files in (--cache-dir),
#                               shared by every midl_generate of the build (default: <top build
#                               dir>/midlc-cache), or none
#   WERROR                      midlc's warnings are errors (also when the variable MIDLC_GENERATE_WERROR is
#                               true, as it is inside the midlc project)
#   FUZZ                        also write <file>_fuzz.cpp (midlc --fuzz) and define <name>_fuzz (or
#                               <target>_fuzz), a libFuzzer executable over the interfaces' stubs, not
#                               built by default. It compiles the header and both stub files again, with
#                               clang's -fsanitize=fuzzer-no-link so the fuzzer sees their coverage, and links
#                               -fsanitize=fuzzer; add -fsanitize=address,undefined to the build's flags to
#                               catch memory errors (scripts/fuzz_configure.sh does). Needs clang, and both
#                               stub files.
#
# midlc runs as a build step. <name> is a static library of the stubs (an INTERFACE library for HEADER_ONLY)
# that carries the generated files' folder as an include directory and brings in the runtime
# (midlrt::midlrt). With TARGET, the stubs become sources of <target>, which gets the include directory and
# midlrt::midlrt as PUBLIC (INTERFACE for an interface library) usage requirements. Editing the IDL, the ACF
# or any file the IDL imports regenerates (midlc writes a depfile); nothing else does.
#
# MIDLC_EXECUTABLE names the compiler, as a path or a target; find_package(midlc) sets it to midlc::midlc,
# and inside the midlc build (or after add_subdirectory/FetchContent of it) the midlc::midlc target is used.
function(midl_generate)
  set(flags CLIENT SERVER HEADER_ONLY WERROR FUZZ NO_CACHE)
  set(one_value TARGET IDL ACF OUTPUT_DIR CLIENT_STUB SERVER_STUB CACHE_DIR)
  set(multi_value IMPORT_DIRS DEFINES OPTIONS)
  set(args ${ARGN})
  set(name)
  if(args AND NOT ARGV0 IN_LIST flags AND NOT ARGV0 IN_LIST one_value AND NOT ARGV0 IN_LIST multi_value)
    list(POP_FRONT args name)
  endif()
  cmake_parse_arguments(MG "${flags}" "${one_value}" "${multi_value}" ${args})
  set(what "midl_generate(${name})")
  if(MG_TARGET)
    set(what "midl_generate(TARGET ${MG_TARGET})")
  endif()
  if(MG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${what}: unknown arguments: ${MG_UNPARSED_ARGUMENTS}")
  endif()
  if(name AND MG_TARGET)
    message(FATAL_ERROR "${what}: give either a library name or TARGET <existing target>, not both")
  elseif(NOT name AND NOT MG_TARGET)
    message(FATAL_ERROR "midl_generate: give a library name, or TARGET <existing target>")
  elseif(MG_TARGET AND NOT TARGET ${MG_TARGET})
    message(FATAL_ERROR "${what}: ${MG_TARGET} is not a target")
  endif()
  if(NOT MG_IDL)
    message(FATAL_ERROR "${what}: IDL <file> is required")
  endif()

  # What to write: the header always; the stubs as asked.
  set(client ON)
  set(server ON)
  if(MG_CLIENT OR MG_SERVER OR MG_HEADER_ONLY)
    if(MG_HEADER_ONLY AND (MG_CLIENT OR MG_SERVER))
      message(FATAL_ERROR "${what}: HEADER_ONLY excludes CLIENT and SERVER")
    endif()
    set(client ${MG_CLIENT})
    set(server ${MG_SERVER})
  endif()
  foreach(side CLIENT SERVER)
    string(TOLOWER ${side} lower)
    if(NOT DEFINED MG_${side}_STUB)
      continue()
    elseif(MG_${side}_STUB STREQUAL "stub")
      set(${lower} ON)
    elseif(MG_${side}_STUB STREQUAL "none" AND NOT MG_${side})
      set(${lower} OFF)
    else()
      message(FATAL_ERROR "${what}: ${side}_STUB is none or stub (and none contradicts ${side})")
    endif()
  endforeach()

  if(MG_FUZZ)
    if(NOT client OR NOT server)
      message(FATAL_ERROR "${what}: FUZZ needs the client and the server stubs (it fuzzes both)")
    elseif(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      message(FATAL_ERROR "${what}: FUZZ needs clang's libFuzzer (-DCMAKE_CXX_COMPILER=clang++)")
    endif()
  endif()

  get_filename_component(idl "${MG_IDL}" ABSOLUTE)
  get_filename_component(stem "${idl}" NAME_WE)
  get_filename_component(idl_dir "${idl}" DIRECTORY)
  if(NOT MG_OUTPUT_DIR)
    if(name)
      set(MG_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${name}")
    else()
      set(MG_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${MG_TARGET}_midl")  # not <target>: an executable's name
    endif()
  endif()
  get_filename_component(MG_OUTPUT_DIR "${MG_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")

  if(DEFINED MIDLC_EXECUTABLE AND NOT MIDLC_EXECUTABLE STREQUAL "")
    set(compiler "${MIDLC_EXECUTABLE}")
  elseif(TARGET midlc::midlc)
    set(compiler midlc::midlc)
  else()
    message(FATAL_ERROR "${what}: no midlc: find_package(midlc), add midlc as a subdirectory, "
                        "or set MIDLC_EXECUTABLE")
  endif()
  if(TARGET ${compiler})
    set(command "$<TARGET_FILE:${compiler}>")
  else()
    set(command "${compiler}")
  endif()

  set(header "${MG_OUTPUT_DIR}/${stem}.h")
  set(sources)
  set(args --header -o "${MG_OUTPUT_DIR}" --depfile "${MG_OUTPUT_DIR}/${stem}.d")
  if(client)
    list(APPEND args --client)
    list(APPEND sources "${MG_OUTPUT_DIR}/${stem}_c.cpp")
  endif()
  if(server)
    list(APPEND args --server)
    list(APPEND sources "${MG_OUTPUT_DIR}/${stem}_s.cpp")
  endif()
  set(fuzz_source)
  if(MG_FUZZ)
    list(APPEND args --fuzz)
    set(fuzz_source "${MG_OUTPUT_DIR}/${stem}_fuzz.cpp")
  endif()
  if(MG_WERROR OR MIDLC_GENERATE_WERROR)
    list(APPEND args -Werror)
  endif()
  if(MG_NO_CACHE AND MG_CACHE_DIR)
    message(FATAL_ERROR "${what}: NO_CACHE excludes CACHE_DIR")
  elseif(NOT MG_NO_CACHE)
    if(NOT MG_CACHE_DIR)
      set(MG_CACHE_DIR "${CMAKE_BINARY_DIR}/midlc-cache")
    endif()
    get_filename_component(MG_CACHE_DIR "${MG_CACHE_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    list(APPEND args --cache-dir "${MG_CACHE_DIR}")
  endif()
  set(depends "${idl}" ${compiler})
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
  list(APPEND args ${MG_OPTIONS})

  add_custom_command(
    OUTPUT "${header}" ${sources} ${fuzz_source}
    COMMAND ${command} ${args} "${idl}"
    DEPENDS ${depends}
    DEPFILE "${MG_OUTPUT_DIR}/${stem}.d"
    COMMENT "midlc ${stem}.idl"
    VERBATIM)

  if(MG_FUZZ)
    set(fuzzer "${name}_fuzz")
    if(MG_TARGET)
      set(fuzzer "${MG_TARGET}_fuzz")
    endif()
    add_executable(${fuzzer} EXCLUDE_FROM_ALL ${sources} "${fuzz_source}" "${header}")
    target_include_directories(${fuzzer} PRIVATE "${MG_OUTPUT_DIR}")
    target_link_libraries(${fuzzer} PRIVATE midlrt::midlrt)
    target_compile_options(${fuzzer} PRIVATE -fsanitize=fuzzer-no-link)
    target_link_options(${fuzzer} PRIVATE -fsanitize=fuzzer)
    if(MIDLC_GENERATED_CODE_WARNINGS AND COMMAND midlc_warnings)
      midlc_warnings(${fuzzer})
    endif()
  endif()

  if(MG_TARGET)
    get_target_property(type ${MG_TARGET} TYPE)
    set(usage PUBLIC)
    if(type STREQUAL "INTERFACE_LIBRARY")
      set(usage INTERFACE)
    endif()
    target_sources(${MG_TARGET} PRIVATE ${sources} "${header}")
    target_include_directories(${MG_TARGET} ${usage} "${MG_OUTPUT_DIR}")
    target_link_libraries(${MG_TARGET} ${usage} midlrt::midlrt)
    return()
  endif()
  if(sources)
    # The client and server stubs, compiled once; a program uses the half it calls.
    add_library(${name} STATIC ${sources} "${header}")
    set(usage PUBLIC)
  else()
    add_library(${name} INTERFACE "${header}")  # a library with a source is built: the header is generated
    set(usage INTERFACE)
  endif()
  target_include_directories(${name} ${usage} "${MG_OUTPUT_DIR}")
  target_link_libraries(${name} ${usage} midlrt::midlrt)
  # Inside the midlc project (not in a project that adds midlc as a subdirectory), generated code is held
  # to the project's warnings.
  if(sources AND MIDLC_GENERATED_CODE_WARNINGS AND COMMAND midlc_warnings)
    midlc_warnings(${name})
  endif()
endfunction()
