# install(): headers, libvarve (static, and shared when built), the varve
# command, and a CMake package so that another project can
#   find_package(varve REQUIRED)
#   target_link_libraries(app PRIVATE varve::varve)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY include/varve DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(VARVE_INSTALL_TARGETS varve)
if(VARVE_BUILD_SHARED)
  list(APPEND VARVE_INSTALL_TARGETS varve_shared)
endif()
# The public headers need C++20 (defaulted comparisons in varve/record.h),
# so whoever links varve::varve compiles as C++20 at least.
foreach(target IN LISTS VARVE_INSTALL_TARGETS)
  target_compile_features(${target} PUBLIC cxx_std_20)
endforeach()
install(TARGETS ${VARVE_INSTALL_TARGETS} EXPORT varveTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT varveTargets NAMESPACE varve::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/varve)
configure_package_config_file(cmake/varveConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/varveConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/varve)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/varveConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/varveConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/varveConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/varve)
