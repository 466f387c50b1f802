# Warnings are errors on our own code. Call panoptes_warnings(target) on every target we own.
# -Wno-restrict: GCC 12 reports a false -Wrestrict on `"literal" + std::string` at -O3 (GCC PR 105651).
function(panoptes_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror -Wno-error=deprecated-declarations
                                           $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()

# panoptes_library(name SOURCES ... DEPS ...): one static library per module, see STYLE.md.
function(panoptes_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(panoptes_${name} STATIC ${ARG_SOURCES})
  add_library(panoptes::${name} ALIAS panoptes_${name})
  target_include_directories(panoptes_${name} PUBLIC
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src ${CMAKE_BINARY_DIR}/generated)
  target_link_libraries(panoptes_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  set_target_properties(panoptes_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  panoptes_warnings(panoptes_${name})
endfunction()
