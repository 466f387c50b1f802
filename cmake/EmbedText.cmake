# panoptes_embed_text(OUT_VAR OUTPUT <file.cpp> INCLUDE <header> NAMESPACE <ns> FILES kName=path ...):
# generates OUTPUT (see embed_text.cmake) at build time, rebuilt when a file changes; sets OUT_VAR to
# its path for a library's SOURCES. Paths are relative to the calling directory.
function(panoptes_embed_text out_var)
  cmake_parse_arguments(ARG "" "OUTPUT;INCLUDE;NAMESPACE" "FILES" ${ARGN})
  set(entries "")
  set(deps "")
  foreach(f ${ARG_FILES})
    string(REGEX MATCH "^([A-Za-z0-9_]+)=(.*)$" ok "${f}")
    list(APPEND entries "${CMAKE_MATCH_1}=${CMAKE_CURRENT_SOURCE_DIR}/${CMAKE_MATCH_2}")
    list(APPEND deps "${CMAKE_CURRENT_SOURCE_DIR}/${CMAKE_MATCH_2}")
  endforeach()
  string(REPLACE ";" "," entries_arg "${entries}")
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${ARG_OUTPUT})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DINCLUDE=${ARG_INCLUDE} -DNAMESPACE=${ARG_NAMESPACE}
            "-DENTRIES=${entries_arg}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    DEPENDS ${deps} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    COMMENT "Embedding ${ARG_OUTPUT}"
    VERBATIM)
  set(${out_var} ${output} PARENT_SCOPE)
endfunction()
