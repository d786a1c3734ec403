# varve_module(NAME SOURCES ... [DEPS ...])
# One module = one object library; libvarve is the union of them all.
function(varve_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} OBJECT ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${VARVE_INCLUDE_DIRS})
  target_link_libraries(${name} PUBLIC ${VARVE_PUBLIC_DEPS} ${VARVE_PRIVATE_DEPS} ${ARG_DEPS})
endfunction()

# varve_test(NAME SOURCES ... [MODULES ...] [DEPS ...])
# A GoogleTest binary, each test registered with CTest. It links the listed
# module object libraries, or all of libvarve when none are listed, and the
# test helpers.
function(varve_test name)
  if(NOT VARVE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;MODULES;DEPS" ${ARGN})
  if(NOT ARG_MODULES)
    set(ARG_MODULES varve)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_MODULES} varve_testing ${VARVE_PRIVATE_DEPS}
                        GTest::gtest GTest::gmock GTest::gtest_main
                        rapidcheck rapidcheck_gtest ${ARG_DEPS})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
endfunction()
