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

# galaxis_module(<name> [DIR <folder>] [DEPS ...] [PRIVATE_DEPS ...]): the
# library galaxis::<name> built from every .cc under <folder>/src (recursively,
# so a module can use sub-folders) with public headers in <folder>/include.
# <folder> defaults to the current source folder; DIR roots a module in a
# sub-folder (relay/client, relay/service, sql/sync). Globbing keeps the
# per-module CMakeLists stable while several people add files at once.
# DEPS are what the public headers need (and users get); PRIVATE_DEPS only
# the sources: a library is linked only into the targets that use it.
function(galaxis_module name)
  cmake_parse_arguments(ARG "" "DIR" "DEPS;PRIVATE_DEPS" ${ARGN})
  set(root ${CMAKE_CURRENT_SOURCE_DIR})
  if(ARG_DIR)
    set(root ${CMAKE_CURRENT_SOURCE_DIR}/${ARG_DIR})
  endif()
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${root}/src/*.cc)
  if(srcs)
    add_library(galaxis_${name} STATIC ${srcs})
    target_include_directories(galaxis_${name} PUBLIC ${root}/include)
    target_link_libraries(galaxis_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
    galaxis_warnings(galaxis_${name})
  else()
    add_library(galaxis_${name} INTERFACE)
    target_include_directories(galaxis_${name} INTERFACE ${root}/include)
    target_link_libraries(galaxis_${name} INTERFACE ${ARG_DEPS})
  endif()
  add_library(galaxis::${name} ALIAS galaxis_${name})
endfunction()
