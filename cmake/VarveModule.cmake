# varve_module(NAME SOURCES ... [DEPS ...])
# One module = one object library; libvarve is the union of them all.
function(varve_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} OBJECT ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${VARVE_INCLUDE_DIRS})
  target_link_libraries(${name} PUBLIC ${VARVE_PUBLIC_DEPS} ${VARVE_PRIVATE_DEPS} ${ARG_DEPS})
endfunction()

# varve_test(NAME SOURCES ... [DEPS ...])
# A GoogleTest binary linked against libvarve (and the test helpers), each
# test registered with CTest.
function(varve_test name)
  if(NOT VARVE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE varve varve_testing ${VARVE_PRIVATE_DEPS}
                        GTest::gtest GTest::gmock GTest::gtest_main
                        rapidcheck rapidcheck_gtest ${ARG_DEPS})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES ENVIRONMENT "VARVE_BINARY=$<TARGET_FILE:varve_cli>")
endfunction()
