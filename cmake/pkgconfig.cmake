# Writes snig.pc: the link line of the shared library is -lsnig alone; the
# static one (pkg-config --static) also needs the private dependencies,
# spelled here from what CMake found.

# A library as a link flag: /dir/libfoo.so -> -L/dir -lfoo; foo -> -lfoo.
function(snig_pc_flag lib out)
  if(lib MATCHES "^-")
    set(flag "${lib}")
  elseif(IS_ABSOLUTE "${lib}")
    get_filename_component(dir "${lib}" DIRECTORY)
    get_filename_component(name "${lib}" NAME_WE)
    string(REGEX REPLACE "^lib" "" name "${name}")
    if(dir MATCHES "^/(usr/)?lib(64)?(/${CMAKE_LIBRARY_ARCHITECTURE})?$")
      set(flag "-l${name}")   # a default search folder needs no -L
    else()
      set(flag "-L${dir} -l${name}")
    endif()
  else()
    set(flag "-l${lib}")
  endif()
  set(${out} "${flag}" PARENT_SCOPE)
endfunction()

set(snig_pc_libs "")
foreach(lib ${OpenMP_C_LIBRARIES} ${MPI_C_LIBRARIES})
  snig_pc_flag("${lib}" flag)
  list(APPEND snig_pc_libs "${flag}")
endforeach()
if(SNIG_HAS_CUDA)
  list(APPEND snig_pc_libs "-L${CUDAToolkit_LIBRARY_DIR} -lcudart" "-lstdc++")
endif()
list(APPEND snig_pc_libs "${CMAKE_THREAD_LIBS_INIT}" "-lm")
list(REMOVE_DUPLICATES snig_pc_libs)
list(REMOVE_ITEM snig_pc_libs "")
string(JOIN " " SNIG_PC_LIBS_PRIVATE ${snig_pc_libs})
set(SNIG_PC_REQUIRES_PRIVATE "zlib")

# The prefix as seen from the installed .pc file, so the tree can move.
file(RELATIVE_PATH SNIG_PC_PREFIX_FROM_PCDIR
     "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" SNIG_PC_PREFIX_FROM_PCDIR "${SNIG_PC_PREFIX_FROM_PCDIR}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/snig.pc.in ${PROJECT_BINARY_DIR}/snig.pc @ONLY)
