# Every dependency comes from a Debian package; see README.md.
find_package(PkgConfig REQUIRED)
find_package(absl REQUIRED)
find_package(simdjson REQUIRED)
find_package(zstd REQUIRED)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
find_package(Threads REQUIRED)
# FlatBuffers: the segment footer schema. Only its headers are used (the
# builder and verifier are header-only), so nothing is linked and an
# embedder of the static libvarve needs no FlatBuffers package.
find_package(FlatBuffers REQUIRED CONFIG)
get_target_property(VARVE_FLATBUFFERS_INCLUDE_DIRS flatbuffers::flatbuffers
                    INTERFACE_INCLUDE_DIRECTORIES)
if(TARGET flatbuffers::flatc)
  set(VARVE_FLATC $<TARGET_FILE:flatbuffers::flatc>)
else()
  find_program(VARVE_FLATC flatc REQUIRED)
endif()

# What an embedder's build sees through varve::varve.
set(VARVE_PUBLIC_DEPS absl::status absl::statusor)
# What libvarve itself links.
set(VARVE_PRIVATE_DEPS
    absl::strings absl::str_format absl::time absl::synchronization
    absl::flat_hash_map absl::flat_hash_set
    simdjson::simdjson PkgConfig::XXHASH PkgConfig::RE2 PkgConfig::LZ4
    zstd::libzstd_shared Threads::Threads)

if(VARVE_BUILD_TESTS)
  find_package(GTest REQUIRED)
  find_package(rapidcheck REQUIRED)
  # The query language is tested against SQLite as an oracle.
  find_package(SQLite3 REQUIRED)
endif()
if(VARVE_BUILD_TOOLS)
  find_package(CLI11 REQUIRED)
endif()
if(VARVE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
  find_package(SQLite3 REQUIRED)
endif()

# varve_flatbuffers_schema(TARGET SCHEMA): compiles SCHEMA (a .fbs file in
# the calling directory) with flatc into
# <build>/generated/<directory>/<name>_generated.h, adds that header to
# TARGET's sources and gives TARGET (and whatever links it) the generated
# root and the FlatBuffers headers on its include path, so that sources say
# #include "<directory>/<name>_generated.h".
function(varve_flatbuffers_schema target schema)
  get_filename_component(name ${schema} NAME_WE)
  file(RELATIVE_PATH rel_dir ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  set(out_dir ${PROJECT_BINARY_DIR}/generated/${rel_dir})
  set(header ${out_dir}/${name}_generated.h)
  add_custom_command(
    OUTPUT ${header}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${VARVE_FLATC} --cpp --scoped-enums --gen-mutable -o ${out_dir}
            ${CMAKE_CURRENT_SOURCE_DIR}/${schema}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${schema} ${VARVE_FLATC}
    COMMENT "flatc ${rel_dir}/${schema}"
    VERBATIM)
  add_custom_target(${target}_${name}_header DEPENDS ${header})
  add_dependencies(${target} ${target}_${name}_header)
  target_sources(${target} PRIVATE ${header})
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated>)
  target_include_directories(${target} SYSTEM PUBLIC ${VARVE_FLATBUFFERS_INCLUDE_DIRS})
endfunction()
