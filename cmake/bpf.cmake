# Compiling BPF C with clang-19, as a user of hostbpf would:
#   clang-19 -O2 -g -target bpf -c prog.bpf.c -o prog.bpf.o
# clang 14 silently drops BTF type tags (__kptr), so an older clang is refused.
find_program(BPF_CLANG NAMES clang-19 REQUIRED)

# hostbpf_bpf_objects(<target> <src.bpf.c>...): builds one .bpf.o per source into
# the current binary dir and makes <target> depend on all of them. Extra flags:
# set HOSTBPF_BPF_CFLAGS before calling (e.g. -mcpu=v4).
function(hostbpf_bpf_objects target)
  set(objs)
  foreach(src ${ARGN})
    get_filename_component(base ${src} NAME_WE)
    set(obj ${CMAKE_CURRENT_BINARY_DIR}/${base}.bpf.o)
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${BPF_CLANG} -O2 -g -target bpf -mcpu=v3 ${HOSTBPF_BPF_CFLAGS}
              -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}
              -c ${CMAKE_CURRENT_SOURCE_DIR}/${src} -o ${obj}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${src}
      IMPLICIT_DEPENDS C ${CMAKE_CURRENT_SOURCE_DIR}/${src}
      COMMENT "BPF ${src}"
      VERBATIM)
    list(APPEND objs ${obj})
  endforeach()
  add_custom_target(${target} ALL DEPENDS ${objs})
endfunction()
