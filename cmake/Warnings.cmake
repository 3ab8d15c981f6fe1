# Strict warnings for our own targets only (third-party headers are SYSTEM).
function(galaxis_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                                           -Wno-missing-field-initializers)
  # g++ 12 at -O2/-O3 raises false -Warray-bounds/-Wrestrict/-Wstringop-*
  # inside inlined libstdc++ code (GCC PRs 105329, 107852): keep them as
  # warnings so Release builds do not fail on compiler bugs.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-error=array-bounds -Wno-error=restrict
                                             -Wno-error=stringop-overflow -Wno-error=stringop-overread)
  endif()
endfunction()

# galaxis_module(NAME <name> [DEPS ...]): a library built from <dir>/src/*.cc
# with public headers in <dir>/include/galaxis/<name>/. Globbing keeps the
# per-module CMakeLists stable while several people add files at once.
function(galaxis_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cc)
  if(srcs)
    add_library(galaxis_${name} STATIC ${srcs})
    target_include_directories(galaxis_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(galaxis_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
    galaxis_warnings(galaxis_${name})
  else()
    add_library(galaxis_${name} INTERFACE)
    target_include_directories(galaxis_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(galaxis_${name} INTERFACE ${ARG_DEPS})
  endif()
  add_library(galaxis::${name} ALIAS galaxis_${name})
endfunction()
