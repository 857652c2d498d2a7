# What `cmake --install` writes, and the CMake package find_package(midlc) reads:
#   bin/midlc                          the compiler (midlc::midlc)
#   bin/midlrtd                        the endpoint mapper daemon
#   lib/libmidlrt_*.a                  the runtime (midlrt::ndr, ::rpc, ::com, ::async, ::dcom, ::epm; midlrt::midlrt = all)
#   include/midlrt/...                 its headers, and include/midlrt/idl/ generated from midlc's own IDL
#   share/midlc/idl/                   midlc's own IDL, found relative to bin/midlc (src/driver/idl_folder.cpp)
#   lib/cmake/midlc/                   midlcConfig.cmake, its version file, the targets, MidlGenerate.cmake
#   lib/pkgconfig/midlrt.pc            the runtime for pkg-config users
# Every path is relative to the prefix, so an installed tree can be moved.
include(CMakePackageConfigHelpers)

set(midlc_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/midlc)

install(TARGETS midlc EXPORT midlcTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS midlrtd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS midlrt midlrt_ndr midlrt_rpc midlrt_com midlrt_async midlrt_dcom midlrt_epm EXPORT midlrtTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/midlrt ${PROJECT_BINARY_DIR}/runtime/include/midlrt
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/idl/ DESTINATION ${CMAKE_INSTALL_DATADIR}/midlc/idl
        FILES_MATCHING PATTERN "*.idl")

install(EXPORT midlcTargets NAMESPACE midlc:: DESTINATION ${midlc_cmake_dir})
install(EXPORT midlrtTargets NAMESPACE midlrt:: DESTINATION ${midlc_cmake_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/midlcConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/midlcConfig.cmake INSTALL_DESTINATION ${midlc_cmake_dir})
# 0.x: a minor version may break the API, so 0.2 accepts 0.2.* only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/midlcConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/midlcConfig.cmake ${PROJECT_BINARY_DIR}/midlcConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/MidlGenerate.cmake
        DESTINATION ${midlc_cmake_dir})

# pkg-config: the prefix is found from the .pc file's own folder, so a moved install still works.
set(midlrt_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH midlrt_pc_to_prefix /${midlrt_pc_dir} /)
string(REGEX REPLACE "/$" "" midlrt_pc_to_prefix "${midlrt_pc_to_prefix}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/midlrt.pc.in ${PROJECT_BINARY_DIR}/midlrt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/midlrt.pc DESTINATION ${midlrt_pc_dir})
