# Warning flags for every target of the project (not for third-party code).
set(RKT_WARNING_FLAGS
  -Wall -Wextra -Wshadow -Wformat=2 -Wconversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-qual -Wmissing-declarations
  -Wnull-dereference -Wimplicit-fallthrough)
if(RKT_WERROR)
  list(APPEND RKT_WARNING_FLAGS -Werror)
endif()

function(rkt_target_defaults target)
  target_compile_options(${target} PRIVATE ${RKT_WARNING_FLAGS})
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
endfunction()
