# Every dependency comes from a Debian package; see README.md.
find_package(PkgConfig REQUIRED)
find_package(absl REQUIRED)
find_package(simdjson REQUIRED)
find_package(zstd REQUIRED)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
find_package(Threads REQUIRED)

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
endif()
if(VARVE_BUILD_TOOLS)
  find_package(CLI11 REQUIRED)
endif()
if(VARVE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
  find_package(SQLite3 REQUIRED)
endif()
