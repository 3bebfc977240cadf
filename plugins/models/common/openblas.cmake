# descent_model_blas(TARGET): the model's Eigen matrix products go to
# OpenBLAS (EIGEN_USE_BLAS) when Debian's OpenBLAS is installed: about 3x
# Eigen's own GEMM for the Fashion-MNIST layer shapes on an AVX-512 machine,
# since OpenBLAS picks its kernels for the CPU at run time.
#
# TBB is the one parallel runtime: OpenBLAS computes each product on the
# calling TBB thread. The serial build (libopenblas-serial-dev) is preferred
# and found through the plugin's RPATH, whatever Debian's alternatives
# point libopenblas.so.0 at: the pthread build starts a pool of threads
# when it loads, and they spin in sched_yield next to TBB's workers (a few
# percent of every epoch on 2 cores). With only the pthread build,
# dense_layer.hpp sets it to one thread.
set(descent_openblas_serial_dir
    /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-serial)
find_library(DESCENT_OPENBLAS_SERIAL_LIBRARY openblas
             PATHS ${descent_openblas_serial_dir} NO_DEFAULT_PATH)
if(DESCENT_OPENBLAS_SERIAL_LIBRARY)
  set(DESCENT_OPENBLAS_LIBRARY ${DESCENT_OPENBLAS_SERIAL_LIBRARY})
else()
  find_library(DESCENT_OPENBLAS_LIBRARY openblas)
endif()
function(descent_model_blas target)
  if(DESCENT_OPENBLAS_LIBRARY)
    target_compile_definitions(${target} PRIVATE EIGEN_USE_BLAS
                               DESCENT_USE_OPENBLAS)
    target_link_libraries(${target} PRIVATE ${DESCENT_OPENBLAS_LIBRARY})
    get_filename_component(blas_dir ${DESCENT_OPENBLAS_LIBRARY} DIRECTORY)
    if("${blas_dir}" STREQUAL "${descent_openblas_serial_dir}")
      set_property(TARGET ${target} APPEND PROPERTY BUILD_RPATH ${blas_dir})
      set_property(TARGET ${target} APPEND PROPERTY INSTALL_RPATH ${blas_dir})
    endif()
  endif()
endfunction()
