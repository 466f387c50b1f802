# Every third-party dependency is found here, from Debian packages (see scripts/setup).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
pkg_check_modules(INIH REQUIRED IMPORTED_TARGET inih)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)

# Embed Debian's Python whatever python3 comes first on PATH (TOOLCHAIN.md).
set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python to embed" FORCE)
set(PYTHON_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python to embed" FORCE)
find_package(Python3 3.11 EXACT REQUIRED COMPONENTS Interpreter Development.Embed)
find_package(pybind11 2.10 REQUIRED CONFIG)

pkg_check_modules(SYSTEMD IMPORTED_TARGET libsystemd)

if(PANOPTES_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
