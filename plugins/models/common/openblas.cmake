# descent_model_blas(TARGET): the model's Eigen matrix products go to
# OpenBLAS (EIGEN_USE_BLAS) when Debian's libopenblas-dev is installed: about
# 3x Eigen's own GEMM for the Fashion-MNIST layer shapes on an AVX-512
# machine, since OpenBLAS picks its kernels for the CPU at run time. OpenBLAS
# runs single-threaded inside the calling TBB task (dense_layer.hpp), so TBB
# stays the one parallel runtime and results do not depend on thread count.
# Not Debian's serial build (libopenblas0-serial): it is compiled without
# USE_LOCKING, so two TBB threads in GEMM at once share its buffer pool
# and corrupt each other's products (a sweep's concurrent trials did).
find_library(DESCENT_OPENBLAS_LIBRARY openblas)
function(descent_model_blas target)
  if(DESCENT_OPENBLAS_LIBRARY)
    target_compile_definitions(${target} PRIVATE EIGEN_USE_BLAS
                               DESCENT_USE_OPENBLAS)
    target_link_libraries(${target} PRIVATE ${DESCENT_OPENBLAS_LIBRARY})
  endif()
endfunction()
